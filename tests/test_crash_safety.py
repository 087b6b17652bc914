"""Progress survives crashes and sharing: kill -9 mid-session, and two processes on one folder.

A child process answers cards and prints each answer's log id once `answer` has returned (the
answer is acknowledged). After every kill the database must be sound, hold every acknowledged
answer, and every card's state must equal a replay of its log.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timezone
from pathlib import Path

from conftest import small_deck
from quizapp.core.backup import check_database
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
            assert collection.replayed_state(key) == collection.card_state(key), key


def test_killing_the_app_mid_answer_never_loses_an_acknowledged_answer(tmp_path: Path) -> None:
    _prepare(tmp_path)
    rng = random.Random(20251122)
    acknowledged: set[int] = set()
    for round_number in range(20):
        child = _start_child(tmp_path, seed=round_number)
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline().strip() == "READY"
        lines: list[str] = []
        reader = threading.Thread(target=lambda out=child.stdout: lines.extend(iter(out.readline, "")))
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
