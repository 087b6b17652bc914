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

# The region chooser's first entry: no region of one's own, "Get help now" follows the device.
AUTOMATIC_REGION = "Automatic (from this device's settings)"


def as_percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def as_hour(value: float) -> str:
    return f"{int(value):02d}:00"


def as_clock(minutes: float) -> str:
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def as_count(value: float) -> str:
    return str(int(value))


class SettingsScreen(AppScreen):
    """Shows the learner's settings (`prepare` reads them); the steppers' limits are core's."""

    theme_name = StringProperty(DEFAULTS.theme)
    font_scale = NumericProperty(DEFAULTS.font_scale)
    region_name = StringProperty()  # the chooser's text: a region's name or AUTOMATIC_REGION
    region_names = ListProperty()
    region_detail = StringProperty()  # with Automatic: the region the device's locale gives, if any
    desired_retention = NumericProperty(DEFAULTS.desired_retention)
    new_per_day = NumericProperty(DEFAULTS.new_per_day)
    all_decks_new_per_day = NumericProperty(DEFAULTS.all_decks_new_per_day)
    reviews_per_day = NumericProperty(DEFAULTS.reviews_per_day)
    rollover_hour = NumericProperty(DEFAULTS.rollover_hour)
    quiz_counts_as_review = BooleanProperty(DEFAULTS.quiz_counts_as_review)
    read_aloud = BooleanProperty(DEFAULTS.read_aloud)
    voice_available = BooleanProperty(True)
    reminder_on = BooleanProperty(DEFAULTS.reminder_on)
    reminder_minute = NumericProperty(DEFAULTS.reminder_minute)
    reminders_while_closed = BooleanProperty(False)

    def prepare(self, **_params: Any) -> None:
        settings = self.app.settings
        for name in ("font_scale", "desired_retention", "new_per_day", "all_decks_new_per_day", "reviews_per_day", "rollover_hour", "quiz_counts_as_review"):
            setattr(self, name, getattr(settings, name))
        self.theme_name = settings.theme
        self.read_aloud, self.reminder_on, self.reminder_minute = settings.read_aloud, settings.reminder_on, settings.reminder_minute
        self.voice_available = self.app.speech.available()
        self.reminders_while_closed = self.app.reminders.while_closed
        self.show_region()

    def show_region(self) -> None:
        """The emergency region as it stands: the learner's choice, or Automatic and what the
        device's settings give ("" in the setting means Automatic)."""
        try:
            content, shown = self.app.help_content(), self.app.help_region()
        except DeckFileError:  # the help screen says so; here the region list is just empty
            self.region_names, self.region_name, self.region_detail = [], self.app.settings.region, ""
            return
        self.region_names = [AUTOMATIC_REGION, *(region.name for region in content.regions)]
        if self.app.settings.region:
            self.region_name, self.region_detail = (shown.name if shown else ""), ""
            return
        self.region_name = AUTOMATIC_REGION
        self.region_detail = (
            f"This device's settings give {shown.name}."
            if shown
            else 'This device\'s settings name no region in the list, so "Get help now" says to call your local emergency number.'
        )

    def change(self, name: str, value: Any) -> None:
        """Save one setting; the screen then shows what was saved."""
        settings = self.app.change_settings(**{name: value})
        setattr(self, "theme_name" if name == "theme" else name, getattr(settings, name))

    def choose_region(self, name: str) -> None:
        """Keep a region chosen by its name, or Automatic (""); the chooser's current text
        changes nothing."""
        if name == self.region_name or name not in self.region_names:
            return
        region = self.app.help_content().region(name)
        self.app.change_settings(region=region.id if region else "")
        self.show_region()


load_kv_once(__file__)
