"""The scheduling state of one studied card, and the ratings that change it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum, IntEnum
from typing import Any


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class State(str, Enum):
    NEW = "new"
    LEARNING = "learning"
    REVIEW = "review"
    RELEARNING = "relearning"


@dataclass(frozen=True)
class CardState:
    """Where a studied card stands. Exactly one of `due_at` / `due_day` is set unless NEW.

    - `due_at`: an exact instant (intraday learning and relearning steps), UTC.
    - `due_day`: a study day number (reviews, and learning steps that cross the day's rollover).
    - `step`: index into the learning or relearning steps while in those states.
    - `stability` (days) and `difficulty` (1-10): the FSRS memory state, None while NEW.
    - `interval_days`: the last scheduled review interval (Anki's ivl), 0 before graduation.
    """

    state: State = State.NEW
    step: int = 0
    stability: float | None = None
    difficulty: float | None = None
    due_at: datetime | None = None
    due_day: int | None = None
    last_review: datetime | None = None
    interval_days: int = 0
    reps: int = 0
    lapses: int = 0

    def with_changes(self, **changes: Any) -> CardState:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "due_day": self.due_day,
            "last_review": self.last_review.isoformat() if self.last_review else None,
            "interval_days": self.interval_days,
            "reps": self.reps,
            "lapses": self.lapses,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardState:
        return cls(
            state=State(data["state"]),
            step=data.get("step", 0),
            stability=data.get("stability"),
            difficulty=data.get("difficulty"),
            due_at=datetime.fromisoformat(data["due_at"]) if data.get("due_at") else None,
            due_day=data.get("due_day"),
            last_review=datetime.fromisoformat(data["last_review"]) if data.get("last_review") else None,
            interval_days=data.get("interval_days", 0),
            reps=data.get("reps", 0),
            lapses=data.get("lapses", 0),
        )
