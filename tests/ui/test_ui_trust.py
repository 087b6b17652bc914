"""Trust in the app: what a learner is asked before a deck changes, through the dialog's own
buttons. An update that needs a yes, a deck another origin holds (Keep both), a file handed over on
Android, a feed's publisher words before following it, a teacher's version of a bundled deck and
the way back to the app's, and quizapp:// links that never subscribe by themselves."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kivy.core.window import Window
from kivy.metrics import dp
from ui_driver import Driver, finish, open_dialog, status, texts

from quizapp.core.datadir import bundled_decks_dir
from quizapp.core.origin import BUNDLED, file_origin
from quizapp.sharing.bundle import bundle_deck_file
from quizapp.sharing.feed import add_app_package, publish, subscriptions
from quizapp.sharing.install import OriginRefusedError
from quizapp.sharing.links import subscribe_link
from quizapp.sharing.server import ShareServer
from quizapp.sharing.signing import PublisherKey, fingerprint_words
from quizapp.ui import app as app_module
from quizapp.ui.android_share import ACTION_VIEW, DeckReceiver, IncomingDeck, IntentData
from quizapp.ui.dialogs import QuestionDialog, refusal_text
from quizapp.ui.headless import pump, run_until
from quizapp.ui.screens.import_decks import ImportScreen, subscribe_question

HOSTILE = Path(__file__).parent.parent / "hostile"
OVERDOSE = "overdose-response"
TEACHER = PublisherKey.generate()
EXTRA_DECK = """\
format: 1
deck: {id: extra, version: VERSION, title: Extra deck}
cards:
  - {id: e1, type: basic, front: Extra front, back: BACK}
"""


def question(timeout: float = 10) -> QuestionDialog:
    run_until(lambda: open_dialog() is not None, timeout=timeout)
    dialog = open_dialog()
    assert dialog is not None
    return dialog


def answer(ui: Driver, yes: bool) -> QuestionDialog:
    dialog = question()
    ui.tap(dialog.ids.yes_button if yes else dialog.ids.no_button)
    assert dialog.parent is None
    return dialog


@pytest.fixture
def importer(ui: Driver, monkeypatch: pytest.MonkeyPatch) -> ImportScreen:
    monkeypatch.setattr(ImportScreen, "timeout", 5.0)
    ui.tap(ui.screen.ids.import_button)
    screen: ImportScreen = ui.screen
    return screen


def extra_bundle(tmp_path: Path, version: int, back: str) -> Path:
    source = tmp_path / f"extra-{version}.yaml"
    source.write_text(EXTRA_DECK.replace("VERSION", str(version)).replace("BACK", back), encoding="utf-8")
    bundle = tmp_path / f"extra-v{version}.quizdeck"
    bundle_deck_file(source, bundle)
    return bundle


def fake_apk(folder: Path, version: str) -> Path:
    """A file with the shape of an Android package (a zip holding AndroidManifest.xml)."""
    package = folder / f"quizapp-{version}-arm64-v8a-release.apk"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00")
    return package


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], ShareServer]]:
    """Serve a folder of decks (file name -> YAML), published with the teacher's key."""
    servers: list[ShareServer] = []

    def start(decks: dict[str, str]) -> ShareServer:
        folder = tmp_path / f"teacher-decks-{len(servers)}"
        folder.mkdir()
        for name, text in decks.items():
            (folder / name).write_text(text, encoding="utf-8")
        out = tmp_path / f"teacher-feed-{len(servers)}"
        publish(folder, out, signer=TEACHER)
        servers.append(ShareServer(out, host="127.0.0.1", port=0))
        servers[-1].start()
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def add_feed(ui: Driver, screen: ImportScreen, address: str) -> None:
    screen.ids.feed_field.text = address
    ui.tap(screen.ids.add_feed_button)
    finish(screen, "feed")


def teachers_overdose() -> str:
    """The bundled overdose deck as a teacher republishes it: one version up."""
    text = (bundled_decks_dir() / f"{OVERDOSE}.yaml").read_text(encoding="utf-8")
    return re.sub(r"(?m)^  version: (\d+)$", lambda found: f"  version: {int(found.group(1)) + 1}", text, count=1)


# -- files ----------------------------------------------------------------------------------------------


def test_an_unsigned_update_shows_its_changes_and_waits_for_yes(ui: Driver, importer: ImportScreen, tmp_path: Path) -> None:
    importer.import_path(extra_bundle(tmp_path, 1, "Old back"))
    finish(importer, "import")
    assert status(importer, "import") == ("Extra deck v1: added with 1 card", False)

    second = extra_bundle(tmp_path, 2, "New back")
    importer.import_path(second)
    finish(importer, "import")
    dialog = question()
    assert dialog.title == "Update Extra deck?"
    assert "not signed" in dialog.text and "Changed (1): e1" in dialog.details
    answer(ui, yes=False)
    assert status(importer, "import") == ("Extra deck: not changed (you said no)", False)
    assert ui.app.collection.deck_info("extra")[0].version == 1

    importer.import_path(second)
    finish(importer, "import")
    answer(ui, yes=True)
    finish(importer, "import")
    assert status(importer, "import") == ("Extra deck v1 → v2: 0 new, 1 changed, 0 retired, 0 unchanged", False)
    assert ui.app.collection.deck_info("extra")[0].version == 2


def test_a_deck_another_origin_holds_is_refused_naming_both_and_keep_both_adds_it_beside(ui: Driver, importer: ImportScreen) -> None:
    forged = HOSTILE / "forged-overdose.quizdeck"
    importer.import_path(forged)
    finish(importer, "import")
    dialog = question()
    assert dialog.title == "Keep both decks?" and (dialog.yes_text, dialog.no_text) == ("Keep both", "Cancel")
    assert "bundled with the app" in dialog.text and "an unsigned file (forged-overdose.quizdeck)" in dialog.text
    ui.back()  # Back is the safe answer, and stays on the screen
    run_until(lambda: dialog.parent is None, timeout=2)  # Kivy fades it out
    assert ui.screen.name == "import"
    assert status(importer, "import") == ("forged-overdose.quizdeck was not imported: yours stays as it is.", False)
    assert ui.app.collection.deck_record(f"{OVERDOSE}-2") is None

    importer.import_path(forged)
    finish(importer, "import")
    answer(ui, yes=True)
    finish(importer, "import")
    message, error = status(importer, "import")
    assert not error and message.startswith("Overdose response (2) v")
    record = ui.app.collection.deck_record(f"{OVERDOSE}-2")
    assert record is not None and record.present


def test_a_deck_handed_to_the_app_on_android_is_asked_about_the_same_way(ui: Driver) -> None:
    data = (HOSTILE / "forged-overdose.quizdeck").read_bytes()
    ui.app.receive_deck(IncomingDeck(uri="content://mail/forged", name="forged-overdose.quizdeck", data=data))
    dialog = question()
    assert dialog.title == "Keep both decks?"
    answer(ui, yes=True)
    run_until(lambda: any(notice.startswith("Overdose response (2) v") for notice in ui.app.notices), timeout=10)
    run_until(lambda: any(text.startswith("Overdose response (2) v") for text in texts(ui.screen)))  # home shows it


# -- feeds ----------------------------------------------------------------------------------------------


def test_following_a_feed_shows_its_words_first_and_pins_the_key_shown(
    ui: Driver, importer: ImportScreen, serve: Callable[[dict[str, str]], ShareServer], tmp_path: Path
) -> None:
    server = serve({"extra.yaml": EXTRA_DECK.replace("VERSION", "1").replace("BACK", "Back")})
    add_app_package(server.root, fake_apk(tmp_path, "9.0.0"), signer=TEACHER)  # a newer app than this one
    add_feed(ui, importer, server.url)
    dialog = question()
    plain = server.url.split("#")[0] + "index.json"
    assert f"Address: {plain} (1 deck)" in dialog.text and f"Publisher key words:\n[b]{TEACHER.words}[/b]" in dialog.text
    assert "Compare these words with your teacher's screen" in dialog.text and "pinned on first use" not in dialog.text
    answer(ui, yes=False)
    assert status(importer, "feed") == ("Not followed.", False) and subscriptions(ui.app.collection) == []

    add_feed(ui, importer, server.url.split("#")[0])  # typed by hand, without the key
    dialog = question()
    assert TEACHER.words in dialog.text and "pinned on first use" in dialog.text
    answer(ui, yes=True)
    finish(importer, "feed", "update")
    assert status(importer, "feed") == (f"Added {plain} (1 deck). Pinned on first use to the key {TEACHER.words}.", False)
    assert [subscription.key for subscription in subscriptions(ui.app.collection)] == [TEACHER.public_key]
    message, error = status(importer, "update")
    assert not error and "Note: this share offers quizapp 9.0.0" in message and "Extra deck v1: added with 1 card" in message
    assert any("offers quizapp 9.0.0" in notice and server.url.split("#")[0] in notice for notice in ui.app.notices)

    rogue = PublisherKey.generate()  # an address whose key is not the one the feed is signed with
    add_feed(ui, importer, f"{server.url.split('#')[0]}#key={rogue.public_key}")
    message, error = status(importer, "feed")
    assert error and "not by" in message and open_dialog() is None


def test_a_teachers_version_of_a_bundled_deck_is_asked_by_name_and_no_is_remembered(
    start_app: Callable[..., Driver], serve: Callable[[dict[str, str]], ShareServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ImportScreen, "timeout", 5.0)
    ui = start_app(deck_folders=None)  # the decks that come with the app
    server = serve({f"{OVERDOSE}.yaml": teachers_overdose()})
    ui.tap(ui.screen.ids.import_button)
    screen: ImportScreen = ui.screen
    add_feed(ui, screen, server.url)
    answer(ui, yes=True)  # follow
    dialog = question(timeout=15)
    assert dialog.title == "Use your teacher's version of Overdose response?"
    assert f"Your teacher's key words:\n[b]{TEACHER.words}[/b]" in dialog.text
    answer(ui, yes=False)
    finish(screen, "update")
    assert ui.app.collection.adaptation_declined(OVERDOSE, TEACHER.public_key)
    record = ui.app.collection.deck_record(OVERDOSE)
    assert record is not None and record.adapts is None
    assert "Overdose response: not changed (you said no)" in status(screen, "update")[0]

    ui.tap(screen.ids.update_button)  # not asked again
    finish(screen, "update")
    assert open_dialog() is None
    assert "Overdose response: not changed: you chose the app's version" in status(screen, "update")[0]


def test_yes_to_a_teachers_version_installs_it_and_the_apps_version_is_one_tap_away(
    start_app: Callable[..., Driver], serve: Callable[[dict[str, str]], ShareServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ImportScreen, "timeout", 5.0)
    ui = start_app(deck_folders=None)
    bundled_version = ui.app.collection.deck_info(OVERDOSE)[0].version
    server = serve({f"{OVERDOSE}.yaml": teachers_overdose()})
    ui.tap(ui.screen.ids.import_button)
    screen: ImportScreen = ui.screen
    add_feed(ui, screen, server.url)
    answer(ui, yes=True)  # follow
    answer(ui, yes=True)  # use the teacher's version
    finish(screen, "update")
    run_until(lambda: "update" not in screen.busy, timeout=15)
    record = ui.app.collection.deck_record(OVERDOSE)
    assert record is not None and record.adapts == OVERDOSE and record.version == bundled_version + 1
    assert f"Overdose response v{bundled_version} → v{bundled_version + 1}" in status(screen, "update")[0]

    options = ui.app.open_screen("deck_options", deck_id=OVERDOSE)
    assert "teacher's version" in options.ids.teacher_version_label.text
    ui.tap(options.ids.use_bundled_button)
    record = ui.app.collection.deck_record(OVERDOSE)
    assert record is not None and record.adapts is None and record.version == bundled_version
    assert options.ids.version_status.text.startswith("Back to the app's version")
    assert options.ids.use_bundled_button.disabled and options.ids.use_bundled_button.height == 0


# -- links ----------------------------------------------------------------------------------------------


def test_a_quizapp_link_asks_with_the_words_and_never_follows_by_itself(
    start_app: Callable[..., Driver], serve: Callable[[dict[str, str]], ShareServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ImportScreen, "timeout", 5.0)
    server = serve({"extra.yaml": EXTRA_DECK.replace("VERSION", "1").replace("BACK", "Back")})
    link = subscribe_link(server.url.split("#")[0], TEACHER.public_key)
    ui = start_app(link=link)  # `python main.py LINK`, or a desktop's link handler
    dialog = question()
    assert ui.app.stack == ("home", "import")
    assert f"Publisher key words:\n[b]{TEACHER.words}[/b]" in dialog.text and subscriptions(ui.app.collection) == []
    answer(ui, yes=True)
    finish(ui.screen, "feed", "update")
    assert [subscription.key for subscription in subscriptions(ui.app.collection)] == [TEACHER.public_key]

    ui.app.open_link("quizapp://subscribe?url=ftp://10.0.0.5/")
    assert ui.app.notices[-1].startswith("That quizapp link was not followed: the feed address 'ftp://10.0.0.5/'")
    assert open_dialog() is None


def test_links_reach_the_app_from_the_command_line_and_from_an_android_intent(monkeypatch: pytest.MonkeyPatch) -> None:
    link = subscribe_link("http://10.0.0.5:8765/", TEACHER.public_key)
    started: list[str | None] = []
    monkeypatch.setattr(app_module.QuizApp, "run", lambda app: started.append(app._pending_link))
    app_module.main(["--size=1x1", link])
    app_module.main([])
    assert started == [link, None]

    links: list[str] = []
    receiver = DeckReceiver(lambda _deck: None, lambda _name, _message: None, schedule=lambda function: function(), on_link=links.append)
    assert receiver.receive(IntentData(ACTION_VIEW, data=link)) is None
    assert links == [link]
    assert fingerprint_words(TEACHER.public_key) == TEACHER.words


def test_text_from_outside_is_never_read_as_markup_in_a_question(ui: Driver) -> None:
    text = subscribe_question("http://10.0.0.5/[b]x[/b]/index.json", 1, TEACHER.public_key, True)
    assert "[b]x[/b]" not in text and "&bl;b&br;x&bl;/b&br;" in text and f"[b]{TEACHER.words}[/b]" in text
    refused = OriginRefusedError(OVERDOSE, BUNDLED, file_origin("[size=90]big.quizdeck"))
    assert "&bl;size=90&br;big.quizdeck" in refusal_text(refused, ui.app.collection)


@pytest.mark.parametrize("size", [(360, 640), (1280, 800)], ids=["360x640", "1280x800"])
def test_a_long_question_fits_the_window_with_the_largest_text(ui: Driver, importer: ImportScreen, tmp_path: Path, size: tuple[int, int]) -> None:
    original = Window.size
    Window.size = size
    try:
        ui.app.change_settings(font_scale=2.0)
        importer.import_path(extra_bundle(tmp_path, 1, "Old back"))
        finish(importer, "import")
        importer.import_path(extra_bundle(tmp_path, 2, "New back"))
        finish(importer, "import")
        dialog = question()
        pump(3)
        assert 0 <= dialog.x and dialog.right <= Window.width and 0 <= dialog.y and dialog.top <= Window.height
        for button in (dialog.ids.yes_button, dialog.ids.no_button):
            assert button.height >= dp(48) and button.texture_size[0] <= button.width
        label = dialog.ids.text_label
        assert label.texture_size[0] <= label.width + 1  # wrapped
        answer(ui, yes=False)
    finally:
        Window.size = original
        pump(2)
