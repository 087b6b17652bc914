"""SQL lives in the store: no SQL text in the UI, the command line or the sharing formats, and
nothing outside the core reaches the store behind the collection's back.

Read from the source (string literals, not comments or docstrings), so it costs milliseconds.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "quizapp"

# SQL as this project writes it (keywords in capitals): a statement's shape anywhere in a string,
# or a string that starts with a statement's first keyword (the rest may come from a variable).
SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\bCREATE\s+(?:UNIQUE\s+|TEMP\s+|TEMPORARY\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\b|\bPRAGMA\s+\w+"
    r"|^\s*(?:SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA)\b"
)

# Core modules that still hold SQL outside the store. Issue 16 ("The SQL lives in the store")
# moves it into the store; until then this list only keeps new modules from adding more.
CORE_SQL_TODAY = {"store.py", "backup.py", "collection.py", "decksync.py", "queues.py", "stats.py"}

# Reaching `collection.store` outside the core, today, per file. Issue 16 ("Settings keys have an
# owner") gives the settings one owner; until then no file may reach it more often than this.
STORE_ACCESS_TODAY = {
    "quizapp/ui/app.py": 2,  # the screen stack kept across restarts
    "quizapp/sharing/feed.py": 3,  # the feed subscriptions
    "quizapp/sharing/reports.py": 2,  # where class reports are collected
}


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = [node for node in ast.walk(tree) if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))]
    return {
        id(node.body[0].value)
        for node in nodes
        if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }


def _strings(source: str) -> list[tuple[int, str]]:
    """Every string literal in `source` with its line; an f-string's parts joined around its fields."""
    tree = ast.parse(source)
    skipped = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
            found.append((node.lineno, text))
            skipped |= {id(part) for part in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            found.append((node.lineno, node.value))
    return found


def _sql_lines(source: str) -> list[int]:
    return sorted(line for line, text in _strings(source) if SQL.search(text))


def _checked_files() -> list[Path]:
    ui = [*PACKAGE.joinpath("ui").rglob("*.py"), *PACKAGE.joinpath("ui").rglob("*.kv")]
    # Reading a foreign Anki collection is SQL of its own, not the store's: sharing/anki_* is exempt.
    sharing = [path for path in PACKAGE.joinpath("sharing").rglob("*.py") if not path.name.startswith("anki_")]
    core = [path for path in PACKAGE.joinpath("core").rglob("*.py") if path.name not in CORE_SQL_TODAY]
    return sorted([*ui, PACKAGE / "cli.py", *sharing, *core])


def _relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_no_sql_outside_the_store_in_ui_cli_sharing_or_new_core_modules() -> None:
    found = {}
    for path in _checked_files():
        text = path.read_text(encoding="utf-8")
        # A .kv file is not Python: each line is checked as it is.
        lines = [n for n, line in enumerate(text.splitlines(), 1) if SQL.search(line)] if path.suffix == ".kv" else _sql_lines(text)
        if lines:
            found[_relative(path)] = lines
    assert found == {}, "SQL belongs in quizapp/core/store.py; add a store method instead"


def test_the_sql_check_sees_statements_however_they_are_written() -> None:
    assert _sql_lines('x = "SELECT due FROM cards WHERE id = ?"') == [1]
    assert _sql_lines('x = f"SELECT {columns} FROM cards"') == [1]
    assert _sql_lines('x = ("UPDATE cards "\n     "SET queue = 0")') == [1]
    assert _sql_lines('x = "DELETE " + "FROM revlog"') == [1]
    assert _sql_lines('db.execute("PRAGMA integrity_check")') == [1]
    assert _sql_lines('db.execute(f"INSERT OR REPLACE INTO settings VALUES ({marks})")') == [1]
    assert _sql_lines('x = "CREATE INDEX ix ON cards (due)"') == [1]
    # Words in the learner's language and docstrings are not SQL.
    assert _sql_lines('label = "Select the cards to move from this deck"') == []
    assert _sql_lines('def f():\n    """Runs PRAGMA integrity_check on the copy."""') == []


def _store_accesses(source: str) -> int:
    return sum(1 for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Attribute) and node.attr == "store")


def test_nothing_outside_the_core_reaches_the_store_behind_the_collection() -> None:
    counts: Counter[str] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        if PACKAGE / "core" not in path.parents:
            counts[_relative(path)] = _store_accesses(path.read_text(encoding="utf-8"))
    for path in sorted(PACKAGE.rglob("*.kv")):
        counts[_relative(path)] = len(re.findall(r"\.store\b", path.read_text(encoding="utf-8")))
    over = {name: count for name, count in counts.items() if count > STORE_ACCESS_TODAY.get(name, 0)}
    assert over == {}, "go through Collection (a method there), not collection.store"
    assert _store_accesses("collection.store.checkpoint()") == 1  # the check sees an access
