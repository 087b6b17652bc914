"""The daily backup at start, and a progress database that cannot be opened. Damaged: the recovery
screen restores the newest backup or starts again with empty progress, keeping the damaged file
aside either way. From a newer app, locked, or its folder unusable: the screen says so, never
touches the file, and offers Try again where that can help. "Get help now" is one tap away."""

from __future__ import annotations

import gc
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kivy.base import ExceptionManager
from kivy.clock import Clock
from sqlite_faults import SQLITE_IOERR_WRITE, FailingConnection
from ui_driver import Driver, check_layout, damage_progress, deck_panel, texts

from quizapp.core import backup, store
from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.core.errors import BusyStoreError, StorageError, StoreError
from quizapp.core.store import DB_NAME, SCHEMA_VERSION
from quizapp.ui import app as app_module
from quizapp.ui.headless import pump, run_until

B1 = ("basics", "b1", 0)


def notice_text(ui: Driver) -> str:
    run_until(lambda: bool(ui.app.notices) and not ui.app.loading)
    return "\n".join(ui.app.notices)


def test_the_daily_backup_is_made_on_the_loader_thread_once_a_day(
    start_app: Callable[..., Driver], data_dir: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = []
    original = Collection.backup_if_due

    def recording_backup(self: Collection) -> Path | None:
        threads.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(Collection, "backup_if_due", recording_backup)
    start_app()
    run_until(lambda: bool(threads))
    assert threads == ["deck-loader"]  # after the decks, off the UI thread
    start_app()  # the same day: no second backup
    run_until(lambda: len(threads) == 2)
    assert len(backup.list_backups(data_dir)) == 1
    clock.advance(days=1)
    ui = start_app()
    run_until(lambda: len(backup.list_backups(data_dir)) == 2)
    assert ui.app.notices == []


def test_a_failed_backup_is_a_notice_on_home(start_app: Callable[..., Driver], data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / backup.BACKUP_DIR).write_text("a file where the backups folder should be")
    ui = start_app()
    text = notice_text(ui)
    assert "Today's backup of your progress could not be made" in text and "Your progress itself is safe" in text
    assert any("Today's backup" in shown for shown in texts(ui.screen.ids.content))
    ui.tap(deck_panel(ui, "basics").ids.study)  # the app carries on as usual
    assert ui.screen.name == "study"


@pytest.fixture
def damaged(start_app: Callable[..., Driver], data_dir: Path, clock: FixedClock) -> bytes:
    """Progress with one answer, a backup holding it (the next day's automatic one), then damage."""
    ui = start_app()
    ui.app.collection.answer(B1, 3)
    clock.advance(days=1)
    ui = start_app()
    run_until(lambda: len(backup.list_backups(data_dir)) == 2)
    ui.stop()
    return damage_progress(data_dir)


def kept_aside(data_dir: Path) -> list[Path]:
    return sorted(data_dir.glob(f"{DB_NAME}.damaged-*"))


def test_a_damaged_database_opens_recovery_and_the_newest_backup_is_restored(
    start_app: Callable[..., Driver], data_dir: Path, damaged: bytes
) -> None:
    ui = start_app()
    recovery = ui.screen
    assert ui.app.stack == ("recovery",)
    with pytest.raises(RuntimeError):
        ui.app.collection  # noqa: B018 - nothing was opened in place of the damaged file
    shown = "\n".join(texts(recovery))
    assert "Your progress file is damaged" in shown
    assert "will not be deleted" in shown and str(data_dir) in shown
    assert "The newest backup is from Tuesday 04 March 2025, 12:00" in shown
    assert (data_dir / DB_NAME).read_bytes() == damaged  # nothing replaced it before the learner chose

    ui.tap(recovery.ids.restore_button)
    run_until(lambda: not ui.app.loading)
    assert ui.app.stack == ("home",)
    assert ui.app.collection.card_state(B1).reps == 1  # the answer in the backup is back
    [aside] = kept_aside(data_dir)
    assert aside.read_bytes() == damaged
    text = notice_text(ui)
    assert "restored from the backup of Tuesday 04 March 2025, 12:00" in text and str(aside) in text
    assert "3\u00a0new" not in deck_panel(ui, "basics").counts_text


def test_starting_again_takes_a_second_tap_and_keeps_the_damaged_file(
    start_app: Callable[..., Driver], data_dir: Path, damaged: bytes
) -> None:
    ui = start_app()
    button = ui.screen.ids.start_empty_button
    ui.tap(button)
    assert ui.app.stack == ("recovery",) and button.text == "Tap again to start with empty progress"
    assert (data_dir / DB_NAME).read_bytes() == damaged
    ui.tap(button)
    run_until(lambda: not ui.app.loading)
    assert ui.app.stack == ("home",)
    assert ui.app.collection.card_state(B1).reps == 0
    [aside] = kept_aside(data_dir)
    assert aside.read_bytes() == damaged
    assert f"You started again with empty progress. The damaged progress file is kept as {aside}." in notice_text(ui)
    assert "3\u00a0new" in deck_panel(ui, "basics").counts_text
    assert len(backup.list_backups(data_dir)) == 2  # the backups are untouched


def test_with_no_sound_backup_only_starting_again_is_offered(start_app: Callable[..., Driver], data_dir: Path) -> None:
    ui = start_app()
    ui.stop()
    for old in backup.list_backups(data_dir):
        old.write_bytes(b"damaged too")
    damage_progress(data_dir)
    ui = start_app()
    recovery = ui.screen
    assert recovery.ids.restore_button.disabled and recovery.ids.restore_button.opacity == 0
    assert "cannot be read either" in recovery.ids.backup_text.text
    for _ in range(2):
        ui.tap(recovery.ids.start_empty_button)
    run_until(lambda: not ui.app.loading)
    assert ui.app.stack == ("home",) and len(kept_aside(data_dir)) == 1


def test_get_help_is_one_tap_from_recovery(start_app: Callable[..., Driver], data_dir: Path, damaged: bytes) -> None:
    ui = start_app()
    ui.tap(ui.screen.ids.top_bar.ids.help_button)
    help_screen = ui.screen
    assert help_screen.name == "help" and help_screen.ids.number.text == "911"
    help_screen.ids.region_spinner.text = "United Kingdom"  # works with no collection open
    assert help_screen.ids.number.text == "999"
    ui.back()
    assert ui.app.stack == ("recovery",)
    assert (data_dir / DB_NAME).read_bytes() == damaged


# -- a sound database that cannot be opened: the screen never touches it ---------------------------


def database_files(data_dir: Path) -> dict[str, bytes]:
    """The progress database and its sidecar files (-wal, -shm), by name."""
    return {path.name: path.read_bytes() for path in sorted(data_dir.glob(f"{DB_NAME}*"))}


def test_a_database_from_a_newer_app_is_left_as_it_is_with_only_help_offered(
    start_app: Callable[..., Driver], data_dir: Path
) -> None:
    start_app().stop()
    db = sqlite3.connect(data_dir / DB_NAME)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before, backups = database_files(data_dir), backup.list_backups(data_dir)
    ui = start_app()
    recovery = ui.screen
    assert ui.app.stack == ("recovery",) and recovery.mode == "newer"
    shown = "\n".join(texts(recovery))
    assert "This progress was saved by a newer version of quizapp. Update the app; nothing was changed." in shown
    assert "damaged" not in shown and str(data_dir) in shown
    for button in ("restore_button", "start_empty_button", "try_again_button"):
        assert recovery.ids[button].get_root_window() is None, f"{button} is offered"
    check_layout(recovery)
    ui.tap(recovery.ids.top_bar.ids.help_button)
    assert ui.screen.name == "help"
    ui.back()
    assert ui.app.stack == ("recovery",)
    ui.stop()
    assert database_files(data_dir) == before
    assert backup.list_backups(data_dir) == backups and not kept_aside(data_dir)


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A locked database is given up on after 50 ms instead of the app's 10 s."""
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 50)


@pytest.mark.parametrize("journal", ["wal", "delete"])  # the lock is met at a different step of opening
def test_a_locked_database_says_it_is_in_use_and_try_again_opens_it_once_free(
    start_app: Callable[..., Driver], data_dir: Path, short_busy_timeout: None, journal: str
) -> None:
    start_app().stop()
    other = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)  # the quizapp command, say
    other.execute(f"PRAGMA journal_mode = {journal}")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("UPDATE settings SET key = key")  # holds the write lock (every lock, in delete mode)
    ui = start_app()
    recovery = ui.screen
    assert ui.app.stack == ("recovery",) and recovery.mode == "in_use"
    shown = "\n".join(texts(recovery))
    assert "Another copy of quizapp (or the quizapp command) is using your progress. Close it, then Try again." in shown
    assert recovery.ids.restore_button.get_root_window() is None
    assert recovery.ids.start_empty_button.get_root_window() is None
    check_layout(recovery)

    ui.tap(recovery.ids.try_again_button)  # still locked
    run_until(lambda: not recovery.trying)
    assert ui.app.stack == ("recovery",) and recovery.mode == "in_use"
    assert "It still cannot be opened." in texts(recovery)
    assert not kept_aside(data_dir)

    other.execute("COMMIT")
    other.close()
    ui.tap(recovery.ids.try_again_button)
    run_until(lambda: ui.app.stack == ("home",) and not ui.app.loading)
    assert ui.app.collection.card_state(B1).reps == 0
    assert deck_panel(ui, "basics").counts_text


def test_the_window_keeps_drawing_while_try_again_waits_for_a_locked_database(
    start_app: Callable[..., Driver], data_dir: Path, short_busy_timeout: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_app().stop()
    other = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    other.execute("PRAGMA journal_mode = delete")
    other.execute("BEGIN EXCLUSIVE")
    ui = start_app()
    recovery = ui.screen
    assert recovery.mode == "in_use"
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 5000)  # this time the store waits for the lock
    ui.tap(recovery.ids.try_again_button)
    frames = Clock.frames
    pump(10)
    assert Clock.frames >= frames + 10 and recovery.trying  # frames come while the opening waits
    assert recovery.ids.try_again_button.text == "Opening your progress…" and recovery.ids.try_again_button.disabled
    other.execute("COMMIT")  # the other program lets go: the waiting opening goes through
    other.close()
    run_until(lambda: ui.app.stack == ("home",) and not ui.app.loading, timeout=10)
    assert deck_panel(ui, "basics").counts_text


def test_a_data_folder_that_cannot_be_made_says_why_and_try_again_opens_it(
    start_app: Callable[..., Driver], data_dir: Path
) -> None:
    data_dir.write_text("a file where the data folder should be")
    ui = start_app()
    recovery = ui.screen
    assert ui.app.stack == ("recovery",) and recovery.mode == "cannot_open"
    assert "the folder for your progress cannot be made" in recovery.ids.problem.text
    assert recovery.ids.try_again_button.get_root_window() is not None
    assert recovery.ids.restore_button.get_root_window() is None
    data_dir.unlink()
    ui.tap(recovery.ids.try_again_button)
    run_until(lambda: ui.app.stack == ("home",) and not ui.app.loading)
    assert (data_dir / DB_NAME).is_file()


def slow_opening(monkeypatch: pytest.MonkeyPatch, seconds: float, error: StoreError | None = None) -> None:
    """Opening the collection takes `seconds` (a lock, a large upgrade), then fails with `error` if given."""
    monkeypatch.setattr(app_module, "OPENING_PATIENCE_S", 0.1)
    real_open = Collection.open

    def open_slowly(*args: Any, **kwargs: Any) -> Collection:
        time.sleep(seconds)
        if error is not None:
            raise error
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Collection, "open", open_slowly)


def test_a_slow_opening_says_so_keeps_drawing_and_then_starts(start_app: Callable[..., Driver], monkeypatch: pytest.MonkeyPatch) -> None:
    slow_opening(monkeypatch, seconds=1.5)
    ui = start_app(wait_for_opening=False)
    recovery = ui.screen
    assert ui.app.stack == ("recovery",) and recovery.mode == "opening"
    shown = texts(recovery)
    assert "Opening your progress…" in shown and not any(text.startswith("What went wrong") for text in shown)
    assert not any(part.get_root_window() for part in recovery._parts.values())  # nothing to choose yet
    assert recovery.ids.top_bar.ids.help_button.get_root_window() is not None  # help is one tap away
    check_layout(recovery)
    frames = Clock.frames
    pump(10)
    assert Clock.frames >= frames + 10 and recovery.mode == "opening"
    run_until(lambda: ui.app.stack == ("home",) and not ui.app.loading, timeout=10)
    assert deck_panel(ui, "basics").counts_text


def test_a_slow_opening_that_fails_shows_what_went_wrong(start_app: Callable[..., Driver], monkeypatch: pytest.MonkeyPatch) -> None:
    slow_opening(monkeypatch, seconds=0.5, error=BusyStoreError("progress.sqlite3: the progress database is in use by another program"))
    ui = start_app(wait_for_opening=False)
    recovery = ui.screen
    assert recovery.mode == "opening"
    gc.collect()  # the parts taken off the page while opening must still be there to show
    run_until(lambda: recovery.mode != "opening", timeout=10)
    assert recovery.mode == "in_use" and ui.app.stack == ("recovery",)
    assert recovery.ids.try_again_button.get_root_window() is not None and not recovery.trying
    assert "in use by another program" in recovery.ids.problem.text


def test_an_unforeseen_error_while_opening_is_never_taken_for_damage(start_app: Callable[..., Driver], data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start_app().stop()

    def broken_open(*_args: Any, **_kwargs: Any) -> Collection:
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(Collection, "open", broken_open)
    ui = start_app()
    recovery = ui.screen
    assert recovery.mode == "cannot_open" and "RuntimeError: something nobody foresaw" in recovery.ids.problem.text
    assert recovery.ids.restore_button.get_root_window() is None and recovery.ids.start_empty_button.get_root_window() is None
    monkeypatch.undo()
    ui.tap(recovery.ids.try_again_button)
    run_until(lambda: ui.app.stack == ("home",) and not ui.app.loading)
    assert not kept_aside(data_dir)


# -- failures while the app runs, and what the app does to keep every answer ----------------------


def test_a_disk_that_fails_as_an_answer_is_saved_is_a_notice_and_the_app_carries_on(ui: Driver) -> None:
    ui.tap(deck_panel(ui, "basics").ids.study)
    study = ui.screen
    ui.tap(study.action_buttons["reveal"])
    store_of = ui.app.collection.store
    failing = FailingConnection(store_of.db, "COMMIT", SQLITE_IOERR_WRITE)
    store_of.db = failing  # type: ignore[assignment]
    with pytest.raises(StorageError) as raised:
        ui.tap(study.action_buttons["good"])
    # What Kivy's event loop does with an exception from a tap: this one is handled, not fatal.
    assert ExceptionManager.handle_exception(raised.value) == ExceptionManager.PASS
    run_until(lambda: ui.app.stack == ("home",))
    shown = notice_text(ui)
    assert "storage is full or failing (disk I/O error). The last change was not saved" in shown
    assert any("Free some space" in text for text in texts(ui.screen.ids.content))
    assert ui.app.collection.card_state(B1).reps == 0  # not half saved

    failing.failing = False  # space was freed: studying goes on
    ui.tap(deck_panel(ui, "basics").ids.study)
    ui.tap(ui.screen.action_buttons["reveal"])
    ui.tap(ui.screen.action_buttons["good"])
    assert ui.app.collection.card_state(B1).reps == 1
    assert ExceptionManager.handle_exception(RuntimeError("a bug")) == ExceptionManager.RAISE  # bugs are not hidden


def test_going_to_the_background_folds_the_answers_into_the_database_file(ui: Driver, data_dir: Path, tmp_path: Path) -> None:
    ui.tap(deck_panel(ui, "basics").ids.study)
    ui.tap(ui.screen.action_buttons["reveal"])
    ui.tap(ui.screen.action_buttons["good"])
    wal = data_dir / f"{DB_NAME}-wal"
    assert wal.stat().st_size > 0
    assert ui.app.on_pause() is True  # Android: the app goes to the background
    assert wal.stat().st_size == 0
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copyfile(data_dir / DB_NAME, copy / DB_NAME)  # what a copy without the -wal file holds
    with Collection.open(copy) as copied:
        assert copied.card_state(B1).reps == 1


def test_a_database_older_than_the_answers_already_saved_is_a_notice_at_start(
    start_app: Callable[..., Driver], data_dir: Path
) -> None:
    start_app().stop()
    old = (data_dir / DB_NAME).read_bytes()
    ui = start_app()
    assert ui.app.notices == []
    ui.app.collection.answer(B1, 3)
    ui.stop()
    (data_dir / DB_NAME).write_bytes(old)  # a copy from before that answer put back
    ui = start_app()
    assert "is older than your progress: it lacks the answers saved up to" in notice_text(ui)
    assert any("older than your progress" in text for text in texts(ui.screen.ids.content))
