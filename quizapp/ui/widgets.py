"""Widgets every screen uses; their look is in widgets.kv and follows `app.theme`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.core.text import Label as CoreLabel
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import (
    AliasProperty,
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.spinner import Spinner
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from quizapp.ui.text import ELLIPSIS, SEPARATOR

if TYPE_CHECKING:
    from quizapp.ui.app import QuizApp


def load_kv_once(module_file: str) -> None:
    """Load the .kv file beside a module, once per process (a second load would double its rules)."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


class WrapLabel(Label):
    """A label whose text wraps to its width and whose height follows the text."""


class AppButton(Button):
    """A flat themed button at least 48dp high; its text wraps unless `wrap` is False."""

    fill = ObjectProperty((0.5, 0.5, 0.5, 1))
    ink = ObjectProperty((0, 0, 0, 1))
    disabled_fill = ObjectProperty((0.9, 0.9, 0.9, 1))
    wrap = BooleanProperty(True)


class ToggleChip(AppButton):
    """A button that stays on or off, showing a check mark when on (not colour alone)."""

    label = StringProperty()
    active = BooleanProperty(False)


class OnOffSwitch(ButtonBehavior, BoxLayout):
    """An on/off setting: a tap anywhere on the row asks to flip it (`on_release`; the screen saves
    the change and sets `active`). It reads "On" or "Off" beside a track whose knob sits right
    when on, so the state shows in words and shape, not colour alone."""

    label = StringProperty()
    active = BooleanProperty(False)


class OptionButton(AppButton):
    """An answer option; after checking it shows whether it was right, with a mark and a colour."""

    label = StringProperty()
    # right / wrong: what the learner picked, checked; missed: a right option they did not pick;
    # used: a match choice already given to an item.
    mark = OptionProperty("", options=["", "selected", "right", "wrong", "missed", "used"])


class AppSpinner(Spinner):
    """A drop-down choice drawn like the other buttons."""

    fill = ObjectProperty((0.5, 0.5, 0.5, 1))
    ink = ObjectProperty((0, 0, 0, 1))
    disabled_fill = ObjectProperty((0.9, 0.9, 0.9, 1))
    wrap = BooleanProperty(True)


class SpinnerChoice(AppButton):
    """One entry of an AppSpinner's list."""


class AppTextInput(TextInput):
    """A themed one-line text field."""


class Panel(BoxLayout):
    """A vertical group on a raised surface, as tall as its content."""


class Page(BoxLayout):
    """The scrolling column of a screen, as tall as its content; on wide windows the column
    keeps a readable width in the middle."""


def scroll_to_top_of(scroll: ScrollView, widget: Widget, padding: float = dp(8)) -> None:
    """Scroll so that `widget` (inside the scroll's page) stands at the top of the visible part,
    with what follows it below, or as near the top as the page allows.

    Used for a verdict after Check: the learner's eye goes to the verdict and the right answer
    under it, not to the controls they have just used. Labels get their heights over the next
    frames, so the scroll is applied again while the page grows, until the learner scrolls.
    """
    page = scroll.children[0] if scroll.children else None
    if page is None:
        return

    def apply(*_args: Any) -> None:
        if widget.parent is None:  # the next card: this one's scroll is no longer wanted
            stop()
            return
        room = page.height - scroll.height
        if room <= 0:
            return
        # Page and its boxes are not relative layouts: the widget's coordinates are the page's.
        offset = max(0.0, page.top - widget.top - padding)
        scroll.scroll_y = max(0.0, min(1.0, 1 - offset / room))
        # The scroll effect keeps its own copy of the position (and may still be moving after the
        # tap that answered): bring it along, or it would carry the page back where it was.
        effect = scroll.effect_y
        if effect is not None:
            effect.velocity = 0
            effect.value = -room * scroll.scroll_y

    def stop(*_args: Any) -> None:
        page.funbind("height", apply)
        widget.funbind("y", apply)
        scroll.funbind("height", apply)
        scroll.funbind("on_scroll_move", stop)

    # Labels measure their text over the next frames, the page grows and its layout then moves
    # the widget, and the view shrinks as the rating buttons take their room: follow all three
    # until the learner scrolls themselves, or the widget leaves the page.
    page.fbind("height", apply)
    widget.fbind("y", apply)
    scroll.fbind("height", apply)
    scroll.fbind("on_scroll_move", stop)  # a drag; a tap also starts a "scroll", so not that
    apply()


class TopBar(BoxLayout):
    """Back, the screen's title, and "Get help now" (one tap from every screen). The title grows
    with the text size; when it no longer fits whole between the buttons it takes a row of its
    own, rather than being cut mid-word."""

    title = StringProperty()
    show_back = BooleanProperty(True)
    show_help = BooleanProperty(True)
    title_inline = BooleanProperty(True)

    def on_kv_post(self, base_widget: Any) -> None:
        inline = self.ids.inline_title
        inline.bind(width=self._place_title, padding=self._place_title, font_size=self._place_title)
        self.bind(title=self._place_title)

    def _place_title(self, *_args: Any) -> None:
        inline = self.ids.inline_title
        needed = text_width(self.title, inline) + inline.padding[0] + inline.padding[2]
        self.title_inline = needed <= inline.width


class OneLineLabel(Label):
    """One line of `full_text`; when it is too long, the words that fit and "…", never part of a
    word (Kivy's own shortening keeps the last word, or cuts inside one). Only a first word
    wider than the whole line is cut."""

    full_text = StringProperty()

    def on_kv_post(self, base_widget: Any) -> None:
        self.bind(full_text=self._fit, width=self._fit, font_size=self._fit, padding=self._fit)
        self._fit()

    def _fit(self, *_args: Any) -> None:
        room = self.width - self.padding[0] - self.padding[2]
        text = " ".join(self.full_text.split())
        if text_width(text, self) <= room:
            self.text = text
            return
        words = text.split(" ")
        kept = next((count for count in range(len(words) - 1, 0, -1) if text_width(" ".join(words[:count]) + ELLIPSIS, self) <= room), 0)
        if kept:
            self.text = " ".join(words[:kept]) + ELLIPSIS
        else:
            first = words[0]
            length = next((end for end in range(len(first), 0, -1) if text_width(first[:end] + ELLIPSIS, self) <= room), 0)
            self.text = first[:length] + ELLIPSIS


class FlowLabel(WrapLabel):
    """Short items in a row, " · " between them, starting a new line between two items (never
    inside one) where the next would not fit, so no line ends or starts with a lone "·". Items
    may hold markup."""

    parts = ListProperty()
    separator = SEPARATOR

    def on_kv_post(self, base_widget: Any) -> None:
        self.bind(parts=self._flow, width=self._flow, font_size=self._flow)
        self._flow()

    def _flow(self, *_args: Any) -> None:
        lines: list[list[str]] = []
        for part in self.parts:
            if lines and text_width(plain_text(self.separator.join([*lines[-1], part])), self) <= self.width:
                lines[-1].append(part)
            else:
                lines.append([part])
        self.text = "\n".join(self.separator.join(line) for line in lines)


_MARKUP_TAG = re.compile(r"\[/?[a-z_]+(?:=[^\]]*)?\]")


def plain_text(markup: str) -> str:
    """The text a label with markup shows, without its tags."""
    return _MARKUP_TAG.sub("", markup).replace("&bl;", "[").replace("&br;", "]").replace("&amp;", "&")


def text_width(text: str, label: Label) -> float:
    """How wide `text` is on one line in the label's font (bold, as the widest case, if the label
    may bold part of it with markup)."""
    core = CoreLabel(font_size=label.font_size, font_name=label.font_name, bold=label.bold or label.markup)
    return float(core.get_extents(text)[0])


class BottomBar(BoxLayout):
    """The row of buttons along the bottom of a screen (look in widgets.kv)."""


class ButtonRow(GridLayout):
    """A row of buttons: one row while every label's longest line fits, else two rows, so a phone
    with large text never breaks a word like "Sett-ings" across lines."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cols=1, **kwargs)
        self.bind(width=self._arrange, children=self._arrange)
        App.get_running_app().theme.bind(font_body=self._arrange)

    def _arrange(self, *_args: Any) -> None:
        buttons = [child for child in self.children if isinstance(child, Button)]
        if not buttons:
            return
        for button in buttons:  # a new label (a spinner's choice) or type size may no longer fit
            for name in ("text", "font_size"):
                button.funbind(name, self._arrange)
                button.fbind(name, self._arrange)
        count = len(buttons)
        needed = max(
            CoreLabel(font_size=b.font_size, font_name=b.font_name, bold=b.bold).get_extents(line)[0] + _text_margin(b)
            for b in buttons
            for line in b.text.splitlines() or [""]
        )
        room = (self.width - self.padding[0] - self.padding[2] - self.spacing[0] * (count - 1)) / count
        self.cols = count if room >= needed else math.ceil(count / 2)


def _text_margin(button: Button) -> float:
    """The width a button keeps free beside its text: the space its wrapping width leaves (a
    spinner's arrow takes more than a button's padding), else a button's usual padding."""
    wrap_width = button.text_size[0]
    return button.width - wrap_width if wrap_width else dp(16)


class NavBar(ButtonRow):
    """A ButtonRow styled as the bar at the bottom of a screen."""


class ProgressLine(Widget):
    value = NumericProperty(0)
    max = NumericProperty(1)
    # The width of the done part: value / max of the line, within 0 and the whole line.
    filled_width = AliasProperty(
        lambda self: self.width * min(1, max(0, self.value / self.max)) if self.max else 0,
        bind=("width", "value", "max"),
        cache=True,
    )


class Stepper(BoxLayout):
    """A number changed with − and + buttons (big touch targets, no typing on a phone)."""

    label = StringProperty()
    value = NumericProperty(0)
    minimum = NumericProperty(0)
    maximum = NumericProperty(100)
    step = NumericProperty(1)
    formatter = ObjectProperty(str)

    __events__ = ("on_change",)

    def nudge(self, direction: int) -> None:
        """Move one step up (+1) or down (-1) within the limits and report the new value."""
        steps = round((self.value - self.minimum) / self.step) + direction
        value: float = min(self.maximum, max(self.minimum, self.minimum + steps * self.step))
        value = round(value, 6)
        if float(self.step).is_integer() and float(self.minimum).is_integer():
            value = int(value)
        if value != self.value:
            self.value = value
            self.dispatch("on_change", value)

    def on_change(self, value: float) -> None:
        pass


class AppScreen(Screen):
    """A screen of the app. The app calls `prepare` when it opens the screen, `on_return` when
    the learner comes back to it, and `handle_key` for keys the screen may use."""

    # False when the screen cannot be rebuilt after a restart (a quiz in progress); the app
    # then brings the learner back to the screen below it.
    restorable = True

    @property
    def app(self) -> QuizApp:
        app: QuizApp = App.get_running_app()
        return app

    def prepare(self, **params: Any) -> None:
        pass

    def on_return(self) -> None:
        pass

    def saved_params(self) -> dict[str, Any]:
        """What `prepare` needs to rebuild this screen after a restart (JSON values only)."""
        return {}

    def handle_key(self, key: int, codepoint: str | None, modifiers: list[str]) -> bool:
        return False

    def ask_before_leaving(self, leave: Callable[[], Any]) -> bool:
        """Back (the button, Esc, Android's back) is about to leave this screen: True when the
        screen asks first, and calls `leave` itself if the learner says yes."""
        return False

    def set_actions(self, buttons: dict[str, AppButton]) -> None:
        """Fill the screen's bottom bar (id `actions`); `action_buttons` keeps them by name."""
        self.action_buttons = buttons
        bar = self.ids.actions
        bar.clear_widgets()
        for button in buttons.values():
            bar.add_widget(button)

    @staticmethod
    def action(text: str, callback: Callable[[], Any], *, primary: bool = True, disabled: bool = False) -> AppButton:
        button: AppButton = Factory.PrimaryButton(text=text) if primary else AppButton(text=text)
        button.disabled = disabled
        button.bind(on_release=lambda _button: callback())
        return button

    def on_pre_leave(self, *_args: Any) -> None:
        # An open drop-down list would otherwise stay on top of the next screen.
        for widget in self.walk():
            if isinstance(widget, Spinner):
                widget.is_open = False

    def typing(self) -> bool:
        """Whether a text field on this screen has the keyboard (keys are then its own)."""
        return any(isinstance(widget, TextInput) and widget.focus for widget in self.walk())


load_kv_once(__file__)
