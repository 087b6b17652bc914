"""Benchmark 4: loading a large deck file, against PyYAML's C loader reading the same file.

- bare: `yaml.load` with `CSafeLoader`, the least any loader of that file must do;
- cold: `Collection.sync_files` on a fresh collection: read, hash, parse, validate, store;
- warm: `sync_files` again after a restart, with the file unchanged: it must not be parsed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from benchmarks.timing import Stopwatch
from quizapp.core.collection import Collection


def bare_parse(deck_file: Path) -> float:
    watch = Stopwatch()
    with watch.running():
        yaml.load(deck_file.read_bytes(), Loader=yaml.CSafeLoader)
    return watch.seconds


class DeckLoading:
    """Cold and warm loading of one deck file; the warm run reuses the last cold run's collection."""

    def __init__(self, deck_file: Path, work_dir: Path) -> None:
        self.deck_file = deck_file
        self.data_dir = work_dir / "load-data"

    def cold(self) -> float:
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        return self._sync(expect_parsed=True)

    def warm(self) -> float:
        return self._sync(expect_parsed=False)

    def _sync(self, *, expect_parsed: bool) -> float:
        watch = Stopwatch()
        with Collection.open(self.data_dir) as collection, watch.running():
            report = collection.sync_files([self.deck_file])
        if report.problems or len(report.updates) != int(expect_parsed) or len(report.unchanged) != int(not expect_parsed):
            raise RuntimeError(f"unexpected sync of {self.deck_file}: {report}")
        return watch.seconds
