"""Importing Anki packages (.apkg) of every generation as our decks, media and, on request,
each card's scheduling and review history.

Mapping (docs/anki.md has the whole story):
- one of our decks per Anki deck that holds notes; id = slug of the full name, title = full name;
  a note belongs to the deck of its first card;
- card id `anki-<16 hex of SHA-1 of the note guid>`: the guid is what Anki itself matches notes by,
  and tools such as genanki keep it stable while note ids change on every export;
- Cloze note types -> cloze (the Text field; the other fields -> back); Basic (and reversed card)
  -> reverse; Basic (optional reversed card) -> reverse if the note has its reverse card, else
  basic; every other note type -> basic (first field front, the others back). A field named
  "Explain" (our export writes one) becomes the card's explanation;
- fields become plain text (see anki_html); the first image becomes the card's image;
- scheduling is keyed by (deck id, card id, sibling), sibling = Anki's template ordinal.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from quizapp.core import cloze
from quizapp.core.card_state import Rating, State
from quizapp.core.deck import Basic, Card, CardType, Cloze, Deck, DeckInfo, Reverse
from quizapp.core.deckfile import DECK_ID, IMAGE_SUFFIXES, TAG
from quizapp.core.errors import FormatError
from quizapp.sharing.anki_collection import (
    STOCK_BASIC_AND_REVERSED,
    STOCK_BASIC_OPTIONAL_REVERSED,
    AnkiCollection,
    CardRow,
    Note,
    Notetype,
    Review,
    read_collection,
)
from quizapp.sharing.anki_html import html_to_text
from quizapp.sharing.anki_package import AnkiPackage, MediaEntry

IMAGE_PLACEHOLDER = "(image)"
EXPLAIN_FIELD = "explain"
_OPTIONAL_REVERSE_SWITCH = "add reverse"
# A field longer than this is not a card's text (converting its HTML would take seconds); such a
# note is left out with a warning.
MAX_FIELD_CHARS = 256 * 1024
# Intraday learning dues are epoch seconds; day-based dues are small day numbers.
_EPOCH_DUE_FLOOR = 1_000_000_000


class ReviewKind(str, Enum):
    LEARNING = "learning"
    REVIEW = "review"
    RELEARNING = "relearning"
    FILTERED = "filtered"  # an answer in a filtered deck that rescheduled the card


_REVIEW_KINDS = {0: ReviewKind.LEARNING, 1: ReviewKind.REVIEW, 2: ReviewKind.RELEARNING, 3: ReviewKind.FILTERED}
_MANUAL_KINDS = (4, 5)  # set due date / reset / reschedule: no rating
_STATES = {0: State.NEW, 1: State.LEARNING, 2: State.REVIEW, 3: State.RELEARNING}


@dataclass(frozen=True)
class AnkiReview:
    """One answer: when, which button, and the interval Anki chose after it."""

    at: datetime
    rating: Rating
    kind: ReviewKind
    interval: timedelta
    interval_in_days: bool  # day-based (reviews, graduated steps) rather than an exact delay

    def to_dict(self) -> dict[str, Any]:
        amount = self.interval.days if self.interval_in_days else int(self.interval.total_seconds())
        return {
            "at": self.at.isoformat(),
            "rating": int(self.rating),
            "kind": self.kind.value,
            "interval": f"{amount}{'d' if self.interval_in_days else 's'}",
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnkiReview:
        amount, unit = int(data["interval"][:-1]), data["interval"][-1]
        return cls(
            at=datetime.fromisoformat(data["at"]),
            rating=Rating(data["rating"]),
            kind=ReviewKind(data["kind"]),
            interval=timedelta(days=amount) if unit == "d" else timedelta(seconds=amount),
            interval_in_days=unit == "d",
        )


@dataclass(frozen=True)
class FsrsMemory:
    """Anki's FSRS memory state of a card (stored rounded: 4 and 3 decimals)."""

    stability: float
    difficulty: float
    desired_retention: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"stability": self.stability, "difficulty": self.difficulty, "desired_retention": self.desired_retention}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FsrsMemory:
        return cls(data["stability"], data["difficulty"], data.get("desired_retention"))


@dataclass(frozen=True)
class ImportedSchedule:
    """Where one Anki card stood at export, and the answers that got it there.

    - `due_at`: exact instant for intraday (re)learning; for day-based dues, the start (rollover)
      of the due day in the source collection. None for new cards.
    - `due_date`: the calendar date of a day-based due (Anki keeps this date when importing).
    - `revlog`: the answers FSRS counts, oldest first: rated answers since the card was last reset,
      without cramming or manual rescheduling (as Anki's own FSRS does).
    """

    state: State
    suspended: bool = False
    due_at: datetime | None = None
    due_date: date | None = None
    new_position: int | None = None
    interval_days: int = 0
    ease_factor: int = 0  # SM-2 ease in permille; 0 when unset (FSRS)
    reps: int = 0
    lapses: int = 0
    remaining_steps: int = 0
    memory: FsrsMemory | None = None
    last_review_at: datetime | None = None
    revlog: tuple[AnkiReview, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "suspended": self.suspended,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "new_position": self.new_position,
            "interval_days": self.interval_days,
            "ease_factor": self.ease_factor,
            "reps": self.reps,
            "lapses": self.lapses,
            "remaining_steps": self.remaining_steps,
            "memory": self.memory.to_dict() if self.memory else None,
            "last_review_at": self.last_review_at.isoformat() if self.last_review_at else None,
            "revlog": [entry.to_dict() for entry in self.revlog],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportedSchedule:
        return cls(
            state=State(data["state"]),
            suspended=data.get("suspended", False),
            due_at=datetime.fromisoformat(data["due_at"]) if data.get("due_at") else None,
            due_date=date.fromisoformat(data["due_date"]) if data.get("due_date") else None,
            new_position=data.get("new_position"),
            interval_days=data.get("interval_days", 0),
            ease_factor=data.get("ease_factor", 0),
            reps=data.get("reps", 0),
            lapses=data.get("lapses", 0),
            remaining_steps=data.get("remaining_steps", 0),
            memory=FsrsMemory.from_dict(data["memory"]) if data.get("memory") else None,
            last_review_at=datetime.fromisoformat(data["last_review_at"]) if data.get("last_review_at") else None,
            revlog=tuple(AnkiReview.from_dict(entry) for entry in data.get("revlog", ())),
        )


ScheduleKey = tuple[str, str, int]  # (deck id, card id, sibling)


@dataclass(frozen=True)
class AnkiImport:
    """What a package held, as our decks.

    `media` maps file names (safe, unique by content) to bytes; each card's `image` is one of these
    names, so write them next to the deck files. `scheduling` is empty unless asked for.
    `warnings` says, in plain words, what was left out and why.
    """

    decks: list[Deck]
    media: dict[str, bytes] = field(default_factory=dict)
    scheduling: dict[ScheduleKey, ImportedSchedule] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def import_apkg(path: str | Path, *, with_scheduling: bool = False) -> AnkiImport:
    """Read an .apkg; raise ArchiveError (unsafe or damaged zip) or FormatError (not readable)."""
    with AnkiPackage(path) as package, tempfile.TemporaryDirectory(prefix="quizapp-anki-") as tmp:
        collection_path = Path(tmp) / "collection.sqlite"
        with collection_path.open("wb") as out:
            package.extract_collection(out)
        what = f"the collection in {package.label}"
        collection = read_collection(collection_path, what, with_reviews=with_scheduling)
        return _Importer(package, collection, with_scheduling).run()


@dataclass
class _Converted:
    card: Card
    deck_name: str
    image_ref: str | None
    rows: list[CardRow]


class _Importer:
    def __init__(self, package: AnkiPackage, collection: AnkiCollection, with_scheduling: bool) -> None:
        self.package = package
        self.col = collection
        self.with_scheduling = with_scheduling
        self.warnings: list[str] = []
        self.media: dict[str, bytes] = {}
        self._media_entries: dict[str, MediaEntry] | None = None
        self._media_names: dict[str, str | None] = {}
        self._reviews: dict[int, list[Review]] = defaultdict(list)
        for review in collection.reviews:
            self._reviews[review.card_id].append(review)

    def run(self) -> AnkiImport:
        rows_by_note: dict[int, list[CardRow]] = defaultdict(list)
        for row in self.col.cards:
            rows_by_note[row.note_id].append(row)
        converted: list[_Converted] = []
        seen_ids: dict[str, int] = {}
        for note in self.col.notes:
            rows = rows_by_note.get(note.id)
            if not rows:
                continue  # a note without cards shows nothing in Anki either
            item = self._convert(note, rows)
            if item is None:
                continue
            if item.card.id in seen_ids:
                self.warnings.append(f"note {note.id} has the same guid as note {seen_ids[item.card.id]}; left out")
                continue
            seen_ids[item.card.id] = note.id
            converted.append(item)

        deck_ids = _deck_ids(sorted({item.deck_name for item in converted}))
        descriptions = {deck.name: html_to_text(deck.description).text for deck in self.col.decks.values()}
        cards_by_deck: dict[str, list[Card]] = defaultdict(list)
        scheduling: dict[ScheduleKey, ImportedSchedule] = {}
        for item in converted:
            deck_id = deck_ids[item.deck_name]
            card = self._with_image(item)
            cards_by_deck[item.deck_name].append(card)
            if self.with_scheduling:
                scheduling.update(self._schedules(deck_id, card, item.rows))
        decks = [
            Deck(
                # Anki allows a blank deck name; a deck file needs a title.
                info=DeckInfo(id=deck_ids[name], version=1, title=name.strip() or "Anki deck", description=descriptions.get(name, "")),
                cards=tuple(cards),
            )
            for name, cards in sorted(cards_by_deck.items())
        ]
        return AnkiImport(decks=decks, media=self.media, scheduling=scheduling, warnings=self.warnings)

    # -- notes --------------------------------------------------------------------------------

    def _convert(self, note: Note, rows: list[CardRow]) -> _Converted | None:
        notetype = self.col.notetypes.get(note.notetype_id)
        if notetype is None:
            self.warnings.append(f"note {note.id} uses a note type missing from the package; left out")
            return None
        for name, value in zip(notetype.fields, note.fields, strict=False):
            if len(value) > MAX_FIELD_CHARS:
                self.warnings.append(
                    f"note {note.id}: field '{name}' is {len(value) // 1024:,} KB; at most {MAX_FIELD_CHARS // 1024} KB per field is imported; left out"
                )
                return None
        # A damaged note may have more or fewer values than its type has fields; extra ones are dropped.
        texts = {name.casefold(): html_to_text(value) for name, value in zip(notetype.fields, note.fields, strict=False)}
        images = [src for t in texts.values() for src in t.images]
        if any(t.sounds for t in texts.values()):
            self.warnings.append(f"note {note.id}: sounds are not supported; left out")
        if len(images) > 1:
            self.warnings.append(f"note {note.id}: only the first of {len(images)} images is kept")
        explain = texts.pop(EXPLAIN_FIELD).text if EXPLAIN_FIELD in texts else ""
        if _optional_reverse(notetype):
            texts.pop(_OPTIONAL_REVERSE_SWITCH, None)  # a switch ("y"), not words to learn

        def side(names: list[str]) -> str:
            parts = [texts[n].text or (IMAGE_PLACEHOLDER if texts[n].images else "") for n in names]
            return "\n".join(p for p in parts if p)

        names = list(texts)
        body: Basic | Reverse | Cloze
        if notetype.is_cloze:
            text_name = "text" if "text" in texts else names[0] if names else ""
            text = texts[text_name].text if text_name else ""
            if not cloze.deletion_numbers(text):
                self.warnings.append(f"note {note.id}: its cloze text has no deletion; left out")
                return None
            body = Cloze(text=text, back=side([n for n in names if n != text_name]))
        else:
            reverse = _is_reverse(notetype, {row.ord for row in rows})
            # The reverse card asks with Back alone; further fields go with the explanation.
            answer_names = names[1:2] if reverse else names[1:]
            front, back = side(names[:1]), side(answer_names)
            if not front or not back:
                self.warnings.append(f"note {note.id}: its {'front' if not front else 'back'} is empty; left out")
                return None
            if reverse:
                explain = "\n".join(p for p in (side(names[2:]), explain) if p)
                body = Reverse(front=front, back=back)
            else:
                body = Basic(front=front, back=back)
        card_type = {Basic: CardType.BASIC, Reverse: CardType.REVERSE, Cloze: CardType.CLOZE}[type(body)]
        card = Card(id=anki_card_id(note.guid), type=card_type, body=body, explain=explain, tags=_tags(note.tags))
        deck = self.col.decks.get(min(rows, key=lambda row: row.ord).deck_id)
        return _Converted(card, deck.name if deck else "Default", images[0] if images else None, rows)

    def _with_image(self, item: _Converted) -> Card:
        if item.image_ref is None:
            return item.card
        name = self._media_name(item.image_ref, item.card.id)
        return replace(item.card, image=name) if name else item.card

    def _media_name(self, ref: str, card_id: str) -> str | None:
        """Our file name for an image the notes refer to, reading it on first use."""
        if ref in self._media_names:
            return self._media_names[ref]
        if self._media_entries is None:
            self._media_entries = self.package.media()
        entry = self._media_entries.get(ref) or self._media_entries.get(unquote(ref))
        name = None
        if not ref.lower().endswith(IMAGE_SUFFIXES):
            self.warnings.append(f"card {card_id}: '{ref}' is not a supported image ({', '.join(IMAGE_SUFFIXES)}); left out")
        elif entry is None:
            self.warnings.append(f"card {card_id}: image '{ref}' is not in the package; left out")
        else:
            data = self.package.read_media(entry)
            name = safe_media_name(entry.name, data)
            self.media[name] = data
        self._media_names[ref] = name
        return name

    # -- scheduling ---------------------------------------------------------------------------

    def _schedules(self, deck_id: str, card: Card, rows: list[CardRow]) -> dict[ScheduleKey, ImportedSchedule]:
        siblings = set(card.siblings())
        out = {}
        for row in rows:
            if row.ord not in siblings:
                self.warnings.append(f"card {card.id}: Anki card {row.id} (template {row.ord + 1}) has no match here; its progress is left out")
                continue
            try:
                out[(deck_id, card.id, row.ord)] = self._schedule(row, self._reviews.get(row.id, []))
            except (OverflowError, OSError, ValueError) as error:
                raise FormatError(f"{self.package.label}: Anki card {row.id} has impossible scheduling data ({error})") from None
        return out

    def _schedule(self, row: CardRow, reviews: list[Review]) -> ImportedSchedule:
        state = _STATES.get(row.type)
        if state is None:
            raise ValueError(f"unknown card type {row.type}")
        suspended = row.queue == -1
        if state is State.NEW:
            return ImportedSchedule(state=state, suspended=suspended, new_position=row.due)
        revlog = _fsrs_revlog(reviews)
        due_at: datetime
        due_date = None
        intraday = state in (State.LEARNING, State.RELEARNING) and row.due > _EPOCH_DUE_FLOOR
        if intraday:
            due_at = _instant(row.due)
        else:
            due_at = _instant(self.col.crt) + timedelta(days=row.due)
            due_date = self._first_day() + timedelta(days=row.due)
        memory = None
        if isinstance(row.data.get("s"), (int, float)) and isinstance(row.data.get("d"), (int, float)):
            retention = row.data.get("dr")
            memory = FsrsMemory(float(row.data["s"]), float(row.data["d"]), float(retention) if isinstance(retention, (int, float)) else None)
        last = revlog[-1].at if revlog else (_instant(row.data["lrt"]) if isinstance(row.data.get("lrt"), int) else None)
        return ImportedSchedule(
            state=state,
            suspended=suspended,
            due_at=due_at,
            due_date=due_date,
            interval_days=row.interval,
            ease_factor=row.factor,
            reps=row.reps,
            lapses=row.lapses,
            remaining_steps=row.left % 1000,  # Anki packs "steps left today" into the thousands
            memory=memory,
            last_review_at=last,
            revlog=revlog,
        )

    def _first_day(self) -> date:
        """The calendar date of the collection's day 0, in the zone it was made in."""
        local = _instant(self.col.crt) - timedelta(minutes=self.col.creation_offset_minutes)
        return (local - timedelta(hours=self.col.rollover_hour)).date()


def _fsrs_revlog(reviews: list[Review]) -> tuple[AnkiReview, ...]:
    # A reset (manual entry with no ease factor) starts the card over: history before it is void.
    start = max((i + 1 for i, r in enumerate(reviews) if r.kind == 4 and r.factor == 0), default=0)
    entries = []
    for review in reviews[start:]:
        kind = _REVIEW_KINDS.get(review.kind)
        cramming = kind is ReviewKind.FILTERED and review.factor == 0
        if kind is None or cramming or review.kind in _MANUAL_KINDS or review.ease not in (1, 2, 3, 4):
            continue
        in_days = review.interval > 0
        entries.append(
            AnkiReview(
                at=_instant(review.id / 1000),
                rating=Rating(review.ease),
                kind=kind,
                interval=timedelta(days=review.interval) if in_days else timedelta(seconds=-review.interval),
                interval_in_days=in_days,
            )
        )
    return tuple(entries)


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _is_reverse(notetype: Notetype, ords: set[int]) -> bool:
    if _optional_reverse(notetype):
        return 1 in ords
    named = _base_name(notetype.name) == "basic (and reversed card)"
    return (notetype.stock_kind == STOCK_BASIC_AND_REVERSED or named) and len(notetype.templates) == 2 and len(notetype.fields) >= 2


def _optional_reverse(notetype: Notetype) -> bool:
    named = _base_name(notetype.name) == "basic (optional reversed card)"
    return (notetype.stock_kind == STOCK_BASIC_OPTIONAL_REVERSED or named) and len(notetype.templates) == 2


def _base_name(name: str) -> str:
    # Anki appends '+' to an imported note type whose name is taken.
    return name.rstrip("+").strip().casefold()


def anki_card_id(guid: str) -> str:
    """Our card id for an Anki note: stable as long as the note's guid is."""
    return "anki-" + hashlib.sha1(guid.encode("utf-8")).hexdigest()[:16]


def _tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for tag in tags:
        clean = re.sub(r"[^\w:-]+", "-", tag).strip("-")[:64]
        if clean and TAG.match(clean) and clean not in out:
            out.append(clean)
    return tuple(out)


def _deck_ids(names: list[str]) -> dict[str, str]:
    """A deck id for each Anki deck name: a slug of the full name, made unique."""
    ids: dict[str, str] = {}
    for name in names:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:56].strip("-")
        if not DECK_ID.match(slug):
            slug = "anki-deck"
        candidate, n = slug, 2
        while candidate in ids.values():
            candidate, n = f"{slug}-{n}", n + 1
        ids[name] = candidate
    return ids


def safe_media_name(anki_name: str, data: bytes) -> str:
    """A plain, unique file name for a media file: never a path from the package."""
    stem, _, suffix = anki_name.rpartition(".")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_stem).strip("-_")[:40] or "image"
    return f"{clean}-{hashlib.sha1(data).hexdigest()[:8]}.{suffix.lower()}"
