"""Progress statistics, for one deck or all, as plain data the stats screen and the CLI draw.

True retention is Anki's: the share of answers to cards in the review state that were not
Again. Days are study days (they start at the rollover hour).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from quizapp.core.collection import Collection
from quizapp.core.store import QUEUE_DAY_LEARN, QUEUE_LEARN, QUEUE_REVIEW, from_ms

MATURE_DAYS = 21  # Anki's line between young and mature review cards


@dataclass(frozen=True)
class DayValue:
    day: date
    value: float


@dataclass(frozen=True)
class Summary:
    reviews_today: int
    true_retention_30d: float | None  # None when no review-state answers in the window
    due_tomorrow: int  # cards that fall due on tomorrow's study day, learning cards included
    due_today: int = 0  # cards due today, overdue and learning cards included

    def to_dict(self) -> dict[str, object]:
        return {
            "reviews_today": self.reviews_today,
            "true_retention_30d": self.true_retention_30d,
            "due_today": self.due_today,
            "due_tomorrow": self.due_tomorrow,
        }


class Stats:
    def __init__(self, collection: Collection, deck_ids: Sequence[str] | None = None) -> None:
        self.collection = collection
        self.deck_ids = list(deck_ids) if deck_ids is not None else collection.deck_ids()
        self._in = ", ".join("?" * len(self.deck_ids))

    def _date(self, day: int) -> date:
        return self.collection.days.date_of(day)

    def reviews_per_day(self, days: int = 30) -> list[DayValue]:
        """Answers per study day, oldest first, ending today."""
        today = self.collection.today()
        rows = self.collection.store.query(
            f"SELECT day, count(*) FROM revlog WHERE deck_id IN ({self._in}) AND kind != 'manual'"
            " AND day BETWEEN ? AND ? GROUP BY day",
            (*self.deck_ids, today - days + 1, today),
        ) if self.deck_ids else []
        counts = {int(day): count for day, count in rows}
        return [DayValue(self._date(d), counts.get(d, 0)) for d in range(today - days + 1, today + 1)]

    def forecast(self, days: int = 30) -> list[DayValue]:
        """Cards due per study day from today on; overdue cards count today. Learning cards count
        on the day their next step falls due (Anki's future-due chart counts them too)."""
        collection = self.collection
        today = collection.today()
        rows = collection.store.query(
            f"SELECT max(due_day, ?), count(*) FROM cards WHERE deck_id IN ({self._in})"
            f" AND queue IN ({QUEUE_REVIEW}, {QUEUE_DAY_LEARN}) AND due_day < ? GROUP BY 1",
            (today, *self.deck_ids, today + days),
        ) if self.deck_ids else []
        counts = Counter({int(day): count for day, count in rows})
        # Learning steps are minutes to hours long, so there are few of these cards at any time;
        # their days are worked out here, where the learner's time zone and rollover are known.
        learning = collection.store.query(
            f"SELECT due_at FROM cards WHERE deck_id IN ({self._in}) AND queue = {QUEUE_LEARN}", self.deck_ids
        ) if self.deck_ids else []
        counts.update(max(today, collection.days.day_of(due)) for (due_at,) in learning if (due := from_ms(due_at)) is not None)
        return [DayValue(self._date(d), counts.get(d, 0)) for d in range(today, today + days)]

    def retention_over_time(self, days: int = 30, window: int = 7) -> list[DayValue | None]:
        """True retention over a trailing window ending on each of the last `days` days."""
        today = self.collection.today()
        first = today - days - window + 2
        rows = self.collection.store.query(
            f"SELECT day, count(*), sum(rating > 1) FROM revlog WHERE deck_id IN ({self._in})"
            " AND state_before = 'review' AND kind != 'manual' AND day BETWEEN ? AND ? GROUP BY day",
            (*self.deck_ids, first, today),
        ) if self.deck_ids else []
        by_day = {int(d): (n, passed) for d, n, passed in rows}
        series: list[DayValue | None] = []
        for end in range(today - days + 1, today + 1):
            answered = sum(by_day.get(d, (0, 0))[0] for d in range(end - window + 1, end + 1))
            passed = sum(by_day.get(d, (0, 0))[1] for d in range(end - window + 1, end + 1))
            series.append(DayValue(self._date(end), passed / answered) if answered else None)
        return series

    def true_retention(self, days: int = 30) -> float | None:
        today = self.collection.today()
        row = self.collection.store.query_one(
            f"SELECT count(*), sum(rating > 1) FROM revlog WHERE deck_id IN ({self._in})"
            " AND state_before = 'review' AND kind != 'manual' AND day > ?",
            (*self.deck_ids, today - days),
        ) if self.deck_ids else None
        return row[1] / row[0] if row and row[0] else None

    def cards_by_state(self) -> dict[str, int]:
        """Counts of new, learning, young, mature, suspended and buried cards (retired left out)."""
        counts = dict.fromkeys(("new", "learning", "young", "mature", "suspended", "buried"), 0)
        if not self.deck_ids:
            return counts
        rows = self.collection.store.query(
            f"""SELECT CASE
                    WHEN queue = -1 THEN 'suspended' WHEN queue = -2 THEN 'buried'
                    WHEN state = 'new' THEN 'new' WHEN state IN ('learning', 'relearning') THEN 'learning'
                    WHEN interval_days >= {MATURE_DAYS} THEN 'mature' ELSE 'young' END, count(*)
                FROM cards WHERE deck_id IN ({self._in}) AND retired = 0 GROUP BY 1""",
            self.deck_ids,
        )
        counts.update({name: n for name, n in rows})
        return counts

    def heatmap(self, days: int = 365) -> dict[date, int]:
        """Answers per calendar day over the last `days` days (only days with answers)."""
        return {dv.day: int(dv.value) for dv in self.reviews_per_day(days) if dv.value}

    def summary(self) -> Summary:
        """Reviews today, true retention over 30 days, and the cards due today and tomorrow."""
        reviews_today = int(self.reviews_per_day(1)[0].value)
        due_today, due_tomorrow = (int(day.value) for day in self.forecast(2))
        return Summary(reviews_today, self.true_retention(30), due_tomorrow, due_today)
