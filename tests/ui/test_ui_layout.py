"""Layout from a 360x640 phone to a desktop window: nothing wider than the window, touch targets
of at least 48dp, text wrapped inside its label."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.widget import Widget
from ui_driver import KEY_SPACE, ROUTES, Driver

from quizapp.ui.headless import pump

SIZES = [(360, 640), (412, 915), (1280, 800)]


@pytest.fixture(params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def window_size(request: pytest.FixtureRequest) -> Iterator[tuple[int, int]]:
    original = Window.size
    Window.size = request.param
    pump(2)
    yield request.param
    Window.size = original
    pump(2)


def shown(widget: Widget) -> Iterator[Widget]:
    """The widget and its descendants that take up room on screen."""
    if widget.opacity == 0 or widget.width <= 0 or widget.height <= 0:
        return
    yield widget
    for child in widget.children:
        yield from shown(child)


def check_layout(screen: Widget) -> None:
    width = Window.width
    for widget in shown(screen):
        name = f"{type(widget).__name__} {getattr(widget, 'text', '')[:40]!r} on {screen.name}"
        assert widget.x >= -1 and widget.right <= width + 1, f"{name} runs past the window: {widget.x}..{widget.right}"
        if isinstance(widget, Button):
            assert widget.height >= dp(48) - 0.5 and widget.width >= dp(48) - 0.5, f"{name} is a small touch target: {widget.size}"
        if isinstance(widget, Label) and widget.text and not widget.shorten and widget.text_size[0]:
            assert widget.texture_size[0] <= widget.width + 1, f"{name} does not wrap: {widget.texture_size} in {widget.size}"


def check_every_screen(ui: Driver) -> None:
    check_layout(ui.screen)
    for name in sorted(ROUTES):
        ui.app.go_home()
        ROUTES[name](ui)
        pump(3)
        check_layout(ui.screen)
        if name == "study":
            ui.press(KEY_SPACE)  # the answer side with its four rating buttons
            check_layout(ui.screen)


def test_every_screen_fits(ui: Driver, window_size: tuple[int, int]) -> None:
    check_every_screen(ui)


@pytest.mark.parametrize("window_size", [(360, 640)], indirect=True, ids=["360x640"])
def test_the_largest_text_still_fits_a_small_phone(ui: Driver, window_size: tuple[int, int]) -> None:
    ui.app.change_settings(font_scale=2.0)
    check_every_screen(ui)


@pytest.mark.parametrize("window_size", [(1920, 1080)], indirect=True, ids=["1920x1080"])
def test_text_keeps_a_readable_column_on_a_wide_window(ui: Driver, window_size: tuple[int, int]) -> None:
    page = ui.screen.ids.content
    assert page.width - page.padding[0] - page.padding[2] <= dp(760) + 1
