"""Benchmark 5: start-up time and peak memory of the app against a minimal Kivy app.

Each start is a fresh process (`benchmarks.start_probe`), timed from just before it is spawned to
its first frame and to the first frame showing its content (our home screen listing the decks),
with its peak resident memory up to then. Before timing, each data
folder gets one untimed start: it then holds the registered bundled decks (an ordinary start, not
the very first one), and both apps' files are in the operating system's cache.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from benchmarks.timing import Samples
from quizapp.core.store import DB_NAME

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 120


@dataclass(frozen=True)
class Start:
    first_frame_seconds: float
    content_seconds: float  # until the first frame that shows the app's content (our decks)
    peak_rss_mb: float


def start(which: str, work_dir: Path, data_dir: Path | None = None) -> Start:
    """Start one app in a fresh process; it quits once it has shown its content.

    Compiled bytecode is cached in `work_dir`, as an installed app has it: with
    PYTHONDONTWRITEBYTECODE (set in some environments) our modules, unlike the site-packages
    that pip compiled, would be compiled again at every start.
    """
    env = dict(os.environ)
    env.pop("DISPLAY", None)  # SDL's offscreen driver, as in the UI tests
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work_dir / "bytecode")  # not into the repository's folders
    env["KIVY_HOME"] = str(work_dir / "kivy-home")
    if data_dir is not None:
        env["QUIZAPP_DATA_DIR"] = str(data_dir)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.start_probe", which],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        output, errors = process.communicate(timeout=START_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RuntimeError(f"{which} did not show its content within {START_TIMEOUT_S} s") from None
    lines = output.strip().splitlines()
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"{which} failed to start (exit {process.returncode}):\n{errors[-3000:]}")
    frames = json.loads(lines[-1])
    return Start(frames["first_frame_at"] - started, frames["content_at"] - started, frames["peak_rss_mb"])


@dataclass(frozen=True)
class StartupSamples:
    ours_first_frame: Samples
    ours_content: Samples
    minimal_start: Samples  # the minimal app's first frame is its content
    ours_rss: Samples
    minimal_rss: Samples


def _register_in_place(copy: Path, original: Path) -> None:
    """Point the copy's registered deck files at the copy's own files, as in a data folder that
    was always where it is. Otherwise the app finds each imported deck twice (the original's
    files still exist), keeps the registered one and parses the copy's file at every start."""
    old, new = str(original.resolve()), str(copy.resolve())
    with closing(sqlite3.connect(copy / DB_NAME)) as db, db:
        for table, column in (("decks", "source_path"), ("deck_files", "path")):
            db.execute(
                f"UPDATE {table} SET {column} = ? || substr({column}, ?) WHERE substr({column}, 1, ?) = ?",
                (new, len(old) + 1, len(old), old),
            )


def measure(large_data_dir: Path, work_dir: Path, runs: int) -> StartupSamples:
    """Start time with the bundled decks only; peak memory with the large collection (a copy,
    since the app registers the bundled decks into it)."""
    bundled_only, large = work_dir / "bundled-only", work_dir / "large"
    for folder in (bundled_only, large):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(large_data_dir, large, ignore=shutil.ignore_patterns(f"{DB_NAME}-*"))
    _register_in_place(large, large_data_dir)
    (work_dir / "kivy-home").mkdir(exist_ok=True)
    start("quizapp", work_dir, bundled_only)
    start("quizapp", work_dir, large)
    start("minimal", work_dir)
    ours, minimal, ours_large = [], [], []
    for _ in range(runs):  # in turns, so load from other processes hits all three alike
        ours.append(start("quizapp", work_dir, bundled_only))
        minimal.append(start("minimal", work_dir))
        ours_large.append(start("quizapp", work_dir, large))
    return StartupSamples(
        ours_first_frame=Samples(tuple(s.first_frame_seconds for s in ours)),
        ours_content=Samples(tuple(s.content_seconds for s in ours)),
        minimal_start=Samples(tuple(s.content_seconds for s in minimal)),
        ours_rss=Samples(tuple(s.peak_rss_mb for s in ours_large)),
        minimal_rss=Samples(tuple(s.peak_rss_mb for s in minimal)),
    )
