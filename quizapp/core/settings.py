"""App-wide settings a learner changes on the Settings screen; they persist in the store.

Each setting's default and limits are stated here once: the Settings and Deck options screens'
steppers and the deck options (`quizapp.core.options`) read them from here.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

THEMES = ("light", "dark")


@dataclass(frozen=True)
class Limits:
    """The numbers a setting may take, both ends included."""

    lowest: float
    highest: float
    whole: bool = False  # whole numbers only: counts and hours

    def check(self, what: str, value: object) -> None:
        """Raise TypeError unless `value` is a number (True is not one), ValueError unless it is
        within the limits."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (self.whole and not isinstance(value, int)):
            raise TypeError(f"{what} must be a {'whole ' if self.whole else ''}number, not {value!r}")
        if not self.lowest <= value <= self.highest:
            raise ValueError(f"{what} must be between {self.lowest:g} and {self.highest:g}, not {value!r}")


FONT_SCALE = Limits(0.75, 2.0)
ROLLOVER_HOUR = Limits(0, 23, whole=True)
DESIRED_RETENTION = Limits(0.70, 0.99)  # Anki's limits for FSRS
NEW_PER_DAY = Limits(0, 9999, whole=True)
REVIEWS_PER_DAY = Limits(0, 99999, whole=True)
# The daily reminder's time of day, local time, in minutes after midnight (19:00 by default).
REMINDER_MINUTE = Limits(0, 24 * 60 - 1, whole=True)
LIMITS = {
    "font_scale": FONT_SCALE,
    "rollover_hour": ROLLOVER_HOUR,
    "desired_retention": DESIRED_RETENTION,
    "new_per_day": NEW_PER_DAY,
    "all_decks_new_per_day": NEW_PER_DAY,
    "reviews_per_day": REVIEWS_PER_DAY,
    "reminder_minute": REMINDER_MINUTE,
}


@dataclass(frozen=True)
class Settings:
    theme: str = "light"
    font_scale: float = 1.0
    # The emergency numbers shown on "Get help now"; "" until the learner chooses one: the
    # system's locale decides meanwhile.
    region: str = ""
    rollover_hour: int = 4  # local time; when "today" begins
    quiz_counts_as_review: bool = False  # quiz answers on due or new cards update their schedule
    intro_seen: bool = False  # the first-run introduction has been shown
    # New cards a day across all decks together, on top of each deck's own limit (Anki's parent
    # deck limit): a fresh install with many decks starts with a day's worth, not one per deck.
    all_decks_new_per_day: int = 20
    # Defaults for every deck's study options (a deck may override them).
    desired_retention: float = 0.9
    new_per_day: int = 20
    reviews_per_day: int = 200
    # Read aloud and the daily reminder (off until the learner turns them on).
    read_aloud: bool = False  # every card is read aloud as it appears, and its answer when shown
    reminder_on: bool = False  # a daily notification at reminder_minute, only when cards are due
    reminder_minute: int = 19 * 60

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, not {self.theme!r}")
        if not isinstance(self.region, str):
            raise TypeError(f"region must be a region's id, not {self.region!r}")
        for name in ("quiz_counts_as_review", "intro_seen", "read_aloud", "reminder_on"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name.replace('_', ' ')} must be true or false, not {getattr(self, name)!r}")
        for name, limits in LIMITS.items():
            limits.check(name.replace("_", " "), getattr(self, name))

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> Settings:
        """The settings as stored. Keys this version does not know (from a newer app) are
        ignored, and a value it cannot use (from an older or newer app, or a damaged store) falls
        back to its default alone: the learner's other settings stay."""
        settings = cls()
        if not isinstance(data, dict):
            return settings
        for field in fields(cls):
            if field.name in data:
                with contextlib.suppress(TypeError, ValueError):
                    settings = replace(settings, **{field.name: data[field.name]})
        return settings


DEFAULTS = Settings()
