"""Import: a deck file through the chooser, class feeds from a real share server on 127.0.0.1,
a progress report that reaches the teacher's share, and plain messages when the network fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.core.window import Window
from kivy.metrics import dp
from ui_driver import Driver, check_layout, finish, open_dialog, status, texts

from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.sharing.bundle import bundle_deck_file
from quizapp.sharing.feed import SETTINGS_KEY, publish, subscriptions
from quizapp.sharing.reports import build_report, load_reports, send_report
from quizapp.sharing.server import ShareServer
from quizapp.sharing.signing import PublisherKey
from quizapp.ui.dialogs import QuestionDialog
from quizapp.ui.headless import pump, run_until
from quizapp.ui.screens import import_decks as import_module
from quizapp.ui.screens.import_decks import ImportScreen

EXTRA_DECK = """\
format: 1
deck: {id: extra, version: 1, title: Extra deck}
cards:
  - {id: e1, type: basic, front: Extra front, back: Extra back}
"""
TEACHER = PublisherKey.generate()  # the teacher's publisher key: their feed is signed
UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: nothing listens there, so it refuses at once


@pytest.fixture
def importer(ui: Driver, monkeypatch: pytest.MonkeyPatch) -> ImportScreen:
    """The screen, opened from home; it waits 5 s at most for a feed that does not answer."""
    monkeypatch.setattr(ImportScreen, "timeout", 5.0)
    ui.tap(ui.screen.ids.import_button)
    assert ui.screen.name == "import"
    screen: ImportScreen = ui.screen
    return screen


@pytest.fixture
def teacher_feed(tmp_path: Path, deck_dir: Path) -> Iterator[tuple[ShareServer, Path]]:
    """A teacher's published folder (the test's `basics` deck and an extra one), served."""
    decks = tmp_path / "teacher-decks"
    decks.mkdir()
    (decks / "basics.yaml").write_text((deck_dir / "basics.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (decks / "extra.yaml").write_text(EXTRA_DECK, encoding="utf-8")
    out = tmp_path / "teacher-feed"
    publish(decks, out, signer=TEACHER)
    with ShareServer(out, host="127.0.0.1", port=0) as server:
        yield server, decks


def add_feed(ui: Driver, screen: ImportScreen, url: str, follow: bool | None = True) -> QuestionDialog | None:
    """Type a feed's address and tap Add; once the app asks, answer Follow (or Cancel, or with
    None leave the question open). Returns the question, if one was asked."""
    screen.ids.feed_field.text = ""  # what deleting a mistyped address does
    ui.tap(screen.ids.feed_field)
    ui.type(url)
    ui.tap(screen.ids.add_feed_button)
    finish(screen, "feed")
    question = open_dialog()
    if question is not None and follow is not None:
        ui.tap(question.ids.yes_button if follow else question.ids.no_button)
    finish(screen, "feed", "update")
    return question


def test_a_deck_file_is_imported_through_the_chooser(ui: Driver, importer: ImportScreen, tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    deck_file = tmp_path / "extra.yaml"
    deck_file.write_text(EXTRA_DECK, encoding="utf-8")
    bundle = downloads / "extra-v1.quizdeck"
    bundle_deck_file(deck_file, bundle)
    (downloads / "notes.md").write_text("not a deck", encoding="utf-8")
    (downloads / "broken.quizdeck").write_bytes(b"not a zip")

    ui.tap(importer.ids.choose_file_button)
    picker = importer.picker
    chooser = picker.ids.chooser
    assert Path(chooser.path) in (Path.home(), Path.home() / "Downloads")
    chooser.path = str(downloads)
    run_until(lambda: len(chooser.files) == 3)  # ../ and the two deck files: notes.md is filtered out
    assert {Path(name).name for name in chooser.files[1:]} == {"extra-v1.quizdeck", "broken.quizdeck"}
    assert picker.ids.import_button.disabled
    assert 0 <= picker.x and picker.right <= Window.width and 0 <= picker.y and picker.top <= Window.height
    assert min(picker.ids.cancel_button.height, picker.ids.import_button.height) >= dp(48)

    entry = next(node for node in chooser.layout.ids.treeview.iterate_all_nodes() if getattr(node, "path", "") == str(bundle))
    ui.tap(entry)
    assert picker.selected_file == str(bundle)
    ui.tap(picker.ids.import_button)
    assert picker.parent is None  # closed, and the import runs on a worker thread
    finish(importer, "import")
    assert status(importer, "import") == ("Extra deck v1: added with 1 card", False)
    assert "extra" in ui.app.collection.deck_ids()
    assert "Extra deck" in importer.deck_titles  # the report's deck list follows

    ui.tap(importer.ids.choose_file_button)
    entry = next(node for node in chooser.layout.ids.treeview.iterate_all_nodes() if getattr(node, "path", "").endswith("broken.quizdeck"))
    ui.tap(entry)
    ui.tap(picker.ids.import_button)
    finish(importer, "import")
    message, error = status(importer, "import")
    assert error and message.startswith("broken.quizdeck was not imported: ")
    assert "not a zip archive" in message

    ui.tap(importer.ids.choose_file_button)
    ui.back()  # Back closes the chooser, not the screen
    run_until(lambda: picker.parent is None, timeout=2)
    assert ui.screen.name == "import"


def test_a_class_feed_is_followed_updated_and_left(ui: Driver, importer: ImportScreen, teacher_feed: tuple[ShareServer, Path]) -> None:
    server, decks = teacher_feed
    add_feed(ui, importer, server.url)
    feed_url = server.url.split("#")[0] + "index.json"
    assert status(importer, "feed") == (f"Added {feed_url} (2 decks). Pinned to the key {TEACHER.words}.", False)
    # Adding a feed fetches its decks at once: the learner already has `basics` v1.
    assert status(importer, "update") == ("Extra deck v1: added with 1 card\nUp to date: Basic facts", False)
    assert importer.feed_urls == [feed_url] and feed_url in texts(importer.ids.feed_list)

    # The teacher corrects a card of the deck the feed gave and publishes v2 (`basics` the learner
    # had before: another origin, which the feed could not replace).
    text = EXTRA_DECK.replace("version: 1", "version: 2").replace("Extra back", "Extra back (corrected)")
    (decks / "extra.yaml").write_text(text, encoding="utf-8")
    publish(decks, server.root, signer=TEACHER)
    totals: list[float] = []
    importer.bind(update_total=lambda _screen, total: totals.append(total))
    disabled: list[bool] = []
    importer.ids.update_button.bind(disabled=lambda _button, value: disabled.append(value))
    ui.tap(importer.ids.update_button)
    finish(importer, "update")
    assert disabled[0] and not disabled[-1], "the button waits while the worker runs"
    message, error = status(importer, "update")
    assert not error and message.startswith("Extra deck v1 → v2: 0 new, 1 changed, 0 retired, 0 unchanged")
    assert "Up to date: Basic facts" in message
    assert any(totals), "the progress bar was told the download's size"
    assert ui.app.collection.deck_info("extra")[0].version == 2

    row = importer.ids.feed_list.children[0]
    ui.tap(row.ids.unsubscribe)
    assert subscriptions(ui.app.collection) == [] and importer.feed_urls == []
    assert importer.ids.update_button.disabled
    assert "extra" in ui.app.collection.deck_ids()  # decks stay


def test_my_progress_on_one_deck_reaches_the_teachers_share(ui: Driver, importer: ImportScreen, teacher_feed: tuple[ShareServer, Path]) -> None:
    server, _decks = teacher_feed
    ui.app.collection.answer(("basics", "b1", 0), Rating.AGAIN)
    add_feed(ui, importer, server.url)
    importer.ids.report_deck_spinner.text = "Basic facts"  # what picking it from the list does
    ui.tap(importer.ids.nickname)
    ui.type("Ana")
    ui.tap(importer.ids.send_button)
    finish(importer, "report")
    assert status(importer, "report") == ("Your report for 'basics' reached the teacher.", False)
    [report] = load_reports(server.reports_dir, "basics")
    assert report.nickname == "Ana"


def test_network_and_input_errors_are_plain_and_nothing_breaks(ui: Driver, importer: ImportScreen) -> None:
    add_feed(ui, importer, UNREACHABLE)
    assert status(importer, "feed") == (
        "The feed was not added: cannot reach http://127.0.0.1:9/index.json: nothing is listening there (is the teacher's share still running?)",
        True,
    )
    assert subscriptions(ui.app.collection) == []

    importer.ids.feed_field.text = ""
    ui.tap(importer.ids.add_feed_button)  # nothing typed
    assert status(importer, "feed")[1] and "Type the address" in status(importer, "feed")[0]
    add_feed(ui, importer, "192.168.1.20 port 8765")
    assert status(importer, "feed")[0] == "The feed was not added: '192.168.1.20 port 8765' is not a web address; it should look like http://192.168.1.20:8765/"

    # A feed that was reachable once and is not now.
    ui.app.collection.store.set_setting(SETTINGS_KEY, [{"url": UNREACHABLE + "index.json"}])
    importer.on_return()
    ui.tap(importer.ids.update_button)
    finish(importer, "update")
    message, error = status(importer, "update")
    assert error and message.startswith("cannot reach http://127.0.0.1:9/index.json")

    ui.tap(importer.ids.send_button)  # no name typed
    finish(importer, "report")
    message, error = status(importer, "report")
    assert error and message.startswith("Nothing was sent: your report: nickname:")
    ui.tap(importer.ids.nickname)
    ui.type("Ana")
    ui.tap(importer.ids.send_button)
    finish(importer, "report")
    assert status(importer, "report") == (
        "Nothing was sent: cannot reach http://127.0.0.1:9/reports: nothing is listening there (is the teacher's share still running?)",
        True,
    )
    ui.back()
    assert ui.app.stack == ("home",)  # still answering


def test_on_android_the_chooser_gives_way_to_the_files_app(ui: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_module, "platform", "android")
    ui.tap(ui.screen.ids.import_button)
    screen = ui.screen
    button = screen.ids.choose_file_button
    assert button.disabled and button.opacity == 0 and button.height == 0 and screen.picker is None
    assert any("open a .quizdeck from your Files app" in text for text in texts(screen))


@pytest.mark.parametrize("size", [(360, 640), (1280, 800)], ids=["360x640", "1280x800"])
def test_the_screen_fits_with_a_feed_even_with_the_largest_text(ui: Driver, importer: ImportScreen, teacher_feed: tuple[ShareServer, Path], size: tuple[int, int]) -> None:
    original = Window.size
    Window.size = size
    try:
        ui.app.change_settings(font_scale=2.0)
        add_feed(ui, importer, teacher_feed[0].url)
        pump(3)
        check_layout(importer)
    finally:
        Window.size = original
        pump(2)


def test_a_taken_name_is_said_plainly_and_a_report_can_be_taken_back(
    ui: Driver, importer: ImportScreen, teacher_feed: tuple[ShareServer, Path], deck_dir: Path, tmp_path: Path
) -> None:
    server, _decks = teacher_feed
    with Collection.open(tmp_path / "classmate") as classmate:  # another learner, with a key of their own
        classmate.sync_files([deck_dir])
        send_report(server.url, build_report(classmate, "basics", "Ana"), timeout=5)
    add_feed(ui, importer, server.url)
    importer.ids.report_deck_spinner.text = "Basic facts"
    ui.tap(importer.ids.nickname)
    ui.type(" ana ")
    ui.tap(importer.ids.send_button)
    finish(importer, "report")
    message, error = status(importer, "report")
    assert error and message.startswith("The name 'ana' is taken by another learner. Choose another name, or ask your teacher to free it.")
    assert "409" in message and [report.nickname for report in load_reports(server.reports_dir, "basics")] == ["Ana"]

    importer.ids.nickname.text = "Bo"
    ui.tap(importer.ids.send_button)
    finish(importer, "report")
    assert sorted(report.nickname for report in load_reports(server.reports_dir, "basics")) == ["Ana", "Bo"]
    ui.tap(importer.ids.withdraw_button)
    finish(importer, "report")
    message, error = status(importer, "report")
    assert not error and message
    assert [report.nickname for report in load_reports(server.reports_dir, "basics")] == ["Ana"]  # only mine went
