"""The "Get help now" content: emergency numbers by region, the overdose steps and a disclaimer.

The content lives in a YAML file (by default the bundled `assets/help/help.yaml`, described in
docs/help-format.md). It is loaded safely, like a deck file: the YAML is composed into a node tree
(no Python objects are built from tags), tags and aliases are refused, and every problem in the
file is reported at once as `path:line:col: message` through `DeckFileError`.

Pure Python; the UI calls `load_help()` and `HelpContent.region()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from quizapp.core.deck import Source
from quizapp.core.deckfile import (
    Field,
    NodeChecker,
    compose_yaml,
    read_limited,
    yaml_text,
)
from quizapp.core.errors import DeckFileError, Problem

FORMAT_VERSION = 1
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "assets" / "help" / "help.yaml"
MAX_FILE_BYTES = 1024 * 1024

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
    return parse_help(read_limited(file_path, "a help file", MAX_FILE_BYTES), str(file_path))


def parse_help(data: bytes | str, path: str = "<help>") -> HelpContent:
    """Check help YAML given as bytes or text."""
    text = yaml_text(data, path, "a help file", MAX_FILE_BYTES)
    root = compose_yaml(text, path, "the file is empty; a help file needs title, regions, steps and disclaimer")
    return _Checker(path).help(root)


# Field tables; kinds are checked by the `kind_<name>` methods of _Checker.
_TOP = {
    "format": Field("format", True),
    "title": Field("text", True),
    "intro": Field("text", True),
    "regions": Field("regions", True),
    "steps": Field("steps", True),
    "disclaimer": Field("text", True),
    "sources": Field("sources", True),
}
_REGION = {"id": Field("region_id", True), "name": Field("text", True), "number": Field("number", True), "note": Field("text")}
_STEP = {"text": Field("text", True), "source": Field("source_ref", True)}
_SOURCE = {
    "id": Field("source_id", True),
    "title": Field("text", True),
    "publisher": Field("text", True),
    "file": Field("text"),
    "url": Field("text"),
}


class _Checker(NodeChecker):
    FILE_KIND = "help files"

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.source_ids: set[str] = set()
        self.source_refs: list[tuple[str, yaml.Node]] = []

    def fields(self, node: yaml.Node, fields: dict[str, Field], what: str) -> tuple[dict[str, Any], dict[str, yaml.Node]] | None:
        """The checked values of a mapping and its value nodes (for positions), or None."""
        entries = self.mapping(node, fields, what)
        return None if entries is None else (self.values(entries, fields, what), entries)

    # -- value kinds ----------------------------------------------------------------------------

    def kind_format(self, node: yaml.Node, what: str) -> int | None:
        number = self.kind_positive_int(node, what)
        if number is not None and number != FORMAT_VERSION:
            self.problem(node, f"{what} must be {FORMAT_VERSION}, the only help format this app reads")
            return None
        return number

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
            checked = self.fields(item, _REGION, "a region")
            if checked is None or not {"id", "name", "number"} <= checked[0].keys():
                continue
            values, id_node = checked[0], checked[1]["id"]
            if values["id"] in first:
                self.problem(id_node, f"duplicate region id '{values['id']}' (first on line {first[values['id']].start_mark.line + 1})")
                continue
            first[values["id"]] = id_node
            regions.append(Region(**values))
        return tuple(regions)

    def kind_steps(self, node: yaml.Node, what: str) -> tuple[HelpStep, ...]:
        steps = []
        for item in self._items(node, what):
            checked = self.fields(item, _STEP, "a step")
            if checked is not None and {"text", "source"} <= checked[0].keys():
                steps.append(HelpStep(**checked[0]))
        return tuple(steps)

    def kind_sources(self, node: yaml.Node, what: str) -> tuple[Source, ...]:
        sources = []
        for item in self._items(node, what):
            checked = self.fields(item, _SOURCE, "a source")
            if checked is None or not {"id", "title", "publisher"} <= checked[0].keys():
                continue
            values = checked[0]
            if values["id"] in self.source_ids:
                self.problem(checked[1]["id"], f"duplicate source id '{values['id']}'")
                continue
            self.source_ids.add(values["id"])
            sources.append(Source(**values))
        return tuple(sources)

    # -- the whole file -------------------------------------------------------------------------

    def help(self, root: yaml.Node) -> HelpContent:
        if not self.plain(root):
            raise DeckFileError(self.problems)
        checked = self.fields(root, _TOP, "the help file")
        values = checked[0] if checked else None
        for ref, node in self.source_refs:
            if ref not in self.source_ids:
                declared = ", ".join(sorted(self.source_ids)) or "none"
                self.problem(node, f"source '{ref}' is not declared in 'sources' (declared: {declared})")
        if self.problems or values is None or not _TOP.keys() <= values.keys():
            raise DeckFileError(self.problems or [Problem(self.path, 1, 1, "the help file is not valid")])
        return HelpContent(
            title=values["title"],
            intro=values["intro"],
            regions=values["regions"],
            steps=values["steps"],
            disclaimer=values["disclaimer"],
            sources=values["sources"],
        )
