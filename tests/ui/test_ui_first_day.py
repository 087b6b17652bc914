"""A gentle first day: the introduction on the first start, the all-decks limit on new cards in
Settings and on Home, on/off settings as switches, and Stats counting learning cards."""

from __future__ import annotations

from collections.abc import Callable

from ui_driver import Driver, check_layout, texts

from quizapp.core.card_state import Rating
from quizapp.ui.headless import pump

KEY_RIGHT, KEY_LEFT = 275, 276


def test_the_first_start_shows_the_introduction_once_and_skip_goes_home(start_app: Callable[..., Driver]) -> None:
    ui = start_app(keep_intro=True)
    assert ui.app.stack == ("home", "intro")
    intro = ui.screen
    check_layout(intro)
    assert "flashcards" in intro.ids.body.text and intro.ids.page_label.text == "Page 1 of 3"
    assert set(intro.action_buttons) == {"skip", "next"}
    ui.tap(intro.action_buttons["skip"])
    assert ui.app.stack == ("home",)
    assert ui.app.collection.settings.intro_seen

    ui = start_app(keep_intro=True)  # the next start goes straight home
    assert ui.app.stack == ("home",)


def test_the_introduction_pages_explain_rating_and_help_and_done_goes_back(start_app: Callable[..., Driver]) -> None:
    ui = start_app(keep_intro=True)
    intro = ui.screen
    ui.tap(intro.action_buttons["next"])
    assert "Again" in intro.ids.body.text and "Show answer" in intro.ids.body.text
    assert set(intro.action_buttons) == {"previous", "skip", "next"}
    ui.press(KEY_RIGHT)
    assert intro.ids.title.text == "Help is one tap away" and "Get help now" in intro.ids.body.text
    assert intro.action_buttons["next"].text == "Done" and "skip" not in intro.action_buttons
    assert sum(dot.current for dot in intro.ids.dots.children) == 1 and intro.ids.dots.children[0].current  # the last dot
    ui.press(KEY_LEFT)
    assert intro.ids.page_label.text == "Page 2 of 3"
    ui.tap(intro.action_buttons["next"])
    ui.tap(intro.action_buttons["next"])  # Done
    assert ui.app.stack == ("home",)


def test_settings_opens_the_introduction_again(ui: Driver) -> None:
    assert ui.app.stack == ("home",)
    ui.tap(ui.screen.ids.settings_button)
    ui.tap(ui.screen.ids.show_intro)
    assert ui.app.stack == ("home", "settings", "intro") and ui.screen.ids.page_label.text == "Page 1 of 3"
    ui.tap(ui.screen.action_buttons["skip"])
    assert ui.app.stack == ("home", "settings")


def test_an_on_off_setting_is_a_switch_that_reads_on_or_off(ui: Driver) -> None:
    ui.tap(ui.screen.ids.settings_button)
    switch = ui.screen.ids.quiz_counts
    state, track = switch.ids.switch_state, switch.ids.switch_track
    assert (switch.active, state.text) == (False, "Off")
    knob_off = track.canvas.children[-1].pos
    ui.tap(switch)
    pump(1)
    assert ui.app.collection.settings.quiz_counts_as_review
    assert (switch.active, state.text) == (True, "On")
    assert track.canvas.children[-1].pos[0] > knob_off[0]  # the knob moved right: not colour alone
    ui.tap(switch.ids.switch_label)  # the whole row is the target
    assert not ui.app.collection.settings.quiz_counts_as_review and state.text == "Off"


def test_the_all_decks_limit_in_settings_caps_the_counts_on_home(ui: Driver) -> None:
    home = ui.screen
    today = home.ids.content.children[-1]
    assert "12\u00a0new" in today.counts_text  # 9 + 3 new cards: under 20
    ui.tap(home.ids.settings_button)
    stepper = ui.screen.ids.all_decks_new_per_day
    assert stepper.ids.value_label.text == "20"
    for _ in range(3):
        ui.tap(stepper.ids.down)  # 20 -> 5
    assert ui.app.collection.settings.all_decks_new_per_day == 5
    ui.back()
    today = ui.screen.ids.content.children[-1]
    assert "5\u00a0new" in today.counts_text
    assert all("5\u00a0new" in text or "3\u00a0new" in text for text in texts(ui.screen.ids.content) if "new" in text)


def test_stats_count_learning_cards_as_due_today_in_words(ui: Driver) -> None:
    collection = ui.app.collection
    collection.answer(("basics", "b1", 0), Rating.GOOD)  # learning: due again in minutes
    ui.tap(ui.screen.ids.stats_button)
    stats = ui.screen
    assert stats.ids.forecast_chart.values[0] == 1
    assert "Due today: [b]1 card[/b]" in stats.summary_text
    assert "Due tomorrow: [b]0 cards[/b]" in stats.summary_text
    assert stats.heatmap_text.startswith("1 answer on 1 day in the last year")
