"""Today's counts and the next card to study, as indexed queries over the derived queue column."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
DECKS_PER_STATEMENT = 200  # decks per compound statement: SQLite allows 500 SELECTs in one


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

    def with_new_at_most(self, new_left: int) -> DueCounts:
        """These counts under a limit on new cards above the deck's own (the all-decks limit)."""
        return DueCounts(min(self.new, new_left), self.learning, self.review)


def all_decks_counts(counts: Iterable[DueCounts], new_left: int) -> DueCounts:
    """Several decks' counts together. As under an Anki parent deck, each deck's new cards count
    within its own limit, and all of them together within the all-decks one (`new_left`)."""
    return sum(counts, DueCounts()).with_new_at_most(new_left)


@dataclass(frozen=True)
class Allowance:
    """What a deck may still show today under its daily limits."""

    new: int
    review: int


def _in(deck_ids: list[str]) -> str:
    return ", ".join("?" * len(deck_ids))


def new_studied_today(store: Store, today: int) -> int:
    """New cards introduced today in any deck: what counts toward the all-decks limit."""
    row = store.query_one("SELECT count(*) FROM revlog WHERE day = ? AND kind != 'manual' AND state_before = 'new'", (today,))
    return int(row[0]) if row else 0


def studied_today(store: Store, deck_ids: list[str], today: int) -> dict[str, tuple[int, int]]:
    """Per deck: (new cards introduced today, review cards answered today), counting toward limits."""
    # "+deck_id" keeps SQLite off the per-card index: for some deck lists it would pick that one
    # to group by deck, and read every review ever logged instead of today's.
    rows = store.query(
        f"SELECT deck_id, sum(state_before = 'new'), sum(state_before = 'review') FROM revlog"
        f" WHERE day = ? AND kind != 'manual' AND +deck_id IN ({_in(deck_ids)}) GROUP BY deck_id",
        (today, *deck_ids),
    )
    return {deck_id: (new or 0, review or 0) for deck_id, new, review in rows}


def counts_by_deck(
    store: Store, deck_ids: list[str], allowances: dict[str, Allowance], today: int, now_ms: int
) -> dict[str, DueCounts]:
    """Today's new / learning / review counts per deck, within each deck's allowance.

    New and review cards are counted only up to the allowance (LIMIT), so a deck with 25,000
    overdue reviews costs as little as one with 200: the count stops where the limit does.
    All decks go in one statement (one block per deck), as a study session asks before every card.
    """
    rows = _by_deck(
        store,
        deck_ids,
        lambda index: (
            f"(SELECT count(*) FROM (SELECT 1 FROM cards WHERE deck_id = :deck{index} AND queue = {QUEUE_NEW} LIMIT :new{index})),"
            f" (SELECT count(*) FROM cards WHERE deck_id = :deck{index} AND queue = {QUEUE_LEARN} AND due_at <= :until)"
            f" + (SELECT count(*) FROM cards WHERE deck_id = :deck{index} AND queue = {QUEUE_DAY_LEARN} AND due_day <= :today),"
            " (SELECT count(*) FROM (SELECT 1 FROM cards"
            f" WHERE deck_id = :deck{index} AND queue = {QUEUE_REVIEW} AND due_day <= :today LIMIT :review{index}))"
        ),
        {"today": today, "until": now_ms + LEARN_AHEAD_MS},
        lambda index, deck_id: {f"new{index}": allowances[deck_id].new, f"review{index}": allowances[deck_id].review},
    )
    return {deck_id: DueCounts(new=new, learning=learning, review=review) for deck_id, new, learning, review in rows}


def learning_due_between(store: Store, deck_ids: list[str], after_ms: int, until_ms: int) -> dict[str, int]:
    """Per deck, the intraday learning cards that fall due after `after_ms` and by `until_ms`:
    what the clock adds to the learning counts between two counts."""
    rows = _by_deck(
        store,
        deck_ids,
        lambda index: f"(SELECT count(*) FROM cards WHERE deck_id = :deck{index} AND queue = {QUEUE_LEARN} AND due_at > :after AND due_at <= :until)",
        {"after": after_ms, "until": until_ms},
    )
    return {deck_id: count for deck_id, count in rows}


def _by_deck(
    store: Store,
    deck_ids: list[str],
    columns: Callable[[int], str],
    params: dict[str, Any],
    deck_params: Callable[[int, str], dict[str, Any]] | None = None,
) -> list[tuple[Any, ...]]:
    """One row per deck, (deck id, *columns), in as few statements as SQLite allows: `columns(i)`
    and `deck_params(i, deck_id)` name the i-th deck of a statement as :deck{i}."""
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(deck_ids):
        values = dict(params)
        for index, deck_id in enumerate(chunk):
            values |= {f"deck{index}": deck_id, **(deck_params(index, deck_id) if deck_params else {})}
        rows += store.query(" UNION ALL ".join(f"SELECT :deck{index}, {columns(index)}" for index in range(len(chunk))), values)
    return rows


def _chunks(deck_ids: list[str]) -> list[list[str]]:
    """Deck lists cut to the size of one compound statement (SQLite allows 500 parts by default)."""
    return [deck_ids[start : start + DECKS_PER_STATEMENT] for start in range(0, len(deck_ids), DECKS_PER_STATEMENT)]


@dataclass(frozen=True)
class Candidate:
    key: CardKey
    queue: int


_KEY = "deck_id, card_id, sibling"


def _per_deck(store: Store, sql: str, deck_ids: list[str], params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The rows of `sql` (a `deck_id = ?` query, then `params`) for every deck, in one statement.

    One small index range per deck is far cheaper than sorting every due card of all decks.
    """
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(deck_ids):
        union = " UNION ALL ".join([f"SELECT * FROM ({sql})"] * len(chunk))
        rows += store.query(union, [value for deck_id in chunk for value in (deck_id, *params)])
    return rows


def _first_per_deck(store: Store, sql: str, deck_ids: list[str], params: tuple[Any, ...], exclude: CardKey | None) -> tuple[Any, ...] | None:
    """The smallest row of `sql` (ordered by its sort columns, then the key, with a LIMIT that
    leaves a second row per deck when `exclude` is given) over all decks, other than `exclude`."""
    rows = [row for row in _per_deck(store, sql, deck_ids, params) if _key(row[-3:]) != exclude]
    return min(rows, default=None)


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


def first_new_by_deck(store: Store, deck_ids: list[str]) -> dict[str, Candidate]:
    """Each deck's next new card (in the deck's own order), for the decks that have one."""
    firsts = _per_deck(store, f"SELECT {_KEY} FROM cards WHERE deck_id = ? AND queue = {QUEUE_NEW} ORDER BY position, sibling LIMIT 1", deck_ids)
    return {row[0]: Candidate(_key(row), QUEUE_NEW) for row in firsts}


def next_due_ms(store: Store, deck_ids: list[str], today: int, day_start_ms: Any) -> int | None:
    """When the next not-yet-due card becomes due, as epoch ms; None when nothing is scheduled."""
    learn = _first_per_deck(
        store, f"SELECT due_at, {_KEY} FROM cards WHERE deck_id = ? AND queue = {QUEUE_LEARN} ORDER BY due_at LIMIT 1", deck_ids, (), None
    )
    days = [
        _first_per_deck(
            store,
            f"SELECT due_day, {_KEY} FROM cards WHERE deck_id = ? AND queue = {queue} AND due_day > ? ORDER BY due_day LIMIT 1",
            deck_ids,
            (today,),
            None,
        )
        for queue in (QUEUE_REVIEW, QUEUE_DAY_LEARN)
    ]
    first_day = min((row[0] for row in days if row), default=None)
    options = [value for value in (learn[0] if learn else None, day_start_ms(first_day) if first_day is not None else None) if value is not None]
    return min(options) if options else None


def _key(row: Any) -> CardKey:
    return (row[0], row[1], row[2])
