"""Registering decks in the collection: deck files by content hash, and each deck's cards by id.

A deck's cards are matched by card id, so progress survives rewording, reordering and new
versions; cards that leave a deck are retired with their history, and come back if they return.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from quizapp.core.datadir import bundled_decks_dir, imported_decks_dir
from quizapp.core.deck import Deck
from quizapp.core.deckfile import parse_deck
from quizapp.core.errors import DeckFileError, Problem
from quizapp.core.store import CardKey, Store, to_ms

DECK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class DeckUpdate:
    """What registering a deck file or bundle changed, card by card id."""

    deck_id: str
    title: str
    version: int
    previous_version: int | None
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    unchanged: int = 0

    @property
    def is_new_deck(self) -> bool:
        return self.previous_version is None

    def summary(self) -> str:
        if self.is_new_deck:
            return f"{self.deck_id} v{self.version}: added with {len(self.added)} cards"
        parts = [f"{len(self.added)} new", f"{len(self.changed)} changed", f"{len(self.retired)} retired"]
        if self.restored:
            parts.append(f"{len(self.restored)} restored")
        parts.append(f"{self.unchanged} unchanged")
        return f"{self.deck_id} v{self.previous_version} → v{self.version}: " + ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck_id": self.deck_id,
            "title": self.title,
            "version": self.version,
            "previous_version": self.previous_version,
            "added": list(self.added),
            "changed": list(self.changed),
            "retired": list(self.retired),
            "restored": list(self.restored),
            "unchanged": self.unchanged,
        }


@dataclass
class SyncReport:
    """The outcome of registering deck files: updated decks, unchanged files and broken files."""

    updates: list[DeckUpdate] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class DeckSync:
    """Brings the store's decks in line with deck files and installed decks."""

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        now: Callable[[], datetime],
        today: Callable[[], int],
        deck_changed: Callable[[str], None],
    ) -> None:
        self._store = store
        self._data_dir = data_dir
        self._now = now
        self._today = today
        self._deck_changed = deck_changed  # a deck's content changed: drop what was cached for it

    def sync_files(self, paths: Iterable[Path | str]) -> SyncReport:
        """Register deck files (or every *.yaml in given folders) by content hash.

        An unchanged file is hashed but not parsed. A broken file is reported and its deck keeps
        its last good version. Decks whose file vanished from a synced folder are hidden, with
        their progress kept.
        """
        report = SyncReport()
        seen_decks: set[str] = set()
        folders: list[Path] = []
        for path in map(Path, paths):
            if path.is_dir():
                folders.append(path.resolve())
                files = sorted(p for p in path.iterdir() if p.suffix in DECK_SUFFIXES and p.is_file())
            else:
                files = [path]
            for file in files:
                deck_id = self._sync_file(file, report)
                if deck_id:
                    seen_decks.add(deck_id)
        self._hide_vanished(folders, seen_decks)
        return report

    def default_deck_folders(self) -> list[Path]:
        """The bundled decks folder and each imported deck's folder (one per deck), as they exist now."""
        imported = imported_decks_dir(self._data_dir)
        folders = [bundled_decks_dir()]
        if imported.is_dir():
            folders.extend(sorted(p for p in imported.iterdir() if p.is_dir()))
        return [p for p in folders if p.is_dir()]

    def sync_default_decks(self) -> SyncReport:
        """Register the bundled decks and the learner's imported decks."""
        return self.sync_files(self.default_deck_folders())

    def _sync_file(self, file: Path, report: SyncReport) -> str | None:
        resolved = str(file.resolve())
        try:
            data = file.read_bytes()
        except OSError as error:
            report.problems.append(Problem(str(file), 1, 1, f"cannot read the file: {error.strerror or error}"))
            return None
        digest = hashlib.sha256(data).hexdigest()
        known = self._store.query_one("SELECT deck_id FROM deck_files WHERE path = ? AND sha256 = ?", (resolved, digest))
        if known:
            report.unchanged.append(known[0])
            with self._store.transaction() as db:
                db.execute("UPDATE decks SET present = 1 WHERE deck_id = ? AND present = 0 AND source_path = ?", (known[0], resolved))
            return str(known[0])
        try:
            deck = parse_deck(data, str(file), base_dir=file.parent)
        except DeckFileError as error:
            report.problems.extend(error.problems)
            return None
        current = self._store.query_one("SELECT version, source_path FROM decks WHERE deck_id = ? AND present = 1", (deck.id,))
        if current and current[1] != resolved and current[1] and Path(current[1]).exists() and current[0] >= deck.info.version:
            # Two files claim one deck: the higher version wins (a teacher's update of a bundled
            # deck), and an equal version is a clash the author must resolve.
            relation = "the same version as" if current[0] == deck.info.version else f"older than v{current[0]} in"
            report.problems.append(Problem(str(file), 1, 1, f"deck id '{deck.id}' v{deck.info.version} is {relation} {current[1]}; this file is ignored"))
            return deck.id
        report.updates.append(self.apply_deck(deck, source_path=resolved, content_hash=digest))
        return deck.id

    def _hide_vanished(self, folders: list[Path], seen: set[str]) -> None:
        if not folders:
            return
        with self._store.transaction() as db:
            for deck_id, source_path in db.execute("SELECT deck_id, source_path FROM decks WHERE present = 1").fetchall():
                if deck_id not in seen and source_path and Path(source_path).parent in folders:
                    db.execute("UPDATE decks SET present = 0 WHERE deck_id = ?", (deck_id,))

    def apply_deck(self, deck: Deck, *, source_path: str | None, content_hash: str) -> DeckUpdate:
        """Add a deck or update it by card id, in one transaction.

        Kept cards keep their progress (even when reworded), new cards arrive as new, cards that
        left the deck are retired with their history kept, and come back if they return.
        """
        now_ms = to_ms(self._now())
        today = self._today()
        info = {"deck": deck.info.to_dict(), "sources": [s.to_dict() for s in deck.sources], "retired": list(deck.retired)}
        with self._store.transaction() as db:
            previous = db.execute("SELECT version FROM decks WHERE deck_id = ?", (deck.id,)).fetchone()
            db.execute(
                "INSERT INTO decks (deck_id, version, title, info, source_path, content_hash, present, added_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (deck_id) DO UPDATE SET version = excluded.version,"
                " title = excluded.title, info = excluded.info, source_path = excluded.source_path,"
                " content_hash = excluded.content_hash, present = 1, updated_at = excluded.updated_at",
                (deck.id, deck.info.version, deck.info.title, json.dumps(info), source_path, content_hash, now_ms, now_ms),
            )
            if source_path:
                db.execute(
                    "INSERT OR REPLACE INTO deck_files (path, sha256, deck_id) VALUES (?, ?, ?)",
                    (source_path, content_hash, deck.id),
                )
            update = self._apply_cards(db, deck, today)
        self._deck_changed(deck.id)
        return DeckUpdate(
            deck_id=deck.id,
            title=deck.info.title,
            version=deck.info.version,
            previous_version=previous[0] if previous else None,
            **update,
        )

    def _apply_cards(self, db: Any, deck: Deck, today: int) -> dict[str, Any]:
        existing = {row[0]: (row[1], row[2]) for row in db.execute("SELECT card_id, content, retired FROM entries WHERE deck_id = ?", (deck.id,))}
        siblings: dict[str, dict[int, int]] = {}
        for card_id, sibling, retired in db.execute("SELECT card_id, sibling, retired FROM cards WHERE deck_id = ?", (deck.id,)):
            siblings.setdefault(card_id, {})[sibling] = retired
        added, changed, restored = [], [], []
        entry_rows, new_card_rows, live_siblings = [], [], []
        for position, card in enumerate(deck.cards):
            content = json.dumps(card.to_dict(), ensure_ascii=False, separators=(",", ":"))
            entry_rows.append((deck.id, card.id, position, card.type.value, content, card.searchable_text().casefold()))
            if card.id not in existing:
                added.append(card.id)
            elif existing[card.id][1]:
                restored.append(card.id)
            elif existing[card.id][0] != content:
                changed.append(card.id)
            known = siblings.get(card.id, {})
            for sibling in card.siblings():
                live_siblings.append((position, deck.id, card.id, sibling))
                if sibling not in known:
                    new_card_rows.append((deck.id, card.id, sibling, position, fuzz_key((deck.id, card.id, sibling))))
        db.executemany(
            "INSERT INTO entries (deck_id, card_id, position, type, content, search_text, retired) VALUES (?, ?, ?, ?, ?, ?, 0)"
            " ON CONFLICT (deck_id, card_id) DO UPDATE SET position = excluded.position, type = excluded.type,"
            " content = excluded.content, search_text = excluded.search_text, retired = 0",
            entry_rows,
        )
        db.executemany(
            "INSERT INTO cards (deck_id, card_id, sibling, position, shuffle) VALUES (?, ?, ?, ?, ?)", new_card_rows
        )
        live_ids = {card.id for card in deck.cards}
        gone = [card_id for card_id, (_, retired) in existing.items() if card_id not in live_ids and not retired]
        if existing:
            # Retire everything, then bring back what the deck still has: two set operations
            # instead of comparing every sibling in Python.
            db.execute("UPDATE entries SET retired = 1 WHERE deck_id = ? AND card_id NOT IN (SELECT value FROM json_each(?))", (deck.id, json.dumps(sorted(live_ids))))
            db.execute("UPDATE cards SET retired = 1 WHERE deck_id = ?", (deck.id,))
            db.executemany("UPDATE cards SET retired = 0, position = ? WHERE deck_id = ? AND card_id = ? AND sibling = ?", live_siblings)
            self._store.refresh_queue(db, "deck_id = :deck_id", {"deck_id": deck.id}, today)
        return {
            "added": tuple(added),
            "changed": tuple(changed),
            "retired": tuple(gone),
            "restored": tuple(restored),
            "unchanged": len(deck.cards) - len(added) - len(changed) - len(restored),
        }


def fuzz_key(key: CardKey) -> int:
    """A stable number per studied card: seeds its fuzz and its place among equally due cards."""
    return zlib.crc32(f"{key[0]}\x00{key[1]}\x00{key[2]}".encode())
