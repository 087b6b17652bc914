"""Installing a checked deck into a learner's collection: its YAML and media are written into the
deck's own folder under the imported decks folder, then the collection is updated by card id.

Callers hand over a deck that has already passed every check (bundle hashes, the deck loader), so
nothing here can leave a half-valid deck behind: each file is written atomically, the YAML last,
and only then does the collection learn about the new version.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from quizapp.core.collection import Collection, DeckRecord, DeckUpdate
from quizapp.core.datadir import imported_decks_dir
from quizapp.core.deck import Deck
from quizapp.core.deckfile import dump_deck, parse_deck
from quizapp.core.decksync import bundled_deck_ids
from quizapp.core.errors import ArchiveError, FormatError, QuizappError
from quizapp.core.origin import BUNDLED, Origin, OriginKind, UpdateDecision
from quizapp.sharing.atomic import write_atomically

SAFETY_TAG = "safety"
# Until its emergency steps carry the safety tag, every card of this deck counts as tagged.
_ALL_SAFETY_UNTIL_TAGGED = frozenset({"overdose-response"})


class OriginRefusedError(QuizappError):
    """A deck from one origin may not replace a deck of another. `keep_both` is what installs it
    beside the original instead (the app's "Keep both" button; `quizapp import --as-new`)."""

    def __init__(self, deck_id: str, installed: Origin, incoming: Origin) -> None:
        self.deck_id, self.installed, self.incoming = deck_id, installed, incoming
        from_file = incoming.kind in (OriginKind.SIGNED_FILE, OriginKind.UNSIGNED_FILE)
        keep_both = "To keep both, import it as a new deck (`quizapp import --as-new FILE`); yours" if from_file else "Yours"
        super().__init__(f"deck '{deck_id}' ({installed.describe()}) cannot be replaced by {incoming.describe()}. {keep_both} stays as it is")


class ConfirmReason(str, Enum):
    REPLACES_UNSIGNED = "replaces_unsigned"  # an unsigned file has no key to match: the learner decides
    RETIRES_MOST = "retires_most"  # more than half of the deck's cards would be retired
    CHANGES_SAFETY = "changes_safety"  # a card tagged `safety` would change, leave or arrive
    ADAPTS_BUNDLED = "adapts_bundled"  # a teacher's version would stand in for a bundled deck


@dataclass(frozen=True)
class Confirmation:
    """An install that waits for the learner's yes: why, the question, and what would change.
    Calling the same install again with confirmed=True applies it."""

    reasons: tuple[ConfirmReason, ...]
    question: str
    changes: DeckUpdate
    safety_cards: tuple[str, ...] = ()
    teacher_key: str | None = None  # ADAPTS_BUNDLED: the teacher's publisher key (decline_adaptation)

    def summary(self) -> str:
        """The question and the changes, card by card, as the CLI prints them."""
        lines = [self.question, self.changes.summary()]
        for label, ids in (("new", self.changes.added), ("changed", self.changes.changed), ("retired", self.changes.retired)):
            if ids:
                lines.append(f"  {label}: {', '.join(ids)}")
        if self.safety_cards:
            lines.append(f"  safety cards affected: {', '.join(self.safety_cards)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reasons": [reason.value for reason in self.reasons],
            "question": self.question,
            "changes": self.changes.to_dict(),
            "safety_cards": list(self.safety_cards),
            "teacher_key": self.teacher_key,
        }


@dataclass(frozen=True)
class ImportResult:
    """What importing one deck did. `update` is None when nothing changed (same or older version,
    or a `confirmation` the learner has not given yet)."""

    deck_id: str
    title: str
    version: int
    previous_version: int | None
    update: DeckUpdate | None
    notes: tuple[str, ...] = ()
    confirmation: Confirmation | None = None
    unchanged_because: str = ""  # why nothing changed, when it is not the version

    @property
    def changed(self) -> bool:
        return self.update is not None

    def message(self) -> str:
        """One line for the learner: what changed, what needs their yes, or why nothing did."""
        if self.update is not None:
            return self.update.summary()
        if self.confirmation is not None:
            return f"{self.confirmation.question} ({self.confirmation.changes.summary()}); nothing changed yet"
        if self.unchanged_because:
            return f"{self.deck_id}: {self.unchanged_because}; nothing changed"
        if self.previous_version == self.version:
            return f"{self.deck_id}: you already have v{self.version}; nothing changed"
        return f"{self.deck_id}: you have v{self.previous_version}, newer than this v{self.version}; nothing changed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck_id": self.deck_id,
            "title": self.title,
            "version": self.version,
            "previous_version": self.previous_version,
            "update": self.update.to_dict() if self.update else None,
            "notes": list(self.notes),
            "confirmation": self.confirmation.to_dict() if self.confirmation else None,
            "unchanged_because": self.unchanged_because,
            "message": self.message(),
        }


def installed_version(collection: Collection, deck_id: str) -> int | None:
    """The version of a deck the learner has now; None if absent (or hidden after its file vanished)."""
    if deck_id not in collection.deck_ids():
        return None
    return collection.deck_info(deck_id)[0].version


def install_versioned(
    collection: Collection,
    deck: Deck,
    deck_yaml: bytes,
    media: Mapping[str, bytes],
    origin: Origin,
    *,
    confirmed: bool = False,
    as_new: bool = False,
    adapts: str | None = None,
) -> ImportResult:
    """Install a published deck (a bundle) from `origin`: only a higher version than the
    learner's changes anything, and only when the origin may replace the deck (see install).

    `adapts` is a feed's declaration that this deck is a teacher's version of the bundled deck
    with that id. `as_new` installs the deck under a new id beside a deck that has its id."""
    if as_new and _id_taken(collection, deck.id):
        deck = _under_new_id(collection, deck)
        deck_yaml = _checked_yaml(deck, media)
    record = collection.deck_record(deck.id)
    if record is not None and record.present and record.version >= deck.info.version:
        # Not newer, so nothing would change; but a file from another origin is still told so
        # plainly, rather than "you already have it", which would vouch for it.
        if adapts is None and record.origin.decide_update(origin) is UpdateDecision.REFUSE:
            raise OriginRefusedError(deck.id, record.origin, origin)
        return ImportResult(deck.id, deck.info.title, deck.info.version, record.version, None)
    return _install_from(collection, deck, deck_yaml, media, origin, record, confirmed=confirmed, adapts=adapts)


def install_converted(
    collection: Collection,
    deck: Deck,
    media: Mapping[str, bytes],
    origin: Origin,
    *,
    derived_id: bool = True,
    confirmed: bool = False,
    as_new: bool = False,
) -> ImportResult:
    """Install a deck converted from another app's file, which carries no version of ours.

    An id `derived_id` from a file name or title never takes a deck this same import (the same
    file name, unsigned) did not make: it gets a suffix instead (overdose-response-2). Importing
    the same content again changes nothing; changed content becomes the next version and, after
    the learner's yes, updates the deck by card id, so an edited CSV can be imported again.
    """
    if as_new and _id_taken(collection, deck.id):
        deck = _under_new_id(collection, deck)
    elif derived_id:
        deck = _under_own_id(collection, deck, origin)
    record = collection.deck_record(deck.id)
    if record is not None:
        if _same_content(collection.deck(deck.id), deck) and record.present:
            return ImportResult(deck.id, deck.info.title, record.version, record.version, None)
        deck = replace(deck, info=replace(deck.info, version=record.version + 1))
    return _install_from(collection, deck, _checked_yaml(deck, media), media, origin, record, confirmed=confirmed)


def _same_content(current: Deck, incoming: Deck) -> bool:
    return replace(current, info=replace(current.info, version=incoming.info.version)) == incoming


def _checked_yaml(deck: Deck, media: Mapping[str, bytes]) -> bytes:
    """A rewritten or converted deck as YAML, after it meets the deck loader's rules (as a bundle does)."""
    deck_yaml = dump_deck(deck).encode("utf-8")
    parse_deck(deck_yaml, f"{deck.id}.yaml")
    if missing := sorted(set(deck.media()) - set(media)):
        raise FormatError(f"deck '{deck.id}': image '{missing[0]}' is used by a card but was not in the file")
    return deck_yaml


def _id_taken(collection: Collection, deck_id: str) -> bool:
    return collection.deck_record(deck_id) is not None or deck_id in bundled_deck_ids()


def _suffixed(deck: Deck, number: int) -> Deck:
    suffix = f"-{number}"
    new_id = deck.id[: 64 - len(suffix)].rstrip("-") + suffix
    return replace(deck, info=replace(deck.info, id=new_id, title=f"{deck.info.title} ({number})"))


def _under_new_id(collection: Collection, deck: Deck) -> Deck:
    """The deck under the first free id of `<id>-2`, `<id>-3`, ... (keep both)."""
    number = 2
    while _id_taken(collection, _suffixed(deck, number).id):
        number += 1
    return _suffixed(deck, number)


def _under_own_id(collection: Collection, deck: Deck, origin: Origin) -> Deck:
    """A converted deck under its derived id, or the first suffixed id that is free or that the
    same import made before."""
    candidate, number = deck, 2
    while _id_taken(collection, candidate.id):
        record = collection.deck_record(candidate.id)
        if record is not None and record.origin == origin:
            return candidate
        candidate, number = _suffixed(deck, number), number + 1
    return candidate


def _install_from(
    collection: Collection,
    deck: Deck,
    deck_yaml: bytes,
    media: Mapping[str, bytes],
    origin: Origin,
    record: DeckRecord | None,
    *,
    confirmed: bool,
    adapts: str | None = None,
) -> ImportResult:
    """Install `deck` if its origin may replace what the learner has, asking first when it must:
    refused (OriginRefusedError), waiting for a yes (a result with a confirmation), or done."""
    previous = record.version if record else None
    if adapts is not None:
        return _install_adaptation(collection, deck, deck_yaml, media, origin, record, adapts, confirmed=confirmed)
    if record is None:
        if deck.id in bundled_deck_ids():
            raise OriginRefusedError(deck.id, BUNDLED, origin)
        return _install(collection, deck, deck_yaml, media, previous, origin)
    decision = record.origin.decide_update(origin)
    if decision is UpdateDecision.REFUSE:
        raise OriginRefusedError(deck.id, record.origin, origin)
    reasons = [ConfirmReason.REPLACES_UNSIGNED] if decision is UpdateDecision.CONFIRM else []
    changes = collection.preview_deck(deck)
    current = collection.deck(deck.id)
    if 2 * len(changes.retired) > len(current.cards):
        reasons.append(ConfirmReason.RETIRES_MOST)
    safety = _safety_cards(current, deck, changes)
    if safety:
        reasons.append(ConfirmReason.CHANGES_SAFETY)
    if reasons and not confirmed:
        question = f"Replace your deck '{record.title}' ({deck.id}, from {record.origin.describe()}) with this version from {origin.describe()}?"
        confirmation = Confirmation(tuple(reasons), question, changes, safety)
        return ImportResult(deck.id, deck.info.title, deck.info.version, previous, None, confirmation=confirmation)
    return _install(collection, deck, deck_yaml, media, previous, record.origin.after_update(origin), adapts=record.adapts)


def _install_adaptation(
    collection: Collection,
    deck: Deck,
    deck_yaml: bytes,
    media: Mapping[str, bytes],
    origin: Origin,
    record: DeckRecord | None,
    adapts: str,
    *,
    confirmed: bool,
) -> ImportResult:
    """A teacher's version of a bundled deck: offered once, by a signed feed, under the bundled
    deck's own id (so progress carries by card id); an update of one already in use is an
    ordinary update from that feed."""
    if adapts != deck.id or adapts not in bundled_deck_ids():
        raise QuizappError(f"deck '{deck.id}' says it adapts '{adapts}', which is not that deck bundled with the app; it was not installed")
    if record is not None and record.adapts == adapts:
        return _install_from(collection, deck, deck_yaml, media, origin, record, confirmed=confirmed)
    if origin.kind is not OriginKind.FEED or origin.key is None:
        raise OriginRefusedError(deck.id, BUNDLED, origin)
    previous = record.version if record else None
    if collection.adaptation_declined(deck.id, origin.key):
        declined = "you chose the app's version over this teacher's"
        return ImportResult(deck.id, deck.info.title, deck.info.version, previous, None, unchanged_because=declined)
    if not confirmed:
        title = record.title if record else deck.info.title
        question = (
            f"Use your teacher's version of {title}? It comes from {origin.describe()}. Your progress is kept "
            f"card by card, and you can go back to the app's version at any time (`quizapp use-bundled {deck.id}`)."
        )
        changes = collection.preview_deck(deck)
        confirmation = Confirmation((ConfirmReason.ADAPTS_BUNDLED,), question, changes, teacher_key=origin.key)
        return ImportResult(deck.id, deck.info.title, deck.info.version, previous, None, confirmation=confirmation)
    return _install(collection, deck, deck_yaml, media, previous, origin, adapts=adapts)


def _safety_cards(current: Deck, incoming: Deck, changes: DeckUpdate) -> tuple[str, ...]:
    """Cards tagged `safety` (before or after) that the update changes, retires or adds."""
    tagged = {card.id for deck in (current, incoming) for card in deck.cards if SAFETY_TAG in card.tags}
    if current.id in _ALL_SAFETY_UNTIL_TAGGED and not any(SAFETY_TAG in card.tags for card in current.cards):
        tagged |= {card.id for deck in (current, incoming) for card in deck.cards}
    touched = (*changes.changed, *changes.retired, *changes.added)
    return tuple(card_id for card_id in touched if card_id in tagged)


def _install(
    collection: Collection,
    deck: Deck,
    deck_yaml: bytes,
    media: Mapping[str, bytes],
    previous: int | None,
    origin: Origin,
    adapts: str | None = None,
) -> ImportResult:
    folder = imported_decks_dir(collection.data_dir) / deck.id
    new_folder = not folder.exists()
    deck_path = folder / f"{deck.id}.yaml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        root = folder.resolve()
        for name, data in sorted(media.items()):
            target = (folder / name).resolve()
            # Names were checked by the deck loader and the zip reader; this guards the folder anyway.
            if not target.is_relative_to(root) or target == root:
                raise ArchiveError(f"media file name '{name}' points outside the deck's folder")
            write_atomically(target, data)
        write_atomically(deck_path, deck_yaml)
    except (OSError, ArchiveError) as error:
        # A full disk or a name this file system refuses: leave no half-written new deck behind
        # (the collection has not been told about it yet).
        if new_folder:
            shutil.rmtree(folder, ignore_errors=True)
        if isinstance(error, ArchiveError):
            raise
        raise QuizappError(f"cannot write deck '{deck.id}' into {folder}: {error.strerror or error}") from None
    digest = hashlib.sha256(deck_yaml).hexdigest()
    update = collection.apply_deck(deck, source_path=str(deck_path.resolve()), content_hash=digest, origin=origin, adapts=adapts)
    return ImportResult(deck.id, deck.info.title, deck.info.version, previous, update)

