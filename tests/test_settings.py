"""App settings: one statement of each default and limit, and stored settings read field by
field, so one value an older or newer app cannot use never wipes the learner's other settings."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path
from typing import Any

import pytest

from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.core.options import DeckOptions
from quizapp.core.settings import (
    DEFAULTS,
    DESIRED_RETENTION,
    LIMITS,
    NEW_PER_DAY,
    REVIEWS_PER_DAY,
    Settings,
)

LEARNERS = {
    "theme": "dark",
    "font_scale": 1.5,
    "region": "uk",
    "rollover_hour": 2,
    "quiz_counts_as_review": True,
    "desired_retention": 0.85,
    "new_per_day": 5,
    "reviews_per_day": 150,
    "intro_seen": True,
    "all_decks_new_per_day": 30,
    "read_aloud": True,
    "reminder_on": True,
    "reminder_minute": 7 * 60 + 30,
}

# A value this version cannot use, for each setting: mistyped, out of range, or the wrong kind.
UNUSABLE = [
    ("theme", "purple"),
    ("theme", None),
    ("font_scale", 5),
    ("font_scale", "large"),
    ("region", 44),
    ("rollover_hour", 24),
    ("rollover_hour", 2.5),
    ("quiz_counts_as_review", "yes"),
    ("desired_retention", 0.5),
    ("desired_retention", True),
    ("new_per_day", -1),
    ("new_per_day", [20]),
    ("reviews_per_day", 100_000),
    ("intro_seen", 1),
    ("all_decks_new_per_day", -5),
    ("all_decks_new_per_day", 2.5),
    ("read_aloud", 1),
    ("reminder_on", "on"),
    ("reminder_minute", 24 * 60),
    ("reminder_minute", "19:00"),
]


def test_the_learners_settings_are_read_back_as_stored() -> None:
    assert Settings.from_dict(LEARNERS).to_dict() == LEARNERS


@pytest.mark.parametrize(("name", "value"), UNUSABLE, ids=[f"{name}={value!r}" for name, value in UNUSABLE])
def test_one_unusable_value_falls_back_alone_and_the_other_settings_stay(name: str, value: Any) -> None:
    settings = Settings.from_dict({**LEARNERS, name: value})
    assert settings.to_dict() == {**LEARNERS, name: getattr(DEFAULTS, name)}


def test_keys_from_a_newer_app_are_ignored_and_missing_ones_take_their_defaults() -> None:
    settings = Settings.from_dict({"theme": "dark", "haptics": "on"})
    assert settings == Settings(theme="dark")


@pytest.mark.parametrize("stored", [None, [], "dark", 3])
def test_stored_settings_that_are_not_a_mapping_give_the_defaults(stored: object) -> None:
    assert Settings.from_dict(stored) == DEFAULTS


def test_changing_a_setting_to_an_unusable_value_is_refused() -> None:
    for name, value in UNUSABLE:
        with pytest.raises((TypeError, ValueError)):
            DEFAULTS.with_changes(**{name: value})


def test_the_region_is_not_chosen_until_the_learner_chooses_one() -> None:
    assert DEFAULTS.region == ""
    assert Settings.from_dict({"region": "uk"}).region == "uk"


def test_every_limit_holds_its_default() -> None:
    for name, limits in LIMITS.items():
        limits.check(name, getattr(DEFAULTS, name))


def test_deck_options_take_the_settings_defaults_and_limits() -> None:
    options = DeckOptions()
    assert (options.desired_retention, options.new_per_day, options.reviews_per_day) == (
        DEFAULTS.desired_retention,
        DEFAULTS.new_per_day,
        DEFAULTS.reviews_per_day,
    )
    for name, limits in [("desired_retention", DESIRED_RETENTION), ("new_per_day", NEW_PER_DAY), ("reviews_per_day", REVIEWS_PER_DAY)]:
        DeckOptions(**{name: limits.lowest})
        DeckOptions(**{name: limits.highest})
        step = 0.01 if name == "desired_retention" else 1
        for outside in (limits.lowest - step, limits.highest + step):
            with pytest.raises(ValueError):
                DeckOptions(**{name: outside})
            with pytest.raises(ValueError):
                Settings(**{name: outside})


def test_a_stored_value_from_another_version_keeps_the_learners_other_settings(tmp_path: Path, clock: FixedClock) -> None:
    with Collection.open(tmp_path, clock=clock, tz=timezone.utc) as collection:
        collection.update_settings(**LEARNERS)
        # An app version where the text could be larger stored this.
        collection.store.set_setting("app", {**collection.settings.to_dict(), "font_scale": 3.0})
    with Collection.open(tmp_path, clock=clock, tz=timezone.utc) as collection:
        assert collection.settings.to_dict() == {**LEARNERS, "font_scale": DEFAULTS.font_scale}
