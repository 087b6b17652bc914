"""Share: the chosen decks served on 127.0.0.1 (a learner's download sees them), a class report
that reaches the hardest cards, sharing stopped by Stop, by leaving and by quitting (the port
refuses connections afterwards), the QR code read back pixel by pixel, and the layout."""

from __future__ import annotations

import json
import socket
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest
from kivy.core.window import Window
from PIL import Image
from ui_driver import Driver, check_layout, finish, open_dialog, status

from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.sharing.reports import build_report, load_reports, send_report
from quizapp.sharing.signing import load_key
from quizapp.sharing.web import NetworkError
from quizapp.ui.headless import pump, run_until
from quizapp.ui.qr import EXTRA_QUIET_MODULES
from quizapp.ui.screens.share import ShareScreen


@pytest.fixture
def share(ui: Driver, monkeypatch: pytest.MonkeyPatch) -> ShareScreen:
    """The screen, opened from home; its shares listen on 127.0.0.1 only, on a free port."""
    monkeypatch.setattr(ShareScreen, "share_host", "127.0.0.1")
    monkeypatch.setattr(ShareScreen, "share_port", 0)
    ui.tap(ui.screen.ids.share_button)
    assert ui.screen.name == "share"
    screen: ShareScreen = ui.screen
    return screen


def port_of(url: str) -> int:
    return int(urllib.parse.urlsplit(url).port or 0)


def refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def start_sharing(ui: Driver, screen: ShareScreen) -> str:
    ui.tap(screen.ids.start_button)
    finish(screen, "share")
    assert screen.sharing, status(screen, "share")
    return screen.share.url


def test_a_report_reaches_the_teachers_hardest_cards_and_sharing_stops(ui: Driver, share: ShareScreen, clock: FixedClock) -> None:
    collection = ui.app.collection
    collection.answer(("basics", "b1", 0), Rating.AGAIN)
    collection.answer(("basics", "b2", 0), Rating.EASY)
    clock.advance(days=1)
    assert collection.retrievability(("basics", "b1", 0)) < collection.retrievability(("basics", "b2", 0))

    url = start_sharing(ui, share)
    assert share.ids.deck_chips.disabled  # the choice is fixed while sharing
    with urllib.request.urlopen(url.split("#")[0] + "index.json", timeout=5) as response:  # the key travels in the fragment
        assert {deck["id"] for deck in json.load(response)["decks"]} == {"all-types", "basics"}
    panel = share.share_panel
    assert panel.ids.url_label.text == url.split("#")[0] and url in panel.ids.full_address_label.text
    assert panel.ids.qr.matrix and "No class reports yet" in share.class_summary

    # A learner's app sends a report for one deck (the Import screen's Send does this).
    send_report(url, build_report(collection, "basics", "Ana"), timeout=5)
    # The server's log line has the class view read again.
    run_until(lambda: share.class_summary == "1 class report arrived, for 1 deck.", timeout=15)
    finish(share, "class")
    rows = [row for row in share.ids.hardest_list.children[::-1] if hasattr(row, "front")]
    assert [row.front for row in rows[:2]] == ["Front one", "Front two"]
    assert rows[2].recall == "–"  # never reviewed: last

    port = port_of(url)
    ui.tap(panel.ids.stop_button)
    finish(share, "share")
    assert not share.sharing and refuses(port)
    assert status(share, "share") == ("Sharing stopped.", False)


def test_leaving_the_screen_or_closing_the_app_stops_sharing(ui: Driver, share: ShareScreen) -> None:
    port = port_of(start_sharing(ui, share))
    ui.back()
    finish(share, "share")
    assert refuses(port)
    ui.tap(ui.screen.ids.share_button)
    assert status(share, "share") == ("Sharing stopped when you left this screen.", False)

    port = port_of(start_sharing(ui, share))
    ui.stop()
    assert refuses(port)


def test_sharing_no_deck_is_refused_plainly(ui: Driver, share: ShareScreen) -> None:
    for chip in share.deck_chips.values():
        ui.tap(chip)
    ui.tap(share.ids.start_button)
    assert status(share, "share") == ("Choose at least one deck to share.", True) and not share.sharing
    ui.back()
    assert ui.app.stack == ("home",)  # still answering


def test_the_qr_code_is_black_on_white_with_a_quiet_zone_in_the_dark_theme(ui: Driver, share: ShareScreen, tmp_path: Path) -> None:
    ui.app.change_settings(theme="dark")
    start_sharing(ui, share)
    qr = share.share_panel.ids.qr
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


@pytest.mark.parametrize("size", [(360, 640), (1280, 800)], ids=["360x640", "1280x800"])
def test_the_screen_fits_while_sharing_even_with_the_largest_text(ui: Driver, share: ShareScreen, size: tuple[int, int]) -> None:
    original = Window.size
    Window.size = size
    try:
        ui.app.change_settings(font_scale=2.0)
        start_sharing(ui, share)
        pump(3)
        check_layout(share)
        assert share.share_panel.ids.url_label.texture_size[1] < 2 * share.share_panel.ids.url_label.font_size, "the address on one line"
    finally:
        Window.size = original
        pump(2)


def test_students_compare_the_words_and_the_teacher_sees_refusals_and_frees_or_deletes_names(
    ui: Driver, share: ShareScreen, deck_dir: Path, tmp_path: Path
) -> None:
    url = start_sharing(ui, share)
    panel = share.share_panel
    words = load_key(ui.app.data_dir).words
    assert panel.words == words and panel.ids.words_label.text == words
    assert url.endswith(f"#key={load_key(ui.app.data_dir).public_key}")

    send_report(url, build_report(ui.app.collection, "basics", "Ana"), timeout=5)
    with Collection.open(tmp_path / "classmate") as classmate:  # another learner under the same name
        classmate.sync_files([deck_dir])
        with pytest.raises(NetworkError) as refused:
            send_report(url, build_report(classmate, "basics", "ana"), timeout=5)
        assert refused.value.status == 409
        run_until(lambda: "already used by another learner" in panel.notices_text, timeout=5)  # polled while sharing
        assert panel.ids.notices_label.text.startswith("Refused lately:\n")
        # A person taps the button once it is drawn: its label is measured a frame or two after
        # the notice arrives, and the page grows under it then.
        clear = panel.ids.clear_notices_button
        run_until(lambda: clear.height > 0 and clear.texture_size[0] > 0, timeout=5)
        pump(3)
        ui.tap(clear)
        assert panel.notices_text == ""

        run_until(lambda: [row.nickname for row in share.ids.learner_list.children] == ["Ana"], timeout=10)
        ui.tap(share.ids.learner_list.children[0].ids.release_button)
        finish(share, "class")
        assert share.report_box.nicknames() == []
        assert status(share, "class")[0].startswith("The name Ana is free")
        send_report(url, build_report(classmate, "basics", "ana"), timeout=5)  # the classmate may take it now

    run_until(lambda: [row.nickname for row in share.ids.learner_list.children] == ["ana"], timeout=10)
    finish(share, "class")
    ui.tap(share.ids.learner_list.children[0].ids.delete_button)
    dialog = open_dialog()
    assert dialog is not None and dialog.title == "Delete ana's reports?"
    ui.tap(dialog.ids.yes_button)
    finish(share, "class")
    assert load_reports(share.share_folder.parent / f"{share.share_folder.name}-reports", "basics") == []
    assert status(share, "class")[0] == "Deleted ana's reports (1 deck)."


def test_the_teacher_offers_the_app_from_a_file_chooser(ui: Driver, share: ShareScreen, tmp_path: Path) -> None:
    folder = tmp_path / "Downloads"
    folder.mkdir()
    package = folder / "quizapp-0.2.0-arm64-v8a-release.apk"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00")
    (folder / "notes.txt").write_text("not an app", encoding="utf-8")

    ui.tap(share.ids.offer_app_button)
    picker = share.picker
    chooser = picker.ids.chooser
    chooser.path = str(folder)
    run_until(lambda: len(chooser.files) == 2)  # ../ and the package
    entry = next(node for node in chooser.layout.ids.treeview.iterate_all_nodes() if getattr(node, "path", "") == str(package))
    ui.tap(entry)
    ui.tap(picker.ids.import_button)
    assert share.app_package_text == f"{package.name} will be offered when you start sharing."

    url = start_sharing(ui, share)
    with urllib.request.urlopen(url.split("#")[0] + "index.json", timeout=5) as response:
        listed = json.load(response)["app"]
    assert listed["version"] == "0.2.0" and listed["url"] == "quizapp-0.2.0.apk"
    assert share.app_package_text.startswith("The class page offers quizapp 0.2.0 (")
