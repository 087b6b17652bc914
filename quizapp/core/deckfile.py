"""Loading deck files safely and reporting every problem at once as `path:line:col: message`.

The YAML is composed into a node tree by the C parser when available (no Python objects are
constructed from tags), and the tree is checked against the format while it is converted, so each
value keeps the position it came from. Tags other than YAML's plain types, aliases and oversized
files are refused: a shared deck must never be able to run code or exhaust memory.
"""

from __future__ import annotations

import difflib
import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from quizapp.core import cloze
from quizapp.core.controls import first_unsafe
from quizapp.core.deck import (
    BODY_CLASSES,
    FORMAT_VERSION,
    Card,
    CardType,
    Deck,
    DeckInfo,
    Match,
    Source,
)
from quizapp.core.errors import DeckFileError, Problem

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 32
# The node tree takes about 460 bytes per YAML value (key, text, list or mapping): an 8 MB deck of
# 120,000 small cards took 535-690 MB to check, too much for a phone. Files holding more values
# than this are refused before anything is composed; checking the largest allowed file peaks near
# 280 MB. A deck of 25,000 cards as long as the bundled ones holds 444,000 values.
MAX_NODES = 500_000
MAX_CARDS = 25_000
# The C composer recurses once per nesting level and has no limit of its own: 30,000 nested
# '[' (a 60 KB file) overflowed the stack and killed the process (2,000 already do in a thread
# with a 512 KB stack). A file that could nest deeper than this is measured first, event by event
# (no recursion), before anything is composed.
_SAFE_COMPOSE_DEPTH = 200
# What can open a block collection along a line: '- ', '? ', and the ': ' after a key.
_BLOCK_OPENER = re.compile(r"[-?:](?=[ \t]|\Z)")
# Brackets, and what may start text in which a bracket is no indicator: a quoted scalar, a comment,
# a tag. None of these starts right after a letter, digit, '.', ')', '!' or '%' (that character
# ends a plain scalar, which takes the quote or '#' in, or the YAML is an error there). A quote
# whose text up to the next quote of its kind holds no bracket hides none: a quote inside quoted
# text is escaped ('' or \"), so it follows no such character and is checked in turn.
# Written as one character class first, so that the search skips other text at C speed.
_FLOW_MARK = re.compile(r"""[\[\]{}"'#!](?:(?<=[\[\]{}])|(?<![\w.)!%]["'#!])(?:(?<=")(?![^"\[\]{}]*")|(?<=')(?![^'\[\]{}]*')|(?<=[#!])))""")
# What can start YAML values (see _may_hold_more_nodes_than): block entries are '-' before a blank.
_BLOCK_ENTRY = re.compile(r"-(?=\s|\Z)")
# Image paths become file names on the learner's device: keep them within what every file system
# takes (255 bytes per name on ext4/FAT, room left for the temporary name of an atomic write).
MAX_IMAGE_PATH_CHARS = 255
MAX_IMAGE_NAME_BYTES = 120
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
# Plain YAML types the resolver assigns implicitly; anything else was written as an explicit tag.
_PLAIN_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TAG + "timestamp", _TAG + "map", _TAG + "seq"})
_TEXT_TAGS = frozenset({_STR, _INT, _FLOAT, _TAG + "timestamp"})
# "\ud800" in a double-quoted scalar: libyaml refuses it, the pure-Python loader (as on a phone)
# returns half of a UTF-16 pair, which no file or database can store as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")

DECK_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,63}\Z")
CARD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
TAG = re.compile(r"[\w:-]{1,64}\Z")
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")


@dataclass(frozen=True)
class Field:
    kind: str  # how the value is checked: see _Checker.value
    required: bool = False


_TOP_FIELDS = {
    "format": Field("format", True),
    "deck": Field("deck", True),
    "sources": Field("sources"),
    "retired": Field("card_ids"),
    "cards": Field("cards", True),
}
_DECK_FIELDS = {
    "id": Field("deck_id", True),
    "version": Field("positive_int", True),
    "title": Field("text", True),
    "description": Field("text"),
    "language": Field("language"),
    "tags": Field("tags"),
    "author": Field("text"),
    "license": Field("text"),
}
_SOURCE_FIELDS = {
    "id": Field("source_id", True),
    "title": Field("text", True),
    "publisher": Field("text", True),
    "file": Field("text"),
    "url": Field("text"),
}
_CARD_COMMON_FIELDS = {
    "id": Field("card_id", True),
    "type": Field("card_type", True),
    "explain": Field("text"),
    "source": Field("source_refs"),
    "tags": Field("tags"),
    "image": Field("image"),
}
_CARD_TYPE_FIELDS: dict[CardType, dict[str, Field]] = {
    CardType.BASIC: {"front": Field("text", True), "back": Field("text", True)},
    CardType.REVERSE: {"front": Field("text", True), "back": Field("text", True)},
    CardType.CLOZE: {"text": Field("cloze", True), "back": Field("text")},
    CardType.CHOICE: {
        "question": Field("text", True),
        "answers": Field("texts", True),
        "distractors": Field("texts", True),
    },
    CardType.TRUEFALSE: {"statement": Field("text", True), "truth": Field("bool", True)},
    CardType.TYPEIN: {"question": Field("text", True), "answers": Field("texts", True)},
    CardType.ORDER: {"question": Field("text", True), "steps": Field("texts", True)},
    CardType.MATCH: {"question": Field("text", True), "pairs": Field("pairs"), "categories": Field("categories")},
}


def load_deck(path: str | Path) -> Deck:
    """Read and check a deck file; raise DeckFileError listing every problem."""
    return parse_deck(read_limited(Path(path), "a deck file", MAX_FILE_BYTES), str(path), base_dir=Path(path).parent)


def parse_deck(data: bytes | str, path: str = "<deck>", base_dir: Path | None = None) -> Deck:
    """Check deck YAML given as bytes or text. `base_dir` lets image paths be checked to exist."""
    text = yaml_text(data, path, "a deck file", MAX_FILE_BYTES)
    with _collector_paused():
        root = compose_yaml(text, path, "the file is empty; a deck needs format, deck and cards")
        return _Checker(path, base_dir).deck(root)


def read_limited(path: Path, what: str, max_bytes: int) -> bytes:
    """A file's bytes, refused before reading when it is over `max_bytes` (`what`: "a deck file")."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DeckFileError([_too_big(str(path), size, what, max_bytes)])
        return path.read_bytes()
    except OSError as error:
        raise DeckFileError([Problem(str(path), 1, 1, f"cannot read the file: {error.strerror or error}")]) from None


def yaml_text(data: bytes | str, path: str, what: str, max_bytes: int) -> str:
    """The text of a YAML file given as bytes or text: at most `max_bytes`, valid UTF-8."""
    if len(data) > max_bytes:
        raise DeckFileError([_too_big(path, len(data), what, max_bytes)])
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = _position_of_offset(data, error.start)
        raise DeckFileError([Problem(path, line, col, "the file is not valid UTF-8 text")]) from None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a deck is composed and checked.

    The node tree of a 10,000-card deck is over 600,000 objects with no reference cycle among
    them, and the collector would walk it again and again as it grows: over a third of the time.
    Reference counting still frees the tree as soon as it is dropped.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _too_big(path: str, size: int, what: str, max_bytes: int) -> Problem:
    return Problem(path, 1, 1, f"the file is {size / 1e6:.1f} MB; {what} may be at most {max_bytes // 2**20} MB")


def _position_of_offset(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def compose_yaml(text: str, path: str, empty_message: str) -> yaml.Node:
    """The node tree of one YAML document, with positions; syntax errors, hostile nesting and an
    empty document are DeckFileErrors. Tags and aliases are refused later, by NodeChecker.plain."""
    loader = _loader(text, path)
    try:
        if _may_nest_deeper_than(text, _SAFE_COMPOSE_DEPTH) or _may_hold_more_nodes_than(text, MAX_NODES):
            _refuse_deep_or_large(text, path)
        root: yaml.Node | None = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = error.problem or str(error)
        if "maximum nesting depth" in message:  # libyaml's own limit (PyYAML 6.0.4 on) may come first
            raise DeckFileError([Problem(path, line, col, f"the YAML is nested more than {MAX_DEPTH} levels deep")]) from None
        if error.context:
            message = f"{error.context}: {message}" if "document" not in message else message
        raise DeckFileError([Problem(path, line, col, f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as error:
        raise DeckFileError([Problem(path, 1, 1, f"YAML syntax: {error}")]) from None
    except RecursionError:
        raise DeckFileError([Problem(path, 1, 1, "the YAML is nested too deeply")]) from None
    finally:
        loader.dispose()
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == _NULL):
        raise DeckFileError([Problem(path, 1, 1, empty_message)])
    return root


def _loader(text: str, path: str) -> Any:
    """A YAML loader for the text. The pure-Python one (as on a phone) checks every character as
    it is made, so a NUL or another control character is refused here, at its position."""
    try:
        return _Loader(text)
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        col = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise DeckFileError([Problem(path, line, col, f"YAML syntax: unacceptable character #x{error.character:04x}: {error.reason}")]) from None


def _may_nest_deeper_than(text: str, depth: int) -> bool:
    """Whether the composer might nest deeper than `depth`: one cheap pass over the text.

    Block and flow nesting are bounded apart (block collections cannot sit inside flow ones);
    the bounds hold for any text, valid YAML or not, up to where the parser stops with an error.
    """
    # A pair in a flow sequence ("[a: b]") is a mapping of its own: two levels per bracket at most.
    flow = 2 * _flow_nesting_bound(text, depth // 2)
    return flow > depth or _block_nesting_bound(text, depth - flow) > depth - flow


def _block_nesting_bound(text: str, limit: int) -> int:
    """At most how deep block collections nest; lines too short to pass `limit` are not read.

    libyaml keeps one indentation per open block collection, each further right than the last
    (only a sequence under a mapping key may share its key's, hence twice as many levels), and
    drops those right of each token. So at any point of a line, the open ones are at most its
    indentation + 1 plus one for each '- ', '? ' or ': ' on it before that point.
    """
    # splitlines() also splits at \v, \f and \x1c-\x1e, which libyaml refuses before reading on.
    lines = text.splitlines()
    # A line of n characters has at most n of indentation and indicators: 2n + 4 levels.
    short = max(0, (limit - 4) // 2)
    bound = 2 * min(short, max(map(len, lines), default=0)) + 4
    for line in lines:
        if len(line) > short:
            indentation = len(line) - len(line.lstrip(" \t\ufeff"))
            bound = max(bound, 2 * (indentation + 1 + len(_BLOCK_OPENER.findall(line))) + 2)
    return bound


def _flow_nesting_bound(text: str, limit: int) -> int:
    """At most how deep brackets ('[', '{') nest; once that is over `limit`, a number over it.

    Between two marks (see _FLOW_MARK), every bracket inside a flow collection is an indicator
    (plain text in a flow collection cannot hold one), so a closing bracket there really closes
    the one it pairs with, and a bracket outside any flow collection can only count too much. An
    opening bracket still open at a mark counts as open for the rest of the file.
    """
    carried = open_here = deepest = 0
    for mark in _FLOW_MARK.findall(text):
        if mark in "[{":
            open_here += 1
            if carried + open_here > deepest:
                deepest = carried + open_here
                if deepest > limit:
                    break
        elif mark in "]}":
            open_here = max(0, open_here - 1)
        else:
            carried += open_here
            open_here = 0
    return deepest


def _may_hold_more_nodes_than(text: str, limit: int) -> bool:
    """Whether the text might hold more than `limit` YAML values: one count at C speed.

    Every value but the root follows an indicator that starts at most two of them: '- ' one item,
    ':' and '?' a key and its value, '[' a list and its first item, '{' a mapping and its first key
    and value, ',' the next item or key and value. Characters counted inside texts only make the
    bound larger.
    """
    indicators = sum(text.count(char) for char in ":?,[{") + len(_BLOCK_ENTRY.findall(text))
    return 1 + 2 * indicators > limit


_OPENING_EVENTS = frozenset({yaml.SequenceStartEvent, yaml.MappingStartEvent})
_CLOSING_EVENTS = frozenset({yaml.SequenceEndEvent, yaml.MappingEndEvent})
_LEAF_EVENTS = frozenset({yaml.ScalarEvent, yaml.AliasEvent})


def _refuse_deep_or_large(text: str, path: str) -> None:
    """Walk the parser's events (iteratively, keeping none) and refuse a node nested deeper than
    MAX_DEPTH, or the first one past MAX_NODES, at its position; YAML syntax errors surface as in
    `compose_yaml`."""
    loader = _loader(text, path)
    # By exact type, not isinstance: this loop meets up to a million events.
    opening, closing, leaf = _OPENING_EVENTS, _CLOSING_EVENTS, _LEAF_EVENTS
    next_event = loader.get_event
    try:
        depth = nodes = 0
        while (event := next_event()) is not None:
            kind = type(event)
            if kind in closing:
                depth -= 1
                continue
            if kind not in opening and kind not in leaf:
                continue
            nodes += 1
            if depth > MAX_DEPTH or nodes > MAX_NODES:
                message = (
                    f"the YAML is nested more than {MAX_DEPTH} levels deep"
                    if depth > MAX_DEPTH
                    else f"the file holds more than {MAX_NODES:,} YAML values (keys, texts, lists); split it into several files"
                )
                mark = event.start_mark
                raise DeckFileError([Problem(path, mark.line + 1, mark.column + 1, message)])
            if kind in opening:
                depth += 1
    finally:
        loader.dispose()


def _at(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class NodeChecker:
    """Walks a YAML node tree once, converting values and collecting every problem with its
    position. Subclasses add `kind_<name>` methods for the kinds their field tables name."""

    FILE_KIND = "deck files"  # how messages name the files this checker reads

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._seen_nodes: set[int] = set()

    def problem(self, node: yaml.Node, message: str) -> None:
        line, col = _at(node)
        self.problems.append(Problem(self.path, line, col, message))

    # -- structure ------------------------------------------------------------------------------

    def plain(self, node: yaml.Node, depth: int = 0) -> bool:
        """Refuse explicit tags, aliases and runaway nesting anywhere under `node`, once."""
        if id(node) in self._seen_nodes:
            self.problem(node, f"YAML aliases (*name) are not allowed in {self.FILE_KIND}; write the value out")
            return False
        self._seen_nodes.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            self.problem(node, f"YAML tags are not allowed in {self.FILE_KIND} (found '{node.tag.replace(_TAG, '!!')}')")
            return False
        if depth > MAX_DEPTH:
            self.problem(node, f"the YAML is nested more than {MAX_DEPTH} levels deep")
            return False
        if isinstance(node, yaml.ScalarNode) and _SURROGATE.search(node.value):
            self.problem(node, "invalid Unicode character escape: half of a UTF-16 pair (\\ud800 to \\udfff) is not a character")
            return False
        # Lists, not generators: every bad node is reported, not only the first.
        if isinstance(node, yaml.MappingNode):
            return all([self.plain(k, depth + 1) and self.plain(v, depth + 1) for k, v in node.value])  # noqa: C419
        if isinstance(node, yaml.SequenceNode):
            return all([self.plain(item, depth + 1) for item in node.value])  # noqa: C419
        return True

    def mapping(self, node: yaml.Node, fields: dict[str, Field], what: str) -> dict[str, yaml.Node] | None:
        """The keys of a mapping node, after reporting duplicates, unknown and missing keys."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values, not {_describe(node)}")
            return None
        entries: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _TEXT_TAGS:
                self.problem(key_node, f"keys in {what} must be plain words")
                continue
            key = key_node.value
            if key in entries:
                line, _ = _at(entries[key])
                self.problem(key_node, f"duplicate key '{key}' in {what} (first given on line {line})")
                continue
            if key not in fields:
                self.problem(key_node, f"unknown key '{key}' in {what}{_suggest(key, fields)}")
                continue
            entries[key] = value_node
        for key, spec in fields.items():
            if spec.required and key not in entries:
                self.problem(node, f"{what} is missing the required key '{key}'")
        return entries

    def values(self, entries: dict[str, yaml.Node], fields: dict[str, Field], what: str) -> dict[str, Any]:
        """Check and convert every present field; a field whose value is wrong is left out."""
        out: dict[str, Any] = {}
        for key, node in entries.items():
            value = self.value(fields[key].kind, node, f"'{key}' in {what}")
            if value is not None:
                out[key] = value
        return out

    def value(self, kind: str, node: yaml.Node, what: str) -> Any:
        return getattr(self, f"kind_{kind}")(node, what)

    # -- scalar kinds -----------------------------------------------------------------------------

    def kind_text(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _TEXT_TAGS:
            hint = ""
            if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL:
                hint = f'; put it in quotes ("{node.value}") to mean the word'
            self.problem(node, f"{what} must be text, not {_describe(node)}{hint}")
            return None
        text: str = node.value.strip()
        if not text:
            self.problem(node, f"{what} must not be empty")
            return None
        if unsafe := first_unsafe(text):
            # A terminal would obey it, or the text would display in another order than it reads.
            self.problem(node, f"{what} holds {unsafe}; deck text may not hold control or text-direction override characters")
            return None
        return text

    def kind_bool(self, node: yaml.Node, what: str) -> bool | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL:
            self.problem(node, f"{what} must be true or false, not {_describe(node)}")
            return None
        return node.value.lower() in ("true", "yes", "on", "y")

    def kind_positive_int(self, node: yaml.Node, what: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT:
            try:
                number = int(node.value.replace("_", ""), 0)
            except ValueError:
                number = 0
            if number > 0:
                return number
        self.problem(node, f"{what} must be a whole number of 1 or more, not {_describe(node)}")
        return None

    def _pattern(self, node: yaml.Node, what: str, pattern: re.Pattern[str], rule: str) -> str | None:
        text = self.kind_text(node, what)
        if text is not None and not pattern.match(text):
            self.problem(node, f"'{text}' ({what}) is not valid: {rule}")
            return None
        return text



class _Checker(NodeChecker):
    """The deck file's checker: its kinds, cards and cross-references."""

    def __init__(self, path: str, base_dir: Path | None) -> None:
        super().__init__(path)
        self.base_dir = base_dir
        self.source_ids: dict[str, yaml.Node] = {}
        self._source_refs: list[tuple[str, yaml.Node]] = []

    def kind_format(self, node: yaml.Node, what: str) -> int | None:
        number = self.kind_positive_int(node, what)
        if number is not None and number != FORMAT_VERSION:
            newer = "newer than this app understands; update the app" if number > FORMAT_VERSION else "unknown"
            self.problem(node, f"deck format {number} is {newer} (this app reads format {FORMAT_VERSION})")
            return None
        return number

    def kind_deck_id(self, node: yaml.Node, what: str) -> str | None:
        return self._pattern(node, what, DECK_ID, "use 2-64 lowercase letters, digits and '-'")

    def kind_card_id(self, node: yaml.Node, what: str) -> str | None:
        return self._pattern(node, what, CARD_ID, "use 1-64 letters, digits, '-', '_' or '.'")

    kind_source_id = kind_card_id

    def kind_language(self, node: yaml.Node, what: str) -> str | None:
        return self._pattern(node, what, LANGUAGE, "use a language tag such as 'en' or 'en-GB'")

    def kind_card_type(self, node: yaml.Node, what: str) -> CardType | None:
        text = self.kind_text(node, what)
        if text is None:
            return None
        try:
            return CardType(text)
        except ValueError:
            names = [t.value for t in CardType]
            self.problem(node, f"unknown card type '{text}'{_suggest(text, names)} (types: {', '.join(names)})")
            return None

    def kind_cloze(self, node: yaml.Node, what: str) -> str | None:
        text = self.kind_text(node, what)
        if text is not None and not cloze.deletion_numbers(text):
            self.problem(node, f"{what} has no cloze deletion; mark hidden text as {{{{c1::text}}}}")
            return None
        return text

    def kind_image(self, node: yaml.Node, what: str) -> str | None:
        text = self.kind_text(node, what)
        if text is None:
            return None
        parts = Path(text).parts
        if text.startswith(("/", "\\")) or ".." in parts or ":" in text:
            self.problem(node, f"{what} must be a path inside the deck's folder, not '{text}'")
            return None
        if not text.lower().endswith(IMAGE_SUFFIXES):
            self.problem(node, f"{what} must be an image ({', '.join(IMAGE_SUFFIXES)})")
            return None
        if len(text) > MAX_IMAGE_PATH_CHARS or any(len(part.encode("utf-8", "surrogatepass")) > MAX_IMAGE_NAME_BYTES for part in parts):
            self.problem(
                node,
                f"{what} is too long: at most {MAX_IMAGE_PATH_CHARS} characters, and {MAX_IMAGE_NAME_BYTES} bytes for each folder or file name",
            )
            return None
        if self.base_dir is not None and not _is_file(self.base_dir / text):
            self.problem(node, f"image '{text}' was not found next to the deck file")
            return None
        return text

    # -- list kinds -------------------------------------------------------------------------------

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list, not {_describe(node)}")
            return None
        return list(node.value)

    def _list_of(self, node: yaml.Node, what: str, item: Callable[[yaml.Node, str], Any]) -> tuple[Any, ...] | None:
        items = self.sequence(node, what)
        if items is None:
            return None
        converted = [item(child, f"an item of {what}") for child in items]
        return None if any(v is None for v in converted) else tuple(converted)

    def kind_texts(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        texts = self._list_of(node, what, self.kind_text)
        if texts is not None and not texts:
            self.problem(node, f"{what} must list at least one item")
            return None
        if texts is not None:
            self._no_repeats(node, texts, what)
        return texts

    def kind_tags(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        return self._list_of(node, what, lambda n, w: self._pattern(n, w, TAG, "tags are words: letters, digits, '-', '_' or ':'"))

    def kind_card_ids(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        return self._list_of(node, what, self.kind_card_id)

    def kind_source_refs(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        if isinstance(node, yaml.SequenceNode):
            refs = self._list_of(node, what, self.kind_source_id)
            nodes = list(node.value)
        else:
            one = self.kind_source_id(node, what)
            refs, nodes = ((one,) if one is not None else None), [node]
        if refs is not None:
            self._source_refs.extend(zip(refs, nodes))
        return refs

    def kind_pairs(self, node: yaml.Node, what: str) -> tuple[tuple[str, str], ...] | None:
        items = self.sequence(node, what)
        if items is None:
            return None
        pairs = []
        for child in items:
            texts = self._list_of(child, f"a pair of {what}", self.kind_text)
            if texts is not None and len(texts) != 2:
                self.problem(child, f"each pair of {what} must have exactly two items, [left, right]")
                texts = None
            if texts is None:
                return None
            pairs.append((texts[0], texts[1]))
        return tuple(pairs)

    def kind_categories(self, node: yaml.Node, what: str) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must map each category to a list of items, not {_describe(node)}")
            return None
        categories: dict[str, tuple[str, ...]] = {}
        for key_node, value_node in node.value:
            name = self.kind_text(key_node, f"a category name in {what}")
            items = self.kind_texts(value_node, f"category '{key_node.value}'")
            if name is None or items is None:
                return None
            if name in categories:
                self.problem(key_node, f"category '{name}' appears twice in {what}")
                return None
            categories[name] = items
        return tuple(categories.items())

    def _no_repeats(self, node: yaml.Node, texts: tuple[str, ...], what: str) -> None:
        seen: set[str] = set()
        for child, text in zip(node.value, texts):
            if text.casefold() in seen:
                self.problem(child, f"'{text}' appears twice in {what}")
            seen.add(text.casefold())

    # -- the deck ---------------------------------------------------------------------------------

    def deck(self, root: yaml.Node) -> Deck:
        if not self.plain(root):
            raise DeckFileError(self.problems)
        entries = self.mapping(root, _TOP_FIELDS, "the deck file")
        if entries is None:
            raise DeckFileError(self.problems)
        top = self.values({k: v for k, v in entries.items() if k in ("format", "retired")}, _TOP_FIELDS, "the deck file")
        info = self.deck_info(entries["deck"]) if "deck" in entries else None
        sources = self.sources(entries["sources"]) if "sources" in entries else ()
        cards = self.cards(entries["cards"]) if "cards" in entries else []
        retired: tuple[str, ...] = top.get("retired", ())
        self.check_retired(entries.get("retired"), retired, cards)
        self.check_source_refs()
        if self.problems or info is None or "format" not in top:
            raise DeckFileError(self.problems)
        return Deck(info=info, cards=tuple(card for card, _ in cards), sources=sources, retired=retired, format=top["format"])

    def deck_info(self, node: yaml.Node) -> DeckInfo | None:
        entries = self.mapping(node, _DECK_FIELDS, "'deck'")
        if entries is None:
            return None
        values = self.values(entries, _DECK_FIELDS, "'deck'")
        if any(spec.required and key not in values for key, spec in _DECK_FIELDS.items()):
            return None
        return DeckInfo(**values)

    def sources(self, node: yaml.Node) -> tuple[Source, ...]:
        items = self.sequence(node, "'sources'") or []
        sources = []
        for item in items:
            entries = self.mapping(item, _SOURCE_FIELDS, "a source")
            if entries is None:
                continue
            values = self.values(entries, _SOURCE_FIELDS, "a source")
            if "id" in values:
                if values["id"] in self.source_ids:
                    first, _ = _at(self.source_ids[values["id"]])
                    self.problem(entries["id"], f"duplicate source id '{values['id']}' (first on line {first})")
                else:
                    self.source_ids[values["id"]] = entries["id"]
            if all(key in values for key in ("id", "title", "publisher")):
                sources.append(Source(**values))
        return tuple(sources)

    def cards(self, node: yaml.Node) -> list[tuple[Card, yaml.Node]]:
        items = self.sequence(node, "'cards'")
        if items is None:
            return []
        if not items:
            self.problem(node, "'cards' must list at least one card")
        if len(items) > MAX_CARDS:
            self.problem(items[MAX_CARDS], f"a deck may hold at most {MAX_CARDS:,} cards; split it into several decks")
            return []
        cards: list[tuple[Card, yaml.Node]] = []
        first_seen: dict[str, yaml.Node] = {}
        for item in items:
            id_node = _value_of(item, "id")
            card = self.card(item)
            if not isinstance(id_node, yaml.ScalarNode):
                continue
            if id_node.value in first_seen:
                first, _ = _at(first_seen[id_node.value])
                self.problem(id_node, f"duplicate card id '{id_node.value}' (first on line {first})")
                continue
            first_seen[id_node.value] = id_node
            if card is not None:
                cards.append((card, id_node))
        return cards

    def card(self, node: yaml.Node) -> Card | None:
        id_node = _value_of(node, "id")
        what = f"card '{id_node.value}'" if isinstance(id_node, yaml.ScalarNode) else "a card"
        card_type = self._card_type_of(node)
        fields = {**_CARD_COMMON_FIELDS, **(_CARD_TYPE_FIELDS[card_type] if card_type else {})}
        if card_type is None:
            # Without a usable type, body keys cannot be judged: check only the common ones.
            known = set().union(*_CARD_TYPE_FIELDS.values())
            fields.update({key: Field("any") for key in known})
        entries = self.mapping(node, fields, what)
        if entries is None:
            return None
        values = self.values(entries, fields, what)
        if card_type is None or any(spec.required and key not in values for key, spec in fields.items()):
            return None
        body_values = {k: v for k, v in values.items() if k not in _CARD_COMMON_FIELDS}
        if not self.body_is_sound(card_type, body_values, entries, what, node):
            return None
        return Card(
            id=values["id"],
            type=card_type,
            body=BODY_CLASSES[card_type](**body_values),
            explain=values.get("explain", ""),
            sources=values.get("source", ()),
            tags=values.get("tags", ()),
            image=values.get("image"),
        )

    def kind_any(self, node: yaml.Node, what: str) -> None:
        return None

    def _card_type_of(self, node: yaml.Node) -> CardType | None:
        type_node = _value_of(node, "type")
        if isinstance(type_node, yaml.ScalarNode):
            try:
                return CardType(type_node.value.strip())
            except ValueError:
                return None
        return None

    def body_is_sound(self, card_type: CardType, body: dict[str, Any], entries: dict[str, yaml.Node], what: str, node: yaml.Node) -> bool:
        """Checks that need more than one field."""
        problems_before = len(self.problems)
        if card_type is CardType.CHOICE:
            wrong = {d.casefold() for d in body["distractors"]}
            for answer, answer_node in zip(body["answers"], entries["answers"].value):
                if answer.casefold() in wrong:
                    self.problem(answer_node, f"'{answer}' is both a right answer and a distractor in {what}")
        elif card_type is CardType.ORDER and len(body["steps"]) < 2:
            self.problem(entries["steps"], f"'steps' in {what} must list at least two steps")
        elif card_type is CardType.MATCH:
            self._match_is_sound(body, entries, what, node)
        return len(self.problems) == problems_before

    def _match_is_sound(self, body: dict[str, Any], entries: dict[str, yaml.Node], what: str, node: yaml.Node) -> None:
        if ("pairs" in entries) == ("categories" in entries):
            self.problem(node, f"{what} needs either 'pairs' or 'categories' (exactly one)")
            return
        key = "pairs" if "pairs" in entries else "categories"
        if key not in body:
            return
        if len(body[key]) < 2:
            self.problem(entries[key], f"'{key}' in {what} must have at least two entries")
            return
        seen: set[str] = set()
        for left, _right in Match(question="", **{key: body[key]}).as_pairs():
            if left.casefold() in seen:
                self.problem(entries[key], f"'{left}' appears more than once in {what}")
            seen.add(left.casefold())
        if key == "pairs":
            rights = [right.casefold() for _left, right in body["pairs"]]
            if len(set(rights)) != len(rights):
                self.problem(entries[key], f"each right-hand item in {what} must be different")

    def check_retired(self, node: yaml.Node | None, retired: tuple[str, ...], cards: list[tuple[Card, yaml.Node]]) -> None:
        if node is None:
            return
        live = {card.id for card, _ in cards}
        for item, card_id in zip(node.value, retired):
            if card_id in live:
                self.problem(item, f"card id '{card_id}' is listed as retired but is still in 'cards'")

    def check_source_refs(self) -> None:
        for ref, node in self._source_refs:
            if ref not in self.source_ids:
                declared = ", ".join(self.source_ids) or "none"
                self.problem(node, f"source '{ref}' is not declared in 'sources'{_suggest(ref, self.source_ids)} (declared: {declared})")


def _is_file(path: Path) -> bool:
    """Whether `path` is a readable regular file; a name the system cannot even look up is not."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _value_of(node: yaml.Node, key: str) -> yaml.Node | None:
    """The value node of `key` in a mapping node (the first, if repeated), else None."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key and isinstance(value_node, yaml.Node):
                return value_node
    return None


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    kinds = {_NULL: "nothing (null)", _BOOL: "a true/false value", _INT: "a number", _FLOAT: "a number"}
    if node.tag in kinds:
        return f"{kinds[node.tag]}" if node.tag == _NULL else f"{kinds[node.tag]} ({node.value:.80})"
    # A whole file can be one text: a message quoting 8 MB of it helps nobody.
    return f"'{node.value}'" if len(node.value) <= 80 else f"'{node.value[:77]}...'"


def dump_deck(deck: Deck) -> str:
    """The deck as deck-file YAML that `parse_deck` reads back to an equal deck."""
    return yaml.dump(deck.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Dumper(yaml.SafeDumper):
    """Block style for long and multi-line text, so written decks stay readable and diffable."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar(_STR, text, style=style)


_Dumper.add_representer(str, _represent_text)
