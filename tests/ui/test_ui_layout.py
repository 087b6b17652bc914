"""Layout from a 360x640 phone to a desktop window: nothing wider than the window, touch targets
of at least 48dp, text wrapped inside its label, no word cut in half, several decks in view on a
small phone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.widget import Widget
from ui_driver import (
    KEY_SPACE,
    ROUTES,
    Driver,
    check_layout,
    damage_progress,
    deck_panel,
    shown,
    tap_deck_action,
)

from quizapp.core.datadir import bundled_decks_dir
from quizapp.ui.headless import pump
from quizapp.ui.text import ELLIPSIS, SEPARATOR
from quizapp.ui.widgets import FlowLabel, OneLineLabel, plain_text, text_width

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


def whole_words_shown(label: Label) -> bool:
    """Whether a one-line label that shortens its text keeps whole words ("Browse…", never
    "Browse c…")."""
    if isinstance(label, OneLineLabel):
        full, shown_text, ellipsis = " ".join(label.full_text.split()), label.text, ELLIPSIS
    else:  # Kivy's own shortening, which marks the cut with "..."
        full, shown_text, ellipsis = label.text.replace("\n", " "), label._label.shorten(label.text), "..."
    if shown_text == full:
        return True
    kept = shown_text.removesuffix(ellipsis).rstrip()
    return bool(kept) and full.startswith(kept) and full[len(kept)] == " "


def words_fit(label: Label) -> bool:
    """Whether every word of a wrapping label fits its width, so that no word is broken across lines."""
    room = label.text_size[0] - label.padding[0] - label.padding[2]
    words = plain_text(label.text).split()
    return not words or max(text_width(word, label) for word in words) <= room + 1


def check_words_whole(screen: Widget) -> None:
    for widget in shown(screen):
        if not isinstance(widget, Label) or not widget.text.strip() or isinstance(widget, Button):
            continue
        name = f"{type(widget).__name__} {widget.text[:40]!r} on {screen.name}"
        if widget.shorten or isinstance(widget, OneLineLabel):
            assert whole_words_shown(widget), f"{name} is cut mid-word"
        elif widget.text_size[0]:
            assert words_fit(widget), f"{name} breaks a word across lines at width {widget.width}"
        if isinstance(widget, FlowLabel):  # each line fits as laid out, so Kivy never wraps after a "·"
            lines = plain_text(widget.text).split("\n")
            assert all(text_width(line, widget) <= widget.width + 1 or SEPARATOR not in line for line in lines), f"{name} wraps after a ·"


def visible_deck_rows(ui: Driver) -> list[Widget]:
    """The home screen's deck rows that are whole in view without scrolling."""
    scroll = ui.screen.ids.scroll
    bottom, top = scroll.to_window(scroll.x, scroll.y)[1], scroll.to_window(scroll.x, scroll.top)[1]
    rows = [panel for panel in ui.screen.ids.content.children if getattr(panel, "deck_id", None)]
    return [row for row in rows if bottom - 1 <= row.to_window(row.x, row.y)[1] and row.to_window(row.x, row.top)[1] <= top + 1]


SMALL_PHONE = pytest.mark.parametrize("window_size", [(360, 640)], indirect=True, ids=["360x640"])
TEXT_SCALES = pytest.mark.parametrize("font_scale", [1.0, 2.0], ids=["100%", "200%"])


@SMALL_PHONE
def test_home_shows_at_least_four_decks_on_a_small_phone(start_app: Callable[..., Driver], window_size: tuple[int, int]) -> None:
    ui = start_app(deck_folders=[bundled_decks_dir()])  # the real decks, with their long titles
    assert len(ui.app.collection.deck_ids()) >= 5
    assert len(visible_deck_rows(ui)) >= 4
    check_layout(ui.screen)
    # Quiz, Stats and Options fold away under ⋯ and come back with one tap.
    tap_deck_action(ui, ui.app.collection.deck_ids()[0], "options")
    assert ui.screen.name == "deck_options"


@SMALL_PHONE
def test_home_bar_takes_one_row_on_a_small_phone(ui: Driver, window_size: tuple[int, int]) -> None:
    bar_buttons = [ui.screen.ids[name] for name in ("browse_button", "stats_button", "settings_button", "share_button")]
    assert len({round(button.y) for button in bar_buttons}) == 1
    assert ui.screen.ids.import_button.get_root_window() is not None  # Import stays on the home screen, below the decks


@SMALL_PHONE
@TEXT_SCALES
def test_no_word_is_cut_on_a_small_phone(start_app: Callable[..., Driver], window_size: tuple[int, int], font_scale: float) -> None:
    ui = start_app(deck_folders=[bundled_decks_dir()])
    ui.app.change_settings(font_scale=font_scale)
    pump(3)
    check_words_whole(ui.screen)
    deck_id = ui.app.collection.deck_ids()[0]
    tap_deck_action(ui, deck_id, "options")
    pump(2)
    check_words_whole(ui.screen)
    ui.app.go_home()
    ROUTES["browse"](ui)
    pump(3)
    check_words_whole(ui.screen)
    ui.app.go_home()
    ui.tap(deck_panel(ui, deck_id).ids.study)  # a deck's long title in the top bar
    check_words_whole(ui.screen)


@SMALL_PHONE
def test_the_screen_title_grows_with_the_text_size(ui: Driver, window_size: tuple[int, int]) -> None:
    home_bar = ui.screen.ids.top_bar
    assert home_bar.title_inline  # "Your decks" fits beside Get help now
    normal_size = home_bar.ids.inline_title.font_size
    ROUTES["browse"](ui)
    ui.app.change_settings(font_scale=2.0)
    pump(3)
    bar = ui.screen.ids.top_bar
    assert not bar.title_inline  # on a row of its own, under Back and Get help now
    assert bar.ids.title_row.font_size >= 2 * normal_size - 0.5
    assert bar.ids.title_row.text == "Browse cards"
    check_layout(ui.screen)


@pytest.mark.parametrize("window_size", [(1280, 800)], indirect=True, ids=["1280x800"])
def test_browse_rows_and_deck_options_line_up_on_a_desktop(ui: Driver, window_size: tuple[int, int]) -> None:
    ROUTES["browse"](ui)
    column = ui.screen.ids.search_field
    for row in ui.screen.ids.results.children[0].children:
        assert column.x - dp(12) <= row.column_x and row.column_right <= column.right + dp(12)
    ui.app.go_home()
    ROUTES["deck_options"](ui)
    steppers = [ui.screen.ids[name] for name in ("new_per_day", "reviews_per_day", "desired_retention", "maximum_interval", "leech_threshold")]
    for button in ("down", "up"):
        columns = [stepper.ids[button].to_window(*stepper.ids[button].pos)[0] for stepper in steppers]
        assert max(columns) - min(columns) <= 1, f"the {button} buttons are at {columns}"
