"""Share and import: a deck file through the chooser, class feeds from a real share server on
127.0.0.1, a class report that reaches the teacher's hardest cards, sharing started and stopped
(the port refuses connections afterwards), and plain messages when the network fails."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.core.window import Window
from kivy.metrics import dp
from PIL import Image
from ui_driver import Driver, check_layout, texts

from quizapp.core.card_state import Rating
from quizapp.core.days import FixedClock
from quizapp.sharing.bundle import bundle_deck_file
from quizapp.sharing.feed import SETTINGS_KEY, publish, subscriptions
from quizapp.sharing.server import ShareServer
from quizapp.ui.headless import pump, run_until
from quizapp.ui.screens import classroom as classroom_module
from quizapp.ui.screens.classroom import EXTRA_QUIET_MODULES, ClassroomScreen

EXTRA_DECK = """\
format: 1
deck: {id: extra, version: 1, title: Extra deck}
cards:
  - {id: e1, type: basic, front: Extra front, back: Extra back}
"""
UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: nothing listens there, so it refuses at once


@pytest.fixture
def classroom(ui: Driver, monkeypatch: pytest.MonkeyPatch) -> ClassroomScreen:
    """The screen, opened from home; its shares listen on 127.0.0.1 only, on a free port."""
    monkeypatch.setattr(ClassroomScreen, "share_host", "127.0.0.1")
    monkeypatch.setattr(ClassroomScreen, "share_port", 0)
    monkeypatch.setattr(ClassroomScreen, "timeout", 5.0)
    ui.tap(ui.screen.ids.share_button)
    assert ui.screen.name == "classroom"
    screen: ClassroomScreen = ui.screen
    return screen


@pytest.fixture
def teacher_feed(tmp_path: Path, deck_dir: Path) -> Iterator[tuple[ShareServer, Path]]:
    """Another teacher's published folder (the test's `basics` deck and an extra one), served."""
    decks = tmp_path / "teacher-decks"
    decks.mkdir()
    (decks / "basics.yaml").write_text((deck_dir / "basics.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (decks / "extra.yaml").write_text(EXTRA_DECK, encoding="utf-8")
    out = tmp_path / "teacher-feed"
    publish(decks, out)
    with ShareServer(out, host="127.0.0.1", port=0) as server:
        yield server, decks


def finish(screen: ClassroomScreen, *tasks: str) -> None:
    """Wait for the screen's worker threads (the frames keep running meanwhile)."""
    run_until(lambda: not set(tasks) & set(screen.busy), timeout=15)
    pump(3)


def status(screen: ClassroomScreen, task: str) -> tuple[str, bool]:
    label = screen.ids[f"{task}_status"]
    return label.text, label.error


def port_of(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def add_feed(ui: Driver, screen: ClassroomScreen, url: str) -> None:
    screen.ids.feed_field.text = ""  # what deleting a mistyped address does
    ui.tap(screen.ids.feed_field)
    ui.type(url)
    ui.tap(screen.ids.add_feed_button)
    finish(screen, "feed", "update")


def start_sharing(ui: Driver, screen: ClassroomScreen) -> str:
    ui.tap(screen.ids.teacher_mode)
    ui.tap(screen.ids.start_button)
    finish(screen, "share")
    assert screen.sharing, status(screen, "share")
    return screen.share.url


def test_a_deck_file_is_imported_through_the_chooser(ui: Driver, classroom: ClassroomScreen, tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    deck_file = tmp_path / "extra.yaml"
    deck_file.write_text(EXTRA_DECK, encoding="utf-8")
    bundle = downloads / "extra-v1.quizdeck"
    bundle_deck_file(deck_file, bundle)
    (downloads / "notes.md").write_text("not a deck", encoding="utf-8")
    (downloads / "broken.quizdeck").write_bytes(b"not a zip")

    ui.tap(classroom.ids.choose_file_button)
    picker = classroom.picker
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
    finish(classroom, "import")
    assert status(classroom, "import") == ("extra v1: added with 1 cards", False)
    assert "extra" in ui.app.collection.deck_ids()
    assert "Extra deck" in classroom.deck_titles  # the report's deck list follows

    ui.tap(classroom.ids.choose_file_button)
    entry = next(node for node in chooser.layout.ids.treeview.iterate_all_nodes() if getattr(node, "path", "").endswith("broken.quizdeck"))
    ui.tap(entry)
    ui.tap(picker.ids.import_button)
    finish(classroom, "import")
    message, error = status(classroom, "import")
    assert error and message.startswith("broken.quizdeck was not imported: ")
    assert "not a zip archive" in message

    ui.tap(classroom.ids.choose_file_button)
    ui.back()  # Back closes the chooser, not the screen
    run_until(lambda: picker.parent is None, timeout=2)
    assert ui.screen.name == "classroom"


def test_a_class_feed_is_followed_updated_and_left(ui: Driver, classroom: ClassroomScreen, teacher_feed: tuple[ShareServer, Path]) -> None:
    server, decks = teacher_feed
    add_feed(ui, classroom, server.url)
    feed_url = server.url + "index.json"
    assert status(classroom, "feed") == (f"Added {feed_url} (2 decks).", False)
    # Adding a feed fetches its decks at once: the learner already has `basics` v1.
    assert status(classroom, "update") == ("extra v1: added with 1 cards\nUp to date: basics", False)
    assert classroom.feed_urls == [feed_url] and feed_url in texts(classroom.ids.feed_list)

    # The teacher corrects a card of the deck the feed gave and publishes v2 (`basics` the learner
    # had before: another origin, which the feed could not replace).
    text = EXTRA_DECK.replace("version: 1", "version: 2").replace("Extra back", "Extra back (corrected)")
    (decks / "extra.yaml").write_text(text, encoding="utf-8")
    publish(decks, server.root)
    totals: list[float] = []
    classroom.bind(update_total=lambda _screen, total: totals.append(total))
    disabled: list[bool] = []
    classroom.ids.update_button.bind(disabled=lambda _button, value: disabled.append(value))
    ui.tap(classroom.ids.update_button)
    finish(classroom, "update")
    assert disabled[0] and not disabled[-1], "the button waits while the worker runs"
    message, error = status(classroom, "update")
    assert not error and message.startswith("extra v1 → v2: 0 new, 1 changed, 0 retired, 0 unchanged")
    assert "Up to date: basics" in message
    assert any(totals), "the progress bar was told the download's size"
    assert ui.app.collection.deck_info("extra")[0].version == 2

    row = classroom.ids.feed_list.children[0]
    ui.tap(row.ids.unsubscribe)
    assert subscriptions(ui.app.collection) == [] and classroom.feed_urls == []
    assert classroom.ids.update_button.disabled
    assert "extra" in ui.app.collection.deck_ids()  # decks stay


def test_a_report_reaches_the_teachers_hardest_cards_and_sharing_stops(ui: Driver, classroom: ClassroomScreen, clock: FixedClock) -> None:
    collection = ui.app.collection
    collection.answer(("basics", "b1", 0), Rating.AGAIN)
    collection.answer(("basics", "b2", 0), Rating.EASY)
    clock.advance(days=1)
    assert collection.retrievability(("basics", "b1", 0)) < collection.retrievability(("basics", "b2", 0))

    url = start_sharing(ui, classroom)
    assert classroom.ids.deck_chips.disabled  # the choice is fixed while sharing
    with urllib.request.urlopen(url + "index.json", timeout=5) as response:
        assert {deck["id"] for deck in json.load(response)["decks"]} == {"all-types", "basics"}
    panel = classroom.share_panel
    assert panel.ids.url_label.text == url
    assert panel.ids.qr.matrix and "No class reports yet" in classroom.class_summary

    # The same app as a learner: follow the share and send a report for one deck.
    ui.tap(classroom.ids.learner_mode)
    add_feed(ui, classroom, url)
    classroom.ids.report_deck_spinner.text = "Basic facts"  # what picking it from the list does
    ui.tap(classroom.ids.nickname)
    ui.type("Ana")
    ui.tap(classroom.ids.send_button)
    finish(classroom, "report")
    assert status(classroom, "report") == ("Your report for 'basics' reached the teacher.", False)

    ui.tap(classroom.ids.teacher_mode)
    finish(classroom, "class")
    assert classroom.class_summary == "1 class report arrived, for 1 deck."
    rows = [row for row in classroom.ids.hardest_list.children[::-1] if hasattr(row, "front")]
    assert [row.front for row in rows[:2]] == ["Front one", "Front two"]
    assert rows[2].recall == "–"  # never reviewed: last

    port = port_of(url)
    ui.tap(panel.ids.stop_button)
    finish(classroom, "share")
    assert not classroom.sharing and refuses(port)
    assert status(classroom, "share") == ("Sharing stopped.", False)


def test_leaving_the_screen_or_closing_the_app_stops_sharing(ui: Driver, classroom: ClassroomScreen) -> None:
    port = port_of(start_sharing(ui, classroom))
    ui.back()
    finish(classroom, "share")
    assert refuses(port)
    ui.tap(ui.screen.ids.share_button)
    assert classroom.mode == "teacher"  # back where the teacher was
    assert status(classroom, "share") == ("Sharing stopped when you left this screen.", False)

    port = port_of(start_sharing(ui, classroom))
    ui.stop()
    assert refuses(port)


def test_the_qr_code_is_black_on_white_with_a_quiet_zone_in_the_dark_theme(ui: Driver, classroom: ClassroomScreen, tmp_path: Path) -> None:
    ui.app.change_settings(theme="dark")
    start_sharing(ui, classroom)
    qr = classroom.share_panel.ids.qr
    pump(3)
    picture = tmp_path / "qr.png"
    qr.export_to_png(str(picture))
    image = Image.open(picture).convert("L")
    matrix = qr.matrix
    total = len(matrix) + 2 * EXTRA_QUIET_MODULES
    module = int(min(qr.size) // total)
    left = round(qr.center_x - module * total / 2) - qr.x
    top = image.height - (round(qr.center_y - module * total / 2) - qr.y) - module * total
    assert module >= 4, "modules big enough to scan from a desk away"

    def shade(row: int, column: int) -> int:
        return int(image.getpixel((left + int((column + 0.5) * module), top + int((row + 0.5) * module))))

    expected = [[False] * total for _ in range(total)]
    for row, line in enumerate(matrix):
        for column, dark in enumerate(line):
            expected[row + EXTRA_QUIET_MODULES][column + EXTRA_QUIET_MODULES] = dark
    drawn = [[shade(row, column) < 128 for column in range(total)] for row in range(total)]
    assert drawn == expected
    assert min(shade(row, column) for row in range(total) for column in range(total) if not expected[row][column]) > 200
    # qr_matrix keeps 2 light modules around the code; with the extra ones, 4: what scanners want.
    assert not any(any(line[:2] + line[-2:]) for line in matrix) and not any(matrix[0] + matrix[1] + matrix[-1] + matrix[-2])


def test_network_and_input_errors_are_plain_and_nothing_breaks(ui: Driver, classroom: ClassroomScreen) -> None:
    add_feed(ui, classroom, UNREACHABLE)
    assert status(classroom, "feed") == (
        "The feed was not added: cannot reach http://127.0.0.1:9/index.json: nothing is listening there (is the teacher's share still running?)",
        True,
    )
    assert subscriptions(ui.app.collection) == []

    classroom.ids.feed_field.text = ""
    ui.tap(classroom.ids.add_feed_button)  # nothing typed
    assert status(classroom, "feed")[1] and "Type the address" in status(classroom, "feed")[0]
    add_feed(ui, classroom, "192.168.1.20 port 8765")
    assert status(classroom, "feed")[0] == "The feed was not added: '192.168.1.20 port 8765' is not a web address; it should look like http://192.168.1.20:8765/"

    # A feed that was reachable once and is not now.
    ui.app.collection.store.set_setting(SETTINGS_KEY, [{"url": UNREACHABLE + "index.json"}])
    classroom.on_return()
    ui.tap(classroom.ids.update_button)
    finish(classroom, "update")
    message, error = status(classroom, "update")
    assert error and message.startswith("cannot reach http://127.0.0.1:9/index.json")

    ui.tap(classroom.ids.send_button)  # no name typed
    finish(classroom, "report")
    message, error = status(classroom, "report")
    assert error and message.startswith("Nothing was sent: your report: nickname:")
    ui.tap(classroom.ids.nickname)
    ui.type("Ana")
    ui.tap(classroom.ids.send_button)
    finish(classroom, "report")
    assert status(classroom, "report") == (
        "Nothing was sent: cannot reach http://127.0.0.1:9/reports: nothing is listening there (is the teacher's share still running?)",
        True,
    )

    ui.tap(classroom.ids.teacher_mode)
    for chip in classroom.deck_chips.values():
        ui.tap(chip)
    ui.tap(classroom.ids.start_button)
    assert status(classroom, "share") == ("Choose at least one deck to share.", True) and not classroom.sharing
    ui.back()
    assert ui.app.stack == ("home",)  # still answering


def test_on_android_the_chooser_gives_way_to_the_files_app(ui: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classroom_module, "platform", "android")
    ui.tap(ui.screen.ids.share_button)
    screen = ui.screen
    button = screen.ids.choose_file_button
    assert button.disabled and button.opacity == 0 and button.height == 0 and screen.picker is None
    assert any("open a .quizdeck from your Files app" in text for text in texts(screen))


@pytest.mark.parametrize("size", [(360, 640), (1280, 800)], ids=["360x640", "1280x800"])
def test_both_parts_fit_while_sharing_even_with_the_largest_text(ui: Driver, classroom: ClassroomScreen, size: tuple[int, int]) -> None:
    original = Window.size
    Window.size = size
    try:
        ui.app.change_settings(font_scale=2.0)
        start_sharing(ui, classroom)
        pump(3)
        check_layout(classroom)
        assert classroom.share_panel.ids.url_label.texture_size[1] < 2 * classroom.share_panel.ids.url_label.font_size, "the address on one line"
        ui.tap(classroom.ids.learner_mode)
        pump(3)
        check_layout(classroom)
    finally:
        Window.size = original
        pump(2)
