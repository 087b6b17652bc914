"""Deck options: one deck's study options (daily limits, desired retention, maximum interval,
learning and relearning steps, burying, leeches) over the app-wide ones.

An option the learner has not changed here follows Settings (retention and the daily limits) or
the app's default (the rest); each says which, and "Use app setting" / "Use app settings" drop the
deck's own values. Every change is saved at once through the collection, which validates it; the
controls only offer valid values (steppers within limits, durations from a list).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout

from quizapp.core.intervals import describe_interval
from quizapp.core.options import DeckOptions
from quizapp.core.settings import Settings
from quizapp.ui.widgets import AppScreen, Stepper, load_kv_once

# The options this screen edits, in the order they appear.
EDITED = (
    "new_per_day",
    "reviews_per_day",
    "desired_retention",
    "maximum_interval",
    "learning_steps",
    "relearning_steps",
    "bury_siblings",
    "leech_threshold",
    "leech_suspend",
)
# Deck options whose app-wide value is on the Settings screen; the others follow DeckOptions' defaults.
FROM_SETTINGS = frozenset(f.name for f in fields(Settings)) & frozenset(f.name for f in fields(DeckOptions))

STEP_CHOICES = (60, 120, 180, 300, 600, 900, 1200, 1800, 2700, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 259200)  # seconds
MAX_STEPS = 8
INTERVAL_CHOICES = (7, 14, 30, 60, 90, 180, 365, 730, 1095, 1825, 3650, 7300, 18250, 36500)  # days


def as_percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def as_count(value: float) -> str:
    return str(int(value))


def as_steps(steps: Sequence[int]) -> str:
    return " ".join(describe_interval(step) for step in steps) or "none"


def as_days(days: float) -> str:
    days = int(days)
    if days < 365:
        return f"{days} day" if days == 1 else f"{days} days"
    years = days / 365
    return ("1 year" if years == 1 else f"{years:.1f}".removesuffix(".0") + " years")


DESCRIBE: dict[str, Callable[[Any], str]] = {
    "new_per_day": as_count,
    "reviews_per_day": as_count,
    "desired_retention": as_percent,
    "maximum_interval": as_days,
    "learning_steps": as_steps,
    "relearning_steps": as_steps,
    "bury_siblings": lambda on: "on" if on else "off",
    "leech_threshold": as_count,
    "leech_suspend": lambda on: "suspend it" if on else "keep studying it",
}


class ChoiceStepper(Stepper):
    """A Stepper over a list of values (`choices`); `value` is the index of the one shown."""

    choices = ListProperty()
    describe = ObjectProperty(str)

    def show(self, chosen: Any, offered: Sequence[Any]) -> None:
        """Offer `offered` and show `chosen` (added to the list when it is not in it)."""
        choices = sorted({*offered, chosen})
        self.choices, self.minimum, self.maximum, self.step = choices, 0, len(choices) - 1, 1
        self.value = choices.index(chosen)
        describe = self.describe
        self.formatter = lambda index: describe(choices[min(int(index), len(choices) - 1)])

    @property
    def chosen(self) -> Any:
        return self.choices[int(self.value)]


class StepsEditor(BoxLayout):
    """Learning or relearning steps: one stepper per step, "Add a step" and "Remove the last step"."""

    steps = ListProperty()  # seconds
    step_label = StringProperty("Step")
    empty_text = StringProperty()

    __events__ = ("on_change",)

    def on_kv_post(self, base_widget: Any) -> None:
        self.on_steps()

    def on_steps(self, *_args: Any) -> None:
        if "rows" not in self.ids:
            return
        rows = self.ids.rows
        shown = list(reversed(rows.children))
        if len(shown) == len(self.steps) and all(isinstance(s, ChoiceStepper) and s.chosen == v for s, v in zip(shown, self.steps)):
            return  # already showing these steps (the change came from one of them)
        rows.clear_widgets()
        if not self.steps:
            rows.add_widget(Factory.Muted(text=self.empty_text))
        for index, seconds in enumerate(self.steps):
            stepper = ChoiceStepper(label=f"{self.step_label} {index + 1}", describe=describe_interval)
            stepper.show(seconds, STEP_CHOICES)
            stepper.bind(on_change=lambda widget, _value, index=index: self._set(index, widget.chosen))
            rows.add_widget(stepper)

    def _set(self, index: int, seconds: int) -> None:
        steps = list(self.steps)
        steps[index] = seconds
        self.dispatch("on_change", tuple(steps))

    def add_step(self) -> None:
        last = self.steps[-1] if self.steps else 0
        following = next((choice for choice in STEP_CHOICES if choice > last), last)
        self.dispatch("on_change", (*self.steps, following))

    def remove_step(self) -> None:
        self.dispatch("on_change", tuple(self.steps[:-1]))

    def on_change(self, steps: tuple[int, ...]) -> None:
        pass


class FollowNote(BoxLayout):
    """Under an option: whether it follows the app-wide value, and a button to follow it again."""

    overridden = BooleanProperty(False)
    text = StringProperty()
    button_text = StringProperty()

    __events__ = ("on_reset",)

    def on_reset(self) -> None:
        pass


class DeckOptionsScreen(AppScreen):
    deck_id = StringProperty()
    deck_title = StringProperty()
    options = ObjectProperty(DeckOptions())  # what the deck uses
    followed = ObjectProperty(DeckOptions())  # what it would use without its own values
    overridden = ListProperty()  # names of the options this deck sets itself
    bury_siblings = BooleanProperty(True)
    leech_suspend = BooleanProperty(False)
    teacher_version_text = StringProperty()  # set while a teacher's version of a bundled deck is in use
    version_status = StringProperty()

    def prepare(self, deck_id: str = "", **_params: Any) -> None:
        info, _sources = self.app.collection.deck_info(deck_id)  # NotFoundError for a deck that is gone
        self.deck_id, self.deck_title = deck_id, info.title
        self.version_status = ""
        self.refresh()

    def saved_params(self) -> dict[str, Any]:
        return {"deck_id": self.deck_id}

    def on_return(self) -> None:
        self.refresh()  # Settings may have changed the app-wide values

    def refresh(self) -> None:
        collection = self.app.collection
        record = collection.deck_record(self.deck_id)
        self.teacher_version_text = (
            f"You use your teacher's version of this deck, from {record.origin.describe()}. The app's own version is kept too."
            if record is not None and record.adapts
            else ""
        )
        self.followed = collection.app_deck_options()
        options = self.options = collection.deck_options(self.deck_id)
        self.overridden = [name for name in EDITED if getattr(options, name) != getattr(self.followed, name)]
        ids = self.ids
        for name in ("new_per_day", "reviews_per_day", "desired_retention", "leech_threshold"):
            ids[name].value = getattr(options, name)
        self.bury_siblings, self.leech_suspend = options.bury_siblings, options.leech_suspend
        ids.maximum_interval.show(options.maximum_interval, INTERVAL_CHOICES)
        ids.learning_steps.steps = list(options.learning_steps)
        ids.relearning_steps.steps = list(options.relearning_steps)
        for name in EDITED:
            note, followed = ids[f"{name}_note"], DESCRIBE[name](getattr(self.followed, name))
            where = "Settings" if name in FROM_SETTINGS else "the app's default"
            note.overridden = name in self.overridden
            note.text = f"This deck only. App setting: {followed}" if note.overridden else f"Follows {where}."
            note.button_text = "Use app setting"

    def change(self, name: str, value: Any) -> None:
        """Save one option for this deck; back at the app-wide value, the deck follows it again."""
        if value == getattr(self.followed, name):
            self.app.collection.clear_deck_options(self.deck_id, name)
        else:
            self.app.collection.set_deck_options(self.deck_id, **{name: value})
        self.refresh()

    def use_bundled(self) -> None:
        """Back from the teacher's version to the deck that comes with the app (progress kept by card id)."""
        update = self.app.collection.use_bundled(self.deck_id)
        self.deck_title = self.app.collection.deck_info(self.deck_id)[0].title
        self.version_status = f"Back to the app's version (v{update.version}); your teacher's version will not be offered again. Your progress is kept."
        self.refresh()

    def use_app_settings(self, *names: str) -> None:
        """Drop this deck's own values for `names` (every option on this screen when none given)."""
        self.app.collection.clear_deck_options(self.deck_id, *(names or EDITED))
        self.refresh()


load_kv_once(__file__)
