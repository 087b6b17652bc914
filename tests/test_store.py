"""The progress database: schema versions, migrations, round trips, durability and refusal."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import small_deck
from sqlite_faults import (
    SQLITE_BUSY,
    SQLITE_CORRUPT,
    SQLITE_ERROR,
    SQLITE_FULL,
    SQLITE_IOERR_READ,
    SQLITE_IOERR_WRITE,
    SQLITE_READONLY,
    FailingConnection,
    read_only_connection,
)

from quizapp import cli
from quizapp.core import store as store_module
from quizapp.core.card_state import CardState, Rating, State
from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.core.errors import (
    BusyStoreError,
    DamagedStoreError,
    ReadOnlyStoreError,
    StorageError,
    StoreError,
)
from quizapp.core.store import (
    CARD_COLUMNS,
    DB_NAME,
    MIGRATIONS,
    REVLOG_AFTER_COLUMNS,
    REVLOG_BEFORE_COLUMNS,
    SCHEMA_VERSION,
    Store,
    from_ms,
    state_from_row,
    to_ms,
)


def test_a_new_database_gets_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.sqlite3")
    assert store.schema_version == SCHEMA_VERSION
    assert store.query_one("PRAGMA journal_mode")[0] == "wal"  # type: ignore[index]
    store.close()


def test_a_migration_upgrades_an_old_database_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    old = Store(path, migrations=MIGRATIONS[:1])
    old.set_setting("app", {"theme": "dark"})
    old.close()

    def add_notes_table(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE notes_v2 (id INTEGER PRIMARY KEY, text TEXT)")

    upgraded = Store(path, migrations=[*MIGRATIONS, add_notes_table])
    assert upgraded.schema_version == len(MIGRATIONS) + 1
    assert upgraded.get_setting("app") == {"theme": "dark"}
    assert upgraded.query("SELECT count(*) FROM notes_v2") == [(0,)]
    upgraded.close()


def test_the_review_logs_json_states_become_columns_with_the_same_ids(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    reviewed = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)  # microseconds: stored as ms
    learning = CardState(state=State.LEARNING, step=1, stability=2.3065, difficulty=2.118, due_at=reviewed, reps=1, last_review=reviewed)
    review = CardState(state=State.REVIEW, stability=12.5, difficulty=5.0, due_day=20520, interval_days=11, reps=2, lapses=1, last_review=reviewed)
    logged = [(CardState(), learning), (learning, review), (review, CardState())]
    old = Store(path, migrations=MIGRATIONS[:1])
    with old.transaction() as db:
        for index, (before, after) in enumerate(logged, start=1):
            db.execute(
                "INSERT INTO revlog VALUES (?, 'd', 'c', 0, ?, 20509, ?, ?, NULL, ?, ?, ?, ?)",
                (index * 2, to_ms(reviewed), 3 if index < 3 else 0, "study" if index < 3 else "manual",
                 before.state.value, after.state.value, json.dumps(before.to_dict()), json.dumps(after.to_dict())),
            )
        db.execute("UPDATE sqlite_sequence SET seq = 99 WHERE name = 'revlog'")  # rows an undo removed
    old.close()

    store = Store(path)
    assert store.schema_version == SCHEMA_VERSION
    rows = store.query(f"SELECT id, rating, kind, state_before, state_after, {REVLOG_BEFORE_COLUMNS}, {REVLOG_AFTER_COLUMNS} FROM revlog ORDER BY id")
    assert [row[:5] for row in rows] == [(2, 3, "study", "new", "learning"), (4, 3, "study", "learning", "review"), (6, 0, "manual", "review", "new")]
    in_ms = {reviewed: reviewed.replace(microsecond=123000), None: None}
    expected = [tuple(replace(state, due_at=in_ms[state.due_at], last_review=in_ms[state.last_review]) for state in pair) for pair in logged]
    assert [(state_from_row(row[5:15]), state_from_row(row[15:])) for row in rows] == expected
    assert {"before", "after"}.isdisjoint(name for _, name, *_ in store.query("PRAGMA table_info(revlog)"))
    assert store.query("SELECT name FROM sqlite_master WHERE tbl_name = 'revlog' AND type = 'index' ORDER BY name") == [("revlog_by_card",), ("revlog_by_day",)]
    with store.transaction() as db:  # an id is never reused
        db.execute(f"INSERT INTO revlog (deck_id, card_id, sibling, reviewed_at, day, rating, kind, {REVLOG_BEFORE_COLUMNS}, {REVLOG_AFTER_COLUMNS}) "
                   f"VALUES ('d', 'c', 0, 0, 0, 3, 'study', {', '.join(['?'] * 20)})", ("new", 0, None, None, None, None, None, 0, 0, 0) * 2)
    assert store.query_one("SELECT max(id) FROM revlog") == (100,)
    store.close()


def test_an_emptied_review_log_keeps_its_id_sequence_through_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    old = Store(path, migrations=MIGRATIONS[:1])
    with old.transaction() as db:
        db.execute("INSERT INTO revlog VALUES (5, 'd', 'c', 0, 0, 0, 3, 'study', NULL, 'new', 'new', '{}', '{}')")
        db.execute("DELETE FROM revlog")  # the one answer was undone
    old.close()
    store = Store(path)
    assert store.query("SELECT name, seq FROM sqlite_sequence WHERE name = 'revlog'") == [("revlog", 5)]
    store.close()


def test_an_upgrade_that_rebuilt_the_review_log_gives_the_space_back(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    old = Store(path, migrations=MIGRATIONS[:1])
    state = json.dumps(CardState(state=State.REVIEW, stability=3.0, difficulty=5.0, due_day=9, interval_days=3, reps=2).to_dict())
    with old.transaction() as db:
        db.executemany(
            "INSERT INTO revlog (deck_id, card_id, sibling, reviewed_at, day, rating, kind, state_before, state_after, before, after)"
            " VALUES ('d', ?, 0, 0, 0, 3, 'study', 'review', 'review', ?, ?)",
            [(f"c{index}", state, state) for index in range(2000)],
        )
    old.close()
    size_before = path.stat().st_size
    store = Store(path)
    assert store.query_one("PRAGMA freelist_count") == (0,)
    assert store.query_one("SELECT count(*) FROM revlog") == (2000,)
    store.close()
    assert path.stat().st_size < size_before / 2


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    Store(path).close()

    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("disk on fire")

    with pytest.raises(StoreError, match="could not be upgraded"):
        Store(path, migrations=[*MIGRATIONS, broken])
    store = Store(path)
    assert store.schema_version == SCHEMA_VERSION
    assert store.query("SELECT name FROM sqlite_master WHERE name = 'half_done'") == []
    store.close()


@pytest.mark.parametrize("journal", ["wal", "delete"])  # the lock is met at a different step of opening
def test_a_database_locked_by_another_program_is_in_use_not_damaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, journal: str) -> None:
    path = tmp_path / "p.sqlite3"
    Store(path).close()
    other = sqlite3.connect(path, isolation_level=None)  # the quizapp command, say
    other.execute(f"PRAGMA journal_mode = {journal}")
    other.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 50)
    with pytest.raises(BusyStoreError, match="in use by another program .*close it and try again"):
        Store(path)
    other.execute("COMMIT")
    other.close()
    Store(path).close()  # free again: it opens


def test_a_database_from_a_newer_app_is_refused_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StoreError, match="newer version of the app"):
        Store(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DamagedStoreError, match="damaged"):
        Store(path)


def test_instants_round_trip_to_the_millisecond() -> None:
    instant = datetime(2025, 3, 3, 12, 0, 0, 123000, tzinfo=timezone.utc)
    assert from_ms(to_ms(instant)) == instant
    assert to_ms(datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)) == -1


def test_a_card_state_round_trips_through_the_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.sqlite3")
    key = ("d", "c", 0)
    with store.transaction() as db:
        db.execute("INSERT INTO cards (deck_id, card_id, sibling, position, shuffle) VALUES ('d', 'c', 0, 0, 7)")
    state = CardState(
        state=State.RELEARNING,
        step=0,
        stability=3.1234,
        difficulty=6.789,
        due_at=datetime(2025, 3, 3, 12, 10, 0, 5000, tzinfo=timezone.utc),
        last_review=datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc),
        interval_days=12,
        reps=9,
        lapses=2,
    )
    with store.transaction() as db:
        store.write_card_state(db, key, state, today=0)
    assert store.card_state(key) == state
    assert CardState.from_dict(state.to_dict()) == state
    store.close()


STATES = [
    CardState(),
    CardState(State.LEARNING, stability=1.0, difficulty=5.0, due_at=datetime(2025, 3, 3, 12, 10, tzinfo=timezone.utc), last_review=datetime(2025, 3, 3, 12, tzinfo=timezone.utc), reps=1),
    CardState(State.LEARNING, stability=1.0, difficulty=5.0, due_day=3, last_review=datetime(2025, 3, 3, 12, tzinfo=timezone.utc), reps=1),
    CardState(State.REVIEW, stability=9.0, difficulty=5.0, due_day=12, last_review=datetime(2025, 3, 3, 12, tzinfo=timezone.utc), interval_days=9, reps=3),
]


@pytest.mark.parametrize("flags", [(0, 0, None), (1, 0, None), (0, 1, None), (0, 0, 2), (0, 0, 1), (1, 1, 2)])
def test_writing_a_state_sets_the_queue_that_recomputing_it_gives(tmp_path: Path, flags: tuple[int, int, int | None]) -> None:
    store = Store(tmp_path / "p.sqlite3")
    key = ("d", "c", 0)
    with store.transaction() as db:
        db.execute(
            "INSERT INTO cards (deck_id, card_id, sibling, position, shuffle, retired, suspended, buried_day) VALUES ('d', 'c', 0, 0, 7, ?, ?, ?)",
            flags,
        )
    where, params = "deck_id = :d AND card_id = :c AND sibling = :s", {"d": "d", "c": "c", "s": 0}
    for before, after in [(a, b) for a in STATES for b in STATES]:
        with store.transaction() as db:
            store.write_card_state(db, key, before, today=2)
            store.write_card_state(db, key, after, today=2)
        written = store.query_one("SELECT queue FROM cards")
        with store.transaction() as db:
            store.refresh_queue(db, where, params, today=2)
        assert store.query_one("SELECT queue FROM cards") == written, (flags, before.state, after)
    store.close()


def test_card_columns_name_the_cards_table_in_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.sqlite3")
    assert tuple(row[1] for row in store.query("PRAGMA table_info(cards)")) == CARD_COLUMNS
    store.close()


def test_a_change_that_raises_is_rolled_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.sqlite3")
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.execute("INSERT INTO settings VALUES ('x', '1')")
        raise RuntimeError("crash in the middle")
    assert store.get_setting("x") is None
    store.close()


# -- SQLite's errors on an open database become the store's own, in words -----------------------

B1 = ("small", "b1", 0)


def _answer_attempt_changes_nothing(collection: Collection, error: type[StoreError], match: str) -> None:
    """An answer fails with `error`, and the card, the review log and undo are as they were."""
    before = collection.card_state(B1)
    reviews = collection.store.query("SELECT count(*) FROM revlog")
    with pytest.raises(error, match=match):
        collection.answer(B1, Rating.GOOD)
    collection.store.db = collection.store.db.real if isinstance(collection.store.db, FailingConnection) else collection.store.db
    assert not collection.store.db.in_transaction  # the next change does not join a half-done one
    assert collection.card_state(B1) == before
    assert collection.store.query("SELECT count(*) FROM revlog") == reviews
    assert collection.undo_label is None


@pytest.mark.parametrize(
    ("code", "error", "match"),
    [
        (SQLITE_IOERR_WRITE, StorageError, r"storage is full or failing \(disk I/O error\)\. The last change was not saved"),
        (SQLITE_FULL, StorageError, r"storage is full or failing \(database or disk is full\)\..*Free some space"),
        (SQLITE_READONLY, ReadOnlyStoreError, r"cannot be saved because the database or its folder is read-only"),
        (SQLITE_BUSY, BusyStoreError, r"in use by another program"),
        (SQLITE_CORRUPT, DamagedStoreError, r"damaged .*restore a backup"),
        (SQLITE_ERROR, StoreError, r"failed \(SQL logic error\)\. The last change was not saved"),
    ],
)
def test_an_answer_the_disk_refuses_at_commit_is_a_store_error_and_is_rolled_back(
    small: Collection, code: int, error: type[StoreError], match: str
) -> None:
    small.store.db = FailingConnection(small.store.db, "COMMIT", code)  # type: ignore[assignment]
    _answer_attempt_changes_nothing(small, error, match)
    small.answer(B1, Rating.GOOD)  # the disk has room again: answering works
    assert small.card_state(B1).reps == 1


def test_a_disk_that_fills_while_answering_is_a_storage_error_and_the_answer_is_not_half_saved(small: Collection) -> None:
    # SQLite's own SQLITE_FULL: the database may not grow by a page more than it has now.
    small.store.db.execute(f"PRAGMA max_page_count = {small.store.query_one('PRAGMA page_count')[0]}")  # type: ignore[index]
    answered = 0
    with pytest.raises(StorageError, match=r"storage is full or failing \(database or disk is full\)"):
        for answered, key in enumerate(small.all_card_keys() * 200):
            small.answer(key, Rating.AGAIN)
    assert answered > 0  # some answers fitted in the pages the database had
    saved = small.store.query_one("SELECT count(*) FROM revlog")
    assert saved == (answered,)  # every answer before the full disk is kept, the failed one is not
    small.store.db.execute("PRAGMA max_page_count = 1073741823")
    small.answer(B1, Rating.GOOD)


def test_a_read_the_disk_fails_is_a_store_error_that_says_nothing_changed(small: Collection) -> None:
    small.store.db = FailingConnection(small.store.db, "SELECT", SQLITE_IOERR_READ)  # type: ignore[assignment]
    with pytest.raises(StorageError, match="could not be read; nothing was changed"):
        small.decks()


def test_a_database_made_read_only_while_open_refuses_each_change_in_words(small: Collection, clock: FixedClock) -> None:
    path = small.store.path
    small.store.db.close()
    small.store.db = read_only_connection(path)
    clock.advance(days=1)  # a new study day: listing the decks brings buried cards back, a write
    with pytest.raises(ReadOnlyStoreError, match="read-only .*Make the folder writable"):
        small.decks()
    with pytest.raises(ReadOnlyStoreError):
        small.answer(B1, Rating.GOOD)


def test_a_read_only_database_is_refused_at_open_not_at_the_first_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Collection.open(tmp_path).close()
    monkeypatch.setattr(store_module, "_connect", read_only_connection)
    with pytest.raises(ReadOnlyStoreError, match="read-only.*Nothing was changed"):
        Collection.open(tmp_path)


def test_quizapp_decks_on_a_read_only_data_folder_prints_the_error_and_exits_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--data-dir", str(tmp_path), "decks"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(store_module, "_connect", read_only_connection)
    assert cli.main(["--data-dir", str(tmp_path), "decks"]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and "read-only" in err and "Traceback" not in err
    assert out == ""


# -- the write-ahead log is folded in, and a database older than its answers is reported ---------


def test_a_checkpoint_folds_the_log_into_the_database_file(small: Collection, tmp_path: Path) -> None:
    small.answer(B1, Rating.GOOD)
    wal = Path(f"{small.store.path}-wal")
    assert wal.stat().st_size > 0
    assert small.store.checkpoint() is True
    assert wal.stat().st_size == 0  # TRUNCATE: the log is emptied, not only copied
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copyfile(small.store.path, copy / DB_NAME)  # the file alone, as a careless copy takes it
    with Collection.open(copy) as copied:
        assert copied.card_state(B1).reps == 1


def test_a_checkpoint_leaves_the_log_when_another_program_holds_the_database(small: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    small.answer(B1, Rating.GOOD)
    other = sqlite3.connect(small.store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the quizapp command, writing
    monkeypatch.setattr(store_module, "CHECKPOINT_WAIT_MS", 50)
    started = time.monotonic()
    assert small.store.checkpoint() is False
    assert time.monotonic() - started < 5
    other.execute("ROLLBACK")
    other.close()
    assert small.store.checkpoint() is True
    assert small.store.query_one("PRAGMA busy_timeout") == (store_module.BUSY_TIMEOUT_MS,)


def test_a_copied_old_database_is_reported_at_open(tmp_path: Path, clock: FixedClock) -> None:
    data = tmp_path / "data"
    with Collection.open(data, clock=clock, tz=timezone.utc) as collection:
        collection.apply_deck(small_deck(), source_path=None, content_hash="v1")
        collection.answer(B1, Rating.GOOD)
    old = (data / DB_NAME).read_bytes()  # a copy taken today
    with Collection.open(data, clock=clock, tz=timezone.utc) as collection:
        assert collection.store.open_warning is None
        clock.advance(minutes=10)
        collection.answer(B1, Rating.GOOD)
        collection.answer(("small", "b2", 0), Rating.GOOD)
    (data / DB_NAME).write_bytes(old)  # put back by a sync tool, or a copy the learner made
    with Collection.open(data, clock=clock, tz=timezone.utc) as collection:
        warning = collection.store.open_warning
        assert warning is not None
        assert "older than your progress" in warning and "2025-03-03 12:10 UTC" in warning and "review 3" in warning
        assert "the newest it holds is 1" in warning
        collection.answer(B1, Rating.GOOD)  # the learner carries on: the note follows the database again
    with Collection.open(data, clock=clock, tz=timezone.utc) as collection:
        assert collection.store.open_warning is None


def test_undoing_the_newest_answer_is_no_reason_to_warn(small: Collection, clock: FixedClock) -> None:
    small.answer(B1, Rating.GOOD)
    small.undo()
    small.close()
    with Collection.open(small.data_dir, clock=clock, tz=timezone.utc) as again:
        assert again.store.open_warning is None


def test_a_note_that_cannot_be_read_or_written_never_fails_an_answer(small: Collection) -> None:
    small.store.acknowledged_path.mkdir()  # a folder where the note should be: it cannot be written
    small.answer(B1, Rating.GOOD)
    assert small.card_state(B1).reps == 1
    small.store.acknowledged_path.rmdir()
    small.store.acknowledged_path.write_text("not json")
    assert small.store._older_than_acknowledged() is None


def test_the_acknowledged_note_costs_an_answer_little(small: Collection) -> None:
    started = time.perf_counter()
    for index in range(200):
        small.store.acknowledge_review(index, small.now())
    per_note = (time.perf_counter() - started) / 200
    assert per_note < 0.005  # measured 0.4 ms, against 3 ms for the answer itself (its commit syncs)
    assert json.loads(small.store.acknowledged_path.read_text())["review_id"] == 199


# -- the same on a real file system that fills up or is read-only (where mounting is allowed) -----


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB file system of its own (tmpfs), so that the disk really fills and can really be made
    read-only, which root's writes would otherwise ignore; skipped where mounting is not allowed."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mountpoint)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("mounting a file system is not allowed here")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "--lazy", str(mountpoint)], capture_output=True, check=False)


def test_a_disk_that_really_fills_while_answering_loses_no_acknowledged_answer(small_disk: Path) -> None:
    data = small_disk / "data"
    collection = Collection.open(data, tz=timezone.utc)
    collection.apply_deck(small_deck(), source_path=None, content_hash="v1")
    filler = small_disk / "filler"
    filler.write_bytes(bytes(shutil.disk_usage(small_disk).free - 40_000))
    keys, acknowledged = collection.all_card_keys(), []
    with pytest.raises(StorageError, match=r"storage is full or failing \(database or disk is full\)"):
        for index in range(10_000):
            acknowledged.append(collection.answer(keys[index % len(keys)], Rating.AGAIN).revlog_id)
    filler.unlink()  # space freed: the next answer is saved
    acknowledged.append(collection.answer(B1, Rating.GOOD).revlog_id)
    collection.close()
    with Collection.open(data, tz=timezone.utc) as again:
        assert set(acknowledged) == {row[0] for row in again.store.query("SELECT id FROM revlog")}
        assert again.store.query_one("PRAGMA integrity_check") == ("ok",)


def test_quizapp_decks_on_a_read_only_file_system_says_so_and_exits_non_zero(small_disk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = small_disk / "data"
    Collection.open(data).close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert cli.main(["--data-dir", str(data), "decks"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "read-only" in err and "Traceback" not in err
