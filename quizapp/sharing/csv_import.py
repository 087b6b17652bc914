"""Quick authoring in a spreadsheet: a CSV file whose header row names deck-format card fields.

Each row becomes one card mapping, and the whole deck goes through `parse_deck`, so a CSV deck is
held to exactly the rules and messages of a deck file. The YAML handed to the loader is written
one card per line, and every problem's position is mapped back to the CSV line the row starts on
and the column number of the cell (1 = first column). See docs/formats.md.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from quizapp.core.deck import FORMAT_VERSION, Deck, DeckInfo, Source
from quizapp.core.deckfile import MAX_CARDS, MAX_FILE_BYTES, parse_deck
from quizapp.core.errors import DeckFileError, FormatProblems, Problem, ProblemsError
from quizapp.sharing.quizlet import (
    check_id_prefix,
    deck_info,
    decode_text,
    too_many_cards,
    unneutralised,
)

MAX_CSV_BYTES = 2 * 2**20
LIST_SEPARATOR = "|"
COLUMNS = ("id", "type", "front", "back", "question", "answers", "distractors", "statement", "truth", "steps", "text", "explain", "source", "tags")
LIST_COLUMNS = ("answers", "distractors", "steps", "tags")
_DELIMITERS = (",", ";", "\t")
# An unescaped list separator; `\|` stands for a literal one.
_LIST_SPLIT = re.compile(r"(?<!\\)\|")
# The loader's references to an earlier line ("duplicate card id 'x' (first on line 7)").
_LINE_REFERENCE = re.compile(r"(\(first (?:given )?on line )(\d+)\)")
_UNKNOWN_KEY = re.compile(r"unknown key '(\w+)' in (.+?)(?:; did you mean '\w+'\?)?\Z", re.DOTALL)


@dataclass
class _Row:
    """One card as a line of flow-style YAML, with where each cell's YAML starts."""

    csv_line: int
    yaml: str
    spans: list[tuple[int, int]]  # (1-based YAML column where a cell's key starts, CSV column)


def import_csv(
    data: bytes | str,
    *,
    deck_id: str,
    title: str,
    path: str = "<csv>",
    sources: Sequence[Source] = (),
    id_prefix: str = "card",
) -> Deck:
    """A deck from CSV with a header row; raises FormatProblems listing every problem at once.

    The delimiter is the one of `,` `;` tab that the header row uses. An empty `type` means
    `basic`; an empty `id` becomes `<id_prefix>-<row number>` (0001 for the first card row), so
    give ids if the file will be edited and re-imported. `sources` declares what the `source`
    column may cite.
    """
    info = deck_info(deck_id, title)
    check_id_prefix(id_prefix)
    text = decode_text(data, path, MAX_CSV_BYTES)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(_DELIMITERS, key=first_line.count) if any(d in first_line for d in _DELIMITERS) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[Problem] = []
    rows: list[_Row] = []
    header: list[str] | None = None
    card_rows = line_before = 0
    try:
        for cells in reader:
            row_line, line_before = line_before + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells, path, row_line)
                continue
            if card_rows == MAX_CARDS:
                raise too_many_cards(path, row_line, 1, MAX_CARDS)
            card_rows += 1
            if any(cell.strip() for cell in cells[len(header) :]):
                problems.append(Problem(path, row_line, len(header) + 1, f"this row has {len(cells)} cells but the header names {len(header)} columns"))
            else:
                rows.append(_card_row(dict(zip(header, cells)), header, row_line, f"{id_prefix}-{len(rows) + 1:04d}"))
    except csv.Error as error:
        problems.append(Problem(path, reader.line_num, 1, f"CSV syntax: {error}"))
    if header is None and not problems:
        problems.append(Problem(path, 1, 1, f"the file is empty; the first row must name the columns ({', '.join(COLUMNS)})"))
    elif not rows and not problems:
        problems.append(Problem(path, line_before, 1, "there are no card rows below the header"))
    deck = None
    if rows:
        try:
            deck = _validated(info, sources, rows, path)
        except FormatProblems as error:
            problems.extend(error.problems)
    if problems or deck is None:
        raise FormatProblems(problems)
    return deck


def _header(cells: list[str], path: str, line: int) -> list[str]:
    names = [cell.strip().lower() for cell in cells]
    while not names[-1]:
        names.pop()  # spreadsheets often save empty columns after the last used one
    problems: list[Problem] = []
    first_column: dict[str, int] = {}
    for col, name in enumerate(names, 1):
        if not name:
            problems.append(Problem(path, line, col, "this header cell is empty; every column needs the name of a card field"))
        elif name not in COLUMNS:
            # Only the problems shown get a suggestion: finding one for each of 100,000 columns took seconds.
            close = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.6) if len(problems) < ProblemsError.MAX_SHOWN_PROBLEMS else []
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(Problem(path, line, col, f"unknown column '{name}'{hint}"))
        elif name in first_column:
            problems.append(Problem(path, line, col, f"column '{name}' appears twice (first in column {first_column[name]})"))
        first_column.setdefault(name, col)
    if problems and not set(names) & set(COLUMNS):
        problems.append(Problem(path, line, 1, f"the first row must name the columns: {', '.join(COLUMNS)}"))
    if problems:
        raise FormatProblems(problems)
    return names


def _card_row(cells: dict[str, str], header: list[str], csv_line: int, default_id: str) -> _Row:
    """The row as `- {id: "...", type: "...", ...}`; empty cells are left out, as absent keys."""
    fields: list[tuple[str, str, int]] = []  # (key, YAML value, CSV column)
    for key, default in (("id", default_id), ("type", "basic")):
        value = cells.get(key, "").strip() or default
        fields.append((key, _quote(value), header.index(key) + 1 if key in header else 1))
    for col, name in enumerate(header, 1):
        cell = unneutralised(cells.get(name, "").strip())
        if name in ("id", "type") or not cell:
            continue
        if name in LIST_COLUMNS or (name == "source" and _LIST_SPLIT.search(cell)):
            items = [item.strip().replace("\\" + LIST_SEPARATOR, LIST_SEPARATOR) for item in _LIST_SPLIT.split(cell)]
            value = "[" + ", ".join(_quote(item) for item in items) + "]"
        elif name == "truth" and cell.lower() in ("true", "false", "yes", "no"):
            value = "true" if cell.lower() in ("true", "yes") else "false"
        else:
            value = _quote(cell)
        fields.append((name, value, col))
    yaml, spans = "- {", list[tuple[int, int]]()
    for key, value, col in fields:
        yaml += ", " if spans else ""
        spans.append((len(yaml) + 1, col))
        yaml += f"{key}: {value}"
    return _Row(csv_line, yaml + "}", spans)


def _quote(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly `text`. Line breaks YAML would fold
    and characters it refuses are escaped; other text stays as it is, so sizes stay close."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif code < 0x20 or 0x7F <= code <= 0x9F or char in "\u2028\u2029\ufeff\ufffe\uffff" or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _validated(info: DeckInfo, sources: Sequence[Source], rows: list[_Row], path: str) -> Deck:
    head = [f"format: {FORMAT_VERSION}", f"deck: {{id: {_quote(info.id)}, version: {info.version}, title: {_quote(info.title)}}}"]
    if sources:
        head.append("sources:")
        for source in sources:
            head.append("- {" + ", ".join(f"{k}: {_quote(v)}" for k, v in source.to_dict().items()) + "}")
    head.append("cards:")
    yaml_text = "\n".join([*head, *(row.yaml for row in rows)]) + "\n"
    if len(yaml_text) > MAX_FILE_BYTES:
        raise FormatProblems([Problem(path, 1, 1, f"the CSV makes a deck over {MAX_FILE_BYTES // 2**20} MB; split it into several decks")])
    try:
        return parse_deck(yaml_text, path)
    except DeckFileError as error:
        # Items of one list cell share the cell's position: the same message twice says nothing new.
        mapped = dict.fromkeys(_csv_problem(p, rows, len(head), path) for p in error.problems)
        raise FormatProblems(list(mapped)) from None


def _csv_problem(problem: Problem, rows: list[_Row], head_lines: int, path: str) -> Problem:
    """The loader's problem at the CSV cell its YAML came from; "line N" in the message too."""

    def csv_line(yaml_line: int) -> int:
        index = yaml_line - head_lines - 1
        return rows[index].csv_line if 0 <= index < len(rows) else 1

    message = _LINE_REFERENCE.sub(lambda m: f"{m.group(1)}{csv_line(int(m.group(2)))})", problem.message)
    unknown = _UNKNOWN_KEY.match(message)
    if unknown:
        # Every column is some card type's key; the loader's "did you mean" would mislead here.
        message = f"column '{unknown.group(1)}' does not apply to the type of {unknown.group(2)}; leave that cell empty"
    index = problem.line - head_lines - 1
    if not 0 <= index < len(rows):
        return Problem(path, 1, 1, message)
    row = rows[index]
    col = next((csv_col for start, csv_col in reversed(row.spans) if start <= problem.col), 1)
    return Problem(path, row.csv_line, col, message)
