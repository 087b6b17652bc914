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
from typing import Any

from quizapp.core.collection import Collection, DeckUpdate
from quizapp.core.datadir import imported_decks_dir
from quizapp.core.deck import Deck
from quizapp.core.deckfile import dump_deck, parse_deck
from quizapp.core.errors import ArchiveError, FormatError, QuizappError
from quizapp.sharing.atomic import write_atomically


@dataclass(frozen=True)
class ImportResult:
    """What importing one deck did. `update` is None when nothing changed (same or older version)."""

    deck_id: str
    title: str
    version: int
    previous_version: int | None
    update: DeckUpdate | None
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.update is not None

    def message(self) -> str:
        """One line for the learner: what changed, or why nothing did."""
        if self.update is not None:
            return self.update.summary()
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
            "message": self.message(),
        }


def installed_version(collection: Collection, deck_id: str) -> int | None:
    """The version of a deck the learner has now; None if absent (or hidden after its file vanished)."""
    if deck_id not in collection.deck_ids():
        return None
    return collection.deck_info(deck_id)[0].version


def install_versioned(collection: Collection, deck: Deck, deck_yaml: bytes, media: Mapping[str, bytes]) -> ImportResult:
    """Install a published deck (a bundle): only a higher version than the learner's changes anything."""
    previous = installed_version(collection, deck.id)
    if previous is not None and previous >= deck.info.version:
        return ImportResult(deck.id, deck.info.title, deck.info.version, previous, None)
    return _install(collection, deck, deck_yaml, media, previous)


def install_converted(collection: Collection, deck: Deck, media: Mapping[str, bytes]) -> ImportResult:
    """Install a deck converted from another app's file, which carries no version of ours.

    Importing the same content again changes nothing; changed content becomes the next version
    and updates the deck by card id, so an edited CSV or Anki export can be imported again.
    """
    previous = installed_version(collection, deck.id)
    if previous is not None:
        current = collection.deck(deck.id)
        if _same_content(current, deck):
            return ImportResult(deck.id, deck.info.title, previous, previous, None)
        deck = replace(deck, info=replace(deck.info, version=previous + 1))
    deck_yaml = dump_deck(deck).encode("utf-8")
    # A converted deck meets the deck loader's rules before anything is written, like a bundle.
    parse_deck(deck_yaml, f"{deck.id}.yaml")
    if missing := sorted(set(deck.media()) - set(media)):
        raise FormatError(f"deck '{deck.id}': image '{missing[0]}' is used by a card but was not in the file")
    return _install(collection, deck, deck_yaml, media, previous)


def _same_content(current: Deck, incoming: Deck) -> bool:
    return replace(current, info=replace(current.info, version=incoming.info.version)) == incoming


def _install(
    collection: Collection,
    deck: Deck,
    deck_yaml: bytes,
    media: Mapping[str, bytes],
    previous: int | None,
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
    update = collection.apply_deck(deck, source_path=str(deck_path.resolve()), content_hash=hashlib.sha256(deck_yaml).hexdigest())
    return ImportResult(deck.id, deck.info.title, deck.info.version, previous, update)

