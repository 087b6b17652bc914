"""Browse and a card's page, the stats pictures, the help content, and work off the UI thread
(loading the decks, installing a deck file handed to the app)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from kivy.clock import Clock
from ui_driver import KEY_SPACE, Driver, check_layout, deck_panel

from quizapp.core.collection import Collection
from quizapp.core.datadir import bundled_decks_dir, imported_decks_dir
from quizapp.core.help import load_help
from quizapp.sharing.bundle import bundle_deck_file
from quizapp.ui.android_share import IncomingDeck
from quizapp.ui.headless import pump, run_until
from quizapp.ui.screens.browse import ALL_TAGS

EXTRA_DECK = """\
format: 1
deck: {id: extra, version: 1, title: Extra deck}
cards:
  - {id: e1, type: basic, front: Extra front, back: Extra back}
"""


def rows(ui: Driver) -> list[dict]:
    return ui.screen.ids.results.data


def test_browse_searches_by_text_and_tag_and_a_card_can_be_suspended_and_reset(ui: Driver) -> None:
    ui.tap(ui.screen.ids.browse_button)
    browse = ui.screen
    assert len(rows(ui)) == 12 and browse.result_text == "12 cards"
    ui.tap(browse.ids.search_field)
    ui.type("front t")
    run_until(lambda: len(rows(ui)) == 2)  # the search runs a moment after typing stops
    assert {row["prompt"] for row in rows(ui)} == {"Front two", "Front three"}
    browse.ids.search_field.text = ""
    browse.ids.tag_spinner.text = "classes"  # what picking the tag from the list does
    assert {row["key"][1] for row in rows(ui)} == {"rev1", "choice1"}
    browse.ids.tag_spinner.text = ALL_TAGS
    pump(20)

    row_view = next(view for view in browse.ids.results.children[0].children if view.key[1] == "b1")
    assert "new" in row_view.detail and "Basic facts" in row_view.detail
    ui.tap(row_view)
    card = ui.screen
    assert card.name == "card" and card.prompt == "Front one" and card.answer == "Back one"
    assert "Tags: one" in card.details and card.history == "No reviews yet."

    ui.tap(card.ids.suspend_button)
    assert card.suspended and card.ids.suspend_button.text == "Unsuspend"
    ui.back()
    assert "suspended" in next(row for row in rows(ui) if row["key"][1] == "b1")["detail"]
    ui.tap(next(view for view in browse.ids.results.children[0].children if view.key[1] == "b1"))
    ui.tap(card.ids.suspend_button)
    assert not card.suspended

    ui.app.collection.answer(("basics", "b1", 0), 3)
    card.refresh()
    assert "Good (study, next after 1" in card.history  # 10m, give or take fuzz
    ui.tap(card.ids.reset_button)
    assert card.confirming_reset and ui.app.collection.card_state(("basics", "b1", 0)).reps == 1
    ui.tap(card.ids.reset_button)
    assert ui.app.collection.card_state(("basics", "b1", 0)).reps == 0
    assert "reset to new" in card.history
    ui.tap(card.ids.undo_button)
    assert ui.app.collection.card_state(("basics", "b1", 0)).reps == 1


def test_browse_lists_the_cards_in_one_state_and_keeps_the_choice_across_a_restart(start_app: Callable[..., Driver]) -> None:
    ui = start_app()
    ui.app.collection.suspend([("basics", "b2", 0)])
    ui.app.collection.answer(("basics", "b1", 0), 1)  # Again: learning, due in a minute
    ui.tap(ui.screen.ids.browse_button)
    browse = ui.screen
    assert browse.ids.filter_spinner.text == "All cards" and len(rows(ui)) == 12
    assert "Leeches" in browse.ids.filter_spinner.values
    browse.ids.filter_spinner.text = "Suspended"  # what picking it from the list does
    assert [row["key"][1] for row in rows(ui)] == ["b2"] and browse.result_text == "1 card"
    browse.ids.filter_spinner.text = "Due today"
    assert [row["key"][1] for row in rows(ui)] == ["b1"]
    browse.ids.filter_spinner.text = "Leeches"
    assert rows(ui) == [] and browse.result_text == "No cards match"
    browse.ids.filter_spinner.text = "Learning"
    check_layout(browse)

    ui = start_app()  # quit and start again: Browse comes back with its choice
    browse = ui.screen
    assert browse.name == "browse" and browse.ids.filter_spinner.text == "Learning"
    assert [row["key"][1] for row in rows(ui)] == ["b1"]
    browse.ids.filter_spinner.text = "All cards"
    assert len(rows(ui)) == 12


def test_stats_draw_pictures_for_one_deck_or_all(ui: Driver) -> None:
    panel = deck_panel(ui, "basics")
    ui.tap(panel.ids.study)
    for _ in range(3):
        ui.press(KEY_SPACE)
        ui.press(ord("3"), "3")
    ui.app.go_home()
    ui.tap(ui.screen.ids.stats_button)
    stats = ui.screen
    assert stats.deck_choice == "All decks"
    ids = stats.ids
    assert ids.reviews_chart.values[-1] == 3 and len(ids.reviews_chart.values) == 30
    assert "Answers today: [b]3[/b]" in stats.summary_text
    assert sum(count for count, _ in ids.state_bar.parts) == 12
    assert ids.heatmap.counts == {ui.app.collection.days.date_of(ui.app.collection.today()): 3}
    pump(3)
    for chart in (ids.reviews_chart, ids.state_bar, ids.heatmap):
        assert len(chart.canvas.children) > 3, f"{type(chart).__name__} drew nothing"
    ids.deck_spinner.text = "All card types"
    assert stats.deck_id == "all-types" and ids.reviews_chart.values[-1] == 0
    assert "Answers today: [b]0[/b]" in stats.summary_text


def test_help_shows_the_help_content_exactly(ui: Driver) -> None:
    content = load_help()
    ui.tap(ui.screen.ids.top_bar.ids.help_button)
    help_screen = ui.screen
    us = content.region("us")
    assert help_screen.ids.number.text == us.emergency.number and help_screen.ids.crisis_number.text == us.crisis.number
    assert help_screen.ids.intro.text == content.intro
    assert help_screen.ids.steps.text == "\n".join(f"{n}. {step.text}" for n, step in enumerate(content.steps, 1))
    assert help_screen.ids.disclaimer.text == content.disclaimer
    assert help_screen.ids.number.font_size >= 2.5 * help_screen.ids.steps.font_size
    # The number is on the first screenful, even on a small phone, without scrolling.
    number = help_screen.ids.number
    assert number.to_window(number.x, number.y)[1] > 0
    help_screen.ids.region_spinner.text = content.region("au").name
    assert help_screen.ids.number.text == "000" and ui.app.collection.settings.region == "au"


def test_decks_load_off_the_ui_thread_with_progress(start_app: Callable[..., Driver], monkeypatch) -> None:
    loader_threads = set()
    original = Collection.sync_files

    def slow_sync(self, paths):
        loader_threads.add(threading.current_thread().name)
        time.sleep(0.2)
        return original(self, paths)

    monkeypatch.setattr(Collection, "sync_files", slow_sync)
    frames = 0

    def count_frames(_dt) -> None:
        nonlocal frames
        frames += 1

    event = Clock.schedule_interval(count_frames, 0)
    ui = start_app()
    event.cancel()
    assert loader_threads == {"deck-loader"}
    assert frames >= 10, "the window kept drawing frames while the decks loaded"
    assert ui.app.load_done == ui.app.load_total == 2
    assert not ui.app.loading


def test_a_deck_file_handed_to_the_app_is_installed_in_the_background(ui: Driver, tmp_path) -> None:
    deck_file = tmp_path / "extra.yaml"
    deck_file.write_text(EXTRA_DECK, encoding="utf-8")
    bundle = tmp_path / "extra-v1.quizdeck"
    bundle_deck_file(deck_file, bundle)
    ui.app.receive_deck(IncomingDeck(uri="content://test/extra", name=bundle.name, data=bundle.read_bytes()))
    run_until(lambda: bool(ui.app.notices))
    pump(3)
    home = ui.screen
    assert "Extra deck v1: added with 1 card" in ui.app.notices[0]
    assert "extra" in {getattr(panel, "deck_id", None) for panel in home.ids.content.children}
    notice_panel = next(panel for panel in home.ids.content.children if hasattr(panel.ids, "dismiss"))
    ui.tap(notice_panel.ids.dismiss)
    assert ui.app.notices == []

    ui.app.receive_deck(IncomingDeck(uri="content://test/bad", name="bad.quizdeck", data=b"not a zip"))
    run_until(lambda: bool(ui.app.notices))
    assert "bad.quizdeck" in ui.app.notices[0]


def test_an_imported_deck_in_its_own_folder_is_on_home_after_a_start(start_app: Callable[..., Driver], data_dir) -> None:
    folder = imported_decks_dir(data_dir) / "extra"  # where an installed deck lives: one folder per deck
    folder.mkdir(parents=True)
    (folder / "extra.yaml").write_text(EXTRA_DECK, encoding="utf-8")
    ui = start_app(deck_folders=None)  # the app's own folders: the bundled decks and the imported ones
    assert ui.app.deck_folders == [bundled_decks_dir(), folder]
    assert "1\u00a0new" in deck_panel(ui, "extra").counts_text
    assert not ui.app.load_problems
