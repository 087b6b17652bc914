"""Settings: theme, text size, emergency region, and the study options every deck starts from.
Each change is saved at once (the collection validates and persists it)."""

from __future__ import annotations

from typing import Any

from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)

from quizapp.core.errors import DeckFileError
from quizapp.core.settings import DEFAULTS
from quizapp.ui.widgets import AppScreen, load_kv_once


def as_percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def as_hour(value: float) -> str:
    return f"{int(value):02d}:00"


def as_count(value: float) -> str:
    return str(int(value))


class SettingsScreen(AppScreen):
    """Shows the learner's settings (`prepare` reads them); the steppers' limits are core's."""

    theme_name = StringProperty(DEFAULTS.theme)
    font_scale = NumericProperty(DEFAULTS.font_scale)
    region_name = StringProperty()
    region_names = ListProperty()
    desired_retention = NumericProperty(DEFAULTS.desired_retention)
    new_per_day = NumericProperty(DEFAULTS.new_per_day)
    reviews_per_day = NumericProperty(DEFAULTS.reviews_per_day)
    rollover_hour = NumericProperty(DEFAULTS.rollover_hour)
    quiz_counts_as_review = BooleanProperty(DEFAULTS.quiz_counts_as_review)

    def prepare(self, **_params: Any) -> None:
        settings = self.app.settings
        for name in ("font_scale", "desired_retention", "new_per_day", "reviews_per_day", "rollover_hour", "quiz_counts_as_review"):
            setattr(self, name, getattr(settings, name))
        self.theme_name = settings.theme
        try:
            content = self.app.help_content()
        except DeckFileError:  # the help screen says so; here the region list is just empty
            self.region_names, self.region_name = [], settings.region
            return
        self.region_names = [region.name for region in content.regions]
        self.region_name = content.region(settings.region).name

    def change(self, name: str, value: Any) -> None:
        """Save one setting; the screen then shows what was saved."""
        settings = self.app.change_settings(**{name: value})
        setattr(self, "theme_name" if name == "theme" else name, getattr(settings, name))

    def choose_region(self, name: str) -> None:
        region = self.app.help_content().region(name)
        if region.id != self.app.settings.region:
            self.change("region", region.id)
            self.region_name = region.name


load_kv_once(__file__)
