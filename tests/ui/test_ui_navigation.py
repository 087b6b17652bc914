"""Moving between screens: every screen opens from the UI, Back returns one screen and never
quits from a deep screen, and "Get help now" is one tap away everywhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kivy.core.window import Window
from ui_driver import KEY_ESC, ROUTES, Driver

from quizapp.ui.app import SCREENS


def test_every_screen_has_a_route() -> None:
    # Recovery opens only at start, instead of home, when the progress database is damaged
    # (test_ui_recovery.py).
    assert set(ROUTES) == set(SCREENS) - {"home", "recovery"}


def test_home_lists_the_decks_with_todays_counts(ui: Driver) -> None:
    panels = {panel.deck_id: panel for panel in ui.screen.ids.content.children if hasattr(panel, "deck_id")}
    assert set(panels) == {"all-types", "basics"}
    assert "3\u00a0new" in panels["basics"].counts_text
    assert "9\u00a0new" in panels["all-types"].counts_text  # the reverse card and its sibling count twice


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_back_from_every_screen_returns_one_screen_and_never_quits(ui: Driver, name: str) -> None:
    ROUTES[name](ui)
    stack = ui.app.stack
    assert stack[-1] == name and len(stack) >= 2
    while len(ui.app.stack) > 1:
        before = ui.app.stack
        assert ui.back(), "Back on a deep screen must be handled, not passed on to quit the app"
        assert ui.app.stack == before[:-1]
        assert ui.screen.name == before[-2]
    # On home, Back is left to Kivy (on Android that sends the app to the background).
    assert ui.app._on_keyboard(Window, KEY_ESC, 0, None, []) is False


@pytest.mark.parametrize("name", sorted(set(ROUTES) - {"help"}))
def test_get_help_is_one_tap_from_every_screen(ui: Driver, name: str) -> None:
    ROUTES[name](ui)
    help_button = ui.screen.ids.top_bar.ids.help_button
    assert help_button.width >= 48 and help_button.height >= 48
    ui.tap(help_button)
    assert ui.screen.name == "help"
    assert ui.screen.ids.number.text == "911"
    ui.back()
    assert ui.screen.name == name


def test_the_back_button_on_the_top_bar_goes_back(ui: Driver) -> None:
    ROUTES["browse"](ui)
    ui.tap(ui.screen.ids.top_bar.ids.back_button)
    assert ui.app.stack == ("home",)


def test_screens_are_loaded_when_first_opened(start_app: Callable[..., Driver]) -> None:
    start_app()  # the first start, with its introduction
    ui = start_app()
    assert {screen.name for screen in ui.app.manager.screens} == {"home"}
    ROUTES["settings"](ui)
    assert {screen.name for screen in ui.app.manager.screens} == {"home", "settings"}


def test_a_start_imports_only_the_home_screen(tmp_path) -> None:
    """A phone starts faster when the other screens' modules and kv files load on first use
    (after the first start, which also shows the introduction)."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        f"""
        from quizapp.ui.headless import use_offscreen_window, run_until
        use_offscreen_window(360, 640)
        import sys
        from pathlib import Path
        from quizapp.core.collection import Collection
        from quizapp.ui.app import QuizApp
        with Collection.open(Path({str(tmp_path / "data")!r})) as collection:
            collection.update_settings(intro_seen=True)
        app = QuizApp(data_dir=Path({str(tmp_path / "data")!r}), deck_folders=[])
        app._run_prepare()
        run_until(lambda: not app.loading)
        print(sorted(m for m in sys.modules if m.startswith("quizapp.ui.screens.")))
        app.stop()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "['quizapp.ui.screens.home']"
