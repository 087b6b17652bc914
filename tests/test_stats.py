"""Stats: the due forecast and the summary count learning cards, on the day their step falls due."""

from __future__ import annotations

from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.core.stats import Stats


def test_learning_cards_are_due_today_in_the_forecast_and_summary(small: Collection) -> None:
    small.set_deck_options("small", bury_siblings=False)
    keys = small.all_card_keys("small")[:3]
    for key in keys:
        small.answer(key, Rating.GOOD)  # into learning, due again in minutes
    stats = Stats(small)
    assert stats.forecast(3)[0].value == 3  # not "Nothing is scheduled"
    summary = stats.summary()
    assert (summary.due_today, summary.due_tomorrow) == (3, 0)
    assert stats.cards_by_state()["learning"] == 3


def test_a_learning_step_that_ends_after_the_rollover_is_due_tomorrow(small: Collection) -> None:
    small.set_deck_options("small", learning_steps=[20 * 3600])  # seconds: one step of 20 hours
    key = small.all_card_keys("small")[0]
    small.answer(key, Rating.AGAIN)  # noon + 20 hours: past tomorrow's 04:00 rollover
    assert small.card_state(key).due_day == small.today() + 1  # a step past the rollover waits a day, as in Anki
    summary = Stats(small).summary()
    assert summary.due_tomorrow == 1
    assert Stats(small).forecast(3)[1].value == 1


def test_overdue_learning_cards_count_today(small: Collection, clock: FixedClock) -> None:
    small.answer(small.all_card_keys("small")[0], Rating.AGAIN)
    clock.advance(hours=3)  # still the same study day, the step long past
    assert Stats(small).summary().due_today == 1
