"""Deck options: one deck's options over the app-wide ones, saved at once, kept across a restart,
and dropped again with "Use app setting(s)"."""

from __future__ import annotations

from collections.abc import Callable

from ui_driver import ROUTES, Driver, check_layout, deck_panel, tap_deck_action


def new_count(ui: Driver, deck_id: str) -> str:
    text = deck_panel(ui, deck_id).counts_text
    return text.split("\u00a0new")[0].rsplit("]", 1)[-1].split()[-1]


def open_options(ui: Driver, deck_id: str = "all-types") -> None:
    tap_deck_action(ui, deck_id, "options")
    assert ui.screen.name == "deck_options" and ui.screen.deck_id == deck_id


def test_a_decks_new_card_limit_changes_only_that_deck(ui: Driver) -> None:
    assert (new_count(ui, "all-types"), new_count(ui, "basics")) == ("9", "3")
    open_options(ui)
    ids = ui.screen.ids
    assert ids.deck_title.text == "All card types"
    assert ids.new_per_day.ids.value_label.text == "20"
    assert ids.new_per_day_note.ids.note.text == "Follows Settings."
    assert ids.use_app_settings.disabled
    for _ in range(3):
        ui.tap(ids.new_per_day.ids.down)  # 20 -> 5
    assert ui.app.collection.deck_options("all-types").new_per_day == 5  # saved at once
    assert ids.new_per_day_note.ids.note.text == "This deck only. App setting: 20"
    assert ids.new_per_day_note.overridden and not ids.reviews_per_day_note.overridden
    ui.back()
    assert (new_count(ui, "all-types"), new_count(ui, "basics")) == ("5", "3")
    # The other deck keeps following Settings.
    ui.app.change_settings(new_per_day=2)
    ui.screen.on_return()
    assert (new_count(ui, "all-types"), new_count(ui, "basics")) == ("5", "2")


def test_the_override_survives_a_restart_and_use_app_settings_drops_it(start_app: Callable[..., Driver]) -> None:
    ui = start_app()
    open_options(ui)
    ui.tap(ui.screen.ids.new_per_day.ids.down)  # 20 -> 15
    ui.tap(ui.screen.ids.bury_siblings)  # on -> off
    ui.tap(ui.screen.ids.learning_steps.ids.add_button)  # 1m 10m -> 1m 10m 15m
    ui = start_app()
    assert ui.app.stack == ("home", "deck_options") and ui.screen.deck_id == "all-types"
    ids = ui.screen.ids
    assert ids.new_per_day.ids.value_label.text == "15"
    assert not ids.bury_siblings.active and ids.bury_siblings_note.overridden
    assert [s.ids.value_label.text for s in reversed(ids.learning_steps.ids.rows.children)] == ["1m", "10m", "15m"]
    assert ids.learning_steps_note.ids.note.text == "This deck only. App setting: 1m 10m"

    ui.tap(ids.learning_steps_note.ids.reset)  # this option only
    options = ui.app.collection.deck_options("all-types")
    assert options.learning_steps == (60, 600) and options.new_per_day == 15 and not options.bury_siblings
    assert ids.learning_steps_note.ids.note.text == "Follows the app's default."
    ui.tap(ids.use_app_settings)  # every option
    options = ui.app.collection.deck_options("all-types")
    assert (options.new_per_day, options.bury_siblings) == (20, True)
    assert ids.new_per_day.ids.value_label.text == "20" and ids.bury_siblings.active
    assert ids.use_app_settings.disabled
    ui.back()
    assert new_count(ui, "all-types") == "9"
    # Following again: a change in Settings now reaches this deck.
    ui.app.change_settings(new_per_day=4)
    ui.screen.on_return()
    assert (new_count(ui, "all-types"), new_count(ui, "basics")) == ("4", "3")


def test_stepping_back_to_the_app_value_follows_it_again(ui: Driver) -> None:
    open_options(ui)
    ids = ui.screen.ids
    ui.tap(ids.desired_retention.ids.up)
    assert ids.desired_retention.ids.value_label.text == "91%" and ids.desired_retention_note.overridden
    ui.tap(ids.desired_retention.ids.down)
    assert not ids.desired_retention_note.overridden
    ui.app.change_settings(desired_retention=0.85)
    assert ui.app.collection.deck_options("all-types").desired_retention == 0.85


def test_only_valid_values_can_be_chosen(ui: Driver) -> None:
    open_options(ui)
    ids = ui.screen.ids
    interval = ids.maximum_interval
    assert interval.ids.value_label.text == "100 years" and interval.ids.up.disabled
    ui.tap(interval.ids.down)
    assert ui.app.collection.deck_options("all-types").maximum_interval == 18250
    assert interval.ids.value_label.text == "50 years"
    for _ in range(7):
        ui.tap(ids.leech_threshold.ids.down)  # 8 -> 1, the lowest
    assert ids.leech_threshold.ids.down.disabled
    ui.tap(ids.leech_suspend)
    assert ids.leech_suspend.active and not ids.leech_keep.active
    relearning = ids.relearning_steps
    ui.tap(relearning.ids.remove_button)
    assert relearning.ids.remove_button.disabled and ui.app.collection.deck_options("all-types").relearning_steps == ()
    assert "No steps" in relearning.ids.rows.children[0].text
    ui.tap(relearning.ids.add_button)
    first = relearning.ids.rows.children[0]
    ui.tap(first.ids.up)  # 1m -> 2m
    assert ui.app.collection.deck_options("all-types").relearning_steps == (120,)
    options = ui.app.collection.deck_options("all-types")
    assert (options.leech_threshold, options.leech_suspend) == (1, True)
    check_layout(ui.screen)


def test_the_route_opens_the_basics_deck(ui: Driver) -> None:
    ROUTES["deck_options"](ui)
    assert ui.screen.deck_id == "basics" and ui.screen.ids.deck_title.text == "Basic facts"
