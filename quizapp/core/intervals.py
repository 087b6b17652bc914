"""Short interval text for answer buttons ("10m", "3d", "1.5mo"), as Anki shows it.

Anki picks the largest unit the span reaches, then rounds seconds, minutes and days to
whole numbers and hours, months and years to one decimal; a trailing ".0" is dropped, so
364 days read "12mo" and 3299 days "9y". A month is 365/12 days (Anki's 30.417).
"""

from __future__ import annotations

import math

MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR
MONTH = 30.417 * DAY
YEAR = 365 * DAY

# (upper bound of the unit's range, unit length, suffix, decimals shown), smallest unit first.
_UNITS: tuple[tuple[float, float, str, int], ...] = (
    (MINUTE, 1.0, "s", 0),
    (HOUR, MINUTE, "m", 0),
    (DAY, HOUR, "h", 1),
    (MONTH, DAY, "d", 0),
    (YEAR, MONTH, "mo", 1),
    (math.inf, YEAR, "y", 1),
)


def describe_interval(seconds: float) -> str:
    """The answer-button text for an interval of `seconds`, e.g. 600 -> "10m", 45 days -> "1.5mo"."""
    if not seconds >= 0:
        raise ValueError(f"an interval cannot be negative: {seconds}")
    _, length, suffix, decimals = next(unit for unit in _UNITS if seconds < unit[0])
    scale = 10**decimals
    # Halves round up as in Anki (Rust's round()); Python's round() would give "5.5 min" -> "6m"
    # only half of the time (banker's rounding).
    amount = math.floor(seconds / length * scale + 0.5) / scale
    return f"{amount:.{decimals}f}".removesuffix(".0") + suffix
