"""Quizlet's term/definition text, as its "Import" and "Export" dialogs read and write it.

Quizlet separates term from definition by a tab, a comma or any custom text, and cards by a new
line, a semicolon or any custom text. It has no quoting or escaping, so on export a text loses
what would break the file: line breaks become " / ", and a separator that occurs inside a text
(or would form with the text beside it) is replaced by a look-alike: ASCII punctuation by its
full-width form ("," by "，"), a whitespace separator by a space. A definition may contain the
term separator: rows are split at its first occurrence, as Quizlet does.

Imported cards get ids by position (`q-0001`, `q-0002`, ...): the text carries no ids, and ids
derived from the wording would change with every typo fix. Re-importing a reordered or edited
export therefore cannot keep progress; the deck written from the first import is the source of
truth from then on. See docs/formats.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quizapp.core.deck import Basic, Card, CardType, Deck, DeckInfo
from quizapp.core.deckfile import CARD_ID, DECK_ID, MAX_CARDS, MAX_FILE_BYTES
from quizapp.core.errors import FormatError, FormatProblems, Problem

MAX_IMPORT_BYTES = MAX_FILE_BYTES
LINE_BREAK_IN_TEXT = " / "
# A spreadsheet opening a cell that starts with = + - or @ runs it as a formula (CSV injection).
# Following OWASP, such a cell is written with a single quote before it, which spreadsheets show
# as text. A text already starting with quotes before one of these gets one more quote, so that
# reading a cell back removes exactly one and every text makes the round trip unchanged.
_FORMULA_START = re.compile(r"'*[=+\-@]")

_NAMES = {"\t": "tab", "\n": "line break", "\r\n": "line break", ",": "comma", ";": "semicolon"}


def decode_text(data: bytes | str, path: str, limit: int = MAX_IMPORT_BYTES) -> str:
    """The file's text, refusing oversized files, invalid UTF-8 and NUL characters with the
    position of the first bad one. A leading byte order mark (as Excel and Notepad write) is dropped."""
    size = len(data)
    if size > limit:
        raise FormatProblems([Problem(path, 1, 1, f"the file is {size / 1e6:.1f} MB; at most {limit // 2**20} MB can be imported")])
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        try:
            text = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as error:
            line_start = data.rfind(b"\n", 0, error.start) + 1
            line = data.count(b"\n", 0, error.start) + 1
            raise FormatProblems([Problem(path, line, error.start - line_start + 1, "the file is not valid UTF-8 text")]) from None
    nul = text.find("\0")
    if nul >= 0:
        # A deck file refuses it too (YAML allows no control characters): it is not text, and
        # SQLite and C libraries cut strings at it.
        raise FormatProblems([Problem(path, *_position(text, nul), "the file holds a NUL character (\\0), which is not text")])
    return text


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def neutralised(cell: str) -> str:
    """The cell as a spreadsheet shows it as text: a quote before a formula start (see above)."""
    return "'" + cell if _FORMULA_START.match(cell) else cell


def unneutralised(cell: str) -> str:
    """The text of a cell written by `neutralised`: one leading quote removed before a formula start."""
    return cell[1:] if cell.startswith("'") and _FORMULA_START.match(cell, 1) else cell


def too_many_cards(path: str, line: int, col: int, limit: int) -> FormatProblems:
    """The refusal of a file with more card rows than a deck may hold (`limit`), at the first row too many."""
    return FormatProblems([Problem(path, line, col, f"a deck may hold at most {limit:,} cards, and this is row {limit + 1:,}; split the file into several decks")])


def deck_info(deck_id: str, title: str) -> DeckInfo:
    """The identity of an imported deck, checked as the deck loader would check it."""
    if not DECK_ID.match(deck_id):
        raise FormatError(f"'{deck_id}' is not a valid deck id: use 2-64 lowercase letters, digits and '-'")
    if not title.strip():
        raise FormatError("an imported deck needs a title")
    return DeckInfo(id=deck_id, version=1, title=title.strip())


def check_id_prefix(id_prefix: str) -> None:
    if not CARD_ID.match(f"{id_prefix}-0001"):
        raise FormatError(f"'{id_prefix}' cannot start card ids: use letters, digits, '-', '_' or '.'")


def _separator_name(sep: str) -> str:
    return _NAMES.get(sep, f"'{sep}'")


def _check_separators(term_sep: str, card_sep: str) -> None:
    for sep, what in ((term_sep, "term separator"), (card_sep, "card separator")):
        if not sep or not sep.strip(" "):
            # Texts are full of spaces: a separator of spaces alone would cut them apart.
            raise FormatError(f"the {what} must be something other than spaces (for example a tab or ',')")
    if card_sep in term_sep:
        raise FormatError(f"the term separator ({_separator_name(term_sep)}) must not contain the card separator ({_separator_name(card_sep)})")


# -- export -----------------------------------------------------------------------------------------


def export_quizlet(deck: Deck, *, term_sep: str = "\t", card_sep: str = "\n") -> str:
    """Every card as one term/definition row (`Card.face()`), ready for Quizlet's Import box.

    A reverse card is one row (Quizlet studies both directions itself); a cloze card gives one row
    per deletion number, each a different fact. A final line break is added when the card
    separator ends with one.
    """
    _check_separators(term_sep, card_sep)
    if not (term_sep + card_sep).isascii():
        # Stand-ins are never ASCII, so they can never form a separator again (see _row).
        raise FormatError("separators for export must be ASCII: a tab, a line break or punctuation such as ',' ';' '|'")
    rows = []
    for card in deck.cards:
        for sibling in card.siblings() if card.type is CardType.CLOZE else [0]:
            face = card.face(sibling)
            term = neutralised(_flatten(face.prompt, (term_sep, card_sep)))
            definition = neutralised(_flatten(face.answer, (card_sep,)))
            rows.append(_row(term, definition, term_sep, card_sep))
    text = card_sep.join(rows)
    return text + "\n" if card_sep.endswith("\n") else text


def _is_ascii_graphic(char: str) -> bool:
    return "!" <= char <= "~"


def _full_width(char: str) -> str:
    return chr(ord(char) + 0xFEE0)


def _stand_in(sep: str) -> str:
    """What replaces `sep` inside a text: ASCII punctuation and letters by their full-width forms
    (U+FF01-FF5E), which read the same; whitespace-only separators by a space."""
    return "".join(_full_width(c) for c in sep if _is_ascii_graphic(c)) or " "


def _flatten(text: str, separators: tuple[str, ...]) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", LINE_BREAK_IN_TEXT)
    # A replacement can meet the text around it and form a separator again ("\t " in "\t\t ");
    # each pass removes tabs, line breaks or ASCII punctuation that stand-ins never add, so it ends.
    while any(sep in text for sep in separators):
        for sep in separators:
            text = text.replace(sep, _stand_in(sep))
    return text.strip()


def _row(term: str, definition: str, term_sep: str, card_sep: str) -> str:
    """term + term_sep + definition, read back the same: the first term separator must be the one
    after the term, and the first card separator the one after the row. Texts can still form a
    separator with their surroundings (a term ending in ':' before '::'); the text character
    inside such a match is replaced by its full-width form. Texts are stripped, so that character
    is not whitespace, and it is ASCII since separators are."""
    while True:
        row = f"{term}{term_sep}{definition}"
        start = row.find(term_sep)
        if start == len(term):
            start = (row + card_sep).find(card_sep)
            if start == len(row):
                return row
        end = start + len(term_sep if start < len(term) else card_sep)
        in_text = [i for i in range(start, end) if i < len(term) or i >= len(term) + len(term_sep)]
        i = next(i for i in in_text if _is_ascii_graphic(row[i]))
        if i < len(term):
            term = term[:i] + _full_width(term[i]) + term[i + 1 :]
        else:
            i -= len(term) + len(term_sep)
            definition = definition[:i] + _full_width(definition[i]) + definition[i + 1 :]


# -- import -----------------------------------------------------------------------------------------


def import_quizlet(
    data: bytes | str,
    *,
    deck_id: str,
    title: str,
    term_sep: str = "\t",
    card_sep: str = "\n",
    path: str = "<quizlet>",
    id_prefix: str = "q",
) -> Deck:
    """A deck of basic cards (term -> definition) from Quizlet's exported text.

    Card ids are `<id_prefix>-0001`, ... by position. Blank rows are skipped. Every problem (a row
    without the term separator, an empty term or definition) is reported at once as a
    FormatProblems whose messages read `path:line:col: message`.
    """
    _check_separators(term_sep, card_sep)
    info = deck_info(deck_id, title)
    check_id_prefix(id_prefix)
    text = decode_text(data, path)
    if "\r" not in term_sep + card_sep:
        # Windows and old Mac line ends must not defeat "\n" separators; line numbers are kept.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Blank lines before a row are layout, not content; but a leading term separator means an
    # empty term, so it is not skipped unless it is itself a line break.
    blank = "".join(c for c in " \t\n" if c not in term_sep or not term_sep.strip("\n"))
    rows = _rows(text, card_sep, blank, path)
    problems: list[Problem] = []
    cards: list[Card] = []
    for row in rows:
        cut = row.body.find(term_sep)
        if cut < 0:
            problems.append(Problem(path, *row.position(0), f"no {_separator_name(term_sep)} between term and definition"))
            continue
        term, definition = row.body[:cut].strip(), row.body[cut + len(term_sep) :].strip()
        if not term:
            problems.append(Problem(path, *row.position(0), "the term is empty"))
        if not definition:
            problems.append(Problem(path, *row.position(cut + len(term_sep)), f"the definition of '{term or '?'}' is empty"))
        cards.append(Card(id=f"{id_prefix}-{len(cards) + 1:04d}", type=CardType.BASIC, body=Basic(unneutralised(term), unneutralised(definition))))
    if not cards and not problems:
        problems.append(Problem(path, 1, 1, "no cards found: each row needs a term and a definition"))
    if problems:
        raise FormatProblems(problems)
    return Deck(info=info, cards=tuple(cards))


@dataclass(frozen=True)
class _Row:
    """A row's text without the blank lines before it, and where it starts in the file."""

    body: str
    line: int
    col: int

    def position(self, offset: int) -> tuple[int, int]:
        """The file's line and column of a character offset in the row."""
        breaks = self.body.count("\n", 0, offset)
        if not breaks:
            return self.line, self.col + offset
        return self.line + breaks, offset - self.body.rfind("\n", 0, offset)


def _rows(text: str, card_sep: str, blank: str, path: str) -> list[_Row]:
    """The non-blank rows, counted before any card is made: a file of more rows than a deck may
    hold is refused at the first one too many (300,000 rows took 53 s and 919 MB to refuse)."""
    rows: list[_Row] = []
    line, col = 1, 1  # where the current chunk starts; kept as we go, since counting from the
    # start of the file for each row would take quadratic time on a file of many bad rows
    for chunk in text.split(card_sep):
        body = chunk.lstrip(blank)
        if body.strip():
            skipped = chunk[: len(chunk) - len(body)]
            breaks = skipped.count("\n")
            row = _Row(body, line + breaks, (col if not breaks else 1) + len(skipped) - (skipped.rfind("\n") + 1))
            if len(rows) == MAX_CARDS:
                raise too_many_cards(path, row.line, row.col, MAX_CARDS)
            rows.append(row)
        for piece in (chunk, card_sep):
            breaks = piece.count("\n")
            line, col = line + breaks, (col if not breaks else 1) + len(piece) - (piece.rfind("\n") + 1)
    return rows
