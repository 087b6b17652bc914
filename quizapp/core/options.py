"""Per-deck study options, with Anki's defaults for FSRS."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from fsrs.scheduler import DEFAULT_PARAMETERS

from quizapp.core.settings import (
    DEFAULTS,
    DESIRED_RETENTION,
    NEW_PER_DAY,
    REVIEWS_PER_DAY,
)


@dataclass(frozen=True)
class DeckOptions:
    """A deck's study options. Those the Settings screen also sets (retention, daily limits)
    take their defaults and limits from `quizapp.core.settings`."""

    desired_retention: float = DEFAULTS.desired_retention
    learning_steps: tuple[int, ...] = (60, 600)  # seconds
    relearning_steps: tuple[int, ...] = (600,)  # seconds
    maximum_interval: int = 36500  # days
    fuzz: bool = True
    parameters: tuple[float, ...] = tuple(DEFAULT_PARAMETERS)
    new_per_day: int = DEFAULTS.new_per_day
    reviews_per_day: int = DEFAULTS.reviews_per_day
    bury_siblings: bool = True
    leech_threshold: int = 8  # lapses
    leech_suspend: bool = False

    def __post_init__(self) -> None:
        DESIRED_RETENTION.check("desired retention", self.desired_retention)
        NEW_PER_DAY.check("new cards per day", self.new_per_day)
        REVIEWS_PER_DAY.check("reviews per day", self.reviews_per_day)
        if self.maximum_interval < 1:
            raise ValueError("maximum interval must be at least one day")
        if any(step <= 0 for step in (*self.learning_steps, *self.relearning_steps)):
            raise ValueError("learning steps must be positive")

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict deep-copies: 15x slower
        for name in ("learning_steps", "relearning_steps", "parameters"):
            data[name] = list(data[name])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeckOptions:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in known}
        return cls(**values)
