"""The collection: a learner's decks and progress, and every change made to them.

Both front ends (the Kivy app and the `quizapp` command) go through this class. Like Anki's
collection, each change is one transaction, returns what it changed, and can be undone.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.core import backup
from quizapp.core.card_state import CardState, Rating
from quizapp.core.datadir import default_data_dir
from quizapp.core.days import Clock, DayClock, SystemClock, local_timezone
from quizapp.core.deck import Card, Deck, DeckInfo, Source
from quizapp.core.decksync import (
    DECK_SUFFIXES,
    DeckRecord,
    DeckSync,
    DeckUpdate,
    SyncReport,
    fuzz_key,
)
from quizapp.core.errors import NotFoundError
from quizapp.core.options import DeckOptions
from quizapp.core.origin import Origin
from quizapp.core.queues import (
    Allowance,
    DueCounts,
    all_decks_counts,
    counts_by_deck,
    new_studied_today,
    next_due_ms,
    studied_today,
)
from quizapp.core.scheduler import Scheduler
from quizapp.core.settings import Settings
from quizapp.core.store import (
    CARD_COLUMNS,
    DB_NAME,
    QUEUE_BURIED,
    QUEUE_DAY_LEARN,
    QUEUE_LEARN,
    QUEUE_NEW,
    QUEUE_REVIEW,
    REVLOG_AFTER_COLUMNS,
    REVLOG_BEFORE_COLUMNS,
    CardKey,
    Store,
    from_ms,
    state_from_row,
    state_of_card_row,
    state_to_row,
    to_ms,
)

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

UNDO_LIMIT = 50
LEARNER_TOKEN_SETTING = "sharing.learner_token"
LEARNER_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}\Z")  # what secrets.token_urlsafe gives, 16 bytes or more
__all__ = ["DECK_SUFFIXES", "Collection", "DeckRecord", "DeckUpdate", "SyncReport", "fuzz_key"]  # re-exported: callers import them from here


@dataclass(frozen=True)
class DeckSummary:
    deck_id: str
    title: str
    version: int
    description: str
    card_count: int
    counts: DueCounts


_PLACE_COLUMNS = ("queue", "due_at", "due_day")
_PLACE_IN_ROW = tuple(CARD_COLUMNS.index(name) for name in _PLACE_COLUMNS)


@dataclass(frozen=True)
class QueuePlace:
    """Where a card waits: its queue (QUEUE_* in quizapp.core.store) and when it falls due there."""

    queue: int
    due_at_ms: int | None
    due_day: int | None

    @classmethod
    def of_card_row(cls, row: tuple[Any, ...]) -> QueuePlace:
        return cls(*(row[index] for index in _PLACE_IN_ROW))


@dataclass(frozen=True)
class Requeued:
    """A card an answer moved (the answered card, and each sibling it buried): what a study
    session needs to keep today's counts up to date without counting again."""

    key: CardKey
    before: QueuePlace
    after: QueuePlace


@dataclass(frozen=True)
class AnswerResult:
    key: CardKey
    rating: Rating
    before: CardState
    after: CardState
    revlog_id: int
    became_leech: bool = False
    suspended_as_leech: bool = False
    buried_siblings: tuple[CardKey, ...] = ()
    requeued: tuple[Requeued, ...] = ()


@dataclass(frozen=True)
class UndoResult:
    label: str
    keys: tuple[CardKey, ...]


@dataclass(frozen=True)
class _UndoStep:
    label: str
    rows: list[tuple[Any, ...]]  # whole card rows as they were before
    revlog_ids: list[int]  # review-log rows the change appended


class CardFilter(Enum):
    """Which cards a search lists, like the card states in the sidebar of Anki's browser."""

    ALL = "all"
    DUE = "due"  # reviews and learning cards due today, overdue included
    NEW = "new"
    LEARNING = "learning"  # learning and relearning
    REVIEW = "review"
    SUSPENDED = "suspended"
    BURIED = "buried"
    LEECH = "leech"


@dataclass(frozen=True)
class BrowseRow:
    """A studied card as the browser lists it."""

    key: CardKey
    card: Card
    state: CardState
    suspended: bool
    buried: bool
    leech: bool

    @property
    def prompt(self) -> str:
        return self.card.face(self.key[2]).prompt


@dataclass(frozen=True)
class ReviewEntry:
    """One row of a card's review log, as the browser and the history views show it."""

    reviewed_at: datetime
    rating: int
    kind: str
    duration_ms: int | None
    before: CardState
    after: CardState


class Collection:
    def __init__(self, store: Store, data_dir: Path, clock: Clock | None = None, tz: tzinfo | None = None) -> None:
        self.store = store
        self.data_dir = data_dir
        self.clock = clock or SystemClock()
        self.tz = tz or local_timezone()
        self._undo: list[_UndoStep] = []
        self._schedulers: dict[str, Scheduler] = {}
        self._settings = Settings.from_dict(store.get_setting("app", {}))
        self._unburied_day: int | None = None
        self._decksync = DeckSync(store, data_dir, self.now, self.today, lambda deck_id: self._schedulers.pop(deck_id, None))

    @classmethod
    def open(cls, data_dir: Path | str | None = None, *, clock: Clock | None = None, tz: tzinfo | None = None) -> Collection:
        directory = Path(data_dir) if data_dir is not None else default_data_dir()
        directory.mkdir(parents=True, exist_ok=True)
        backup.clean_up_interrupted(directory)
        return cls(Store(directory / DB_NAME), directory, clock, tz)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backup_if_due(self) -> Path | None:
        """The automatic daily backup (newest 7 kept); returns the new backup, if one was made."""
        return backup.backup_if_due(self.store, self.data_dir, self.now())

    def backup_now(self) -> Path:
        """A backup made now, whatever the day's automatic one did (the newest 7 are kept)."""
        return backup.backup_now(self.store, self.data_dir, self.now())

    @property
    def open_warning(self) -> str | None:
        """Why the progress may be older than expected (answers acknowledged but missing), if so."""
        return self.store.open_warning

    def checkpoint(self) -> bool:
        """Fold the write-ahead log into the database file (as the app goes to the background)."""
        return self.store.checkpoint()

    # -- time ---------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The clock's instant, truncated to the millisecond the store keeps."""
        instant = self.clock.now()
        return instant.replace(microsecond=instant.microsecond // 1000 * 1000)

    @property
    def days(self) -> DayClock:
        return DayClock(self._settings.rollover_hour, self.tz)

    def today(self) -> int:
        return self.days.day_of(self.now())

    def _unbury_if_new_day(self) -> int:
        """Cards buried on an earlier study day come back; done once per day, like Anki."""
        today = self.today()
        if self._unburied_day != today:
            with self.store.transaction() as db:
                self.store.refresh_queue(db, f"queue = {QUEUE_BURIED} AND buried_day < :today", {}, today)
            self._unburied_day = today
        return today

    def counts_stamp(self) -> tuple[int, int, int]:
        """(today, then the store's change stamp): differs whenever today's counts may have
        changed other than by the clock moving learning cards into the learn-ahead window.
        Taken after yesterday's buried cards are back, so counts taken next match it."""
        return (self._unbury_if_new_day(), *self.store.change_stamp())

    # -- settings and options ---------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings

    def update_settings(self, **changes: Any) -> Settings:
        """Change settings and persist them; returns the new settings."""
        updated = self._settings.with_changes(**changes)
        self.store.set_setting("app", updated.to_dict())
        self._settings = updated
        self._schedulers.clear()
        return updated

    def app_deck_options(self) -> DeckOptions:
        """The options of a deck that sets none of its own: the app's settings over the defaults."""
        settings = self._settings
        return replace(
            DeckOptions(),
            desired_retention=settings.desired_retention,
            new_per_day=settings.new_per_day,
            reviews_per_day=settings.reviews_per_day,
        )

    def deck_options(self, deck_id: str) -> DeckOptions:
        return DeckOptions.from_dict({**self.app_deck_options().to_dict(), **self._deck_overrides(deck_id)})

    def set_deck_options(self, deck_id: str, **overrides: Any) -> DeckOptions:
        """Override some options for one deck; other options follow the app-wide settings."""
        self._require_deck(deck_id)
        merged = {**self._deck_overrides(deck_id), **overrides}
        DeckOptions.from_dict({**DeckOptions().to_dict(), **merged})  # validate before saving
        return self._save_deck_overrides(deck_id, merged)

    def clear_deck_options(self, deck_id: str, *names: str) -> DeckOptions:
        """Drop some of a deck's overrides (all of them when no name is given): those options
        follow the app-wide settings again."""
        self._require_deck(deck_id)
        kept = {name: value for name, value in self._deck_overrides(deck_id).items() if names and name not in names}
        return self._save_deck_overrides(deck_id, kept)

    def _deck_overrides(self, deck_id: str) -> dict[str, Any]:
        row = self.store.query_one("SELECT options FROM decks WHERE deck_id = ?", (deck_id,))
        return json.loads(row[0]) if row and row[0] else {}

    def _save_deck_overrides(self, deck_id: str, overrides: dict[str, Any]) -> DeckOptions:
        with self.store.transaction() as db:
            db.execute("UPDATE decks SET options = ? WHERE deck_id = ?", (json.dumps(overrides), deck_id))
        self._schedulers.pop(deck_id, None)
        return self.deck_options(deck_id)

    def learner_token(self) -> str:
        """This learner's random key, made once and kept in the progress store (so backups,
        restores and sync carry it): a teacher's share keeps a nickname for the key that first
        used it, so no one else can send reports under that name."""
        token = self.store.get_setting(LEARNER_TOKEN_SETTING)
        if not (isinstance(token, str) and LEARNER_TOKEN.match(token)):
            token = secrets.token_urlsafe(24)
            self.store.set_setting(LEARNER_TOKEN_SETTING, token)
        return token

    def scheduler(self, deck_id: str) -> Scheduler:
        if deck_id not in self._schedulers:
            self._schedulers[deck_id] = Scheduler(self.deck_options(deck_id), self.days)
        return self._schedulers[deck_id]

    # -- decks ---------------------------------------------------------------------------------

    def sync_files(self, paths: Iterable[Path | str]) -> SyncReport:
        """Register deck files (or every *.yaml in given folders) by content hash; see DeckSync."""
        return self._decksync.sync_files(paths)

    def default_deck_folders(self) -> list[Path]:
        """The bundled decks folder and each imported deck's folder (one per deck), as they exist now."""
        return self._decksync.default_deck_folders()

    def sync_default_decks(self) -> SyncReport:
        """Register the bundled decks and the learner's imported decks."""
        return self._decksync.sync_default_decks()

    def apply_deck(
        self, deck: Deck, *, source_path: str | None, content_hash: str, origin: Origin | None = None, adapts: str | None = None
    ) -> DeckUpdate:
        """Add a deck or update it by card id, in one transaction; see DeckSync.apply_deck."""
        return self._decksync.apply_deck(deck, source_path=source_path, content_hash=content_hash, origin=origin, adapts=adapts)

    def deck_record(self, deck_id: str) -> DeckRecord | None:
        """A deck's version, origin and the bundled deck it adapts, hidden or not; None if the id is free."""
        return self._decksync.record(deck_id)

    def preview_deck(self, deck: Deck) -> DeckUpdate:
        """What applying `deck` would change, card by card, without changing anything."""
        return self._decksync.preview(deck)

    def use_bundled(self, deck_id: str) -> DeckUpdate:
        """Go back from a teacher's version of a bundled deck to the app's own (progress kept by card id)."""
        return self._decksync.use_bundled(deck_id)

    def decline_adaptation(self, deck_id: str, key: str) -> None:
        """The learner keeps the app's deck: this teacher's version is not offered again."""
        self._decksync.decline_adaptation(deck_id, key)

    def adaptation_declined(self, deck_id: str, key: str) -> bool:
        return self._decksync.adaptation_declined(deck_id, key)

    def deck_ids(self) -> list[str]:
        """Decks that are present, ordered by title."""
        return [row[0] for row in self.store.query("SELECT deck_id FROM decks WHERE present = 1 ORDER BY title COLLATE NOCASE, deck_id")]

    def _require_deck(self, deck_id: str) -> None:
        if not self.store.query_one("SELECT 1 FROM decks WHERE deck_id = ?", (deck_id,)):
            raise NotFoundError(f"no deck with id '{deck_id}'")

    def deck_info(self, deck_id: str) -> tuple[DeckInfo, tuple[Source, ...]]:
        row = self.store.query_one("SELECT info FROM decks WHERE deck_id = ?", (deck_id,))
        if row is None:
            raise NotFoundError(f"no deck with id '{deck_id}'")
        info = json.loads(row[0])
        return DeckInfo.from_dict(info["deck"]), tuple(Source.from_dict(s) for s in info["sources"])

    def deck(self, deck_id: str) -> Deck:
        """The deck's current content, rebuilt from the store (no file is read)."""
        info, sources = self.deck_info(deck_id)
        row = self.store.query_one("SELECT info FROM decks WHERE deck_id = ?", (deck_id,))
        retired = tuple(json.loads(row[0])["retired"]) if row else ()
        cards = tuple(
            Card.from_dict(json.loads(content))
            for (content,) in self.store.query("SELECT content FROM entries WHERE deck_id = ? AND retired = 0 ORDER BY position", (deck_id,))
        )
        return Deck(info=info, cards=cards, sources=sources, retired=retired)

    def deck_source_path(self, deck_id: str) -> Path | None:
        row = self.store.query_one("SELECT source_path FROM decks WHERE deck_id = ?", (deck_id,))
        return self._decksync.resolve(row[0]) if row and row[0] else None

    def card(self, key: CardKey) -> Card:
        row = self.store.query_one("SELECT content FROM entries WHERE deck_id = ? AND card_id = ?", key[:2])
        if row is None:
            raise NotFoundError(f"no card '{key[1]}' in deck '{key[0]}'")
        return Card.from_dict(json.loads(row[0]))

    def decks(self) -> list[DeckSummary]:
        """Every present deck with today's counts: what the home screen and `quizapp decks` show."""
        ids = self.deck_ids()
        counts = self.due_counts(ids)
        sizes = dict(self.store.query("SELECT deck_id, count(*) FROM entries WHERE retired = 0 GROUP BY deck_id"))
        rows = {r[0]: r[1:] for r in self.store.query("SELECT deck_id, title, version, info FROM decks WHERE present = 1")}
        return [
            DeckSummary(
                deck_id=deck_id,
                title=rows[deck_id][0],
                version=rows[deck_id][1],
                description=json.loads(rows[deck_id][2])["deck"].get("description", ""),
                card_count=sizes.get(deck_id, 0),
                counts=counts[deck_id],
            )
            for deck_id in ids
        ]

    # -- counts -------------------------------------------------------------------------------------

    def allowances(self, deck_ids: list[str]) -> dict[str, Allowance]:
        today = self.today()
        done = studied_today(self.store, deck_ids, today)
        allowances = {}
        for deck_id in deck_ids:
            options = self.scheduler(deck_id).options  # cached per deck; deck_options() reads the store
            new_done, review_done = done.get(deck_id, (0, 0))
            allowances[deck_id] = Allowance(max(0, options.new_per_day - new_done), max(0, options.reviews_per_day - review_done))
        return allowances

    def new_left_today(self) -> int:
        """New cards all decks together may still introduce today (the all-decks limit)."""
        return max(0, self.settings.all_decks_new_per_day - new_studied_today(self.store, self.today()))

    def due_counts(self, deck_ids: Sequence[str] | None = None) -> dict[str, DueCounts]:
        """Each deck's counts for today, within its own limits and the all-decks one."""
        ids = list(deck_ids) if deck_ids is not None else self.deck_ids()
        today = self._unbury_if_new_day()
        new_left = self.new_left_today()
        counts = counts_by_deck(self.store, ids, self.allowances(ids), today, to_ms(self.now()))
        return {deck_id: deck_counts.with_new_at_most(new_left) for deck_id, deck_counts in counts.items()}

    def all_decks_counts(self, counts: Iterable[DueCounts]) -> DueCounts:
        """Decks' counts (from `due_counts`) together, within the all-decks limit on new cards."""
        return all_decks_counts(counts, self.new_left_today())

    def next_due(self, deck_ids: Sequence[str] | None = None) -> datetime | None:
        """When the next card not yet due becomes due (for "nothing due until ...")."""
        ids = list(deck_ids) if deck_ids is not None else self.deck_ids()
        if not ids:
            return None
        ms = next_due_ms(self.store, ids, self.today(), lambda day: to_ms(self.days.start_of(day)))
        return from_ms(ms)

    # -- studying -----------------------------------------------------------------------------------

    def card_state(self, key: CardKey) -> CardState:
        try:
            return self.store.card_state(key)
        except KeyError:
            raise NotFoundError(f"no card '{key[1]}' (sibling {key[2]}) in deck '{key[0]}'") from None

    def preview(self, key: CardKey) -> dict[Rating, CardState]:
        return self.scheduler(key[0]).preview(self.card_state(key), self.now(), fuzz_key(key))

    def button_labels(self, key: CardKey) -> dict[Rating, str]:
        return self.scheduler(key[0]).next_interval_labels(self.card_state(key), self.now(), fuzz_key(key))

    def is_waiting(self, key: CardKey) -> bool:
        """Whether the card takes part in study: not suspended, buried for today or retired."""
        self._unbury_if_new_day()  # yesterday's buried cards are back
        row = self.store.query_one("SELECT queue FROM cards WHERE deck_id = ? AND card_id = ? AND sibling = ?", key)
        if row is None:
            raise NotFoundError(f"no card '{key[1]}' (sibling {key[2]}) in deck '{key[0]}'")
        return int(row[0]) >= 0

    def retrievability(self, key: CardKey) -> float | None:
        return self.scheduler(key[0]).retrievability(self.card_state(key), self.now())

    def answer(self, key: CardKey, rating: Rating, *, duration_ms: int | None = None, kind: str = "study") -> AnswerResult:
        """Rate a card: one transaction that updates its state, logs the review and buries siblings."""
        now = self.now()
        today = self.days.day_of(now)
        scheduler = self.scheduler(key[0])  # cached with the deck's options; deck_options() reads the store
        options = scheduler.options
        with self.store.transaction() as db:
            row = self.store.card_row(key)
            if row is None:
                raise NotFoundError(f"no card '{key[1]}' (sibling {key[2]}) in deck '{key[0]}'")
            before = state_of_card_row(row)
            after = scheduler.answer(before, rating, now, fuzz_key(key))
            self.store.write_card_state(db, key, after, today)
            revlog_id = self._log(db, key, now, today, int(rating), kind, duration_ms, before, after)
            became_leech = after.lapses > before.lapses and _is_leech_lapse(after.lapses, options.leech_threshold)
            suspended = became_leech and options.leech_suspend
            if became_leech:
                db.execute(
                    "UPDATE cards SET leech = 1, suspended = suspended OR ? WHERE deck_id = ? AND card_id = ? AND sibling = ?",
                    (int(suspended), *key),
                )
                self.store.refresh_queue(db, "deck_id = :d AND card_id = :c AND sibling = :s", {"d": key[0], "c": key[1], "s": key[2]}, today)
            sibling_rows = self._bury_siblings(db, key, today) if options.bury_siblings else []
            # Where the card waits now, as the store worked it out (a leech may have been suspended).
            place = db.execute(f"SELECT {', '.join(_PLACE_COLUMNS)} FROM cards WHERE deck_id = ? AND card_id = ? AND sibling = ?", key).fetchone()
        self.store.acknowledge_review(revlog_id, now)  # committed: a database without it is reported at open
        self._push_undo(_UndoStep(f"answer {key[1]}", [row, *sibling_rows], [revlog_id]))
        buried = [Requeued((r[0], r[1], r[2]), QueuePlace.of_card_row(r), replace(QueuePlace.of_card_row(r), queue=QUEUE_BURIED)) for r in sibling_rows]
        return AnswerResult(
            key,
            rating,
            before,
            after,
            revlog_id,
            became_leech,
            suspended,
            tuple(card.key for card in buried),
            (Requeued(key, QueuePlace.of_card_row(row), QueuePlace(*place)), *buried),
        )

    def _log(self, db: Any, key: CardKey, at: datetime, day: int, rating: int, kind: str, duration_ms: int | None, before: CardState, after: CardState) -> int:
        cursor = db.execute(
            "INSERT INTO revlog (deck_id, card_id, sibling, reviewed_at, day, rating, kind, duration_ms,"
            f" {REVLOG_BEFORE_COLUMNS}, {REVLOG_AFTER_COLUMNS}) VALUES ({', '.join('?' * 28)})",
            (*key, to_ms(at), day, rating, kind, duration_ms, *state_to_row(before), *state_to_row(after)),
        )
        return int(cursor.lastrowid)

    def _bury_siblings(self, db: Any, key: CardKey, today: int) -> list[tuple[Any, ...]]:
        """Siblings waiting as new or review cards wait until tomorrow, so one fact is not asked twice a day."""
        where = f"deck_id = ? AND card_id = ? AND sibling != ? AND queue IN ({QUEUE_NEW}, {QUEUE_REVIEW}, {QUEUE_DAY_LEARN})"
        rows = db.execute(f"SELECT * FROM cards WHERE {where}", key).fetchall()
        if rows:
            db.execute(f"UPDATE cards SET buried_day = ?, queue = {QUEUE_BURIED} WHERE {where}", (today, *key))
        return [tuple(r) for r in rows]

    def _change_flags(self, keys: Sequence[CardKey], label: str, assignment: str, params: tuple[Any, ...]) -> UndoResult:
        today = self.today()
        with self.store.transaction() as db:
            rows = [r for r in (self.store.card_row(k) for k in keys) if r is not None]
            for key in keys:
                db.execute(f"UPDATE cards SET {assignment} WHERE deck_id = ? AND card_id = ? AND sibling = ?", (*params, *key))
                self.store.refresh_queue(db, "deck_id = :d AND card_id = :c AND sibling = :s", {"d": key[0], "c": key[1], "s": key[2]}, today)
        self._push_undo(_UndoStep(label, rows, []))
        return UndoResult(label, tuple(keys))

    def bury(self, keys: Sequence[CardKey]) -> UndoResult:
        """Hide cards until the next study day."""
        return self._change_flags(keys, "bury", "buried_day = ?", (self.today(),))

    def suspend(self, keys: Sequence[CardKey]) -> UndoResult:
        return self._change_flags(keys, "suspend", "suspended = 1", ())

    def unsuspend(self, keys: Sequence[CardKey]) -> UndoResult:
        return self._change_flags(keys, "unsuspend", "suspended = 0, leech = 0", ())

    def reset(self, keys: Sequence[CardKey]) -> UndoResult:
        """Make cards new again. Their history stays, and the log records the reset."""
        now = self.now()
        today = self.days.day_of(now)
        rows, revlog_ids = [], []
        with self.store.transaction() as db:
            for key in keys:
                row = self.store.card_row(key)
                if row is None:
                    continue
                rows.append(row)
                before = self.store.card_state(key)
                self.store.write_card_state(db, key, CardState(), today)
                revlog_ids.append(self._log(db, key, now, today, 0, "manual", None, before, CardState()))
        self._push_undo(_UndoStep("reset", rows, revlog_ids))
        return UndoResult("reset", tuple(keys))

    def import_history(self, deck_id: str, histories: Mapping[tuple[str, int], Sequence[tuple[Rating, datetime]]]) -> list[CardKey]:
        """Turn another app's review history into FSRS state by replaying it, in one transaction.

        Only cards never studied here take history (progress made here is never overwritten).
        Each replayed answer is logged with kind "import". Returns the cards that took history.
        """
        today = self.today()
        scheduler = self.scheduler(deck_id)
        taken: list[CardKey] = []
        with self.store.transaction() as db:
            for (card_id, sibling), reviews in histories.items():
                key = (deck_id, card_id, sibling)
                if not reviews or self.store.card_row(key) is None or self.card_state(key).reps:
                    continue
                state = CardState()
                for rating, at in sorted(reviews, key=lambda review: review[1]):
                    at = at.replace(microsecond=at.microsecond // 1000 * 1000)
                    after = scheduler.answer(state, rating, at, fuzz_key(key))
                    self._log(db, key, at, self.days.day_of(at), int(rating), "import", None, state, after)
                    state = after
                self.store.write_card_state(db, key, state, today)
                taken.append(key)
        return taken

    # -- undo --------------------------------------------------------------------------------------

    def _push_undo(self, step: _UndoStep) -> None:
        self._undo.append(step)
        del self._undo[:-UNDO_LIMIT]

    @property
    def undo_label(self) -> str | None:
        """What undo would take back, or None."""
        return self._undo[-1].label if self._undo else None

    def undo(self) -> UndoResult | None:
        """Take back the last change exactly: card rows as they were, its log rows removed."""
        if not self._undo:
            return None
        step = self._undo.pop()
        with self.store.transaction() as db:
            self.store.restore_card_rows(db, step.rows)
            db.executemany("DELETE FROM revlog WHERE id = ?", [(i,) for i in step.revlog_ids])
        return UndoResult(step.label, tuple((r[0], r[1], r[2]) for r in step.rows))

    # -- history ------------------------------------------------------------------------------------

    def history(self, key: CardKey) -> list[ReviewEntry]:
        rows = self.store.query(
            f"SELECT reviewed_at, rating, kind, duration_ms, {REVLOG_BEFORE_COLUMNS}, {REVLOG_AFTER_COLUMNS} FROM revlog"
            " WHERE deck_id = ? AND card_id = ? AND sibling = ? ORDER BY id",
            key,
        )
        return [
            ReviewEntry(from_ms(row[0]), row[1], row[2], row[3], state_from_row(row[4:14]), state_from_row(row[14:]))  # type: ignore[arg-type]
            for row in rows
        ]

    # -- browsing -----------------------------------------------------------------------------------

    def search(
        self, text: str = "", tag: str | None = None, deck_ids: Sequence[str] | None = None, limit: int = 500, show: CardFilter = CardFilter.ALL
    ) -> list[BrowseRow]:
        """Cards whose text contains `text` (any case), that carry `tag` and that `show` picks, deck by deck."""
        ids = list(deck_ids) if deck_ids is not None else self.deck_ids()
        if not ids:
            return []
        sql = (
            f"SELECT c.deck_id, c.card_id, c.sibling, e.content, c.suspended, c.queue = {QUEUE_BURIED}, c.leech,"
            " c.state, c.step, c.stability, c.difficulty, c.due_at, c.due_day, c.last_review, c.interval_days, c.reps, c.lapses"
            " FROM cards c JOIN entries e ON e.deck_id = c.deck_id AND e.card_id = c.card_id"
            f" WHERE c.retired = 0 AND c.deck_id IN ({', '.join('?' * len(ids))})"
        )
        params: list[Any] = list(ids)
        if text.strip():
            sql += " AND e.search_text LIKE ? ESCAPE '\\'"
            needle = text.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{needle}%")
        if tag:
            sql += " AND EXISTS (SELECT 1 FROM json_each(e.content, '$.tags') WHERE value = ?)"
            params.append(tag)
        if show is not CardFilter.ALL:
            condition, values = self._filter_sql(show)
            sql += f" AND {condition}"
            params += values
        sql += " ORDER BY c.deck_id, e.position, c.sibling LIMIT ?"
        params.append(limit)
        rows = []
        for row in self.store.query(sql, params):
            card = Card.from_dict(json.loads(row[3]))
            rows.append(
                BrowseRow(
                    key=(row[0], row[1], row[2]),
                    card=card,
                    state=state_from_row(row[7:]),
                    suspended=bool(row[4]),
                    buried=bool(row[5]),
                    leech=bool(row[6]),
                )
            )
        return rows

    def _filter_sql(self, show: CardFilter) -> tuple[str, list[Any]]:
        """The condition on the cards table (as `c`) that picks `show`'s cards, and its parameters."""
        if show is CardFilter.DUE:
            today = self.today()
            return (
                f"((c.queue IN ({QUEUE_REVIEW}, {QUEUE_DAY_LEARN}) AND c.due_day <= ?) OR (c.queue = {QUEUE_LEARN} AND c.due_at < ?))",
                [today, to_ms(self.days.start_of(today + 1))],
            )
        conditions = {
            CardFilter.NEW: "c.state = 'new'",
            CardFilter.LEARNING: "c.state IN ('learning', 'relearning')",
            CardFilter.REVIEW: "c.state = 'review'",
            CardFilter.SUSPENDED: "c.suspended",
            CardFilter.BURIED: f"c.queue = {QUEUE_BURIED}",
            CardFilter.LEECH: "c.leech",
        }
        return conditions[show], []

    def tags(self, deck_ids: Sequence[str] | None = None) -> list[str]:
        """Every tag used by a live card, sorted, for a tag filter."""
        ids = list(deck_ids) if deck_ids is not None else self.deck_ids()
        rows = self.store.query(
            "SELECT DISTINCT t.value FROM entries e, json_each(e.content, '$.tags') t"
            f" WHERE e.retired = 0 AND e.deck_id IN ({', '.join('?' * len(ids))}) ORDER BY 1",
            ids,
        ) if ids else []
        return [r[0] for r in rows]

    def due_date(self, state: CardState) -> datetime | None:
        """When a card is next due, as an instant (a day-based due starts at that day's rollover)."""
        if state.due_at is not None:
            return state.due_at
        return self.days.start_of(state.due_day) if state.due_day is not None else None

    def all_card_keys(self, deck_id: str | None = None) -> list[CardKey]:
        sql = "SELECT deck_id, card_id, sibling FROM cards"
        rows = self.store.query(sql + " WHERE deck_id = ?", (deck_id,)) if deck_id else self.store.query(sql)
        return [(r[0], r[1], r[2]) for r in rows]




def _is_leech_lapse(lapses: int, threshold: int) -> bool:
    """Anki's rule: a leech at the threshold, then again every half threshold."""
    if threshold <= 0 or lapses < threshold:
        return False
    return (lapses - threshold) % max(1, threshold // 2) == 0
