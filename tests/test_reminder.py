"""The daily reminder's timing and text: a pure rule on an injected clock, real time zones (so
daylight saving is covered), and the plan a collection gives (only when cards are due)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from conftest import START

from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.days import DayClock, FixedClock
from quizapp.core.reminder import (
    REMINDER_TITLE,
    Reminder,
    next_reminder_time,
    plan_reminder,
)
from quizapp.core.session import StudySession
from quizapp.core.settings import Settings

NEW_YORK = ZoneInfo("America/New_York")  # 2026: clocks go forward on 8 March, back on 1 November
UTC = timezone.utc


def _on(minute: int) -> Settings:
    return Settings(reminder_on=True, reminder_minute=minute)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_reminder_off_or_nothing_due_means_no_reminder() -> None:
    now = _utc(2026, 5, 1, 12)
    assert next_reminder_time(Settings(reminder_on=False), now, UTC, now) is None
    assert next_reminder_time(_on(19 * 60), now, UTC, None) is None


def test_cards_due_now_are_reminded_at_todays_time_or_tomorrows_once_it_has_passed() -> None:
    settings = _on(19 * 60 + 30)
    assert next_reminder_time(settings, _utc(2026, 5, 1, 12), UTC, _utc(2026, 4, 20)) == _utc(2026, 5, 1, 19, 30)
    assert next_reminder_time(settings, _utc(2026, 5, 1, 19, 30), UTC, _utc(2026, 4, 20)) == _utc(2026, 5, 2, 19, 30)
    assert next_reminder_time(settings, _utc(2026, 5, 1, 22), UTC, _utc(2026, 5, 1, 21)) == _utc(2026, 5, 2, 19, 30)


def test_cards_due_later_are_reminded_at_the_first_reminder_time_they_are_due_by() -> None:
    settings = _on(8 * 60)
    now = _utc(2026, 5, 1, 12)
    assert next_reminder_time(settings, now, UTC, _utc(2026, 5, 4, 8)) == _utc(2026, 5, 4, 8)
    assert next_reminder_time(settings, now, UTC, _utc(2026, 5, 4, 8, 1)) == _utc(2026, 5, 5, 8)


def test_a_reminder_before_the_rollover_waits_for_the_study_day_its_cards_are_due_on() -> None:
    # A new study day starts at 04:00; cards due on it are due from 04:00, so a 02:00 reminder
    # that night is too early: the next night's 02:00 (still that study day) is the one.
    days = DayClock(rollover_hour=4, tz=NEW_YORK)
    now = datetime(2026, 5, 1, 12, tzinfo=NEW_YORK)
    due = days.start_of(days.day_of(now) + 1)  # tomorrow's study day, from 2 May 04:00
    at = next_reminder_time(_on(2 * 60), now, NEW_YORK, due)
    assert at is not None and at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 5, 3, 2, 0)
    assert days.day_of(at) == days.day_of(due)


def test_the_wall_clock_time_stays_the_same_across_daylight_saving_changes() -> None:
    settings = _on(19 * 60)
    before = datetime(2026, 3, 7, 20, tzinfo=NEW_YORK)  # after 19:00 on the day before the change
    first = next_reminder_time(settings, before, NEW_YORK, before)
    assert first is not None
    second = next_reminder_time(settings, first, NEW_YORK, first)
    assert second is not None
    assert [t.astimezone(NEW_YORK).hour for t in (first, second)] == [19, 19]
    assert (first, second) == (_utc(2026, 3, 8, 23), _utc(2026, 3, 9, 23))  # EDT is UTC-4
    assert second - first == timedelta(hours=24)
    winter = next_reminder_time(settings, _utc(2026, 11, 1, 12), NEW_YORK, _utc(2026, 11, 1, 12))
    assert winter == _utc(2026, 11, 2, 0)  # 19:00 EST is UTC-5


def test_a_time_the_clocks_skip_or_repeat_still_gives_one_reminder() -> None:
    skipped = next_reminder_time(_on(2 * 60 + 30), _utc(2026, 3, 8, 5), NEW_YORK, _utc(2026, 3, 8, 5))
    assert skipped == _utc(2026, 3, 8, 7, 30)  # 02:30 does not exist that night: 03:30 EDT
    repeated = next_reminder_time(_on(60 + 30), _utc(2026, 11, 1, 4), NEW_YORK, _utc(2026, 11, 1, 4))
    assert repeated == _utc(2026, 11, 1, 5, 30)  # 01:30 happens twice: the first, EDT
    again = next_reminder_time(_on(60 + 30), repeated, NEW_YORK, repeated)
    assert again == _utc(2026, 11, 2, 6, 30)  # not the second 01:30 an hour later


@pytest.mark.parametrize("minute", [0, 1, 59, 12 * 60, 23 * 60 + 59])
def test_every_minute_of_the_day_comes_within_a_day(minute: int) -> None:
    now = _utc(2026, 6, 1, 12, 17)
    at = next_reminder_time(_on(minute), now, NEW_YORK, now)
    assert at is not None and now < at <= now + timedelta(days=1)
    local = at.astimezone(NEW_YORK)
    assert local.hour * 60 + local.minute == minute


def test_the_text_is_discreet() -> None:
    assert Reminder(START, 1).text == "1 card to review"
    for reminder in (Reminder(START, 1), Reminder(START, 23)):
        words = f"{reminder.title} {reminder.text}".lower()
        assert reminder.title == REMINDER_TITLE == "Time for today's review"
        assert not re.search(r"drug|overdose|opioid|naloxone|narcan|alcohol|harm|inject|dose|substance", words)


# -- plan_reminder: a collection's cards decide --------------------------------------------------------------


def test_no_decks_no_reminder(collection: Collection) -> None:
    collection.update_settings(reminder_on=True)
    assert plan_reminder(collection, UTC) is None


def test_new_cards_waiting_are_reminded_today_with_their_number(small: Collection) -> None:
    assert plan_reminder(small, UTC) is None  # off by default
    small.update_settings(reminder_on=True, reminder_minute=18 * 60)
    reminder = plan_reminder(small, UTC)
    assert reminder == Reminder(_utc(2025, 3, 3, 18), 7)
    prompts = [small.card(key).body for key in small.all_card_keys()]
    assert prompts and not any(str(prompt)[:12] in reminder.text for prompt in prompts)


def test_once_everything_is_studied_the_reminder_waits_for_the_next_due_card(small: Collection, clock: FixedClock) -> None:
    small.update_settings(reminder_on=True, reminder_minute=18 * 60, new_per_day=7)
    session = StudySession(small)
    while (card := session.next_card()) is not None and card.queue != "learning":
        session.answer(Rating.EASY, 1000)
    assert small.due_counts()["small"].total == 0
    next_due = small.next_due()
    assert next_due is not None and next_due > clock.now() + timedelta(days=1)
    reminder = plan_reminder(small, UTC)
    assert reminder is not None
    assert reminder.at >= next_due and reminder.at - next_due < timedelta(days=1)
    assert reminder.at.astimezone(UTC).hour == 18
    assert reminder.cards >= 1
    small.update_settings(new_per_day=0)  # nothing new either: still only when reviews fall due
    assert plan_reminder(small, UTC) == reminder
