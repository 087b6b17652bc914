"""Scheduler behaviour: steps, graduation, lapses, study days, limits, fuzz; plus properties over
random answer sequences. Every time is given explicitly: nothing reads the wall clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from itertools import pairwise

import fsrs
import pytest
from conftest import replay
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.card_state import CardState, Rating, State
from quizapp.core.days import DayClock
from quizapp.core.options import DeckOptions
from quizapp.core.scheduler import Scheduler

UTC = timezone.utc
EST = timezone(timedelta(hours=-5), "EST")
T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
KEY = 7


def make(tz: tzinfo = UTC, rollover_hour: int = 4, **options: object) -> Scheduler:
    values = {"fuzz": False, **options}
    return Scheduler(DeckOptions(**values), DayClock(rollover_hour=rollover_hour, tz=tz))  # type: ignore[arg-type]


def review_card(scheduler: Scheduler, stability: float, difficulty: float, last_review: datetime, interval_days: int = 10) -> CardState:
    """A review card last seen at `last_review`."""
    return CardState(
        state=State.REVIEW,
        stability=stability,
        difficulty=difficulty,
        due_day=scheduler.days.day_of(last_review) + interval_days,
        last_review=last_review,
        interval_days=interval_days,
        reps=3,
    )


def graduate(scheduler: Scheduler, at: datetime = T0) -> CardState:
    """A new card answered Good on both learning steps."""
    card = scheduler.answer(CardState(), Rating.GOOD, at, KEY)
    return scheduler.answer(card, Rating.GOOD, at + timedelta(minutes=10), KEY)


def due_instant(scheduler: Scheduler, card: CardState) -> datetime:
    return card.due_at if card.due_at is not None else scheduler.days.start_of(card.due_day)  # type: ignore[arg-type]


# -- learning steps and graduation -------------------------------------------------------------------


def test_new_card_offers_the_learning_steps_and_easy_graduates() -> None:
    scheduler = make()
    offered = scheduler.preview(CardState(), T0, KEY)
    today = scheduler.days.day_of(T0)
    assert (offered[Rating.AGAIN].state, offered[Rating.AGAIN].step) == (State.LEARNING, 0)
    assert offered[Rating.AGAIN].due_at == T0 + timedelta(minutes=1)
    # Hard on the first step waits halfway between the Again and Good steps.
    assert (offered[Rating.HARD].step, offered[Rating.HARD].due_at) == (0, T0 + timedelta(seconds=330))
    assert (offered[Rating.GOOD].step, offered[Rating.GOOD].due_at) == (1, T0 + timedelta(minutes=10))
    easy = offered[Rating.EASY]
    assert (easy.state, easy.due_at, easy.due_day, easy.interval_days) == (State.REVIEW, None, today + 8, 8)
    assert all(card.reps == 1 and card.last_review == T0 and card.stability for card in offered.values())
    assert scheduler.next_interval_labels(CardState(), T0, KEY) == {
        Rating.AGAIN: "1m",
        Rating.HARD: "6m",
        Rating.GOOD: "10m",
        Rating.EASY: "8d",
    }


def test_good_on_the_last_step_graduates_to_a_day_based_review() -> None:
    scheduler = make()
    card = graduate(scheduler)
    assert (card.state, card.step, card.due_at) == (State.REVIEW, 0, None)
    assert card.due_day == scheduler.days.day_of(T0) + card.interval_days
    assert card.interval_days == 2
    assert (card.reps, card.lapses) == (2, 0)


def test_hard_repeats_a_later_step_and_again_restarts() -> None:
    scheduler = make()
    on_second_step = scheduler.answer(CardState(), Rating.GOOD, T0, KEY)
    at = T0 + timedelta(minutes=10)
    offered = scheduler.preview(on_second_step, at, KEY)
    assert (offered[Rating.HARD].step, offered[Rating.HARD].due_at) == (1, at + timedelta(minutes=10))
    assert (offered[Rating.AGAIN].step, offered[Rating.AGAIN].due_at) == (0, at + timedelta(minutes=1))


def test_hard_on_a_single_first_step_is_half_as_long_again_but_at_most_a_day_more() -> None:
    offered = make(learning_steps=(600,)).preview(CardState(), T0, KEY)
    assert offered[Rating.HARD].due_at == T0 + timedelta(seconds=900)
    three_days = make(learning_steps=(3 * 86_400,))
    hard = three_days.preview(CardState(), T0, KEY)[Rating.HARD]
    assert three_days.next_intervals(CardState(), T0, KEY)[Rating.HARD] == 4 * 86_400
    assert (hard.state, hard.due_at, hard.due_day) == (State.LEARNING, None, three_days.days.day_of(T0) + 4)


def test_without_learning_steps_every_answer_graduates() -> None:
    offered = make(learning_steps=()).preview(CardState(), T0, KEY)
    assert all(card.state is State.REVIEW and card.interval_days >= 1 for card in offered.values())
    assert offered[Rating.GOOD].interval_days < offered[Rating.EASY].interval_days


# -- lapses --------------------------------------------------------------------------------------------


def test_again_on_a_review_card_lapses_into_relearning() -> None:
    scheduler = make()
    card = graduate(scheduler)
    at = due_instant(scheduler, card) + timedelta(hours=8)
    lapsed = scheduler.answer(card, Rating.AGAIN, at, KEY)
    assert (lapsed.state, lapsed.step, lapsed.lapses, lapsed.reps) == (State.RELEARNING, 0, 1, 3)
    assert (lapsed.due_at, lapsed.due_day) == (at + timedelta(minutes=10), None)
    assert lapsed.interval_days >= 1
    assert lapsed.stability is not None and lapsed.stability < card.stability  # type: ignore[operator]

    at += timedelta(minutes=10)
    failed_again = scheduler.answer(lapsed, Rating.AGAIN, at, KEY)
    assert (failed_again.state, failed_again.lapses) == (State.RELEARNING, 1)  # not a second lapse
    relearnt = scheduler.answer(lapsed, Rating.GOOD, at, KEY)
    assert (relearnt.state, relearnt.lapses, relearnt.due_at) == (State.REVIEW, 1, None)
    assert relearnt.due_day == scheduler.days.day_of(at) + relearnt.interval_days


def test_hard_while_relearning_a_single_step_waits_half_as_long_again() -> None:
    scheduler = make()
    card = graduate(scheduler)
    at = due_instant(scheduler, card) + timedelta(hours=8)
    lapsed = scheduler.answer(card, Rating.AGAIN, at, KEY)
    hard = scheduler.answer(lapsed, Rating.HARD, at + timedelta(minutes=10), KEY)
    assert (hard.state, hard.due_at) == (State.RELEARNING, at + timedelta(minutes=25))
    assert hard.interval_days == lapsed.interval_days


def test_without_relearning_steps_a_lapse_goes_straight_back_to_review() -> None:
    scheduler = make(relearning_steps=())
    card = graduate(scheduler)
    at = due_instant(scheduler, card) + timedelta(hours=8)
    lapsed = scheduler.answer(card, Rating.AGAIN, at, KEY)
    assert (lapsed.state, lapsed.lapses, lapsed.due_at) == (State.REVIEW, 1, None)
    assert lapsed.due_day == scheduler.days.day_of(at) + lapsed.interval_days


# -- study days and the rollover -----------------------------------------------------------------------


def test_a_step_that_crosses_the_rollover_becomes_a_day_based_due() -> None:
    scheduler = make(tz=EST)
    before_rollover = datetime(2025, 3, 10, 3, 55, tzinfo=EST)  # 5 minutes before today ends
    today = scheduler.days.day_of(before_rollover)
    offered = scheduler.preview(CardState(), before_rollover, KEY)
    # 1 minute stays today; 10 minutes would reach past 04:00 local, so it is due tomorrow.
    assert offered[Rating.AGAIN].due_at == before_rollover + timedelta(minutes=1)
    good = offered[Rating.GOOD]
    assert (good.state, good.step, good.due_at, good.due_day) == (State.LEARNING, 1, None, today + 1)
    assert scheduler.next_interval_labels(CardState(), before_rollover, KEY)[Rating.GOOD] == "10m"
    # The same answer at 03:55 UTC stays intraday: the day is the learner's, not UTC's.
    assert make().preview(CardState(), datetime(2025, 3, 10, 3, 45, tzinfo=UTC), KEY)[Rating.GOOD].due_at is not None


def test_a_multi_day_step_counts_days_from_the_next_rollover() -> None:
    scheduler = make(tz=EST, learning_steps=(60, 2 * 86_400))
    noon = datetime(2025, 3, 10, 12, 0, tzinfo=EST)
    good = scheduler.preview(CardState(), noon, KEY)[Rating.GOOD]
    assert (good.due_at, good.due_day) == (None, scheduler.days.day_of(noon) + 2)


def test_elapsed_days_count_study_days_not_24_hour_periods() -> None:
    scheduler = make(tz=EST)
    evening = datetime(2025, 3, 10, 23, 0, tzinfo=EST)
    card = review_card(scheduler, stability=5.0, difficulty=5.0, last_review=evening)
    same_study_day = evening + timedelta(hours=4)  # 03:00 local, before the rollover
    next_study_day = evening + timedelta(hours=6)  # 05:00 local: six hours later, but a day later
    same = scheduler.preview(card, same_study_day, KEY)[Rating.GOOD]
    next_ = scheduler.preview(card, next_study_day, KEY)[Rating.GOOD]
    # py-fsrs alone would count both as 0 days (under 24 hours): short-term stability, unchanged.
    assert same.stability == 5.0
    assert next_.stability is not None and next_.stability > 5.0
    assert scheduler.retrievability(card, same_study_day) == 1.0
    assert scheduler.retrievability(card, next_study_day) < 1.0  # type: ignore[operator]


def test_retrievability_falls_with_time() -> None:
    scheduler = make()
    assert scheduler.retrievability(CardState(), T0) is None
    card = review_card(scheduler, stability=10.0, difficulty=5.0, last_review=T0)
    values = [scheduler.retrievability(card, T0 + n * DAY) for n in (0, 1, 5, 10, 30, 365)]
    assert values == sorted(values, reverse=True) and len(set(values)) == len(values)
    assert values[3] == pytest.approx(0.9, abs=1e-9)  # stability is the time to 90% recall


# -- review intervals ----------------------------------------------------------------------------------


def test_review_buttons_are_at_least_a_day_apart() -> None:
    scheduler = make()
    last = T0 - 2 * DAY
    card = review_card(scheduler, stability=0.554, difficulty=9.665, last_review=last, interval_days=2)
    # py-fsrs on its own rounds Good and Easy to the same day here.
    model = fsrs.Scheduler(enable_fuzzing=False)
    raw = fsrs.Card(card_id=1, state=fsrs.State.Review, stability=0.554, difficulty=9.665, due=T0, last_review=last)
    raw_days = [(model.review_card(raw, r, T0)[0].due - T0).days for r in (fsrs.Rating.Hard, fsrs.Rating.Good, fsrs.Rating.Easy)]
    assert raw_days == [1, 2, 2]
    offered = scheduler.preview(card, T0, KEY)
    assert [offered[r].interval_days for r in (Rating.HARD, Rating.GOOD, Rating.EASY)] == [1, 2, 3]


def test_maximum_interval_caps_every_button() -> None:
    scheduler = make(maximum_interval=30)
    card = review_card(scheduler, stability=100.0, difficulty=5.0, last_review=T0 - 50 * DAY, interval_days=30)
    offered = scheduler.preview(card, T0, KEY)
    assert [offered[r].interval_days for r in (Rating.HARD, Rating.GOOD, Rating.EASY)] == [30, 30, 30]
    assert 1 <= offered[Rating.AGAIN].interval_days <= 30
    # Fuzz may pull an interval below the maximum, never above it.
    fuzzed = make(maximum_interval=30, fuzz=True)
    for key in range(30):
        assert all(1 <= outcome.interval_days <= 30 for outcome in fuzzed.preview(card, T0, key).values())
        assert fuzzed.preview(CardState(), T0, key)[Rating.EASY].interval_days <= 30


# -- fuzz ----------------------------------------------------------------------------------------------


def test_fuzz_is_deterministic_per_card_and_review_count_and_within_ankis_range() -> None:
    plain, fuzzed = make(), make(fuzz=True)
    card = review_card(plain, stability=100.0, difficulty=5.0, last_review=T0 - 100 * DAY, interval_days=100)
    unfuzzed = plain.preview(card, T0, KEY)[Rating.GOOD].interval_days
    # Anki: a day, plus 15% of the days in 2.5-7, 10% of those in 7-20 and 5% of those above 20.
    delta = 1 + 0.15 * 4.5 + 0.1 * 13 + 0.05 * (unfuzzed - 20)
    low, high = int(unfuzzed - delta + 0.5), int(unfuzzed + delta + 0.5)
    goods = [fuzzed.preview(card, T0, key)[Rating.GOOD].interval_days for key in range(60)]
    assert all(low <= good <= high for good in goods)
    assert len(set(goods)) > 5  # cards due the same day spread out
    assert goods == [fuzzed.preview(card, T0, key)[Rating.GOOD].interval_days for key in range(60)]
    # The next review of the same card draws again.
    by_reps = {fuzzed.preview(card.with_changes(reps=reps), T0, KEY)[Rating.GOOD].interval_days for reps in range(3, 23)}
    assert len(by_reps) > 1
    # And the preview is what answering does.
    for key in range(10):
        assert fuzzed.answer(card, Rating.GOOD, T0, key) == fuzzed.preview(card, T0, key)[Rating.GOOD]


def test_short_intervals_are_not_fuzzed() -> None:
    fuzzed = make(fuzz=True)
    card = graduate(make())  # a 2-day review card
    at = due_instant(fuzzed, card) + timedelta(hours=8)
    lapsed = make().answer(card, Rating.AGAIN, at, KEY)
    # Relearning graduates to a 1-2 day interval: below 2.5 days nothing moves.
    assert {fuzzed.answer(lapsed, Rating.GOOD, at + timedelta(minutes=10), key).interval_days for key in range(30)} == {
        make().answer(lapsed, Rating.GOOD, at + timedelta(minutes=10), KEY).interval_days
    }


def test_learning_steps_get_up_to_a_quarter_more_but_at_most_five_minutes() -> None:
    fuzzed = make(fuzz=True, learning_steps=(60, 3600))
    again = [fuzzed.answer(CardState(), Rating.AGAIN, T0, key).due_at - T0 for key in range(40)]  # type: ignore[operator]
    good = [fuzzed.answer(CardState(), Rating.GOOD, T0, key).due_at - T0 for key in range(40)]  # type: ignore[operator]
    assert all(timedelta(seconds=60) <= d < timedelta(seconds=75) for d in again)
    assert all(timedelta(seconds=3600) <= d < timedelta(seconds=3900) for d in good)
    assert len(set(good)) > 5
    # The buttons show the configured steps.
    assert fuzzed.next_interval_labels(CardState(), T0, KEY)[Rating.GOOD] == "1h"


# -- API contract --------------------------------------------------------------------------------------


def test_answer_is_the_preview_of_that_rating() -> None:
    scheduler = make(fuzz=True)
    card = graduate(scheduler)
    at = due_instant(scheduler, card) + timedelta(hours=3)
    offered = scheduler.preview(card, at, KEY)
    assert all(scheduler.answer(card, rating, at, KEY) == offered[rating] for rating in Rating)


def test_replay_rebuilds_the_state_from_new() -> None:
    scheduler = make(fuzz=True)
    reviews = [(Rating.GOOD, T0), (Rating.GOOD, T0 + timedelta(minutes=10)), (Rating.AGAIN, T0 + 3 * DAY)]
    card = CardState()
    for rating, at in reviews:
        card = scheduler.answer(card, rating, at, KEY)
    assert replay(scheduler, reviews, KEY) == card
    assert replay(scheduler, [], KEY) == CardState()


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone"):
        make().preview(CardState(), datetime(2025, 1, 1, 12, 0), KEY)


# -- properties over random answer sequences -----------------------------------------------------------


def assert_valid(card: CardState, scheduler: Scheduler) -> None:
    """What every state the scheduler hands out must satisfy."""
    options, days = scheduler.options, scheduler.days
    if card.state is State.NEW:
        assert card == CardState()
        return
    assert card.last_review is not None and card.last_review.utcoffset() is not None
    assert card.stability is not None and card.stability >= 0.001 and round(card.stability, 4) == card.stability
    assert card.difficulty is not None and 1 <= card.difficulty <= 10 and round(card.difficulty, 3) == card.difficulty
    assert card.reps >= 1 and 0 <= card.lapses <= card.reps
    assert (card.due_at is None) != (card.due_day is None), "exactly one kind of due"
    answered_on = days.day_of(card.last_review)
    if card.state is State.REVIEW:
        assert card.due_day is not None and card.step == 0
        assert 1 <= card.interval_days <= options.maximum_interval
        assert card.due_day == answered_on + card.interval_days
        return
    steps = options.learning_steps if card.state is State.LEARNING else options.relearning_steps
    assert 0 <= card.step < len(steps)
    if card.due_at is not None:
        assert card.due_at > card.last_review and days.day_of(card.due_at) == answered_on, "due_at is for today only"
    else:
        assert card.due_day is not None and card.due_day > answered_on
    if card.state is State.LEARNING:
        assert card.interval_days == 0 and card.lapses == 0
    else:
        assert 1 <= card.interval_days <= options.maximum_interval and card.lapses >= 1


gaps = st.one_of(
    st.integers(0, 3_600),  # within a learning session
    st.integers(0, 3 * 86_400),  # around the rollover
    st.integers(0, 400 * 86_400),  # long breaks
)
schedulers = st.builds(
    lambda fuzz, learning, relearning, maximum, offset, rollover: make(
        tz=timezone(timedelta(hours=offset)),
        rollover_hour=rollover,
        fuzz=fuzz,
        learning_steps=learning,
        relearning_steps=relearning,
        maximum_interval=maximum,
    ),
    st.booleans(),
    st.sampled_from([(), (60,), (60, 600), (60, 600, 2 * 86_400)]),
    st.sampled_from([(), (600,), (600, 3_600)]),
    st.sampled_from([36_500, 30]),
    st.integers(-12, 14),
    st.integers(0, 23),
)
answer_sequences = st.lists(st.tuples(st.sampled_from(list(Rating)), gaps), max_size=25)


@settings(max_examples=150, deadline=None)
@given(scheduler=schedulers, answers=answer_sequences, fuzz_key=st.integers(0, 2**32 - 1), start=st.integers(0, 10 * 365 * 86_400))
def test_random_answers_keep_state_valid_and_replay_reproduces_it(
    scheduler: Scheduler, answers: list[tuple[Rating, int]], fuzz_key: int, start: int
) -> None:
    now = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=start)
    card, log = CardState(), []
    for rating, gap in answers:
        now += timedelta(seconds=gap)
        offered = scheduler.preview(card, now, fuzz_key)
        for outcome in offered.values():
            assert_valid(outcome, scheduler)
            assert outcome.reps == card.reps + 1 and outcome.last_review == now
        if card.state is State.REVIEW:
            seconds = scheduler.next_intervals(card, now, fuzz_key)
            assert seconds[Rating.AGAIN] <= seconds[Rating.HARD] <= seconds[Rating.GOOD] <= seconds[Rating.EASY]
            days = [offered[r].interval_days for r in (Rating.HARD, Rating.GOOD, Rating.EASY)]
            # A day apart, unless the maximum interval squeezes them together.
            assert all(a < b or a == b == scheduler.options.maximum_interval for a, b in pairwise(days))
        retrievability = scheduler.retrievability(card, now)
        assert (retrievability is None) == (card.state is State.NEW)
        assert retrievability is None or 0 < retrievability <= 1
        card = scheduler.answer(card, rating, now, fuzz_key)
        assert card == offered[rating]
        log.append((rating, now))
    assert replay(scheduler, log, fuzz_key) == card


@settings(max_examples=60, deadline=None)
@given(scheduler=schedulers, sequences=st.lists(answer_sequences, min_size=1, max_size=4), fuzz_key=st.integers(0, 2**32 - 1))
def test_a_scheduler_that_has_answered_other_cards_answers_as_a_fresh_one(
    scheduler: Scheduler, sequences: list[list[tuple[Rating, int]]], fuzz_key: int
) -> None:
    # The scheduler keeps py-fsrs's predictions between calls; a fresh one keeps none.
    for number, answers in enumerate(sequences):
        now, card = T0, CardState()
        for rating, gap in answers:
            now += timedelta(seconds=gap)
            fresh = Scheduler(scheduler.options, scheduler.days)
            assert scheduler.preview(card, now, fuzz_key + number) == fresh.preview(card, now, fuzz_key + number)
            card = scheduler.answer(card, rating, now, fuzz_key + number)
