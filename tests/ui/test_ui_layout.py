"""Layout from a 360x640 phone to a desktop window: nothing wider than the window, touch targets
of at least 48dp, text wrapped inside its label."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kivy.core.window import Window
from kivy.metrics import dp
from ui_driver import KEY_SPACE, ROUTES, Driver, check_layout, damage_progress

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


def check_every_screen(ui: Driver) -> None:
    check_layout(ui.screen)
    for name in sorted(ROUTES):
        ui.app.go_home()
        ROUTES[name](ui)
        pump(3)
        check_layout(ui.screen)
        if name == "study":
            ui.press(KEY_SPACE)  # the answer side with its four rating buttons
            ui.tap(ui.screen.ids.more_button)  # and Bury and Suspend
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


def test_the_recovery_screen_fits(start_app: Callable[..., Driver], data_dir: Path, window_size: tuple[int, int]) -> None:
    start_app().stop()
    damage_progress(data_dir)
    ui = start_app()
    assert ui.screen.name == "recovery"
    ui.tap(ui.screen.ids.start_empty_button)  # the longer "Tap again ..." text
    check_layout(ui.screen)
