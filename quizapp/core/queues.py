"""Today's counts and the next card to study, as indexed queries over the derived queue column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quizapp.core.card_state import CardState, State
from quizapp.core.store import (
    QUEUE_DAY_LEARN,
    QUEUE_LEARN,
    QUEUE_NEW,
    QUEUE_REVIEW,
    CardKey,
    Store,
)

LEARN_AHEAD_MS = 20 * 60 * 1000  # Anki's default: learning cards due within 20 min count as due


@dataclass(frozen=True)
class DueCounts:
    new: int = 0
    learning: int = 0
    review: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review

    def __add__(self, other: DueCounts) -> DueCounts:
        return DueCounts(self.new + other.new, self.learning + other.learning, self.review + other.review)

    def to_dict(self) -> dict[str, int]:
        return {"new": self.new, "learning": self.learning, "review": self.review}


@dataclass(frozen=True)
class Allowance:
    """What a deck may still show today under its daily limits."""

    new: int
    review: int


def _in(deck_ids: list[str]) -> str:
    return ", ".join("?" * len(deck_ids))


def studied_today(store: Store, deck_ids: list[str], today: int) -> dict[str, tuple[int, int]]:
    """Per deck: (new cards introduced today, review cards answered today), counting toward limits."""
    rows = store.query(
        f"SELECT deck_id, sum(state_before = 'new'), sum(state_before = 'review') FROM revlog"
        f" WHERE day = ? AND kind != 'manual' AND deck_id IN ({_in(deck_ids)}) GROUP BY deck_id",
        (today, *deck_ids),
    )
    return {deck_id: (new or 0, review or 0) for deck_id, new, review in rows}


def counts_by_deck(
    store: Store, deck_ids: list[str], allowances: dict[str, Allowance], today: int, now_ms: int
) -> dict[str, DueCounts]:
    """Today's new / learning / review counts per deck, within each deck's allowance."""
    if not deck_ids:
        return {}
    marks = _in(deck_ids)
    new = dict(store.query(f"SELECT deck_id, count(*) FROM cards WHERE deck_id IN ({marks}) AND queue = {QUEUE_NEW} GROUP BY deck_id", deck_ids))
    review = dict(
        store.query(
            f"SELECT deck_id, count(*) FROM cards WHERE deck_id IN ({marks}) AND queue = {QUEUE_REVIEW}"
            " AND due_day <= ? GROUP BY deck_id",
            (*deck_ids, today),
        )
    )
    day_learn = dict(
        store.query(
            f"SELECT deck_id, count(*) FROM cards WHERE deck_id IN ({marks}) AND queue = {QUEUE_DAY_LEARN}"
            " AND due_day <= ? GROUP BY deck_id",
            (*deck_ids, today),
        )
    )
    learn = dict(
        store.query(
            f"SELECT deck_id, count(*) FROM cards WHERE queue = {QUEUE_LEARN} AND due_at <= ?"
            f" AND deck_id IN ({marks}) GROUP BY deck_id",
            (now_ms + LEARN_AHEAD_MS, *deck_ids),
        )
    )
    counts = {}
    for deck_id in deck_ids:
        allowance = allowances[deck_id]
        counts[deck_id] = DueCounts(
            new=min(new.get(deck_id, 0), allowance.new),
            learning=learn.get(deck_id, 0) + day_learn.get(deck_id, 0),
            review=min(review.get(deck_id, 0), allowance.review),
        )
    return counts


@dataclass(frozen=True)
class Candidate:
    key: CardKey
    queue: int


_KEY = "deck_id, card_id, sibling"


def _first_per_deck(store: Store, sql: str, deck_ids: list[str], params: tuple[Any, ...], exclude: CardKey | None) -> tuple[Any, ...] | None:
    """Run `sql` (ordered by its sort columns, then the key) deck by deck and take the smallest row.

    One small index range per deck is far cheaper than sorting every due card of all decks.
    """
    best: tuple[Any, ...] | None = None
    for deck_id in deck_ids:
        for row in store.query(sql, (deck_id, *params)):
            if _key(row[-3:]) != exclude:
                if best is None or row < best:
                    best = tuple(row)
                break
    return best


def next_learning(store: Store, deck_ids: list[str], until_ms: int, exclude: CardKey | None = None) -> Candidate | None:
    """The intraday (re)learning card due first, if it is due by `until_ms`."""
    row = _first_per_deck(
        store,
        f"SELECT due_at, {_KEY} FROM cards WHERE deck_id = ? AND queue = {QUEUE_LEARN} AND due_at <= ? ORDER BY due_at LIMIT 2",
        deck_ids,
        (until_ms,),
        exclude,
    )
    return Candidate(_key(row[-3:]), QUEUE_LEARN) if row else None


def next_day_card(store: Store, deck_ids: list[str], review_deck_ids: list[str], today: int) -> Candidate | None:
    """Interday learning first (it is the most fragile), then the review card due longest ago
    among the decks whose review limit is not reached."""
    for queue, decks in ((QUEUE_DAY_LEARN, deck_ids), (QUEUE_REVIEW, review_deck_ids)):
        row = _first_per_deck(
            store,
            f"SELECT due_day, shuffle, {_KEY} FROM cards WHERE deck_id = ? AND queue = {queue} AND due_day <= ?"
            " ORDER BY due_day, shuffle LIMIT 1",
            decks,
            (today,),
            None,
        )
        if row:
            return Candidate(_key(row[-3:]), queue)
    return None


def queue_name(state: CardState) -> str:
    """How the study screen labels a card: "new", "learning" or "review"."""
    if state.state is State.NEW:
        return "new"
    return "review" if state.state is State.REVIEW else "learning"


def next_new(store: Store, deck_ids: list[str]) -> Candidate | None:
    """The first new card of the first deck (in the given order) that has one."""
    for deck_id in deck_ids:
        row = store.query_one(
            f"SELECT {_KEY} FROM cards WHERE deck_id = ? AND queue = {QUEUE_NEW} ORDER BY position, sibling LIMIT 1",
            (deck_id,),
        )
        if row:
            return Candidate(_key(row), QUEUE_NEW)
    return None


def next_due_ms(store: Store, deck_ids: list[str], today: int, day_start_ms: Any) -> int | None:
    """When the next not-yet-due card becomes due, as epoch ms; None when nothing is scheduled."""
    marks = _in(deck_ids)
    learn = store.query_one(f"SELECT min(due_at) FROM cards WHERE queue = {QUEUE_LEARN} AND deck_id IN ({marks})", deck_ids)
    day = store.query_one(
        f"SELECT min(due_day) FROM cards WHERE queue IN ({QUEUE_REVIEW}, {QUEUE_DAY_LEARN}) AND due_day > ? AND deck_id IN ({marks})",
        (today, *deck_ids),
    )
    options = [value for value in ((learn or (None,))[0], day_start_ms(day[0]) if day and day[0] is not None else None) if value is not None]
    return min(options) if options else None


def _key(row: Any) -> CardKey:
    return (row[0], row[1], row[2])
