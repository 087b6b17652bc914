"""The progress database: SQLite in WAL mode, one transaction per change, versioned schema.

Deck content is cached here too (as JSON per card) so a start-up with unchanged deck files
parses nothing. All instants are stored as integer epoch milliseconds (UTC), so a state read back
equals the state written and a replay of the review log reproduces it exactly.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from quizapp.core.card_state import CardState, State
from quizapp.core.datadir import bundled_decks_dir
from quizapp.core.errors import (
    BusyStoreError,
    DamagedStoreError,
    NewerStoreError,
    ReadOnlyStoreError,
    StorageError,
    StoreError,
)

DB_NAME = "progress.sqlite3"
BUSY_TIMEOUT_MS = 10_000
# How long a checkpoint waits for another program's lock before leaving the log for later: it runs
# when the app goes to the background, where a long wait would freeze the screen.
CHECKPOINT_WAIT_MS = 250
# Beside the database: the newest review the app has acknowledged (see Store.acknowledge_review).
ACKNOWLEDGED_SUFFIX = ".acknowledged"

CardKey = tuple[str, str, int]  # (deck id, card id, sibling)


def to_ms(instant: datetime) -> int:
    """Epoch milliseconds, exact integer arithmetic (float timestamps can be off by one)."""
    delta = instant - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def from_ms(ms: int | None) -> datetime | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Run statements one by one: executescript() would COMMIT and break the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _schema_v1(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE decks (
            deck_id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            title TEXT NOT NULL,
            info TEXT NOT NULL,            -- JSON: deck info, sources, retired ids
            source_path TEXT,              -- the YAML file the deck was last read from
            content_hash TEXT NOT NULL,    -- sha256 of that file
            options TEXT,                  -- JSON overrides of the default deck options
            present INTEGER NOT NULL DEFAULT 1,
            added_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE deck_files (
            path TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            deck_id TEXT NOT NULL
        );
        CREATE TABLE entries (
            deck_id TEXT NOT NULL,
            card_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            type TEXT NOT NULL,
            content TEXT NOT NULL,         -- JSON of the card as the deck file holds it
            search_text TEXT NOT NULL,     -- every text of the card, case-folded, for search
            retired INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (deck_id, card_id)
        ) WITHOUT ROWID;
        CREATE TABLE cards (
            deck_id TEXT NOT NULL,
            card_id TEXT NOT NULL,
            sibling INTEGER NOT NULL,
            position INTEGER NOT NULL,     -- order new cards are introduced in
            state TEXT NOT NULL DEFAULT 'new',
            step INTEGER NOT NULL DEFAULT 0,
            stability REAL,
            difficulty REAL,
            due_at INTEGER,                -- ms: intraday (re)learning
            due_day INTEGER,               -- study day: reviews and interday learning
            last_review INTEGER,
            interval_days INTEGER NOT NULL DEFAULT 0,
            reps INTEGER NOT NULL DEFAULT 0,
            lapses INTEGER NOT NULL DEFAULT 0,
            queue INTEGER NOT NULL DEFAULT 0,  -- derived, for indexed queries: see QUEUE_SQL
            shuffle INTEGER NOT NULL,      -- stable pseudo-random order among equally due cards
            suspended INTEGER NOT NULL DEFAULT 0,
            buried_day INTEGER,            -- buried until this study day ends
            leech INTEGER NOT NULL DEFAULT 0,
            retired INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (deck_id, card_id, sibling)
        ) WITHOUT ROWID;
        -- Partial indexes hold only the rows their queries want: smaller, and an answer touches
        -- only the indexes of the queues the card leaves and enters. A query must repeat the
        -- index's condition literally (queue = 0) for SQLite to use it, and the condition's column
        -- is also indexed so that the index alone answers the query (SQLite re-checks it).
        CREATE INDEX cards_by_day ON cards (deck_id, queue, due_day, shuffle);
        CREATE INDEX cards_by_time ON cards (deck_id, queue, due_at) WHERE queue = 1;
        CREATE INDEX cards_new ON cards (deck_id, queue, position, sibling) WHERE queue = 0;
        CREATE INDEX cards_buried ON cards (buried_day) WHERE queue = -2;
        CREATE INDEX entries_live ON entries (deck_id, retired) WHERE retired = 0;
        CREATE TABLE revlog (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            deck_id TEXT NOT NULL,
            card_id TEXT NOT NULL,
            sibling INTEGER NOT NULL,
            reviewed_at INTEGER NOT NULL,  -- ms
            day INTEGER NOT NULL,          -- study day of the review
            rating INTEGER NOT NULL,       -- 1-4, or 0 for a manual change (reset)
            kind TEXT NOT NULL,            -- study, quiz, manual, import
            duration_ms INTEGER,
            state_before TEXT NOT NULL,
            state_after TEXT NOT NULL,
            before TEXT NOT NULL,          -- JSON CardState
            after TEXT NOT NULL            -- JSON CardState
        );
        CREATE INDEX revlog_by_card ON revlog (deck_id, card_id, sibling);
        CREATE INDEX revlog_by_day ON revlog (day);
        """
    )


def _revlog_states_as_columns(db: sqlite3.Connection) -> None:
    """v2: the review log keeps the card state before and after each answer as columns, not JSON.

    At 100,000 cards with 3.6 reviews each the JSON took 151 MB of the database's 248 MB; every
    checkpoint, the daily backup and a phone's storage paid for it. The table is rebuilt (same
    ids, and the id sequence kept, so an id an undo freed is still never reused).
    """
    state = (
        "state_{0} TEXT NOT NULL, step_{0} INTEGER NOT NULL, stability_{0} REAL, difficulty_{0} REAL,"
        " due_at_{0} INTEGER, due_day_{0} INTEGER, last_review_{0} INTEGER,"
        " interval_days_{0} INTEGER NOT NULL, reps_{0} INTEGER NOT NULL, lapses_{0} INTEGER NOT NULL"
    )
    db.execute(
        "CREATE TABLE revlog_columns (id INTEGER PRIMARY KEY AUTOINCREMENT, deck_id TEXT NOT NULL,"
        " card_id TEXT NOT NULL, sibling INTEGER NOT NULL, reviewed_at INTEGER NOT NULL, day INTEGER NOT NULL,"
        " rating INTEGER NOT NULL, kind TEXT NOT NULL, duration_ms INTEGER,"
        f" {state.format('before')}, {state.format('after')})"
    )

    # SQLite reads the JSON itself (2.5 times as fast as a Python loop over the rows: 2.9 s for
    # 362,194 reviews); only the ISO instants need Python, to round to ms exactly as `to_ms` does.
    db.create_function("iso_to_ms", 1, lambda text: to_ms(datetime.fromisoformat(text)) if text else None, deterministic=True)

    def columns(state_json: str) -> str:
        def field(name: str, default: str = "") -> str:
            extracted = f"json_extract({state_json}, '$.{name}')"
            return f"coalesce({extracted}, {default})" if default else extracted

        return ", ".join((
            field("state"), field("step", "0"), field("stability"), field("difficulty"),
            f"iso_to_ms({field('due_at')})", field("due_day"), f"iso_to_ms({field('last_review')})",
            field("interval_days", "0"), field("reps", "0"), field("lapses", "0"),
        ))  # fmt: skip

    db.execute(
        "INSERT INTO revlog_columns SELECT id, deck_id, card_id, sibling, reviewed_at, day, rating, kind, duration_ms,"
        f" {columns('before')}, {columns('after')} FROM revlog ORDER BY id"
    )
    sequence = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'revlog'").fetchone()
    _run_script(
        db,
        """
        DROP TABLE revlog;
        ALTER TABLE revlog_columns RENAME TO revlog;
        CREATE INDEX revlog_by_card ON revlog (deck_id, card_id, sibling);
        CREATE INDEX revlog_by_day ON revlog (day);
        """,
    )
    if sequence and not db.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'revlog'", sequence).rowcount:
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('revlog', ?)", sequence)  # the log was emptied


def _schema_v3(db: sqlite3.Connection) -> None:
    """v3 (docs/schema.md): each deck records its origin, and deck paths move with the data folder.

    UNRELEASED: until the next release, every store change extends this migration; none is added
    after it. Its test is tests/test_store_migration.py.
    """
    _run_script(
        db,
        """
        ALTER TABLE decks ADD COLUMN origin_kind TEXT NOT NULL DEFAULT 'unsigned_file';
        ALTER TABLE decks ADD COLUMN origin_key TEXT;
        ALTER TABLE decks ADD COLUMN origin_url TEXT;
        ALTER TABLE decks ADD COLUMN origin_file TEXT;
        ALTER TABLE decks ADD COLUMN adapts TEXT
        """,
    )
    data_dir = Path(db.execute("PRAGMA database_list").fetchone()[2]).resolve().parent
    bundled_ids = {path.stem for path in bundled_decks_dir().glob("*.yaml")}
    feeds = json.loads((db.execute("SELECT value FROM settings WHERE key = 'sharing.feeds'").fetchone() or ["[]"])[0])
    # Schema 2 did not record which feed a deck came from: with one class feed it is that feed;
    # with several, the first update from any of them records it (see Origin.decide_update).
    feed_url = feeds[0]["url"] if len(feeds) == 1 else None
    for deck_id, source in db.execute("SELECT deck_id, source_path FROM decks").fetchall():
        from_imported = source is not None and _imported_deck_file(source, deck_id) is not None
        if deck_id in bundled_ids:
            # A bundled deck, or a copy that took a bundled deck's id before origins were kept: the
            # app's own file applies again at the next start (progress is kept by card id).
            if from_imported:
                db.execute("DELETE FROM deck_files WHERE deck_id = ?", (deck_id,))
                db.execute("UPDATE decks SET source_path = NULL WHERE deck_id = ?", (deck_id,))
            origin: tuple[str, str | None] = ("bundled", None)
        elif from_imported:
            origin = ("feed", feed_url) if feeds else ("unsigned_file", None)
        else:
            origin = ("user", None)  # a deck file of the learner's own, registered from where it lies
        db.execute("UPDATE decks SET origin_kind = ?, origin_url = ? WHERE deck_id = ?", (*origin, deck_id))
    for table, column in (("deck_files", "path"), ("decks", "source_path")):
        for path, deck_id in db.execute(f"SELECT {column}, deck_id FROM {table} WHERE {column} IS NOT NULL").fetchall():
            stored = _imported_deck_file(path, deck_id) or (Path(path).relative_to(data_dir).as_posix() if Path(path).is_relative_to(data_dir) else path)
            db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ? AND deck_id = ?", (stored, path, deck_id))


def _imported_deck_file(path: str, deck_id: str) -> str | None:
    """An imported deck's file as schema 3 keeps it (relative to the data folder), also when the
    data folder has moved since: the installer writes `decks/<deck id>/<deck id>.yaml` there."""
    relative = ("decks", deck_id, f"{deck_id}.yaml")
    return "/".join(relative) if Path(path).parts[-3:] == relative else None


# Each migration takes the schema from version i to i + 1. Append; never edit a released one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_schema_v1, _revlog_states_as_columns, _schema_v3]
SCHEMA_VERSION = len(MIGRATIONS)

# Queues, as in Anki: a column derived from the state and flags, so counting and picking due
# cards are range scans of one index instead of filters over every card.
QUEUE_NEW, QUEUE_LEARN, QUEUE_REVIEW, QUEUE_DAY_LEARN = 0, 1, 2, 3
QUEUE_SUSPENDED, QUEUE_BURIED, QUEUE_RETIRED = -1, -2, -3


def _queue_sql(state: str = "state", due_at: str = "due_at") -> str:
    """The queue a card belongs in, given the current study day as the :today parameter; the
    state and due time may be given as parameters, for an UPDATE that sets them too (its other
    expressions see the row's values from before it)."""
    return f"""CASE
    WHEN retired THEN -3 WHEN suspended THEN -1 WHEN buried_day >= :today THEN -2
    WHEN {state} = 'new' THEN 0 WHEN {state} = 'review' THEN 2 WHEN {due_at} IS NOT NULL THEN 1 ELSE 3 END"""


QUEUE_SQL = _queue_sql()
_WRITTEN_QUEUE_SQL = _queue_sql(":state", ":due_at")  # with the state being written

CARD_STATE_COLUMNS = (
    "state, step, stability, difficulty, due_at, due_day, last_review, interval_days, reps, lapses"
)


_STATE_NAMES = [name.strip() for name in CARD_STATE_COLUMNS.split(",")]
# The review log's copies of a CardState (schema v2 on), in CARD_STATE_COLUMNS' order.
REVLOG_BEFORE_COLUMNS = ", ".join(f"{name}_before" for name in _STATE_NAMES)
REVLOG_AFTER_COLUMNS = ", ".join(f"{name}_after" for name in _STATE_NAMES)

# The cards table's columns in order, as `SELECT *` (card_row, undo snapshots) returns them.
CARD_COLUMNS = (
    "deck_id", "card_id", "sibling", "position", *_STATE_NAMES,
    "queue", "shuffle", "suspended", "buried_day", "leech", "retired",
)  # fmt: skip
_STATE_IN_ROW = slice(CARD_COLUMNS.index(_STATE_NAMES[0]), CARD_COLUMNS.index(_STATE_NAMES[-1]) + 1)


def state_from_row(row: sqlite3.Row | tuple[Any, ...]) -> CardState:
    """A CardState from the CARD_STATE_COLUMNS, in that order."""
    state, step, stability, difficulty, due_at, due_day, last_review, interval_days, reps, lapses = row
    return CardState(
        state=State(state),
        step=step,
        stability=stability,
        difficulty=difficulty,
        due_at=from_ms(due_at),
        due_day=due_day,
        last_review=from_ms(last_review),
        interval_days=interval_days,
        reps=reps,
        lapses=lapses,
    )


def state_of_card_row(row: tuple[Any, ...]) -> CardState:
    """The CardState in a whole row of the cards table (CARD_COLUMNS)."""
    return state_from_row(row[_STATE_IN_ROW])


def state_to_row(card: CardState) -> tuple[Any, ...]:
    return (
        card.state.value,
        card.step,
        card.stability,
        card.difficulty,
        to_ms(card.due_at) if card.due_at else None,
        card.due_day,
        to_ms(card.last_review) if card.last_review else None,
        card.interval_days,
        card.reps,
        card.lapses,
    )


# SQLite's primary result codes (sqlite3.SQLITE_* from Python 3.11) that say the file is locked by
# another program, or could not be reached, rather than damaged: moving such a file aside as
# damaged would be wrong.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_FULL, _SQLITE_CANTOPEN = 3, 5, 6, 8, 13, 14
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_NOTADB = 10, 11, 26
_IN_USE_CODES = {_SQLITE_BUSY, _SQLITE_LOCKED}
_UNREACHABLE_CODES = {_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_FULL, _SQLITE_CANTOPEN}


def _primary_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)  # the extended code
    return code & 0xFF if isinstance(code, int) else None


def _store_error(path: Path, error: sqlite3.Error, outcome: str) -> StoreError:
    """The StoreError, in plain words, for an error SQLite gave on an open database; `outcome` says
    what became of the work (a change rolled back, say)."""
    primary = _primary_code(error)
    if primary in _IN_USE_CODES or (primary is None and "locked" in str(error)):
        return BusyStoreError(
            f"{path}: the progress database is in use by another program (another copy of quizapp, or the "
            f"quizapp command); close it and try again ({error}). {outcome}"
        )
    if primary in (_SQLITE_READONLY, _SQLITE_PERM):
        return _read_only_error(path, error, outcome)
    if primary in (_SQLITE_FULL, _SQLITE_IOERR):
        return StorageError(
            f"{path}: the device's storage is full or failing ({error}). {outcome} Free some space, then try again."
        )
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return DamagedStoreError(
            f"{path}: the progress database is damaged ({error}). {outcome} Close the app and open it again to restore a backup."
        )
    return StoreError(f"{path}: the progress database failed ({error}). {outcome}")


def _read_only_error(path: Path, error: sqlite3.Error, outcome: str) -> ReadOnlyStoreError:
    return ReadOnlyStoreError(
        f"{path}: your progress cannot be saved because the database or its folder is read-only ({error}). "
        f"{outcome} Make the folder writable for you, then try again."
    )


# What became of the work when SQLite failed, for _store_error's message.
_CHANGE_LOST = "The last change was not saved; everything saved before it is safe."
_NOT_READ = "Your progress could not be read; nothing was changed."
_NOT_FOLDED = "Your saved progress is safe."


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to the database file (tests open it read-only or with faults through this)."""
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per change.
    return sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)


def _opening_error(path: Path, error: sqlite3.DatabaseError, otherwise: type[StoreError], message: str) -> StoreError:
    """The StoreError for an error met while opening or upgrading: in use, unreachable, or else
    `otherwise(message)`."""
    primary = _primary_code(error)
    if primary in _IN_USE_CODES or (primary is None and "locked" in str(error)):
        return _store_error(path, error, "Nothing was changed.")
    # A folder that cannot be written (a read-only file system, say) keeps SQLite from making the
    # -wal and -shm files: it says "unable to open", which is true but tells the learner nothing.
    if primary in (_SQLITE_READONLY, _SQLITE_PERM) or (primary == _SQLITE_CANTOPEN and not os.access(path.parent, os.W_OK)):
        return _read_only_error(path, error, "Nothing was changed.")
    if primary in _UNREACHABLE_CODES:
        return StoreError(f"{path}: the progress database cannot be opened ({error})")
    return otherwise(message)


class Store:
    """A connection to one progress database, with its schema brought up to date."""

    def __init__(self, path: Path, *, migrations: list[Callable[[sqlite3.Connection], None]] | None = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._commits = 0  # see change_stamp()
        migrations = MIGRATIONS if migrations is None else migrations
        try:
            self.db = _connect(path)
        except sqlite3.Error as error:
            raise StoreError(f"{path}: the progress database cannot be opened: {error}") from error
        try:
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            # FULL: a commit survives power loss, not only a crash of the app.
            self.db.execute("PRAGMA synchronous = FULL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA user_version").fetchone()
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise _opening_error(path, error, DamagedStoreError, f"{path}: the progress database is damaged and cannot be read ({error})") from error
        if mode.lower() != "wal":
            self.db.close()
            raise StoreError(f"{path}: the database cannot use write-ahead logging (mode {mode})")
        try:
            if self._migrate(migrations):
                self._give_back_freed_space()
        except StoreError as error:
            self.db.close()
            cause = error.__cause__  # the SQLite error the upgrade's transaction met, if any
            if isinstance(cause, sqlite3.DatabaseError):
                raise _opening_error(path, cause, StoreError, f"{path}: the progress database could not be upgraded; it was left as it was ({cause})") from cause
            raise
        try:
            self._require_writable()
            self.open_warning = self._older_than_acknowledged()
        except BaseException:
            self.db.close()
            raise

    def _require_writable(self) -> None:
        """Refuse a database this user cannot write (a read-only file or folder), at open rather
        than at the first answer. SQLite opens such a file and even begins a write transaction;
        only a statement that writes fails, and this one is checked without writing anything."""
        try:
            self.db.execute("UPDATE settings SET value = value WHERE 0")
        except sqlite3.DatabaseError as error:
            raise _store_error(self.path, error, "Nothing was changed.") from error

    def _migrate(self, migrations: list[Callable[[sqlite3.Connection], None]]) -> bool:
        """Bring the schema up to date in one transaction; whether an existing database was upgraded."""
        with self.transaction():
            version = self.schema_version
            if version > len(migrations):
                raise NewerStoreError(
                    f"{self.path}: the progress database was written by a newer version of the app "
                    f"(schema {version}; this app knows {len(migrations)}); update the app"
                )
            for number in range(version, len(migrations)):
                migrations[number](self.db)
                self.db.execute(f"PRAGMA user_version = {number + 1}")
        return 0 < version < len(migrations)

    def _give_back_freed_space(self) -> None:
        """After an upgrade that rebuilt a table, shrink the file: the old table's pages would
        otherwise stay in the file (and in every backup, a page-by-page copy) until reused. Best
        effort: a failure (say, no room for the temporary copy) leaves a sound, larger file."""
        pages, free = (self.db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "freelist_count"))
        if free * 4 > pages:
            try:
                self.db.execute("VACUUM")
            except sqlite3.Error:
                pass

    @property
    def schema_version(self) -> int:
        """The number of migrations this database has had (SQLite's user_version)."""
        with self._failing_as_store_error(_NOT_READ):
            return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _failing_as_store_error(self, outcome: str) -> Iterator[None]:
        """Every SQLite error met inside becomes a StoreError in words (see _store_error): the
        store's callers, and the app and the command above them, never see a raw sqlite3 error."""
        try:
            yield
        except sqlite3.Error as error:
            raise _store_error(self.path, error, outcome) from error

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: committed when the block ends, rolled back if it raises. An SQLite
        error anywhere in it (a full disk at COMMIT, a read-only file) is raised as a StoreError.

        BEGIN IMMEDIATE takes the write lock up front, so two processes on one database wait for
        each other (busy timeout) instead of failing half-way.
        """
        with self._lock:
            if self.db.in_transaction:  # nested: part of the outer change
                yield self.db
                return
            with self._failing_as_store_error(_CHANGE_LOST):
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                    self.db.execute("COMMIT")
                except BaseException:
                    self._roll_back()
                    raise
            self._commits += 1

    def _roll_back(self) -> None:
        """End a failed transaction. SQLite may have rolled it back itself (after an I/O error, say),
        and a ROLLBACK that fails must not hide the error that caused it; but the connection must
        never stay inside the transaction, or the next change would silently join it."""
        if self.db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    def change_stamp(self) -> tuple[int, int]:
        """A value that differs whenever the database may have changed since it was taken: the
        changes committed through this connection, and SQLite's data_version, which moves when
        another connection (another process, another thread's store) commits."""
        with self._lock, self._failing_as_store_error(_NOT_READ):
            return self._commits, int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock, self._failing_as_store_error(_NOT_READ):
            return self.db.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> tuple[Any, ...] | None:
        with self._lock, self._failing_as_store_error(_NOT_READ):
            row: tuple[Any, ...] | None = self.db.execute(sql, params).fetchone()
            return row

    # -- settings ---------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.query_one("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    # -- card states ------------------------------------------------------------------------------

    def card_state(self, key: CardKey) -> CardState:
        row = self.query_one(f"SELECT {CARD_STATE_COLUMNS} FROM cards WHERE deck_id = ? AND card_id = ? AND sibling = ?", key)
        if row is None:
            raise KeyError(key)
        return state_from_row(row)

    def write_card_state(self, db: sqlite3.Connection, key: CardKey, card: CardState, today: int) -> None:
        columns = dict(zip(_STATE_NAMES, state_to_row(card)))
        db.execute(
            "UPDATE cards SET state = :state, step = :step, stability = :stability, difficulty = :difficulty,"
            " due_at = :due_at, due_day = :due_day, last_review = :last_review, interval_days = :interval_days,"
            f" reps = :reps, lapses = :lapses, queue = {_WRITTEN_QUEUE_SQL}"
            " WHERE deck_id = :deck_id AND card_id = :card_id AND sibling = :sibling",
            {**columns, "deck_id": key[0], "card_id": key[1], "sibling": key[2], "today": today},
        )

    @staticmethod
    def refresh_queue(db: sqlite3.Connection, where: str, params: dict[str, Any], today: int) -> None:
        """Recompute the derived queue column for the cards `where` selects."""
        db.execute(f"UPDATE cards SET queue = {QUEUE_SQL} WHERE {where}", {**params, "today": today})

    def card_row(self, key: CardKey) -> tuple[Any, ...] | None:
        """The whole row, for undo snapshots."""
        return self.query_one("SELECT * FROM cards WHERE deck_id = ? AND card_id = ? AND sibling = ?", key)

    def restore_card_rows(self, db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            db.executemany(f"INSERT OR REPLACE INTO cards VALUES ({marks})", rows)

    def copy_to(self, path: Path) -> None:
        """A consistent copy of the database via SQLite's online backup API."""
        destination = sqlite3.connect(str(path))
        try:
            with self._lock:  # no write from this process interleaves with the copy
                self.db.backup(destination)
            # The copy inherits WAL mode, and any reader would then leave -wal/-shm files beside it;
            # a backup is a single self-contained file.
            destination.execute("PRAGMA journal_mode = DELETE")
        finally:
            destination.close()

    # -- the write-ahead log and the acknowledged marker -------------------------------------------

    def checkpoint(self) -> bool:
        """Fold the write-ahead log into the database file and empty it; whether that was done.

        TRUNCATE, not PASSIVE: besides copying every committed page into the database file (and
        syncing it), it empties the -wal file, so a folder copied or restored without its -wal
        still holds every answer, and a phone gets the log's space back. Unlike PASSIVE it waits for
        other connections; that wait is cut to CHECKPOINT_WAIT_MS (it runs as the app goes to the
        background), and when another program holds the database past it the log is left for
        the next checkpoint: nothing is lost either way, the answers are in the log.
        """
        with self._lock, self._failing_as_store_error(_NOT_FOLDED):
            self.db.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
            try:
                busy: int = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return busy == 0

    @property
    def acknowledged_path(self) -> Path:
        return self.path.with_name(self.path.name + ACKNOWLEDGED_SUFFIX)

    def acknowledge_review(self, review_id: int, reviewed_at: datetime) -> None:
        """Note, beside the database, the newest review the app has told the learner is saved; at
        the next open a database older than that is reported (`open_warning`).

        Written after the review's commit, by a rename (never half-written) but with no fsync:
        the commit already paid one, and a second per answer would double an answer's cost on a
        phone. The price is that a power cut can leave the note behind the database, which only
        means a loss of those last answers would go unreported; the note is never ahead of a
        database that holds what it says, so it never raises a false alarm. A note that cannot
        be written never fails an answer that is saved.
        """
        marker = self.acknowledged_path
        # One name for every process: a crash before the rename leaves one small file, not one per
        # crash. Two processes writing at once can at worst leave a note that does not parse,
        # which is read as no note.
        temporary = marker.with_name(f"{marker.name}.tmp")
        with contextlib.suppress(OSError):
            temporary.write_text(json.dumps({"review_id": review_id, "reviewed_at": to_ms(reviewed_at)}), encoding="utf-8")
            os.replace(temporary, marker)

    def _older_than_acknowledged(self) -> str | None:
        """A warning, in words, when the database lacks reviews the app acknowledged (it was copied
        or restored without its -wal file, say), else None."""
        try:
            noted = json.loads(self.acknowledged_path.read_text(encoding="utf-8"))
            review_id, reviewed_at = int(noted["review_id"]), from_ms(int(noted["reviewed_at"]))
        except (OSError, ValueError, TypeError, KeyError):
            return None  # no note (a new folder, or one restored from a backup), or an unreadable one
        # The review log's id sequence: it never goes back, even when an undo deletes the newest row.
        row = self.query_one("SELECT seq FROM sqlite_sequence WHERE name = 'revlog'")
        newest = int(row[0]) if row else 0
        if newest >= review_id:
            return None
        when = reviewed_at.strftime("%Y-%m-%d %H:%M UTC") if reviewed_at else "earlier"
        return (
            f"{self.path} is older than your progress: it lacks the answers saved up to {when} "
            f"(review {review_id}; the newest it holds is {newest}). It was probably copied or restored "
            f"without its {self.path.name}-wal file. If you still have the folder it came from, close "
            "the app and copy that whole folder back; otherwise those cards will simply come up again."
        )

    def close(self) -> None:
        with self._lock:
            self.db.close()
