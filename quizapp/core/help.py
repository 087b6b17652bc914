"""The "Get help now" content: by region, the emergency number and a crisis line for thoughts of
suicide or self-harm; the overdose steps, citing the material; and a disclaimer.

The content lives in a YAML file (by default the bundled `assets/help/help.yaml`, described in
docs/help-format.md). It is loaded safely, like a deck file: the YAML is composed into a node tree
(no Python objects are built from tags), tags and aliases are refused, and every problem in the
file is reported at once as `path:line:col: message` through `DeckFileError`.

There is no default region and no guess: `HelpContent.region_for(setting, system_locale)` gives the
learner's chosen region, or with none chosen the one covering the system locale's country, or None,
and the screen then asks the learner to call their local emergency number and to choose a region.

Pure Python; the UI calls `load_help()` and `HelpContent.region_for()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
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
from quizapp.core.locales import country_of_locale

FORMAT_VERSION = 2
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "assets" / "help" / "help.yaml"
MAX_FILE_BYTES = 1024 * 1024

REGION_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,31}\Z")
SOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
PHONE_NUMBER = re.compile(r"\+?[0-9][0-9 -]{0,19}\Z")
COUNTRY_CODE = re.compile(r"[A-Z]{2}\Z")
WEB_ADDRESS = re.compile(r"https://[^\s/]+\.[^\s/]+/\S*\Z")
LINES = re.compile(r"([1-9][0-9]*)(?:-([1-9][0-9]*))?\Z")
REACH_WAYS = ("call", "text")


@dataclass(frozen=True)
class Contact:
    """A number to call or text, with where it was checked and when.

    The numbers are general safety information: they do not come from the material, so each one
    names the published page it was checked against (`source`) and the day it was (`checked`)."""

    name: str
    number: str
    reach: tuple[str, ...]  # some of REACH_WAYS, in the order to show them
    source: str
    checked: date
    note: str = ""

    @property
    def how(self) -> str:
        """How to reach it, in words: "call" or "call or text"."""
        return " or ".join(self.reach)


@dataclass(frozen=True)
class Region:
    """Where the learner is: the emergency number there and, where one is listed, the crisis line
    for thoughts of suicide or self-harm."""

    id: str
    name: str
    countries: tuple[str, ...]  # ISO 3166-1 alpha-2 codes, as system locales give them
    emergency: Contact
    crisis: Contact | None = None


@dataclass(frozen=True)
class HelpStep:
    """One step of the overdose response, citing a declared source and the lines that support it."""

    text: str
    source: str
    lines: str = ""  # "10" or "9-10": lines of the source's file


@dataclass(frozen=True)
class HelpContent:
    title: str
    intro: str
    regions: tuple[Region, ...]
    numbers_note: str  # says the numbers are general safety information, not from the material
    steps: tuple[HelpStep, ...]
    disclaimer: str
    sources: tuple[Source, ...]

    def region(self, key: str) -> Region | None:
        """The region with this id or name, ignoring case; None for anything else (never a guess)."""
        wanted = (key or "").strip().casefold()
        return next((r for r in self.regions if wanted in (r.id.casefold(), r.name.casefold())), None)

    def region_for_locale(self, locale: str | None) -> Region | None:
        """The region covering the country a system locale names ("en_GB.UTF-8" -> United Kingdom);
        None when it names no country (C.UTF-8) or one no region covers (ja_JP)."""
        country = country_of_locale(locale)
        return next((r for r in self.regions if country in r.countries), None) if country else None

    def region_for(self, setting: str, system_locale: str | None) -> Region | None:
        """The region to show: the learner's choice, or with none made ("") the system locale's.
        None means no region is known: the learner is asked to call their local number."""
        return self.region(setting) if setting else self.region_for_locale(system_locale)

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
    "numbers_note": Field("text", True),
    "steps": Field("steps", True),
    "disclaimer": Field("text", True),
    "sources": Field("sources", True),
}
_REGION = {
    "id": Field("region_id", True),
    "name": Field("text", True),
    "countries": Field("countries", True),
    "emergency": Field("contact", True),
    "crisis": Field("contact"),
}
_CONTACT = {
    "name": Field("text", True),
    "number": Field("number", True),
    "reach": Field("reach", True),
    "source": Field("web_address", True),
    "checked": Field("date", True),
    "note": Field("text"),
}
_STEP = {"text": Field("text", True), "source": Field("source_ref", True), "lines": Field("lines", True)}
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
        self.country_regions: dict[str, str] = {}  # country code -> id of the region covering it

    def fields(self, node: yaml.Node, fields: dict[str, Field], what: str) -> tuple[dict[str, Any], dict[str, yaml.Node]] | None:
        """The checked values of a mapping and its value nodes (for positions), or None."""
        entries = self.mapping(node, fields, what)
        return None if entries is None else (self.values(entries, fields, what), entries)

    def complete(self, node: yaml.Node, fields: dict[str, Field], what: str) -> tuple[dict[str, Any], dict[str, yaml.Node]] | None:
        """Like `fields`, but None unless every required value is present and valid."""
        checked = self.fields(node, fields, what)
        required = {key for key, spec in fields.items() if spec.required}
        return checked if checked is not None and required <= checked[0].keys() else None

    # -- value kinds ----------------------------------------------------------------------------

    def kind_format(self, node: yaml.Node, what: str) -> int | None:
        number = self.kind_positive_int(node, what)
        if number is not None and number != FORMAT_VERSION:
            # Format 1 gave one number per region with no crisis line and no record of where the
            # number was checked; showing such a file would drop both, so it is refused.
            self.problem(node, f"{what} must be {FORMAT_VERSION}, the only help format this app reads (format 1 had no crisis lines and no sources for its numbers)")
            return None
        return number

    def kind_region_id(self, node: yaml.Node, what: str) -> str | None:
        return self._pattern(node, what, REGION_ID, "use 2-32 lowercase letters, digits or '-'")

    def kind_source_id(self, node: yaml.Node, what: str) -> str | None:
        return self._pattern(node, what, SOURCE_ID, "use letters, digits, '.', '_' or '-'")

    def kind_number(self, node: yaml.Node, what: str) -> str | None:
        # The raw scalar text is kept, so an unquoted 000 stays "000" and never becomes 0.
        return self._pattern(node, what, PHONE_NUMBER, "write the digits to dial, e.g. \"911\" (quoted)")

    def kind_web_address(self, node: yaml.Node, what: str) -> str | None:
        return self._pattern(node, what, WEB_ADDRESS, "give the https:// address of the page the number was checked against")

    def kind_date(self, node: yaml.Node, what: str) -> date | None:
        text = self.kind_text(node, what)
        if text is None:
            return None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        self.problem(node, f"'{text}' ({what}) is not a date: write the day it was checked as YYYY-MM-DD")
        return None

    def kind_lines(self, node: yaml.Node, what: str) -> str | None:
        text = self._pattern(node, what, LINES, 'give a line number or a range such as "9-10" (quoted)')
        match = LINES.match(text) if text is not None else None
        if match and match.group(2) and int(match.group(2)) < int(match.group(1)):
            self.problem(node, f"'{text}' ({what}) is not valid: the range must not end before it starts")
            return None
        return text

    def kind_reach(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        items = self._list(node, what, "say how to reach it: [call] or [call, text]")
        if items is None:
            return None
        ways = tuple(item.value.strip() if isinstance(item, yaml.ScalarNode) else "" for item in items)
        if any(way not in REACH_WAYS for way in ways) or len(set(ways)) != len(ways):
            self.problem(node, f"{what} must list {' and/or '.join(REACH_WAYS)}, each once")
            return None
        return ways

    def kind_countries(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        items = self._list(node, what, 'list the two-letter country codes it covers, e.g. ["GB"]')
        if items is None:
            return None
        codes = [self._pattern(item, f"an item of {what}", COUNTRY_CODE, "use a two-letter country code in capitals, e.g. GB") for item in items]
        return None if None in codes else tuple(codes)  # type: ignore[arg-type]

    def kind_contact(self, node: yaml.Node, what: str) -> Contact | None:
        checked = self.complete(node, _CONTACT, f"{what}")
        return Contact(**checked[0]) if checked is not None else None

    def kind_source_ref(self, node: yaml.Node, what: str) -> str | None:
        ref = self.kind_source_id(node, what)
        if ref is not None:
            self.source_refs.append((ref, node))
        return ref

    def _list(self, node: yaml.Node, what: str, hint: str) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.problem(node, f"{what} must be a list with at least one item: {hint}")
            return None
        return list(node.value)

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
            checked = self.complete(item, _REGION, "a region")
            if checked is None:
                continue
            values, nodes = checked
            if values["id"] in first:
                self.problem(nodes["id"], f"duplicate region id '{values['id']}' (first on line {first[values['id']].start_mark.line + 1})")
                continue
            first[values["id"]] = nodes["id"]
            for country in values["countries"]:
                if country in self.country_regions:
                    # A locale must lead to one region only.
                    self.problem(nodes["countries"], f"country {country} is already covered by region '{self.country_regions[country]}'")
                self.country_regions.setdefault(country, values["id"])
            regions.append(Region(**values))
        return tuple(regions)

    def kind_steps(self, node: yaml.Node, what: str) -> tuple[HelpStep, ...]:
        steps = []
        for item in self._items(node, what):
            checked = self.complete(item, _STEP, "a step")
            if checked is not None:
                steps.append(HelpStep(**checked[0]))
        return tuple(steps)

    def kind_sources(self, node: yaml.Node, what: str) -> tuple[Source, ...]:
        sources = []
        for item in self._items(node, what):
            checked = self.complete(item, _SOURCE, "a source")
            if checked is None:
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
        return HelpContent(**{key: values[key] for key in _TOP if key != "format"})
