"""Backups: daily and on demand, newest 7 kept, verified; a damaged database is kept aside, never lost."""

from __future__ import annotations

import errno
import os
import shutil
import time
from datetime import timezone
from pathlib import Path

import pytest
from conftest import small_deck

from quizapp.core import backup
from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.core.errors import StoreError
from quizapp.core.store import ACKNOWLEDGED_SUFFIX, DB_NAME, Store

B1 = ("small", "b1", 0)


def test_the_daily_backup_is_made_once_a_day_and_keeps_seven(small: Collection, clock: FixedClock) -> None:
    made = [small.backup_if_due()]
    assert small.backup_if_due() is None
    for _ in range(9):
        clock.advance(days=1)
        made.append(small.backup_if_due())
    kept = backup.list_backups(small.data_dir)
    assert len(kept) == backup.KEEP
    assert kept == sorted((p for p in made if p), reverse=True)[: backup.KEEP]


def test_a_backup_holds_the_answers_made_before_it(small: Collection, clock: FixedClock) -> None:
    small.answer(B1, Rating.GOOD)
    copy = backup.backup_now(small.store, small.data_dir, clock.now())
    assert backup.check_database(copy) is None
    restored = Collection(Store(copy), small.data_dir, clock, timezone.utc)
    assert restored.card_state(B1).reps == 1
    restored.close()


def test_restore_puts_the_newest_backup_back_and_keeps_the_current_file(tmp_path: Path, clock: FixedClock) -> None:
    col = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    col.apply_deck(small_deck(), source_path=None, content_hash="v1")
    col.answer(B1, Rating.GOOD)
    col.backup_if_due()
    clock.advance(minutes=5)
    col.answer(B1, Rating.GOOD)
    col.close()
    recovery = backup.restore(tmp_path, None, clock.now())
    assert recovery.kept_aside is not None and recovery.kept_aside.exists()
    again = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    assert again.card_state(B1).reps == 1
    again.close()


def test_a_damaged_database_is_refused_kept_aside_and_recovered_from_a_backup(tmp_path: Path, clock: FixedClock) -> None:
    col = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    col.apply_deck(small_deck(), source_path=None, content_hash="v1")
    col.answer(B1, Rating.GOOD)
    col.backup_if_due()
    col.close()
    database = tmp_path / DB_NAME
    database.write_bytes(b"garbage" * 1000)
    with pytest.raises(StoreError):
        Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    assert database.read_bytes().startswith(b"garbage")  # nothing replaced it behind the learner's back
    recovery = backup.restore(tmp_path, None, clock.now(), reason="damaged")
    assert recovery.kept_aside is not None and recovery.kept_aside.read_bytes().startswith(b"garbage")
    again = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    assert again.card_state(B1).reps == 1
    again.close()


def test_a_damaged_backup_is_never_restored(tmp_path: Path, clock: FixedClock) -> None:
    Collection.open(tmp_path, clock=clock, tz=timezone.utc).close()
    broken = backup.backups_dir(tmp_path) / "progress-2025-01-01-000000.sqlite3"
    broken.parent.mkdir()
    broken.write_bytes(b"not a database" * 100)
    before = (tmp_path / DB_NAME).read_bytes()
    with pytest.raises(StoreError, match="no sound backup"):
        backup.restore(tmp_path, None, clock.now())
    assert (tmp_path / DB_NAME).read_bytes() == before


def test_set_aside_keeps_the_file_and_the_next_open_starts_empty(tmp_path: Path, clock: FixedClock) -> None:
    col = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    col.apply_deck(small_deck(), source_path=None, content_hash="v1")
    col.close()
    (tmp_path / DB_NAME).write_bytes(b"garbage" * 1000)
    first = backup.set_aside(tmp_path, "damaged", clock.now())
    assert first == tmp_path / f"{DB_NAME}.damaged-2025-03-03-120000"
    assert first.read_bytes().startswith(b"garbage") and not (tmp_path / DB_NAME).exists()
    (tmp_path / DB_NAME).write_bytes(b"garbage again")
    second = backup.set_aside(tmp_path, "damaged", clock.now())  # the same second: the first is not overwritten
    assert second is not None and second != first and first.read_bytes().startswith(b"garbage")
    assert backup.set_aside(tmp_path, "damaged", clock.now()) is None  # nothing left to move
    fresh = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    assert fresh.deck_ids() == []
    fresh.close()


def test_the_newest_sound_backup_skips_damaged_ones(small: Collection, clock: FixedClock) -> None:
    assert backup.newest_sound_backup(small.data_dir) is None
    sound = small.backup_if_due()
    clock.advance(days=1)
    damaged = small.backup_if_due()
    assert damaged is not None
    damaged.write_bytes(b"not a database" * 100)
    assert backup.newest_sound_backup(small.data_dir) == sound


def test_a_backup_that_cannot_be_written_is_a_store_error_in_words(small: Collection, clock: FixedClock) -> None:
    backup.backups_dir(small.data_dir).write_text("a file where the folder should be")
    with pytest.raises(StoreError, match="no backup could be written"):
        small.backup_if_due()


def test_a_backup_is_one_self_contained_file(small: Collection) -> None:
    made = small.backup_if_due()
    assert made is not None and backup.check_database(made) is None
    assert sorted(p.name for p in backup.backups_dir(small.data_dir).iterdir()) == [made.name]


def _age(path: Path, seconds: float) -> None:
    """Make a file look `seconds` old, as it is at a start that comes after a crash."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_partial_backups_left_by_a_crash_are_deleted_at_the_next_start(small: Collection, clock: FixedClock) -> None:
    made = small.backup_if_due()
    folder = backup.backups_dir(small.data_dir)
    leftovers = [folder / f"progress-2025-03-04-000000{suffix}" for suffix in (".partial", ".partial-wal", ".partial-shm")]
    for leftover in leftovers:
        leftover.write_bytes(b"half a copy")
        _age(leftover, backup.LEFTOVER_AGE_S + 60)
    being_written = folder / "progress-2025-03-05-000000.partial"  # another copy of the app, right now
    being_written.write_bytes(b"a copy in progress")
    small.close()
    Collection.open(small.data_dir, clock=clock, tz=timezone.utc).close()
    assert sorted(p.name for p in folder.iterdir()) == sorted([made.name, being_written.name])  # type: ignore[union-attr]


def test_a_restores_leftover_copy_is_deleted_when_the_database_is_still_in_place(tmp_path: Path, clock: FixedClock) -> None:
    col = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    col.apply_deck(small_deck(), source_path=None, content_hash="v1")
    col.answer(B1, Rating.GOOD)
    col.close()
    (tmp_path / backup.RESTORING).write_bytes(b"the first pages of a backup")
    again = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    assert again.card_state(B1).reps == 1
    again.close()
    assert not (tmp_path / backup.RESTORING).exists()


def test_a_restore_cut_off_after_moving_the_database_aside_is_completed_at_the_next_start(tmp_path: Path, clock: FixedClock) -> None:
    col = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    col.apply_deck(small_deck(), source_path=None, content_hash="v1")
    col.answer(B1, Rating.GOOD)
    made = col.backup_if_due()
    col.close()
    assert made is not None
    shutil.copyfile(made, tmp_path / backup.RESTORING)
    (tmp_path / DB_NAME).rename(tmp_path / f"{DB_NAME}.replaced-2025-03-03-120000")
    again = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    assert again.card_state(B1).reps == 1  # the backup, not an empty start
    again.close()
    assert not (tmp_path / backup.RESTORING).exists()


def test_a_restore_drops_the_note_of_the_answers_in_the_database_it_replaces(tmp_path: Path, clock: FixedClock) -> None:
    col = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    col.apply_deck(small_deck(), source_path=None, content_hash="v1")
    col.backup_if_due()
    col.answer(B1, Rating.GOOD)
    col.close()
    recovery = backup.restore(tmp_path, None, clock.now())
    assert recovery.kept_aside is not None
    assert not (tmp_path / f"{DB_NAME}{ACKNOWLEDGED_SUFFIX}").exists()
    with Collection.open(tmp_path, clock=clock, tz=timezone.utc) as restored:
        assert restored.store.open_warning is None  # the learner chose the older progress
        assert restored.card_state(B1).reps == 0


def test_a_restore_that_cannot_copy_changes_nothing(tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    col = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    col.apply_deck(small_deck(), source_path=None, content_hash="v1")
    col.backup_if_due()
    col.close()
    before = (tmp_path / DB_NAME).read_bytes()

    def full_disk(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup.shutil, "copyfile", full_disk)
    with pytest.raises(StoreError, match="could not be copied .*No space left on device.*nothing was changed"):
        backup.restore(tmp_path, None, clock.now())
    assert (tmp_path / DB_NAME).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", DB_NAME]
