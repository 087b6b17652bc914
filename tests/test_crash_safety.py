"""Progress survives crashes and sharing: kill -9 mid-session, and two processes on one folder.

A child process answers cards and prints each answer's log id once `answer` has returned (the
answer is acknowledged). After every kill the database must be sound, hold every acknowledged
answer, and every card's state must equal a replay of its log.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timezone
from pathlib import Path

import pytest
from conftest import replayed_state, small_deck

from quizapp import cli
from quizapp.core import backup
from quizapp.core.backup import check_database
from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.store import DB_NAME

ANSWERING_CHILD = textwrap.dedent(
    """
    import random, sys
    from datetime import timezone
    from quizapp.core.card_state import Rating
    from quizapp.core.collection import Collection

    data_dir, seed, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    collection = Collection.open(data_dir, tz=timezone.utc)
    keys = sorted(collection.all_card_keys())
    print("READY", flush=True)
    for _ in range(limit):
        result = collection.answer(rng.choice(keys), Rating(rng.randint(1, 4)))
        print("ACK", result.revlog_id, flush=True)
    """
)


def _start_child(data_dir: Path, seed: int, limit: int = 10_000) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", ANSWERING_CHILD, str(data_dir), str(seed), str(limit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _prepare(data_dir: Path) -> None:
    with Collection.open(data_dir, tz=timezone.utc) as collection:
        collection.apply_deck(small_deck(), source_path=None, content_hash="v1")
        collection.set_deck_options("small", bury_siblings=False)


def _assert_sound(data_dir: Path, acknowledged: set[int]) -> None:
    assert check_database(data_dir / DB_NAME) is None
    with Collection.open(data_dir, tz=timezone.utc) as collection:
        logged = {row[0] for row in collection.store.query("SELECT id FROM revlog")}
        assert acknowledged <= logged, f"lost acknowledged answers: {sorted(acknowledged - logged)[:5]}"
        for key in collection.all_card_keys():
            assert replayed_state(collection, key) == collection.card_state(key), key


@pytest.mark.slow
def test_killing_the_app_mid_answer_never_loses_an_acknowledged_answer(tmp_path: Path) -> None:
    _prepare(tmp_path)
    rng = random.Random(20251122)
    acknowledged: set[int] = set()
    for round_number in range(20):
        child = _start_child(tmp_path, seed=round_number)
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline().strip() == "READY"
        lines: list[str] = []
        reader = threading.Thread(target=lambda out=child.stdout, lines=lines: lines.extend(iter(out.readline, "")))
        reader.start()
        time.sleep(rng.uniform(0.02, 0.4))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        reader.join()
        # Only complete lines count: a line cut by the kill was never acknowledged.
        acknowledged.update(int(line.split()[1]) for line in lines if line.startswith("ACK") and line.endswith("\n"))
        child.stdout.close()
        child.stderr.close()
        _assert_sound(tmp_path, acknowledged)
    assert len(acknowledged) > 20  # the children really answered between kills


def test_two_processes_on_one_folder_lose_no_answer(tmp_path: Path) -> None:
    _prepare(tmp_path)
    children = [_start_child(tmp_path, seed=seed, limit=40) for seed in (1, 2)]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, outputs):
        assert child.returncode == 0, err
    acknowledged = {int(line.split()[1]) for out, _ in outputs for line in out.splitlines() if line.startswith("ACK")}
    assert len(acknowledged) == 80
    _assert_sound(tmp_path, acknowledged)


# -- the write-ahead log, backups and restores cut off by kill -9 ---------------------------------

SESSION_CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import timezone
    from quizapp.core.card_state import Rating
    from quizapp.core.collection import Collection
    from quizapp.core.session import StudySession

    data_dir, finish = sys.argv[1], sys.argv[2] == "finish"
    collection = Collection.open(data_dir, tz=timezone.utc)
    session = StudySession(collection)
    card = session.next_card()
    while card is not None:
        result = session.answer(Rating.EASY)  # Easy: each card leaves today's queue at once
        print("ACK", result.revlog_id, flush=True)
        # Stop with the last card answered but, unless finishing, before asking for the next one.
        card = session.next_card() if finish or session.counts().total else None
    print("DONE", flush=True)
    time.sleep(60)  # killed here, with the database open
    """
)


def _run_until_done_then_kill(data_dir: Path, script: str, *args: str) -> list[str]:
    """Run a child until it prints DONE, kill -9 it, and return the lines it printed."""
    child = subprocess.Popen([sys.executable, "-c", script, str(data_dir), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stderr is not None
    lines = []
    for line in child.stdout:
        lines.append(line)
        if line == "DONE\n":
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    stderr = child.stderr.read()
    child.stdout.close()
    child.stderr.close()
    assert lines[-1:] == ["DONE\n"], stderr[-2000:]
    return lines


def _copy_without_wal(data_dir: Path, copy: Path) -> Path:
    """The data folder copied as a careless copy (or a restore of one) takes it: no -wal, no -shm."""
    copy.mkdir()
    for file in data_dir.iterdir():
        if file.is_file() and not file.name.endswith(("-wal", "-shm")):
            shutil.copy2(file, copy / file.name)
    return copy


def test_a_finished_session_is_in_the_database_file_even_if_the_app_is_killed_after_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _prepare(data)
    lines = _run_until_done_then_kill(data, SESSION_CHILD, "finish")
    acknowledged = {int(line.split()[1]) for line in lines if line.startswith("ACK")}
    assert len(acknowledged) == 7  # every card of the small deck
    assert (data / f"{DB_NAME}-wal").stat().st_size == 0  # folded in and emptied
    copy = _copy_without_wal(data, tmp_path / "copy")
    _assert_sound(copy, acknowledged)
    with Collection.open(copy, tz=timezone.utc) as copied:
        assert copied.store.open_warning is None


def test_a_folder_copied_without_its_wal_after_a_kill_is_reported_at_open(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    _prepare(data)
    lines = _run_until_done_then_kill(data, SESSION_CHILD, "stop")  # killed mid-session: no checkpoint yet
    acknowledged = sorted(int(line.split()[1]) for line in lines if line.startswith("ACK"))
    assert (data / f"{DB_NAME}-wal").stat().st_size > 0
    copy = _copy_without_wal(data, tmp_path / "copy")
    with Collection.open(copy, tz=timezone.utc) as copied:
        warning = copied.store.open_warning
        missing = set(acknowledged) - {row[0] for row in copied.store.query("SELECT id FROM revlog")}
    assert missing  # the answers were only in the -wal file that was left behind
    assert warning is not None and f"review {acknowledged[-1]}" in warning and f"{DB_NAME}-wal" in warning
    assert cli.main(["--data-dir", str(copy), "stats"]) == 0
    assert "warning: " in capsys.readouterr().err  # the command says so too, and carries on
    _assert_sound(data, set(acknowledged))  # the folder itself, with its -wal, lost nothing


BACKUP_CHILD = textwrap.dedent(
    """
    import os, signal, sqlite3, sys
    from datetime import timezone
    from quizapp.core import backup
    from quizapp.core.collection import Collection

    collection = Collection.open(sys.argv[1], tz=timezone.utc)
    connect = sqlite3.connect

    class KilledWhileCopying(sqlite3.Connection):
        # The copy is made; killed as it is turned into a single self-contained file.
        def execute(self, sql, *args):
            if "journal_mode = DELETE" in sql:
                super().execute("SELECT count(*) FROM sqlite_master").fetchall()
                print("DONE", flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
            return super().execute(sql, *args)

    sqlite3.connect = lambda *args, **kwargs: connect(*args, factory=KilledWhileCopying, **kwargs)
    backup.backup_now(collection.store, collection.data_dir, collection.now())
    """
)


def test_a_backup_killed_mid_copy_leaves_files_the_next_start_deletes(tmp_path: Path) -> None:
    _prepare(tmp_path)
    _run_until_done_then_kill(tmp_path, BACKUP_CHILD)
    folder = backup.backups_dir(tmp_path)
    leftovers = sorted(folder.iterdir())
    assert {path.name.rsplit(".", 1)[1] for path in leftovers} == {"partial", "partial-wal", "partial-shm"}
    for leftover in leftovers:  # the next start comes later than a backup in progress could
        then = time.time() - backup.LEFTOVER_AGE_S - 60
        os.utime(leftover, (then, then))
    Collection.open(tmp_path, tz=timezone.utc).close()
    assert list(folder.iterdir()) == []
    assert backup.list_backups(tmp_path) == []
    _assert_sound(tmp_path, set())


RESTORE_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime, timezone
    from quizapp.core import backup

    data_dir, when = sys.argv[1], sys.argv[2]
    replace = os.replace

    def kill_now():
        print("DONE", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    if when == "copying":  # the backup half copied beside the database
        backup.os.fsync = lambda fd: kill_now()
    else:  # the database moved aside, the copy not yet in its place
        def killed_replace(source, target):
            if str(source).endswith(".restoring"):
                kill_now()
            replace(source, target)
        backup.os.replace = killed_replace
    backup.restore(backup.Path(data_dir), None, datetime.now(timezone.utc))
    """
)


@pytest.mark.parametrize("when", ["copying", "replacing"])
def test_a_restore_killed_part_way_is_cleaned_up_or_completed_at_the_next_start(tmp_path: Path, when: str) -> None:
    _prepare(tmp_path)
    with Collection.open(tmp_path, tz=timezone.utc) as collection:
        collection.backup_if_due()  # before any answer
        answer = collection.answer(("small", "b1", 0), Rating.GOOD).revlog_id
    _run_until_done_then_kill(tmp_path, RESTORE_CHILD, when)
    assert (tmp_path / backup.RESTORING).exists()
    with Collection.open(tmp_path, tz=timezone.utc) as collection:
        logged = {row[0] for row in collection.store.query("SELECT id FROM revlog")}
        warning = collection.store.open_warning
    assert not (tmp_path / backup.RESTORING).exists()
    if when == "copying":  # the restore never happened: the database is as it was
        assert logged == {answer}
    else:  # the learner asked for the backup, and has it; the replaced database is kept aside
        assert logged == set()
        assert len(list(tmp_path.glob(f"{DB_NAME}.replaced-*"))) == 1
    assert warning is None
    assert check_database(tmp_path / DB_NAME) is None
