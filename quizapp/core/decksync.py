"""Registering decks in the collection: deck files by content hash, and each deck's cards by id.

A deck's cards are matched by card id, so progress survives rewording, reordering and new
versions; cards that leave a deck are retired with their history, and come back if they return.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from quizapp.core.datadir import bundled_decks_dir, imported_decks_dir
from quizapp.core.deck import Deck
from quizapp.core.deckfile import parse_deck
from quizapp.core.errors import DeckFileError, NotFoundError, Problem
from quizapp.core.origin import BUNDLED, USER, Origin, OriginKind
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
        deck_changed: Callable[[str], object],
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
        resolved = file.resolve()
        stored = self.stored_path(resolved)
        try:
            data = file.read_bytes()
        except OSError as error:
            report.problems.append(Problem(str(file), 1, 1, f"cannot read the file: {error.strerror or error}"))
            return None
        digest = hashlib.sha256(data).hexdigest()
        known = self._store.query_one("SELECT deck_id FROM deck_files WHERE path = ? AND sha256 = ?", (stored, digest))
        if known:
            report.unchanged.append(known[0])
            with self._store.transaction() as db:
                db.execute("UPDATE decks SET present = 1 WHERE deck_id = ? AND present = 0 AND source_path = ?", (known[0], stored))
            return str(known[0])
        try:
            deck = parse_deck(data, str(file), base_dir=file.parent)
        except DeckFileError as error:
            report.problems.extend(error.problems)
            return None
        record = self.record(deck.id)
        origin = self._origin_of_place(resolved, deck.id, record)
        if isinstance(origin, str):
            if origin:
                report.problems.append(Problem(str(file), 1, 1, origin))
            return None
        if record and record.origin.kind is OriginKind.USER and record.source_path != stored and record.source_path:
            current = self.resolve(record.source_path)
            if current.exists() and record.version >= deck.info.version:
                # Two of the learner's own files claim one deck: the higher version wins, and an
                # equal version is a clash the author must resolve.
                relation = "the same version as" if record.version == deck.info.version else f"older than v{record.version} in"
                report.problems.append(Problem(str(file), 1, 1, f"deck id '{deck.id}' v{deck.info.version} is {relation} {current}; this file is ignored"))
                return deck.id
        adapts = record.adapts if record else None
        report.updates.append(self.apply_deck(deck, source_path=str(resolved), content_hash=digest, origin=origin, adapts=adapts))
        return deck.id

    def _origin_of_place(self, file: Path, deck_id: str, record: DeckRecord | None) -> Origin | str:
        """The origin a deck file gives its deck by where it lies, or why it is not used ("" to
        set it aside without a word).

        The app's own decks folder holds bundled decks; each imported deck's folder holds what
        the installer wrote there after checking the deck's origin; any other file is one of the
        learner's own. A file never takes the id of a deck of another origin.
        """
        if file.parent == bundled_decks_dir():
            if record is None or record.origin.kind is OriginKind.BUNDLED:
                return BUNDLED
            if record.adapts == deck_id:
                return ""  # the learner uses their teacher's version instead (use_bundled brings it back)
            return f"the app's deck '{deck_id}' is not loaded: you have a deck with that id ({record.origin.describe()})"
        if file.is_relative_to(imported_decks_dir(self._data_dir).resolve()):
            if file.parent.name != deck_id:
                return f"deck '{deck_id}' is not in its own folder (the app installs it in decks/{deck_id}/), so it is not used"
            if record is None:
                # Written but not registered (an install cut short, or an older progress file
                # restored): the least trusted origin.
                if deck_id in bundled_deck_ids():
                    return self._not_bundled(deck_id)
                return Origin(OriginKind.UNSIGNED_FILE, file_name=file.name)
            if record.origin.kind is OriginKind.BUNDLED:
                return self._not_bundled(deck_id)
            return record.origin
        if record is None:
            return self._not_bundled(deck_id) if deck_id in bundled_deck_ids() else USER
        if record.origin.kind is OriginKind.USER:
            return USER
        if record.origin.kind is OriginKind.BUNDLED:
            return self._not_bundled(deck_id)
        return f"deck '{deck_id}' ({record.origin.describe()}) is not replaced by this file; it is ignored"

    @staticmethod
    def _not_bundled(deck_id: str) -> str:
        return (
            f"deck '{deck_id}' is bundled with the app, so this copy from outside is not used; "
            "delete it, or import it with --as-new to keep both"
        )

    def _hide_vanished(self, folders: list[Path], seen: set[str]) -> None:
        if not folders:
            return
        with self._store.transaction() as db:
            for deck_id, source_path in db.execute("SELECT deck_id, source_path FROM decks WHERE present = 1").fetchall():
                if deck_id not in seen and source_path and self.resolve(source_path).parent in folders:
                    db.execute("UPDATE decks SET present = 0 WHERE deck_id = ?", (deck_id,))

    # -- paths that move with the data folder --------------------------------------------------------

    def stored_path(self, path: Path) -> str:
        """A deck file's path as the store keeps it: relative to the data folder when inside it,
        so a copied or restored data folder still knows its deck files."""
        root = self._data_dir.resolve()
        path = path.resolve()
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)

    def resolve(self, stored: str) -> Path:
        path = Path(stored)
        return path if path.is_absolute() else self._data_dir.resolve() / path

    # -- decks and their origin --------------------------------------------------------------------

    def record(self, deck_id: str) -> DeckRecord | None:
        """What the store knows of a deck, hidden or not; None if the id is free."""
        row = self._store.query_one(
            "SELECT version, title, present, source_path, origin_kind, origin_key, origin_url, origin_file, adapts FROM decks WHERE deck_id = ?",
            (deck_id,),
        )
        if row is None:
            return None
        return DeckRecord(deck_id, row[0], row[1], bool(row[2]), row[3], Origin.from_row(*row[4:8]), row[8])

    def preview(self, deck: Deck) -> DeckUpdate:
        """What apply_deck would change, card by card, without changing anything."""
        record = self.record(deck.id)
        existing = self._entries(self._store.db, deck.id)
        return self._update(deck, record.version if record else None, _Changes.between(existing, deck))

    def use_bundled(self, deck_id: str) -> DeckUpdate:
        """Go back from a teacher's version of a bundled deck to the app's own: the app's file
        applies again (progress kept by card id) and the teacher's copy is removed."""
        record = self.record(deck_id)
        file = bundled_decks_dir() / f"{deck_id}.yaml"
        if record is None or record.adapts != deck_id or not file.is_file():
            raise NotFoundError(f"deck '{deck_id}' is not a teacher's version of a deck bundled with the app")
        data = file.read_bytes()
        update = self.apply_deck(
            parse_deck(data, str(file), base_dir=file.parent),
            source_path=str(file),
            content_hash=hashlib.sha256(data).hexdigest(),
            origin=BUNDLED,
        )
        if record.origin.key:
            self.decline_adaptation(deck_id, record.origin.key)
        shutil.rmtree(imported_decks_dir(self._data_dir) / deck_id, ignore_errors=True)
        return update

    def decline_adaptation(self, deck_id: str, key: str) -> None:
        """Remember that the learner keeps the app's deck rather than this teacher's version."""
        declined = self._store.get_setting(_DECLINED_SETTING, {})
        declined[deck_id] = sorted({*declined.get(deck_id, []), key})
        self._store.set_setting(_DECLINED_SETTING, declined)

    def adaptation_declined(self, deck_id: str, key: str) -> bool:
        return key in self._store.get_setting(_DECLINED_SETTING, {}).get(deck_id, [])

    # -- applying a deck ---------------------------------------------------------------------------

    def apply_deck(
        self,
        deck: Deck,
        *,
        source_path: str | None,
        content_hash: str,
        origin: Origin | None = None,
        adapts: str | None = None,
    ) -> DeckUpdate:
        """Add a deck or update it by card id, in one transaction.

        Kept cards keep their progress (even when reworded), new cards arrive as new, cards that
        left the deck are retired with their history kept, and come back if they return. The
        deck records `origin` and `adapts` when `origin` is given; otherwise it keeps what it had
        (a new deck is the learner's own). Callers decide first whether the origin may replace
        the deck: see quizapp.sharing.install.
        """
        now_ms = to_ms(self._now())
        today = self._today()
        info = {"deck": deck.info.to_dict(), "sources": [s.to_dict() for s in deck.sources], "retired": list(deck.retired)}
        stored = self.stored_path(Path(source_path)) if source_path else None
        kind, key, url, file_name = (origin or USER).to_row()
        with self._store.transaction() as db:
            previous = db.execute("SELECT version FROM decks WHERE deck_id = ?", (deck.id,)).fetchone()
            db.execute(
                "INSERT INTO decks (deck_id, version, title, info, source_path, content_hash, present, added_at, updated_at,"
                " origin_kind, origin_key, origin_url, origin_file, adapts)"
                " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (deck_id) DO UPDATE SET version = excluded.version,"
                " title = excluded.title, info = excluded.info, source_path = excluded.source_path,"
                " content_hash = excluded.content_hash, present = 1, updated_at = excluded.updated_at",
                (deck.id, deck.info.version, deck.info.title, json.dumps(info), stored, content_hash, now_ms, now_ms, kind, key, url, file_name, adapts),
            )
            if origin is not None:
                db.execute(
                    "UPDATE decks SET origin_kind = ?, origin_key = ?, origin_url = ?, origin_file = ?, adapts = ? WHERE deck_id = ?",
                    (kind, key, url, file_name, adapts, deck.id),
                )
            if stored:
                db.execute("INSERT OR REPLACE INTO deck_files (path, sha256, deck_id) VALUES (?, ?, ?)", (stored, content_hash, deck.id))
            changes = self._apply_cards(db, deck, today)
        self._deck_changed(deck.id)
        return self._update(deck, previous[0] if previous else None, changes)

    @staticmethod
    def _update(deck: Deck, previous_version: int | None, changes: _Changes) -> DeckUpdate:
        return DeckUpdate(
            deck_id=deck.id,
            title=deck.info.title,
            version=deck.info.version,
            previous_version=previous_version,
            added=tuple(changes.added),
            changed=tuple(changes.changed),
            retired=tuple(changes.retired),
            restored=tuple(changes.restored),
            unchanged=len(deck.cards) - len(changes.added) - len(changes.changed) - len(changes.restored),
        )

    @staticmethod
    def _entries(db: Any, deck_id: str) -> dict[str, tuple[str, int]]:
        """Each card id the deck has ever had: (its content as JSON, whether it is retired)."""
        return {row[0]: (row[1], row[2]) for row in db.execute("SELECT card_id, content, retired FROM entries WHERE deck_id = ?", (deck_id,))}

    def _apply_cards(self, db: Any, deck: Deck, today: int) -> _Changes:
        existing = self._entries(db, deck.id)
        changes = _Changes.between(existing, deck)
        siblings: dict[str, dict[int, int]] = {}
        for card_id, sibling, retired in db.execute("SELECT card_id, sibling, retired FROM cards WHERE deck_id = ?", (deck.id,)):
            siblings.setdefault(card_id, {})[sibling] = retired
        entry_rows, new_card_rows, live_siblings = [], [], []
        for position, (card, content) in enumerate(zip(deck.cards, changes.contents)):
            entry_rows.append((deck.id, card.id, position, card.type.value, content, card.searchable_text().casefold()))
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
        if existing:
            # Retire everything, then bring back what the deck still has: two set operations
            # instead of comparing every sibling in Python.
            db.execute("UPDATE entries SET retired = 1 WHERE deck_id = ? AND card_id NOT IN (SELECT value FROM json_each(?))", (deck.id, json.dumps(sorted(live_ids))))
            db.execute("UPDATE cards SET retired = 1 WHERE deck_id = ?", (deck.id,))
            db.executemany("UPDATE cards SET retired = 0, position = ? WHERE deck_id = ? AND card_id = ? AND sibling = ?", live_siblings)
            self._store.refresh_queue(db, "deck_id = :deck_id", {"deck_id": deck.id}, today)
        return changes


_DECLINED_SETTING = "trust.declined_adaptations"  # {bundled deck id: [teacher keys the learner said no to]}


@dataclass(frozen=True)
class DeckRecord:
    """A deck as the store knows it, hidden or not, with where it came from."""

    deck_id: str
    version: int
    title: str
    present: bool
    source_path: str | None  # as stored: relative to the data folder when inside it
    origin: Origin
    adapts: str | None  # the bundled deck id this deck stands in for (a teacher's version)


@dataclass(frozen=True)
class _Changes:
    """How a deck's cards differ from what the store has, by card id."""

    contents: list[str]  # each incoming card as the store keeps it (JSON), in deck order
    added: list[str]
    changed: list[str]
    restored: list[str]
    retired: list[str]

    @classmethod
    def between(cls, existing: dict[str, tuple[str, int]], deck: Deck) -> _Changes:
        contents, added, changed, restored = [], [], [], []
        for card in deck.cards:
            content = json.dumps(card.to_dict(), ensure_ascii=False, separators=(",", ":"))
            contents.append(content)
            if card.id not in existing:
                added.append(card.id)
            elif existing[card.id][1]:
                restored.append(card.id)
            elif existing[card.id][0] != content:
                changed.append(card.id)
        live_ids = {card.id for card in deck.cards}
        retired = [card_id for card_id, (_, was_retired) in existing.items() if card_id not in live_ids and not was_retired]
        return cls(contents, added, changed, restored, retired)


def bundled_deck_ids() -> set[str]:
    """The ids of the decks bundled with the app (each bundled file is named by its deck's id)."""
    return {path.stem for path in bundled_decks_dir().glob("*.yaml")}


def fuzz_key(key: CardKey) -> int:
    """A stable number per studied card: seeds its fuzz and its place among equally due cards."""
    return zlib.crc32(f"{key[0]}\x00{key[1]}\x00{key[2]}".encode())
