"""Study days: "today" starts at a rollover hour in local time (04:00 by default, as in Anki).

Day numbers count study days since 1970-01-01 in the learner's time zone. Daily limits, "due
today" and the elapsed days FSRS sees all use them, so a review at 23:00 and one at 01:00 the
next night fall on the same study day, as in Anki.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Protocol

EPOCH_DATE = date(1970, 1, 1)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass
class FixedClock:
    """A clock for tests and benchmarks: it only moves when told to."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


def local_timezone() -> tzinfo:
    """The machine's current local zone as a fixed offset (what a phone is set to now)."""
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    return timezone(offset)


@dataclass(frozen=True)
class DayClock:
    """Turns instants into study-day numbers and back."""

    rollover_hour: int = 4
    tz: tzinfo = field(default=timezone.utc)

    def __post_init__(self) -> None:
        if not 0 <= self.rollover_hour <= 23:
            raise ValueError("rollover_hour must be 0-23")

    def day_of(self, instant: datetime) -> int:
        """The study day an instant falls on."""
        local = instant.astimezone(self.tz) - timedelta(hours=self.rollover_hour)
        return (local.date() - EPOCH_DATE).days

    def start_of(self, day: int) -> datetime:
        """The UTC instant the study day begins (its rollover)."""
        local_date = EPOCH_DATE + timedelta(days=day)
        start = datetime.combine(local_date, time(self.rollover_hour), tzinfo=self.tz)
        return start.astimezone(timezone.utc)

    def date_of(self, day: int) -> date:
        """The calendar date a study day is named after."""
        return EPOCH_DATE + timedelta(days=day)
