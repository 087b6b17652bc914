"""FSRS scheduling that agrees with Anki: py-fsrs's memory model, Anki's rules around it.

py-fsrs (the `fsrs` package) computes the memory state: initial, short-term and long-term
stability, difficulty, retrievability and the whole-day interval a stability gives at the desired
retention. What Anki does differently is done here, on top of it:

- Elapsed days are study days (`DayClock`, with its rollover hour), not 24-hour periods.
- (Re)learning steps follow Anki: Hard on the first step waits between the Again and Good delays,
  and a step that reaches past the next rollover becomes a day-based due.
- Review intervals keep Hard < Good < Easy at least a day apart, and Easy beats Good when a card
  graduates; every interval stays within the deck's maximum.
- Stability is stored rounded to 4 decimals and difficulty to 3, as Anki stores them, so the next
  review starts from the stored values.
- Fuzz uses Anki's ranges and is seeded by (card, review count), so it is reproducible and the
  preview shown on the buttons is exactly what answering does.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import fsrs
from fsrs.scheduler import FUZZ_RANGES

from quizapp.core.card_state import CardState, Rating, State
from quizapp.core.days import DayClock
from quizapp.core.intervals import describe_interval
from quizapp.core.options import DeckOptions

DAY_SECONDS = 86_400
# Anki fuzzes a learning step by up to a quarter of it, and by at most five minutes.
LEARNING_FUZZ_SHARE = 0.25
LEARNING_FUZZ_MAX_SECONDS = 300
# py-fsrs's Card() makes up an id (and sleeps 1 ms) when given none; the id plays no part in scheduling.
_FSRS_CARD_ID = 1
# Memory predictions kept per scheduler: a study screen shows a card's buttons, then answers it.
_MEMORY_CACHE_SIZE = 64


@dataclass(frozen=True)
class _Memory:
    """What py-fsrs predicts for one rating: the memory state and its whole-day interval."""

    stability: float
    difficulty: float
    interval_days: int


@dataclass(frozen=True)
class _Past:
    """All of a studied card that py-fsrs's prediction depends on."""

    stability: float
    difficulty: float
    elapsed_days: int  # study days since the last review


@dataclass(frozen=True)
class _Step:
    """A (re)learning step to go to: which one, its delay, and the card's review interval meanwhile."""

    state: State
    index: int
    delay_seconds: int
    interval_days: int


@dataclass(frozen=True)
class _Outcome:
    card: CardState
    seconds: float  # the interval the button label describes (a step's delay before fuzz)


class Scheduler:
    """Schedules one deck's cards with its options; `days` says what "today" is."""

    def __init__(self, options: DeckOptions, days: DayClock) -> None:
        self.options = options
        self.days = days
        self._learning_steps = tuple(int(s) for s in options.learning_steps)
        self._relearning_steps = tuple(int(s) for s in options.relearning_steps)
        # With no steps of its own, py-fsrs answers every rating with a review interval in whole
        # days: the FSRS interval for the new stability. The steps are applied here, as Anki does.
        # Its fuzz is off: it is not seeded, and Anki's fuzz is applied here instead.
        self._fsrs = fsrs.Scheduler(
            parameters=options.parameters,
            desired_retention=options.desired_retention,
            learning_steps=(),
            relearning_steps=(),
            maximum_interval=options.maximum_interval,
            enable_fuzzing=False,
        )
        # None stands for a new card, whose prediction is the same for every new card.
        self._memories: dict[_Past | None, Mapping[Rating, _Memory]] = {}

    # -- public API ---------------------------------------------------------------------------------

    def preview(self, card: CardState, now: datetime, fuzz_key: int) -> dict[Rating, CardState]:
        """The card after each of the four answers, before answering."""
        return {rating: outcome.card for rating, outcome in self._outcomes(card, now, fuzz_key).items()}

    def answer(self, card: CardState, rating: Rating, now: datetime, fuzz_key: int) -> CardState:
        return self._outcomes(card, now, fuzz_key, (rating,))[rating].card

    def next_intervals(self, card: CardState, now: datetime, fuzz_key: int) -> dict[Rating, float]:
        """Seconds until each answer's next review, as the buttons show it (step delays unfuzzed)."""
        return {rating: outcome.seconds for rating, outcome in self._outcomes(card, now, fuzz_key).items()}

    def next_interval_labels(self, card: CardState, now: datetime, fuzz_key: int) -> dict[Rating, str]:
        """Button texts such as "1m", "10m", "3d", "1.5mo"."""
        return {rating: describe_interval(seconds) for rating, seconds in self.next_intervals(card, now, fuzz_key).items()}

    def retrievability(self, card: CardState, now: datetime) -> float | None:
        """The chance of recalling the card now, with elapsed time in study days as FSRS sees it."""
        if card.state is State.NEW:
            return None
        now = _as_utc(now)
        return float(self._fsrs.get_card_retrievability(self._fsrs_card(self._past(card, now), now), now))

    # -- the four outcomes --------------------------------------------------------------------------

    def _outcomes(self, card: CardState, now: datetime, fuzz_key: int, ratings: Iterable[Rating] = Rating) -> dict[Rating, _Outcome]:
        """The card after each of `ratings` (the others' intervals are still worked out: each
        button's interval keeps its distance from its neighbours')."""
        now = _as_utc(now)
        today = self.days.day_of(now)
        memory = self._memory(card, now)
        # Anki seeds the fuzz with the card and its review count before the answer, so every
        # button's preview is what answering it will do, and a replay repeats it.
        fuzz = _fuzz_factor(fuzz_key, card.reps) if self.options.fuzz else None
        moves = self._review_moves(memory, fuzz) if card.state is State.REVIEW else self._step_moves(card, memory, fuzz)
        return {rating: self._apply(card, rating, moves[rating], memory[rating], now, today, fuzz) for rating in ratings}

    def _review_moves(self, memory: Mapping[Rating, _Memory], fuzz: float | None) -> dict[Rating, _Step | int]:
        """A review card: Again lapses into relearning, the others get intervals a day apart."""
        hard = self._review_interval(memory[Rating.HARD].interval_days, 1, fuzz)
        good = self._review_interval(memory[Rating.GOOD].interval_days, hard + 1, fuzz)
        easy = self._review_interval(memory[Rating.EASY].interval_days, good + 1, fuzz)
        # The lapse interval (Anki's ivl while relearning) is not fuzzed: fuzz comes when the card
        # leaves relearning. Unlike Anki, it never exceeds Hard's, which fuzz could otherwise pull
        # below it when the maximum interval squeezes them together.
        lapse_days = min(memory[Rating.AGAIN].interval_days, hard)
        again: _Step | int = (
            _Step(State.RELEARNING, 0, self._relearning_steps[0], lapse_days) if self._relearning_steps else lapse_days
        )
        return {Rating.AGAIN: again, Rating.HARD: hard, Rating.GOOD: good, Rating.EASY: easy}

    def _step_moves(self, card: CardState, memory: Mapping[Rating, _Memory], fuzz: float | None) -> dict[Rating, _Step | int]:
        """A new, learning or relearning card: move along its steps, or graduate to review."""
        relearning = card.state is State.RELEARNING
        steps = self._relearning_steps if relearning else self._learning_steps
        moves: dict[Rating, _Step | int] = {}
        for rating in (Rating.AGAIN, Rating.HARD, Rating.GOOD):
            step = _next_step(steps, card.step, rating)
            if step is None:
                moves[rating] = self._review_interval(memory[rating].interval_days, 1, fuzz)
            elif relearning:
                # Failing again while relearning shortens the interval the card returns to.
                interval = memory[Rating.AGAIN].interval_days if rating is Rating.AGAIN else card.interval_days
                moves[rating] = _Step(State.RELEARNING, step[0], step[1], interval)
            else:
                moves[rating] = _Step(State.LEARNING, step[0], step[1], 0)
        # Easy graduates at least a day after what Good would graduate to.
        good = self._review_interval(memory[Rating.GOOD].interval_days, 1, fuzz)
        moves[Rating.EASY] = self._review_interval(memory[Rating.EASY].interval_days, good + 1, fuzz)
        return moves

    def _apply(
        self, card: CardState, rating: Rating, move: _Step | int, memory: _Memory, now: datetime, today: int, fuzz: float | None
    ) -> _Outcome:
        lapses = card.lapses + (1 if card.state is State.REVIEW and rating is Rating.AGAIN else 0)
        due_day: int | None
        if isinstance(move, int):
            state, step, due_at, due_day, interval_days, seconds = State.REVIEW, 0, None, today + move, move, float(move * DAY_SECONDS)
        else:
            due_at, due_day = self._step_due(move.delay_seconds, now, today, fuzz)
            state, step, interval_days, seconds = move.state, move.index, move.interval_days, float(move.delay_seconds)
        after = CardState(
            state=state,
            step=step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due_at=due_at,
            due_day=due_day,
            last_review=now,
            interval_days=interval_days,
            reps=card.reps + 1,
            lapses=lapses,
        )
        return _Outcome(after, seconds)

    def _step_due(self, delay: int, now: datetime, today: int, fuzz: float | None) -> tuple[datetime | None, int | None]:
        """Where a step of `delay` seconds puts the card: an instant today, or a later study day."""
        # Whole seconds, as Anki counts them, so a step ending exactly at the rollover crosses it.
        until_rollover = int((self.days.start_of(today + 1) - now).total_seconds())
        if delay >= until_rollover:
            return None, today + (delay - until_rollover) // DAY_SECONDS + 1
        if fuzz is not None:
            spread = math.floor(min(delay * LEARNING_FUZZ_SHARE, LEARNING_FUZZ_MAX_SECONDS))
            fuzzed = delay + math.floor(fuzz * spread)
            # Unlike Anki, fuzz never pushes an intraday step past the rollover: a card with an
            # exact due time always belongs to today.
            if fuzzed < until_rollover:
                delay = fuzzed
        return now + timedelta(seconds=delay), None

    def _review_interval(self, interval: int, minimum: int, fuzz: float | None) -> int:
        """Anki's constrained interval: at least `minimum`, at most the maximum, fuzzed if on."""
        maximum = self.options.maximum_interval
        minimum = min(max(minimum, 1), maximum)
        interval = min(max(interval, minimum), maximum)
        if fuzz is None:
            return interval
        lower, upper = (min(max(bound, minimum), maximum) for bound in _fuzz_bounds(interval))
        # Keep some spread when the bounds squeezed the range to one day.
        if upper == lower and 2 < upper < maximum:
            upper = lower + 1
        return math.floor(lower + fuzz * (1 + upper - lower))

    # -- py-fsrs ------------------------------------------------------------------------------------

    def _memory(self, card: CardState, now: datetime) -> Mapping[Rating, _Memory]:
        """py-fsrs's memory state and interval after each rating, rounded as Anki stores them.

        They depend on the card only through its `_Past` (py-fsrs is given whole study days), so
        they are kept: showing a card's buttons and then answering it predict once, not twice.
        """
        past = None if card.state is State.NEW else self._past(card, now)
        memory = self._memories.get(past)
        if memory is None:
            before = fsrs.Card(card_id=_FSRS_CARD_ID, due=now) if past is None else self._fsrs_card(past, now)
            predicted = {}
            for rating in Rating:
                after, _ = self._fsrs.review_card(before, fsrs.Rating(int(rating)), now)
                # fsrs leaves the memory unset only on cards never reviewed; after a review both are set.
                assert after.stability is not None and after.difficulty is not None
                predicted[rating] = _Memory(
                    stability=round(after.stability, 4),
                    difficulty=round(after.difficulty, 3),
                    interval_days=(after.due - now).days,
                )
            if len(self._memories) >= _MEMORY_CACHE_SIZE:
                self._memories.clear()
            self._memories[past] = memory = predicted
        return memory

    def _past(self, card: CardState, now: datetime) -> _Past:
        if card.stability is None or card.difficulty is None or card.last_review is None:
            raise ValueError(f"a {card.state.value} card needs its memory state and last review")
        return _Past(card.stability, card.difficulty, max(0, self.days.day_of(now) - self.days.day_of(card.last_review)))

    def _fsrs_card(self, past: _Past, now: datetime) -> fsrs.Card:
        """The card as py-fsrs sees it. Its last review is set back by whole study days, because
        py-fsrs counts elapsed days in 24-hour periods and Anki counts them by the rollover."""
        return fsrs.Card(
            card_id=_FSRS_CARD_ID,
            state=fsrs.State.Review,
            stability=past.stability,
            difficulty=past.difficulty,
            due=now,
            last_review=now - timedelta(days=past.elapsed_days),
        )


def _next_step(steps: tuple[int, ...], current: int, rating: Rating) -> tuple[int, int] | None:
    """Anki's (re)learning steps: the step a rating moves to and its delay, or None to graduate."""
    if not steps or rating is Rating.EASY:
        return None
    index = min(current, len(steps) - 1)  # the deck may have fewer steps than when the card started
    if rating is Rating.AGAIN:
        return 0, steps[0]
    if rating is Rating.HARD:
        return index, _hard_delay(steps, index)
    return (index + 1, steps[index + 1]) if index + 1 < len(steps) else None


def _hard_delay(steps: tuple[int, ...], index: int) -> int:
    """Hard repeats the current step, except on the first one, where Anki keeps it apart from Again:
    halfway to the second step, or 50% longer (at most a day longer) when there is only one."""
    if index > 0:
        return steps[index]
    first = steps[0]
    delay = (first + steps[1]) // 2 if len(steps) > 1 else min(first * 3 // 2, first + DAY_SECONDS)
    # Past a day, whole days, so the card comes back at the same time of day.
    return _round_half_up(delay / DAY_SECONDS) * DAY_SECONDS if delay > DAY_SECONDS else delay


def _fuzz_bounds(interval: int) -> tuple[int, int]:
    """Anki's fuzz range: none below 2.5 days, else a day plus a share of the days in each range."""
    if interval < 2.5:
        return interval, interval
    delta = 1.0 + sum(r["factor"] * max(min(interval, r["end"]) - r["start"], 0.0) for r in FUZZ_RANGES)
    return _round_half_up(interval - delta), _round_half_up(interval + delta)


def _fuzz_factor(fuzz_key: int, reps: int) -> float:
    """A number in [0, 1) fixed by the card and its review count."""
    digest = hashlib.blake2b(f"{fuzz_key}:{reps}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _round_half_up(value: float) -> int:
    # Anki (Rust) rounds halves away from zero; Python's round() rounds them to even.
    return math.floor(value + 0.5)


def _as_utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    # py-fsrs insists on timezone.utc itself, not just a zero offset.
    return now.astimezone(timezone.utc)
