"""Repeated measurements, taken in turns so that load from other processes hits both sides alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# A measurement does its own untimed setup and returns the one quantity it measured.
Measure = Callable[[], float]


@dataclass(frozen=True)
class Samples:
    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def to_dict(self, scale: float) -> dict[str, Any]:
        return {
            "median": round(self.median * scale, 3),
            "min": round(min(self.values) * scale, 3),
            "max": round(max(self.values) * scale, 3),
            "samples": [round(value * scale, 3) for value in self.values],
        }


class Stopwatch:
    """Times the block it guards: `with watch.running(): ...`, then read `watch.seconds`."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def running(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds = time.perf_counter() - start


def in_turns(runs: int, measures: Mapping[str, Measure]) -> dict[str, Samples]:
    """Run every measurement once per round, `runs` rounds."""
    values: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, measure in measures.items():
            values[name].append(measure())
    return {name: Samples(tuple(found)) for name, found in values.items()}
