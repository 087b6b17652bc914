"""Decks and cards as the deck file describes them.

A `Card` is one entry of a deck file (Anki would call it a note). It may yield several studied
cards, its siblings: a reverse card yields two, a cloze card one per deletion number. Progress is
kept per (deck id, card id, sibling), so it survives rewording and reordering.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from quizapp.core import cloze

FORMAT_VERSION = 1


class CardType(str, Enum):
    BASIC = "basic"
    REVERSE = "reverse"
    CLOZE = "cloze"
    CHOICE = "choice"
    TRUEFALSE = "truefalse"
    TYPEIN = "typein"
    ORDER = "order"
    MATCH = "match"


@dataclass(frozen=True)
class Basic:
    front: str
    back: str


@dataclass(frozen=True)
class Reverse:
    front: str
    back: str


@dataclass(frozen=True)
class Cloze:
    text: str
    back: str = ""


@dataclass(frozen=True)
class Choice:
    question: str
    answers: tuple[str, ...]
    distractors: tuple[str, ...]


@dataclass(frozen=True)
class TrueFalse:
    statement: str
    truth: bool


@dataclass(frozen=True)
class TypeIn:
    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Order:
    question: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """Either `pairs` (left, right) or `categories` (name, items); the loader ensures exactly one."""

    question: str
    pairs: tuple[tuple[str, str], ...] = ()
    categories: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def as_pairs(self) -> list[tuple[str, str]]:
        """Pairs to match; for categories, each item paired with its category."""
        if self.pairs:
            return list(self.pairs)
        return [(item, name) for name, items in self.categories for item in items]


Body = Basic | Reverse | Cloze | Choice | TrueFalse | TypeIn | Order | Match

BODY_CLASSES: dict[CardType, type] = {
    CardType.BASIC: Basic,
    CardType.REVERSE: Reverse,
    CardType.CLOZE: Cloze,
    CardType.CHOICE: Choice,
    CardType.TRUEFALSE: TrueFalse,
    CardType.TYPEIN: TypeIn,
    CardType.ORDER: Order,
    CardType.MATCH: Match,
}


@dataclass(frozen=True)
class Face:
    """A studied card as plain text: what is asked and what answers it."""

    prompt: str
    answer: str


@dataclass(frozen=True)
class Card:
    id: str
    type: CardType
    body: Body
    explain: str = ""
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    image: str | None = None

    def siblings(self) -> list[int]:
        """The sibling numbers this entry yields (Anki's template ordinals)."""
        if isinstance(self.body, Reverse):
            return [0, 1]
        if isinstance(self.body, Cloze):
            return [n - 1 for n in cloze.deletion_numbers(self.body.text)]
        return [0]

    def face(self, sibling: int = 0) -> Face:
        """Plain-text prompt and answer, for lists, the CLI and formats that know only text."""
        body = self.body
        if isinstance(body, (Basic, Reverse)):
            if isinstance(body, Reverse) and sibling == 1:
                return Face(body.back, body.front)
            return Face(body.front, body.back)
        if isinstance(body, Cloze):
            number = sibling + 1
            return Face(cloze.render(body.text, number, reveal=False), cloze.render(body.text, number, reveal=True))
        if isinstance(body, Choice):
            return Face(body.question, "; ".join(body.answers))
        if isinstance(body, TrueFalse):
            return Face(body.statement, "True" if body.truth else "False")
        if isinstance(body, TypeIn):
            return Face(body.question, body.answers[0])
        if isinstance(body, Order):
            return Face(body.question, "\n".join(f"{i}. {step}" for i, step in enumerate(body.steps, 1)))
        assert isinstance(body, Match)
        return Face(body.question, "\n".join(f"{left} → {right}" for left, right in body.as_pairs()))

    def searchable_text(self) -> str:
        """Every text of the card, for search."""
        parts: list[str] = []
        for value in _body_dict(self.body).values():
            _collect_text(value, parts)
        parts.append(self.explain)
        return "\n".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        """The card as its deck-file mapping (what the YAML holds)."""
        data: dict[str, Any] = {"id": self.id, "type": self.type.value}
        data.update(_body_dict(self.body))
        if self.explain:
            data["explain"] = self.explain
        if self.sources:
            data["source"] = self.sources[0] if len(self.sources) == 1 else list(self.sources)
        if self.tags:
            data["tags"] = list(self.tags)
        if self.image:
            data["image"] = self.image
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Card:
        """Inverse of `to_dict` for trusted data (the store); files go through `deckfile`."""
        card_type = CardType(data["type"])
        body_fields = {k: v for k, v in data.items() if k not in _COMMON_KEYS}
        source = data.get("source", ())
        return cls(
            id=data["id"],
            type=card_type,
            body=_body_from_dict(card_type, body_fields),
            explain=data.get("explain", ""),
            sources=(source,) if isinstance(source, str) else tuple(source),
            tags=tuple(data.get("tags", ())),
            image=data.get("image"),
        )


_COMMON_KEYS = frozenset({"id", "type", "explain", "source", "tags", "image"})


def _body_dict(body: Body) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in vars(body).items():
        if isinstance(body, Match) and name == "categories":
            if value:
                data[name] = {cat: list(items) for cat, items in value}
        elif isinstance(body, Match) and name == "pairs":
            if value:
                data[name] = [list(pair) for pair in value]
        elif isinstance(value, tuple):
            data[name] = list(value)
        elif isinstance(body, Cloze) and name == "back" and not value:
            continue
        else:
            data[name] = value
    return data


def _body_from_dict(card_type: CardType, fields: dict[str, Any]) -> Body:
    converted: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "categories":
            converted[name] = tuple((cat, tuple(items)) for cat, items in value.items())
        elif name == "pairs":
            converted[name] = tuple((left, right) for left, right in value)
        elif isinstance(value, list):
            converted[name] = tuple(value)
        else:
            converted[name] = value
    body: Body = BODY_CLASSES[card_type](**converted)
    return body


def _collect_text(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            out.append(str(key))
            _collect_text(item, out)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_text(item, out)


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    file: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(**data)


@dataclass(frozen=True)
class DeckInfo:
    id: str
    version: int
    title: str
    description: str = ""
    language: str = "en"
    tags: tuple[str, ...] = ()
    author: str = ""
    license: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "version": self.version, "title": self.title}
        for name in ("description", "language", "author", "license"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.tags:
            data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeckInfo:
        return cls(**{**data, "tags": tuple(data.get("tags", ()))})


@dataclass(frozen=True)
class Deck:
    info: DeckInfo
    cards: tuple[Card, ...]
    sources: tuple[Source, ...] = ()
    retired: tuple[str, ...] = ()
    format: int = FORMAT_VERSION

    @property
    def id(self) -> str:
        return self.info.id

    def card(self, card_id: str) -> Card:
        for card in self.cards:
            if card.id == card_id:
                return card
        raise KeyError(card_id)

    def media(self) -> list[str]:
        """Image paths the cards use, relative to the deck file, each once."""
        return sorted({c.image for c in self.cards if c.image})

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def to_dict(self) -> dict[str, Any]:
        """The deck as a deck-file mapping; `yaml.safe_dump` of it is a valid deck file."""
        data: dict[str, Any] = {"format": self.format, "deck": self.info.to_dict()}
        if self.sources:
            data["sources"] = [s.to_dict() for s in self.sources]
        if self.retired:
            data["retired"] = list(self.retired)
        data["cards"] = [c.to_dict() for c in self.cards]
        return data
