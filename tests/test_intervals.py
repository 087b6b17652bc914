"""Answer-button interval text, as Anki writes it."""

import pytest

from quizapp.core.intervals import DAY, describe_interval

MINUTE = 60
HOUR = 3600


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (30, "30s"),
        (60, "1m"),
        (70, "1m"),
        (10 * MINUTE, "10m"),
        (HOUR, "1h"),
        (1.5 * HOUR, "1.5h"),
        (DAY, "1d"),
        (3 * DAY, "3d"),
        (29 * DAY, "29d"),
        (1.1 * 30.417 * DAY, "1.1mo"),
        (45 * DAY, "1.5mo"),
        (365 * DAY, "1y"),
        (1.5 * 365 * DAY, "1.5y"),
    ],
)
def test_uses_the_largest_unit_reached(seconds: float, text: str) -> None:
    assert describe_interval(seconds) == text


def test_rounds_seconds_minutes_and_days_to_whole_numbers_halves_up() -> None:
    # Anki rounds 5.5 minutes (the Hard delay on a first 1m/10m step) up to "6m".
    assert describe_interval(330) == "6m"
    assert describe_interval(2.5 * DAY) == "3d"
    assert describe_interval(59.5) == "60s"


def test_drops_a_trailing_zero_decimal() -> None:
    assert describe_interval(364 * DAY) == "12mo"
    assert describe_interval(3299 * DAY) == "9y"
    assert describe_interval(2 * HOUR) == "2h"


def test_keeps_one_decimal_for_hours_months_and_years() -> None:
    assert describe_interval(498 * DAY) == "1.4y"
    assert describe_interval(5002 * DAY) == "13.7y"
    assert describe_interval(7.25 * HOUR) == "7.3h"


def test_rejects_a_negative_interval() -> None:
    with pytest.raises(ValueError):
        describe_interval(-1)
