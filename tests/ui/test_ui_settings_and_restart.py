"""Settings persist, and the app comes back where the learner was after a pause or a restart."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from kivy.core.window import Window
from kivy.metrics import sp
from kivy.utils import get_color_from_hex
from ui_driver import Driver, deck_panel, tap_deck_action

from quizapp.ui.theme import PALETTES


def open_settings(ui: Driver) -> None:
    ui.tap(ui.screen.ids.settings_button)
    assert ui.screen.name == "settings"


def test_settings_survive_a_restart(start_app: Callable[..., Driver]) -> None:
    ui = start_app()
    open_settings(ui)
    ids = ui.screen.ids
    ui.tap(ids.dark_theme)
    assert ui.app.theme.name == "dark"
    assert list(Window.clearcolor) == get_color_from_hex(PALETTES["dark"]["background"])
    ui.tap(ids.font_scale.ids.up)  # 100% -> 125%
    assert ids.font_scale.ids.value_label.text == "125%"
    assert ui.app.theme.font_body == sp(16) * 1.25
    ui.tap(ids.desired_retention.ids.down)
    ui.tap(ids.new_per_day.ids.up)
    ui.tap(ids.reviews_per_day.ids.down)
    ui.tap(ids.rollover_hour.ids.up)
    ui.tap(ids.quiz_counts)
    ids.region_spinner.text = "United Kingdom"  # what picking it from the list does

    ui = start_app()  # quit and start again on the same data
    assert ui.app.stack == ("home", "settings")
    settings = ui.app.collection.settings
    assert (settings.theme, settings.font_scale, settings.region) == ("dark", 1.25, "uk")
    assert (settings.desired_retention, settings.new_per_day, settings.reviews_per_day) == (0.89, 25, 150)
    assert (settings.rollover_hour, settings.quiz_counts_as_review) == (5, True)
    ids = ui.screen.ids
    assert ui.app.theme.name == "dark" and ids.dark_theme.active and not ids.light_theme.active
    assert ids.desired_retention.ids.value_label.text == "89%"
    assert ids.rollover_hour.ids.value_label.text == "05:00"
    assert ids.quiz_counts.active and ids.quiz_counts.ids.switch_state.text == "On"
    assert ids.region_spinner.text == "United Kingdom"
    ui.tap(ids.top_bar.ids.help_button)
    assert ui.screen.ids.number.text == "999"


def test_a_restart_comes_back_to_the_screen_and_deck(start_app: Callable[..., Driver]) -> None:
    ui = start_app()
    tap_deck_action(ui, "basics", "stats")
    assert ui.screen.deck_choice == "Basic facts"
    ui = start_app()
    assert ui.app.stack == ("home", "stats")
    assert ui.screen.deck_id == "basics" and ui.screen.deck_choice == "Basic facts"
    ui.back()
    assert ui.app.stack == ("home",)


def test_a_quiz_in_progress_comes_back_as_its_setup(start_app: Callable[..., Driver]) -> None:
    ui = start_app()
    tap_deck_action(ui, "basics", "quiz")
    ui.tap(ui.screen.ids.start_button)
    assert ui.app.stack == ("home", "quiz_setup", "quiz")
    ui = start_app()
    assert ui.app.stack == ("home", "quiz_setup")
    assert [deck for deck, chip in ui.screen.deck_chips.items() if chip.active] == ["basics"]


def test_pause_saves_and_keeps_the_app_alive(start_app: Callable[..., Driver]) -> None:
    ui = start_app()
    panel = deck_panel(ui, "basics")
    ui.tap(panel.ids.study)
    ui.app.collection.store.set_setting("ui_state", [])  # forget, to see that pausing saves
    assert ui.app.on_pause() is True
    assert [entry["screen"] for entry in ui.app.collection.store.get_setting("ui_state")] == ["home", "study"]
    ui.app.on_resume()
    assert ui.screen.name == "study" and ui.screen.phase == "question"
    ui = start_app()
    assert ui.app.stack == ("home", "study") and ui.screen.deck_ids == ["basics"]


def test_quitting_from_the_running_app_stops_once(tmp_path: Path) -> None:
    """App.stop() inside App.run() makes Kivy dispatch on_stop twice (from stop() and when run()
    returns); the second must not save to the closed database."""
    script = textwrap.dedent(
        f"""
        from quizapp.ui.headless import use_offscreen_window
        use_offscreen_window(360, 640)
        import sys
        import traceback
        from pathlib import Path
        from kivy.clock import Clock
        from quizapp.ui.app import QuizApp
        app = QuizApp(data_dir=Path({str(tmp_path / "data")!r}), deck_folders=[])
        stops = []
        app.bind(on_stop=lambda *_: stops.append(1))
        def quit_when_loaded(_dt):
            if not app.loading:
                app.stop()
        Clock.schedule_interval(quit_when_loaded, 0)
        try:
            app.run()
        except Exception:
            # Kivy sends stderr to its (here silenced) log, so the error goes to stdout.
            traceback.print_exc(file=sys.stdout)
            raise
        print("on_stop dispatched", len(stops), "times")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "on_stop dispatched 2 times" in result.stdout  # Kivy's doing, which the app has to bear
