"""The "Get help now" content: emergency numbers by region, the overdose steps and a disclaimer.

The content lives in a YAML file (by default the bundled `assets/help/help.yaml`, described in
docs/help-format.md). It is loaded safely, like a deck file: the YAML is composed into a node tree
(no Python objects are built from tags), tags and aliases are refused, and every problem in the
file is reported at once as `path:line:col: message` through `DeckFileError`.

Pure Python; the UI calls `load_help()` and `HelpContent.region()`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from quizapp.core.deck import Source
from quizapp.core.errors import DeckFileError, Problem

FORMAT_VERSION = 1
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "assets" / "help" / "help.yaml"
MAX_FILE_BYTES = 1024 * 1024

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_PLAIN_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TAG + "timestamp", _TAG + "map", _TAG + "seq"})
_TEXT_TAGS = frozenset({_STR, _INT, _FLOAT, _TAG + "timestamp"})

REGION_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,31}\Z")
SOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
PHONE_NUMBER = re.compile(r"\+?[0-9][0-9 -]{0,19}\Z")

# Country codes (ISO 3166 alpha-2, as in locales like "en_GB") mapped to region ids of the
# bundled help file. Used only when no region has that id itself.
_EU_MEMBERS = "at be bg hr cy cz dk ee fi fr de gr el hu ie it lv lt lu mt nl pl pt ro sk si es se"
REGION_ALIASES: dict[str, str] = {
    "gb": "uk",
    "usa": "us",
    "can": "ca",
    "aus": "au",
    **{code: "eu" for code in _EU_MEMBERS.split()},
}


@dataclass(frozen=True)
class Region:
    """Where the learner is, and the number to call there."""

    id: str
    name: str
    number: str
    note: str = ""


@dataclass(frozen=True)
class HelpStep:
    """One step of the overdose response, citing a declared source."""

    text: str
    source: str


@dataclass(frozen=True)
class HelpContent:
    title: str
    intro: str
    regions: tuple[Region, ...]
    steps: tuple[HelpStep, ...]
    disclaimer: str
    sources: tuple[Source, ...]

    def region(self, region_id: str) -> Region:
        """The region with this id or name, ignoring case.

        A two-letter country code such as "gb" or "de" (as a system locale gives it) finds the
        region that covers it. Anything else falls back to the first region in the file.
        """
        wanted = (region_id or "").strip().replace("_", "-").casefold()
        country = wanted.rsplit("-", 1)[-1]
        candidates = [wanted, REGION_ALIASES.get(wanted, ""), country, REGION_ALIASES.get(country, "")]
        for candidate in filter(None, candidates):
            for region in self.regions:
                if candidate in (region.id.casefold(), region.name.casefold()):
                    return region
        return self.regions[0]

    def source(self, source_id: str) -> Source:
        """The declared source a step cites."""
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)


def load_help(path: Path | None = None) -> HelpContent:
    """Read and check a help file (default: the bundled one); raise DeckFileError on any problem."""
    file_path = Path(path) if path is not None else DEFAULT_PATH
    name = str(file_path)
    try:
        size = file_path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DeckFileError([Problem(name, 1, 1, f"the file is {size} bytes; a help file may be at most {MAX_FILE_BYTES}")])
        data = file_path.read_bytes()
    except OSError as error:
        raise DeckFileError([Problem(name, 1, 1, f"cannot read the file: {error.strerror or error}")]) from None
    return parse_help(data, name)


def parse_help(data: bytes | str, path: str = "<help>") -> HelpContent:
    """Check help YAML given as bytes or text."""
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise DeckFileError([Problem(path, 1, 1, f"a help file may be at most {MAX_FILE_BYTES} bytes")])
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            col = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
            raise DeckFileError([Problem(path, line, col, "the file is not valid UTF-8 text")]) from None
    else:
        text = data
    return _Checker(path).help(_compose(text, path))


def _compose(text: str, path: str) -> yaml.Node:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise DeckFileError([Problem(path, line, col, f"YAML syntax: {error.problem or error}")]) from None
    except yaml.YAMLError as error:
        raise DeckFileError([Problem(path, 1, 1, f"YAML syntax: {error}")]) from None
    except RecursionError:
        raise DeckFileError([Problem(path, 1, 1, "the YAML is nested too deeply")]) from None
    finally:
        loader.dispose()
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == _NULL):
        raise DeckFileError([Problem(path, 1, 1, "the file is empty; a help file needs title, regions, steps and disclaimer")])
    return root


# Field tables: key -> (kind, required). Kinds are checked by _Checker.value.
_TOP = {
    "format": ("format", True),
    "title": ("text", True),
    "intro": ("text", True),
    "regions": ("regions", True),
    "steps": ("steps", True),
    "disclaimer": ("text", True),
    "sources": ("sources", True),
}
_REGION = {"id": ("region_id", True), "name": ("text", True), "number": ("number", True), "note": ("text", False)}
_STEP = {"text": ("text", True), "source": ("source_ref", True)}
_SOURCE = {
    "id": ("source_id", True),
    "title": ("text", True),
    "publisher": ("text", True),
    "file": ("text", False),
    "url": ("text", False),
}


def _at(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Checker:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.source_ids: set[str] = set()
        self.source_refs: list[tuple[str, yaml.Node]] = []
        self._seen: set[int] = set()

    def problem(self, node: yaml.Node, message: str) -> None:
        line, col = _at(node)
        self.problems.append(Problem(self.path, line, col, message))

    def plain(self, node: yaml.Node, depth: int = 0) -> bool:
        """Refuse explicit tags, aliases and runaway nesting anywhere under `node`."""
        if id(node) in self._seen:
            self.problem(node, "YAML aliases (*name) are not allowed; write the value out")
            return False
        self._seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            self.problem(node, f"YAML tags such as '{node.tag}' are not allowed")
            return False
        if depth > 16:
            self.problem(node, "the YAML is nested too deeply")
            return False
        if isinstance(node, yaml.MappingNode):
            return all(self.plain(k, depth + 1) and self.plain(v, depth + 1) for k, v in node.value)
        if isinstance(node, yaml.SequenceNode):
            return all(self.plain(item, depth + 1) for item in node.value)
        return True

    def mapping(self, node: yaml.Node, fields: dict[str, tuple[str, bool]], what: str) -> dict[str, Any] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return None
        values: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or key not in fields:
                close = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.problem(key_node, f"unknown key '{key}' in {what}{hint} (known: {', '.join(fields)})")
                continue
            if key in seen:
                self.problem(key_node, f"key '{key}' appears twice in {what} (first on line {_at(seen[key])[0]})")
                continue
            seen[key] = key_node
            kind, _required = fields[key]
            value = self.value(kind, value_node, f"'{key}' in {what}")
            if value is not None:
                values[key] = value
        for key, (_kind, required) in fields.items():
            if required and key not in seen:
                self.problem(node, f"{what} is missing the required key '{key}'")
        return values

    def value(self, kind: str, node: yaml.Node, what: str) -> Any:
        check: Callable[[yaml.Node, str], Any] = getattr(self, f"kind_{kind}")
        return check(node, what)

    # -- value kinds ----------------------------------------------------------------------------

    def kind_text(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _TEXT_TAGS:
            self.problem(node, f"{what} must be text")
            return None
        text = node.value.strip()
        if not text:
            self.problem(node, f"{what} must not be empty")
            return None
        return text

    def kind_format(self, node: yaml.Node, what: str) -> int | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _INT or node.value.strip() != str(FORMAT_VERSION):
            self.problem(node, f"{what} must be {FORMAT_VERSION}, the only help format this app reads")
            return None
        return FORMAT_VERSION

    def _pattern(self, node: yaml.Node, what: str, pattern: re.Pattern[str], rule: str) -> str | None:
        text = self.kind_text(node, what)
        if text is not None and not pattern.match(text):
            self.problem(node, f"{what} '{text}' is not valid: {rule}")
            return None
        return text

    def kind_region_id(self, node: yaml.Node, what: str) -> str | None:
        return self._pattern(node, what, REGION_ID, "use 2-32 lowercase letters, digits or '-'")

    def kind_source_id(self, node: yaml.Node, what: str) -> str | None:
        return self._pattern(node, what, SOURCE_ID, "use letters, digits, '.', '_' or '-'")

    def kind_number(self, node: yaml.Node, what: str) -> str | None:
        # The raw scalar text is kept, so an unquoted 000 stays "000" and never becomes 0.
        return self._pattern(node, what, PHONE_NUMBER, "write the digits to dial, e.g. \"911\" (quoted)")

    def kind_source_ref(self, node: yaml.Node, what: str) -> str | None:
        ref = self.kind_source_id(node, what)
        if ref is not None:
            self.source_refs.append((ref, node))
        return ref

    def _items(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list")
            return []
        if not node.value:
            self.problem(node, f"{what} must list at least one item")
        return list(node.value)

    def kind_regions(self, node: yaml.Node, what: str) -> tuple[Region, ...]:
        regions: list[Region] = []
        first: dict[str, yaml.Node] = {}
        for item in self._items(node, what):
            values = self.mapping(item, _REGION, "a region")
            if values is None or not {"id", "name", "number"} <= values.keys():
                continue
            id_node = next(v for k, v in item.value if k.value == "id")
            if values["id"] in first:
                self.problem(id_node, f"duplicate region id '{values['id']}' (first on line {_at(first[values['id']])[0]})")
                continue
            first[values["id"]] = id_node
            regions.append(Region(**values))
        return tuple(regions)

    def kind_steps(self, node: yaml.Node, what: str) -> tuple[HelpStep, ...]:
        steps = []
        for item in self._items(node, what):
            values = self.mapping(item, _STEP, "a step")
            if values is not None and {"text", "source"} <= values.keys():
                steps.append(HelpStep(**values))
        return tuple(steps)

    def kind_sources(self, node: yaml.Node, what: str) -> tuple[Source, ...]:
        sources = []
        for item in self._items(node, what):
            values = self.mapping(item, _SOURCE, "a source")
            if values is None or not {"id", "title", "publisher"} <= values.keys():
                continue
            if values["id"] in self.source_ids:
                id_node = next(v for k, v in item.value if k.value == "id")
                self.problem(id_node, f"duplicate source id '{values['id']}'")
                continue
            self.source_ids.add(values["id"])
            sources.append(Source(**values))
        return tuple(sources)

    # -- the whole file -------------------------------------------------------------------------

    def help(self, root: yaml.Node) -> HelpContent:
        if not self.plain(root):
            raise DeckFileError(self.problems)
        values = self.mapping(root, _TOP, "the help file")
        for ref, node in self.source_refs:
            if ref not in self.source_ids:
                declared = ", ".join(sorted(self.source_ids)) or "none"
                self.problem(node, f"source '{ref}' is not declared in 'sources' (declared: {declared})")
        if self.problems or values is None:
            raise DeckFileError(self.problems or [Problem(self.path, 1, 1, "the help file is not valid")])
        return HelpContent(
            title=values["title"],
            intro=values["intro"],
            regions=values["regions"],
            steps=values["steps"],
            disclaimer=values["disclaimer"],
            sources=values["sources"],
        )
