"""The hostile corpus (tests/hostile/, see its README): every file goes through every importer
that could be handed it (the deck loader, bundle import, Anki import, CSV and Quizlet import, the
feed index and class report parsers, a bundle's manifest), and each one refuses it with the
project's own error, a message that names the file and says what is wrong, quickly, and without
writing anything into the learner's data folder or running anything.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import needs_shared

from quizapp.core.collection import Collection
from quizapp.core.datadir import imported_decks_dir
from quizapp.core.deckfile import load_deck
from quizapp.core.errors import (
    ArchiveError,
    DeckFileError,
    FormatError,
    ProblemsError,
    QuizappError,
)
from quizapp.sharing import anki_package
from quizapp.sharing.feed import FeedError, parse_index
from quizapp.sharing.formats import import_file
from quizapp.sharing.reports import ReportError, parse_report

HOSTILE = Path(__file__).resolve().parent / "hostile"
# No hostile file may keep an importer busy for long (a tag-soup Anki field took 5 s before).
SECONDS_PER_FILE = 5.0


def _corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hostile_corpus", HOSTILE / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = _corpus_module()

ZIP_LEVEL = ("ArchiveError", "appears twice", "symbolic link", "absolute path", "'..'", "backslash", "drive letter", "not a zip archive")

# What each importer must say about each file: {route: words the message must contain}.
# Routes: deck (load_deck), bundle / apkg / csv / quizlet (import_file with that suffix), index
# (parse_index), report (parse_report), manifest (the file as the manifest.json of a bundle).
TEXT_REFUSALS = {"csv": "the first row must name the columns", "quizlet": "no tab between term and definition"}
EXPECTED: dict[str, dict[str, str]] = {
    "billion-laughs.yaml": {"deck": "YAML aliases (*name) are not allowed", "bundle": "YAML aliases (*name) are not allowed", **TEXT_REFUSALS},
    "python-tags.yaml": {"deck": "YAML tags are not allowed in deck files (found '!!python/object/apply:os.system')", "bundle": "YAML tags are not allowed", **TEXT_REFUSALS},
    "deep-nesting.yaml": {"deck": "nested more than 32 levels deep", "bundle": "nested more than 32 levels deep", **TEXT_REFUSALS},
    "deep-nesting-block.yaml": {"deck": "nested more than 32 levels deep", "bundle": "nested more than 32 levels deep", **TEXT_REFUSALS},
    "invalid-utf8.yaml": {"deck": ":6:56: the file is not valid UTF-8", "bundle": ":6:56: the file is not valid UTF-8", "csv": ":6:56: the file is not valid UTF-8", "quizlet": ":6:56: the file is not valid UTF-8"},
    "long-image-name.yaml": {"deck": "is too long: at most 255 characters", "bundle": "is too long", **TEXT_REFUSALS},
    "lone-surrogate.yaml": {"deck": ":6:59: YAML syntax: while parsing a quoted scalar: found invalid Unicode character escape", "bundle": "invalid Unicode character escape", **TEXT_REFUSALS},
    "control-title.yaml": {"deck": ":2:38: 'title' in 'deck' holds U+001B (control character ^[)", "bundle": "small.yaml:2:38: 'title' in 'deck' holds U+001B", **TEXT_REFUSALS},
    "invalid-utf8.csv": {"deck": ":3:7: the file is not valid UTF-8", "csv": ":3:7: the file is not valid UTF-8", "quizlet": ":3:7: the file is not valid UTF-8"},
    "invalid-utf8.txt": {"deck": ":2:4: the file is not valid UTF-8", "csv": ":2:4: the file is not valid UTF-8", "quizlet": ":2:4: the file is not valid UTF-8"},
    "nul.csv": {"csv": ":3:21: the file holds a NUL character (\\0), which is not text", "quizlet": ":3:21: the file holds a NUL character", "deck": "unacceptable character #x0000"},
    "nul.txt": {"quizlet": ":2:18: the file holds a NUL character (\\0), which is not text", "csv": ":2:18: the file holds a NUL character", "deck": "unacceptable character #x0000"},
    "deep-nesting.json": {"deck": "nested more than 32 levels deep", "index": "not valid JSON: maximum recursion depth", "report": "not valid JSON: maximum recursion depth", "manifest": "manifest.json: not valid JSON", **TEXT_REFUSALS},
    "duplicate-keys.json": {"deck": "missing the required key 'cards'", "index": "the key 'format' appears twice", "report": "the key 'format' appears twice", "manifest": "the key 'format' appears twice", **TEXT_REFUSALS},
    "lone-surrogate.json": {"deck": "invalid Unicode character escape", "index": "nickname: holds an unpaired surrogate", "report": "nickname: holds an unpaired surrogate", "manifest": "nickname: holds an unpaired surrogate", **TEXT_REFUSALS},
    "huge-number.json": {"deck": "missing the required key 'cards'", "index": "Exceeds the limit (4300 digits)", "report": "Exceeds the limit (4300 digits)", "manifest": "Exceeds the limit (4300 digits)", **TEXT_REFUSALS},
    "report-bidi-nickname.json": {"deck": "missing the required key 'deck'", "report": "nickname: holds U+202E (RIGHT-TO-LEFT OVERRIDE); a name may not hold control", **TEXT_REFUSALS},
    "report-forged-counts.json": {"deck": "missing the required key 'deck'", "report": "cards[0].lapses: 9 lapses but only 1 reviews; lapses may not exceed reviews", **TEXT_REFUSALS},
    "forged-overdose.quizdeck": {
        "bundle": "deck 'overdose-response' (bundled with the app) cannot be replaced by an unsigned file (forged-overdose.quizdeck). To keep both, import it as a new deck",
        "apkg": "is not an Anki package",
    },
    "not-a-zip.quizdeck": {"bundle": "is not a zip archive", "apkg": "is not a zip archive"},
    "truncated.quizdeck": {"bundle": "is not a zip archive, or it is truncated or damaged", "apkg": "truncated or damaged"},
    "zip-slip.quizdeck": {"bundle": "entry '../../evil.png' uses '..'", "apkg": "entry '../../evil.png' uses '..'"},
    "absolute-path.quizdeck": {"bundle": "entry '/tmp/evil.png' has an absolute path", "apkg": "has an absolute path"},
    "windows-path.quizdeck": {"bundle": "uses a backslash in its name", "apkg": "uses a backslash"},
    "drive-letter.quizdeck": {"bundle": "entry 'C:/Windows/evil.png' uses ':' (a drive letter", "apkg": "a drive letter"},
    "symlink.quizdeck": {"bundle": "entry 'img/pic.png' is a symbolic link", "apkg": "is a symbolic link"},
    "duplicate-entries.quizdeck": {"bundle": "entry 'small.yaml' appears twice", "apkg": "appears twice"},
    "duplicate-manifest.quizdeck": {"bundle": "entry 'manifest.json' appears twice", "apkg": "appears twice"},
    "case-duplicate.quizdeck": {"bundle": "entry 'SMALL.yaml' appears twice (as 'small.yaml')", "apkg": "appears twice"},
    "unicode-duplicate.quizdeck": {"bundle": "appears twice", "apkg": "appears twice"},
    "lzma-damaged.quizdeck": {"bundle": "entry 'small.yaml' is damaged", "apkg": "is not an Anki package"},
    "file-and-folder.quizdeck": {"bundle": "'img/pic.png' is a file, so 'img/pic.png/x.png' cannot be written below it", "apkg": "is not an Anki package"},
    "long-image-name.quizdeck": {"bundle": "is too long: at most 255 characters", "apkg": "is not an Anki package"},
    "deep-manifest.quizdeck": {"bundle": "manifest.json: not valid JSON: maximum recursion depth", "apkg": "is not an Anki package"},
    "surrogate-manifest.quizdeck": {"bundle": "manifest.json: title: holds an unpaired surrogate", "apkg": "is not an Anki package"},
    "tampered-manifest.quizdeck": {"bundle": "manifest.json: signature: does not match: it was altered after publisher key 5647 5aa7 5463 474c signed it, or that key never signed it", "apkg": "is not an Anki package"},
    "bad-signature.quizdeck": {"bundle": "manifest.json: signature: does not match: it was altered after publisher key 5647 5aa7 5463 474c signed it", "apkg": "is not an Anki package"},
    "malformed-signature.quizdeck": {"bundle": "manifest.json: signature: is not an Ed25519 signature (86 letters, digits, - or _)", "apkg": "is not an Anki package"},
    "zip-slip.apkg": {"apkg": "entry '../../collection.anki21' uses '..'", "bundle": "uses '..'"},
    "absolute-path.apkg": {"apkg": "entry '/tmp/0' has an absolute path", "bundle": "has an absolute path"},
    "symlink.apkg": {"apkg": "entry '0' is a symbolic link", "bundle": "is a symbolic link"},
    "duplicate-entries.apkg": {"apkg": "entry 'collection.anki21' appears twice", "bundle": "appears twice"},
    "truncated.apkg": {"apkg": "is not a zip archive, or it is truncated or damaged", "bundle": "truncated or damaged"},
}
GENERATED: dict[str, dict[str, str]] = {
    "huge-string.yaml": {"deck": "the file is 50.0 MB; a deck file may be at most 8 MB", "csv": "is 47.7 MB; at most 8 MB can be imported", "quizlet": "at most 8 MB can be imported", "bundle": "the file is 50.0 MB; a deck file may be at most 8 MB"},
    "huge-string.csv": {"csv": "is 47.7 MB; at most 8 MB can be imported", "quizlet": "at most 8 MB", "deck": "at most 8 MB"},
    "huge-string.txt": {"quizlet": "is 47.7 MB; at most 8 MB can be imported", "csv": "at most 8 MB", "deck": "at most 8 MB"},
    "huge-string.quizdeck": {"bundle": "small.yaml:1:1: the file is 50.0 MB; a deck file may be at most 8 MB", "apkg": "is not an Anki package"},
    "huge-field.apkg": {"apkg": "holds 48 MB of note text; quizapp imports at most 16 MB from one package", "bundle": "has no manifest.json"},
    "zip-bomb.quizdeck": {"bundle": "entry 'img/zeros.png' unpacks to 1024.0 MB; at most 64.0 MB per entry", "apkg": "unpacks to 1024.0 MB; at most 512.0 MB per entry"},
    "zip-bomb-overlap.quizdeck": {"bundle": "unpacks to more than 64.0 MB", "apkg": "is not an Anki package"},
    "zip-bomb-lying.quizdeck": {"bundle": "entry 'zeros.png' is damaged", "apkg": "is not an Anki package"},
    "zip-bomb.apkg": {"apkg": "entry 'collection.anki21' unpacks to 1024.0 MB; at most 512.0 MB per entry", "bundle": "unpacks to 1024.0 MB; at most 64.0 MB per entry"},
    "zip-bomb-overlap.apkg": {"apkg": "unpacks to more than 2048.0 MB", "bundle": "entry '0' unpacks to 400.0 MB"},
    "zip-bomb-lying.apkg": {"apkg": "entry 'collection.anki21' is damaged", "bundle": "has no manifest.json"},
    "zstd-bomb.apkg": {"apkg": "'collection.anki21b' in 'zstd-bomb.apkg' unpacks to more than 64 MB", "bundle": "has no manifest.json"},
    "generated-column.apkg": {"apkg": "'generated-column.apkg': column 'flds' of table 'notes' is generated or hidden, which Anki never writes", "bundle": "has no manifest.json"},
    "many-notes.apkg": {"apkg": "'many-notes.apkg' holds 150,010 notes; quizapp imports at most 100,000 from one package", "bundle": "has no manifest.json"},
    "many-cards.yaml": {"deck": ":55558:4: the file holds more than 500,000 YAML values (keys, texts, lists); split it into several files", "bundle": ":55558:4: the file holds more than 500,000 YAML values", "quizlet": ":25001:1: a deck may hold at most 25,000 cards, and this is row 25,001", "csv": "the file is 6.9 MB; at most 2 MB can be imported"},
    "one-line.yaml": {"deck": ":1:2488893: the file holds more than 500,000 YAML values", "bundle": ":1:2488893: the file holds more than 500,000 YAML values", "quizlet": "no tab between term and definition", "csv": "at most 2 MB can be imported"},
    "many-rows.txt": {"quizlet": ":25001:1: a deck may hold at most 25,000 cards, and this is row 25,001; split the file into several decks", "csv": "at most 2 MB can be imported", "deck": "the deck file must be a mapping of keys to values, not 'term 0"},
    "many-columns.csv": {"csv": "unknown column 'c0'\n", "quizlet": ":1:1: no tab between term and definition", "deck": "the deck file must be a mapping of keys to values, not 'c0,c1,"},
}
# How the message of a file with many problems ends: {file: route and the line after the first 50}.
SHORTENED = {"many-columns.csv": ("csv", "\nand 99,951 more")}
# Odd Anki packages that are imported, safely: {file: words a warning must contain, or ""}.
IMPORTED_SAFELY = {
    "tag-soup.apkg": "field 'Front' is 1,953 KB; at most 256 KB per field is imported; left out",
    "empty-deck-name.apkg": "",
    "number-as-setting.apkg": "",
}


@pytest.fixture
def learner(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection.open(tmp_path / "data", tz=timezone.utc)
    yield collection
    collection.close()


def _needing_shared_marked(names: Iterable[str]) -> list[Any]:
    """`names` sorted, those made from the Anki reference packages in ../shared marked as needing it."""
    return [pytest.param(name, marks=needs_shared) if name in corpus.FROM_ANKI_FIXTURES else name for name in sorted(names)]


def _data_snapshot(collection: Collection) -> tuple[list[str], object]:
    folder = imported_decks_dir(collection.data_dir)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []
    return files, (collection.deck_ids(), collection.store.query("SELECT count(*) FROM revlog"))


def _route(route: str, name: str, data: bytes, workdir: Path, collection: Collection) -> Callable[[], object]:
    stem = Path(name).stem

    def written(suffix: str, content: bytes = data) -> Path:
        path = workdir / f"{stem}{suffix}"
        path.write_bytes(content)
        return path

    if route == "deck":
        return lambda: load_deck(written(".yaml"))
    if route in ("bundle", "apkg", "csv", "quizlet"):
        suffix = {"bundle": ".quizdeck", "apkg": ".apkg", "csv": ".csv", "quizlet": ".txt"}[route]
        content = corpus.deck_bundle(data) if route == "bundle" and name.endswith(".yaml") else data
        return lambda: import_file(collection, written(suffix, content))
    if route == "index":
        return lambda: parse_index(data, name)
    if route == "report":
        return lambda: parse_report(data, name)
    if route == "manifest":
        return lambda: import_file(collection, written(".quizdeck", corpus.bundle({"small.yaml": corpus.DECK.encode()}, manifest=data)))
    raise AssertionError(route)


def _where(route: str, name: str) -> str:
    """How the refusal must name the file: the name the importer was handed."""
    stem = Path(name).stem
    return {"deck": f"{stem}.yaml", "bundle": f"{stem}.quizdeck", "apkg": f"{stem}.apkg", "csv": f"{stem}.csv", "quizlet": f"{stem}.txt", "manifest": f"{stem}.quizdeck", "index": name, "report": name}[route]


def _check_refusals(name: str, data: bytes, expected: dict[str, str], tmp_path: Path, collection: Collection) -> None:
    before = _data_snapshot(collection)
    for route, words in expected.items():
        workdir = tmp_path / route
        workdir.mkdir(exist_ok=True)
        started = time.monotonic()
        with pytest.raises(QuizappError) as caught:
            _route(route, name, data, workdir, collection)()
        elapsed = time.monotonic() - started
        error = caught.value
        message = str(error)
        message.encode("utf-8")  # printable
        assert words in message, f"{name} via {route}: {message[:300]}"
        where = _where(route, name)
        if isinstance(error, ProblemsError):
            assert all(where in problem.path and problem.line >= 1 for problem in error.problems), (name, route, message[:300])
        else:
            assert where in message, f"{name} via {route} does not name the file: {message[:300]}"
        assert elapsed < SECONDS_PER_FILE, f"{name} via {route} took {elapsed:.1f} s"
        assert _data_snapshot(collection) == before, f"{name} via {route} wrote into the learner's data"
    assert not os.path.exists(corpus.PWNED_MARKER), f"{name} ran a command"


def test_the_readme_describes_every_file_and_every_file_is_tested() -> None:
    readme = (HOSTILE / "README.md").read_text(encoding="utf-8")
    committed = sorted(p.name for p in HOSTILE.iterdir() if p.is_file() and p.suffix not in (".md", ".py"))
    assert committed == sorted(EXPECTED), "tests/hostile/ and EXPECTED disagree"
    assert sorted(corpus.generated_files()) == sorted([*GENERATED, *IMPORTED_SAFELY])
    for name in [*committed, *GENERATED, *IMPORTED_SAFELY]:
        assert f"`{name}`" in readme, f"the README does not describe {name}"


def test_the_committed_files_are_what_the_script_makes() -> None:
    for name, build in corpus.small_files().items():
        assert (HOSTILE / name).read_bytes() == build(), f"{name} differs from make_corpus.py; run python tests/hostile/make_corpus.py"
        assert (HOSTILE / name).stat().st_size < 100_000, f"{name} is too big to commit; generate it at test time"


@pytest.fixture(autouse=True)
def _no_marker() -> Iterator[None]:
    Path(corpus.PWNED_MARKER).unlink(missing_ok=True)
    yield
    assert not os.path.exists(corpus.PWNED_MARKER)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_committed_hostile_file_is_refused_by_every_importer(name: str, tmp_path: Path, learner: Collection) -> None:
    _check_refusals(name, (HOSTILE / name).read_bytes(), EXPECTED[name], tmp_path, learner)


@pytest.mark.parametrize("name", _needing_shared_marked(GENERATED))
def test_each_generated_hostile_file_is_refused_by_every_importer(name: str, tmp_path: Path, learner: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    if name == "zstd-bomb.apkg":
        # The real cap on an unpacked collection is 1 GB (large Anki collections are real); a bomb
        # past it would cost a gigabyte of temporary disk here, so the cap is lowered for the test.
        monkeypatch.setattr(anki_package, "MAX_COLLECTION_BYTES", 64 * 2**20)
    data = corpus.generated_files()[name]()
    _check_refusals(name, data, GENERATED[name], tmp_path, learner)


@pytest.mark.parametrize("name", sorted(SHORTENED))
def test_a_file_with_many_problems_shows_the_first_fifty_then_how_many_more(name: str, tmp_path: Path, learner: Collection) -> None:
    route, ending = SHORTENED[name]
    with pytest.raises(ProblemsError) as caught:
        _route(route, name, corpus.generated_files()[name](), tmp_path, learner)()
    lines = str(caught.value).splitlines()
    assert len(lines) == 51 and str(caught.value).endswith(ending)


@pytest.mark.parametrize("name", _needing_shared_marked(IMPORTED_SAFELY))
def test_odd_anki_packages_are_imported_safely_and_quickly(name: str, tmp_path: Path, learner: Collection) -> None:
    path = tmp_path / name
    path.write_bytes(corpus.generated_files()[name]())
    started = time.monotonic()
    result = import_file(learner, path)
    assert time.monotonic() - started < SECONDS_PER_FILE
    assert result.results and all(r.changed for r in result.results)
    if IMPORTED_SAFELY[name]:
        assert any(IMPORTED_SAFELY[name] in warning for warning in result.warnings), result.warnings
    for deck_id in learner.deck_ids():
        assert learner.deck(deck_id).info.title.strip()
    # Whatever was installed is a deck folder the loader reads back.
    for deck_file in imported_decks_dir(learner.data_dir).glob("*/*.yaml"):
        load_deck(deck_file)


@pytest.mark.parametrize("name", [name for name in sorted(EXPECTED) if "deck" in EXPECTED[name]])
def test_the_pure_python_yaml_loader_refuses_them_the_same_way(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where PyYAML's C extension is missing (a python-for-android build may lack it), the loader
    falls back to the pure-Python one: same refusals."""
    import yaml

    from quizapp.core import deckfile

    monkeypatch.setattr(deckfile, "_Loader", yaml.SafeLoader)
    with pytest.raises(DeckFileError) as caught:
        load_deck(HOSTILE / name)
    expected = EXPECTED[name]["deck"]
    if "invalid Unicode character escape" in expected:
        # libyaml stops at the escape; the pure-Python loader reads it and the checker refuses it.
        expected = "invalid Unicode character escape: half of a UTF-16 pair"
    assert expected in str(caught.value)


def test_error_types_are_the_projects_own() -> None:
    # The routes above raise these; they are all QuizappError, which the front ends show in words.
    for kind in (ArchiveError, DeckFileError, FormatError, FeedError, ReportError):
        assert issubclass(kind, QuizappError)
