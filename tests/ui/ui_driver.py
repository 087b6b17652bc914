"""Driving the app in tests: taps, key presses, typing, and the ways to reach each screen.

Imported by the test modules after conftest.py has configured the offscreen window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kivy.core.window import Window
from kivy.metrics import dp
from kivy.tests.common import UnitTestTouch
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from quizapp.core.quiz import QuestionKind
from quizapp.core.store import DB_NAME
from quizapp.ui.app import QuizApp
from quizapp.ui.dialogs import QuestionDialog
from quizapp.ui.headless import pump, run_until
from quizapp.ui.screenshots import response_for
from quizapp.ui.tasks import TaskScreen
from quizapp.ui.widgets import AppScreen

KEY_ESC, KEY_ENTER, KEY_SPACE = 27, 13, 32


class Driver:
    """Acts on the running app as a person would: taps what is on screen, presses keys."""

    def __init__(self, app: QuizApp) -> None:
        self.app = app
        self.stopped = False

    def stop(self) -> None:
        """Quit the app as a person closing it would (on_stop runs)."""
        if not self.stopped:
            self.stopped = True
            self.app.stop()
            # Kivy's App.stop removes the window's children while iterating over them, so with a
            # drop-down or popup open one of them (maybe the old root) stays, still drawn and
            # touched, into the next app's test.
            for child in list(Window.children):
                Window.remove_widget(child)

    @property
    def screen(self) -> AppScreen:
        return self.app.current_screen()

    def tap(self, widget: Widget) -> None:
        """Scroll the widget into view if needed, then touch its centre."""
        assert widget.get_root_window() is not None, f"{widget} is not on screen"
        # A person waits for a button that is greyed out while a worker thread finishes; a loaded
        # machine can deliver that thread's Clock callback a few frames late.
        try:
            run_until(lambda: not widget.disabled, timeout=3)
        except TimeoutError:
            raise AssertionError(f"{widget} is disabled") from None
        scroll = next((parent for parent in ancestors(widget) if isinstance(parent, ScrollView)), None)
        # A RecycleView only makes rows for what is in view, so its rows need no scrolling. (Kivy's
        # Factory loads it as a second module, kivy.uix.recycleview.__init__, so no isinstance.)
        pump(1)  # a person never taps in the same frame as the screen changed
        if scroll is not None and not hasattr(scroll, "viewclass"):
            # A page still moving takes a touch as "stop here", not as a tap: a person waits for
            # it to come to rest. It moves by itself when its content shrinks while it is scrolled
            # to the end (Kivy's DampedScrollEffect springs it back over about two seconds, say
            # after "Start sharing" changes the panel under the finger).
            run_until(lambda: not any(effect and effect.velocity for effect in (scroll.effect_x, scroll.effect_y)), timeout=5)
            x, y = self._scrolled_into_view(widget, scroll)
        else:
            x, y = widget.to_window(*widget.center)
        assert 0 <= x < Window.width and 0 <= y < Window.height, f"{widget} is outside the window at ({x:.0f}, {y:.0f}), size {widget.size}"
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        pump(2)

    @staticmethod
    def _scrolled_into_view(widget: Widget, scroll: ScrollView) -> tuple[float, float]:
        """Where the widget's centre is once it stands still in view: a layout that finishes a
        frame later (a panel filled by a worker thread) can still move it after scrolling."""
        last = None
        for _ in range(30):  # a loaded machine can take many frames to finish a growing page
            scroll.scroll_to(widget, animate=False)  # waits a frame if a layout is pending
            pump(1)
            now = widget.to_window(*widget.center)
            if now == last:
                break
            last = now
        return now

    def press(self, key: int, codepoint: str | None = None, modifiers: Sequence[str] = ()) -> bool:
        """A key press as SDL2 delivers it: on_key_down, then on_keyboard unless it was taken."""
        taken = bool(Window.dispatch("on_key_down", key, 0, codepoint, list(modifiers)))
        if not taken:
            taken = bool(Window.dispatch("on_keyboard", key, 0, codepoint, list(modifiers)))
        Window.dispatch("on_key_up", key, 0)
        pump(3)
        return taken

    def type(self, text: str) -> None:
        Window.dispatch("on_textinput", text)
        pump(2)

    def back(self) -> bool:
        return self.press(KEY_ESC)


def ancestors(widget: Widget) -> Iterator[Widget]:
    """The widget's parents up to the window (whose parent is itself)."""
    parent = widget.parent
    while parent is not None and parent is not Window:
        yield parent
        parent = parent.parent


def shown(widget: Widget) -> Iterator[Widget]:
    """The widget and its descendants that take up room on screen."""
    if widget.opacity == 0 or widget.width <= 0 or widget.height <= 0:
        return
    yield widget
    for child in widget.children:
        yield from shown(child)


def check_layout(screen: Widget) -> None:
    """Nothing runs past the window, every button is a 48dp touch target, labels wrap."""
    width = Window.width
    for widget in shown(screen):
        name = f"{type(widget).__name__} {getattr(widget, 'text', '')[:40]!r} on {screen.name}"
        assert widget.x >= -1 and widget.right <= width + 1, f"{name} runs past the window: {widget.x}..{widget.right}"
        if isinstance(widget, Button):
            assert widget.height >= dp(48) - 0.5 and widget.width >= dp(48) - 0.5, f"{name} is a small touch target: {widget.size}"
        if isinstance(widget, Label) and widget.text and not widget.shorten and widget.text_size[0]:
            assert widget.texture_size[0] <= widget.width + 1, f"{name} does not wrap: {widget.texture_size} in {widget.size}"


def open_dialog() -> QuestionDialog | None:
    """The question the app shows over the screen, if any."""
    return next((child for child in Window.children if isinstance(child, QuestionDialog)), None)


def finish(screen: TaskScreen, *tasks: str) -> None:
    """Wait for a screen's worker threads (the frames keep running meanwhile)."""
    run_until(lambda: not set(tasks) & set(screen.busy), timeout=15)
    pump(3)


def status(screen: TaskScreen, task: str) -> tuple[str, bool]:
    """What a task's status label says, and whether it says it as an error."""
    label = screen.ids[f"{task}_status"]
    return label.text, label.error


def texts(widget: Widget) -> list[str]:
    """Every text shown in the widget and its descendants."""
    return [text for child in widget.walk() if isinstance(text := getattr(child, "text", None), str) and text]


def deck_panel(ui: Driver, deck_id: str) -> Any:
    """The home screen's panel of one deck."""
    return next(panel for panel in ui.screen.ids.content.children if getattr(panel, "deck_id", None) == deck_id)


def damage_progress(data_dir: Path) -> bytes:
    """Overwrite the (closed) progress database with bytes that are not a database; returns them."""
    garbage = b"this is not a database " * 1000
    (data_dir / DB_NAME).write_bytes(garbage)
    return garbage


def tap_deck_action(ui: Driver, deck_id: str, action: str) -> None:
    """Tap Quiz, Stats or Options of a deck on the home screen, unfolding its ⋯ menu first."""
    panel = deck_panel(ui, deck_id)
    if not panel.expanded:
        ui.tap(panel.ids.menu_button)
    ui.tap(panel.ids[action])


DECK = "basics"


# How a learner reaches each screen from home: the taps, in order.
ROUTES: dict[str, Callable[[Driver], None]] = {
    "study": lambda ui: ui.tap(deck_panel(ui, DECK).ids.study),
    "quiz_setup": lambda ui: tap_deck_action(ui, DECK, "quiz"),
    "stats": lambda ui: tap_deck_action(ui, DECK, "stats"),
    "deck_options": lambda ui: tap_deck_action(ui, DECK, "options"),
    "browse": lambda ui: ui.tap(ui.screen.ids.browse_button),
    "settings": lambda ui: ui.tap(ui.screen.ids.settings_button),
    "help": lambda ui: ui.tap(ui.screen.ids.top_bar.ids.help_button),
    "import": lambda ui: ui.tap(ui.screen.ids.import_button),
    "share": lambda ui: ui.tap(ui.screen.ids.share_button),
}


def open_quiz(ui: Driver) -> None:
    ROUTES["quiz_setup"](ui)
    ui.tap(ui.screen.ids.start_button)


def open_card(ui: Driver) -> None:
    ROUTES["browse"](ui)
    ui.tap(ui.screen.ids.results.children[0].children[-1])


def open_intro(ui: Driver) -> None:
    ROUTES["settings"](ui)
    ui.tap(ui.screen.ids.show_intro)


ROUTES["quiz"] = open_quiz
ROUTES["card"] = open_card
ROUTES["intro"] = open_intro


def answer_by_taps(ui: Driver, widget, right: bool) -> None:
    """Answer an interactive card or question through its own buttons, as a learner would."""
    question = widget.question
    response = response_for(question, right)
    kind = question.kind
    if kind is QuestionKind.CHOICE:
        for option in response:
            ui.tap(widget.buttons[option])
        if question.multiple_answers:
            ui.tap(widget.check_button)
    elif kind is QuestionKind.TRUEFALSE:
        ui.tap(widget.ids.true_button if response else widget.ids.false_button)
    elif kind is QuestionKind.TYPEIN:
        ui.tap(widget.ids.field)
        ui.type(response)
        ui.press(KEY_ENTER)
    elif kind is QuestionKind.ORDER:
        for step in response:
            ui.tap(next(button for button in widget.ids.remaining_list.children if button.label == step))
        ui.tap(widget.ids.check)
    else:
        for item in question.items:
            ui.tap(widget.item_buttons[item])
            ui.tap(next(button for button in widget.ids.choice_list.children if button.label == response[item]))
        ui.tap(widget.ids.check)
