"""Share and import: bring decks in (a deck file, a class feed) and share decks with a class.

Learner: import a deck file through a file chooser (on Android, files arrive from the Files app
or the share sheet instead: `quizapp.ui.android_share`), follow class feeds and check them for
updates, and, only if they choose to, send their progress on one deck to the teacher.

Teacher: publish the chosen decks into a folder in the data folder, serve it on the classroom
network (`ShareServer`) with its address in large type and as a QR code, and read the class
reports that arrive there, hardest cards first.

Every file and network operation runs on a worker thread (`_work`); its outcome comes back
through `Clock.schedule_once`, so widgets are only touched on the Kivy thread. The sharing
functions raise QuizappError with messages fit to show as they are.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.logger import Logger
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget
from kivy.utils import platform

from quizapp.core.collection import DeckSummary
from quizapp.core.errors import QuizappError
from quizapp.sharing.feed import (
    FeedUpdate,
    UpdateProgress,
    check_for_updates,
    publish_collection_decks,
    published_deck,
    subscribe,
    subscriptions,
    unsubscribe,
)
from quizapp.sharing.formats import IMPORT_SUFFIXES, FileImport, import_file
from quizapp.sharing.reports import (
    HardCard,
    build_report,
    hardest_cards,
    load_reports,
    remember_served_dir,
    reported_decks,
    reports_dir_for,
    send_report,
)
from quizapp.sharing.server import DEFAULT_PORT, ShareServer, qr_matrix
from quizapp.sharing.web import TIMEOUT_SECONDS
from quizapp.ui.widgets import AppScreen, Panel, WrapLabel, load_kv_once

T = TypeVar("T")

SHARE_FOLDER = "class-share"  # in the data folder; its reports go beside it, in class-share-reports
HARDEST_SHOWN = 10  # per deck; `quizapp class-report` prints them all
# Modules of white added around qr_matrix's own 2-module border: scanners want 4 in all.
EXTRA_QUIET_MODULES = 2
NO_FEED = "No class feed yet"


def chooser_available() -> bool:
    """Android's own Files app and share sheet bring files in there (see android_share); a file
    chooser over the app's private storage would show nothing useful."""
    return platform != "android"


def start_folder() -> Path:
    """Where the chooser opens: Downloads, where browsers and mail apps save attachments."""
    downloads = Path.home() / "Downloads"
    return downloads if downloads.is_dir() else Path.home()


def importable(_folder: str, name: str) -> bool:
    """The chooser's filter: the files `import_file` reads, in any letter case."""
    return name.lower().endswith(IMPORT_SUFFIXES)


def counted(count: int, word: str) -> str:
    """"1 deck", "3 decks"."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def import_message(outcome: FileImport) -> str:
    lines = [result.message() for result in outcome.results]
    lines += [f"  {note}" for result in outcome.results for note in result.notes]
    lines += [f"Left out: {warning}" for warning in outcome.warnings]
    return "\n".join(lines) or "The file held no decks."


def update_message(updates: list[FeedUpdate]) -> tuple[str, bool]:
    """What checking the feeds did, one line per deck, and whether anything went wrong."""
    lines: list[str] = []
    for update in updates:
        lines += [result.message() for result in update.results]
        if update.up_to_date:
            lines.append(f"Up to date: {', '.join(update.up_to_date)}")
        lines += update.errors
    return "\n".join(lines) or "The feeds list no decks yet.", any(update.errors for update in updates)


def progress_words(progress: UpdateProgress) -> str:
    if progress.step == "index":
        return f"Checking {progress.feed_url}…"
    if progress.step == "download":
        return f"Downloading {progress.deck_id}: {progress.done // 1024} of {max(1, progress.total // 1024)} KB"
    return f"Installing {progress.deck_id}…"


@dataclass(frozen=True)
class DeckReports:
    """The class reports for one deck, as the teacher sees them."""

    deck_id: str
    title: str
    learners: int
    rows: list[HardCard]


def load_class_reports(served: Path) -> list[DeckReports]:
    """Every deck's class reports, hardest cards first (reads files: run it off the UI thread)."""
    reports_dir = reports_dir_for(served)
    decks = []
    for deck_id in reported_decks(reports_dir):
        reports = load_reports(reports_dir, deck_id)
        deck = published_deck(served, deck_id)
        decks.append(DeckReports(deck_id, deck.info.title if deck else deck_id, len(reports), hardest_cards(reports, deck)))
    return decks


@dataclass(frozen=True)
class Share:
    """A running share: the server and what to show about it."""

    server: ShareServer
    url: str
    matrix: list[list[bool]]
    deck_count: int


class StatusLabel(WrapLabel):
    """The outcome of an action, under its button; an error also in the error colour (its words
    already say what failed, so colour is not the only sign)."""

    error = BooleanProperty(False)


class QrCode(Widget):
    """A QR code drawn black on white in every theme (phones scan dark modules on light), with
    the quiet zone scanners need. Modules are whole pixels, so their edges stay sharp."""

    matrix = ListProperty()

    def on_kv_post(self, base_widget: Any) -> None:
        self.bind(pos=self._draw, size=self._draw, matrix=self._draw)
        self._draw()

    def _draw(self, *_args: Any) -> None:
        self.canvas.clear()
        if not self.matrix:
            return
        modules = len(self.matrix)
        total = modules + 2 * EXTRA_QUIET_MODULES
        module = max(1, math.floor(min(self.width, self.height) / total))
        side = module * total
        left, bottom = self.center_x - side / 2, self.center_y - side / 2
        inset = EXTRA_QUIET_MODULES * module
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(pos=(round(left), round(bottom)), size=(side, side))
            Rectangle(texture=qr_texture(self.matrix), pos=(round(left) + inset, round(bottom) + inset), size=(modules * module, modules * module))


def qr_texture(matrix: list[list[bool]]) -> Texture:
    """One texel per module, scaled up without smoothing. RGBA keeps every row 4-byte aligned."""
    size = len(matrix)
    # A texture's first row is its bottom row; the matrix starts at the top.
    pixels = b"".join(b"\x00\x00\x00\xff" if dark else b"\xff\xff\xff\xff" for row in reversed(matrix) for dark in row)
    texture = Texture.create(size=(size, size), colorfmt="rgba")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
    return texture


class DeckFilePicker(ModalView):
    """Kivy's file list in a window of its own: inside the screen's scrolling page, taps on its
    entries would go to two nested scroll views and reach no file (Kivy 2.3)."""

    selected_file = StringProperty()

    __events__ = ("on_choose",)

    def on_kv_post(self, base_widget: Any) -> None:
        chooser = self.ids.chooser
        chooser.filters = [importable]
        chooser.path = str(start_folder())
        chooser.bind(selection=self._selection_changed)

    def _selection_changed(self, _chooser: Any, selection: list[str]) -> None:
        chosen = [path for path in selection if Path(path).is_file()]
        self.selected_file = chosen[0] if chosen else ""

    def choose(self) -> None:
        if self.selected_file:
            self.dismiss(animation=False)
            self.dispatch("on_choose", Path(self.selected_file))

    def on_choose(self, path: Path) -> None:
        pass


class FeedRow(BoxLayout):
    """A class feed the learner follows, with Unsubscribe."""

    url = StringProperty()


class SharePanel(Panel):
    """The running share: the address in large type, its QR code, and Stop."""

    url = StringProperty()
    matrix = ListProperty()
    deck_count = NumericProperty()


class HardCardRow(BoxLayout):
    front = StringProperty()
    detail = StringProperty()
    recall = StringProperty()


class ClassroomScreen(AppScreen):
    mode = OptionProperty("learner", options=["learner", "teacher"])
    can_browse = BooleanProperty(True)
    busy = ListProperty()  # names of the tasks running on worker threads; their buttons wait
    feed_urls = ListProperty()
    report_feed = StringProperty(NO_FEED)
    deck_titles = ListProperty()
    report_deck = StringProperty()
    update_done = NumericProperty(0)
    update_total = NumericProperty(0)
    update_step = StringProperty()
    sharing = BooleanProperty(False)
    class_summary = StringProperty()
    share_folder_text = StringProperty()

    # Tests and the screenshot script listen on 127.0.0.1 or another port; a teacher's laptop
    # listens on every network, at the port `quizapp serve` uses.
    share_host = "0.0.0.0"
    share_port = DEFAULT_PORT
    timeout = TIMEOUT_SECONDS

    def on_kv_post(self, base_widget: Any) -> None:
        # Removed sections are kept here: `ids` holds only weak references.
        self._sections = {"learner": self.ids.learner_section.__self__, "teacher": self.ids.teacher_section.__self__}
        self.ids.content.remove_widget(self._sections["teacher"])
        self._deck_ids: dict[str, str] = {}
        self._deck_chips: dict[str, Any] = {}
        self._share: Share | None = None
        self._share_panel: SharePanel | None = None
        self._keep_sharing = False  # False once the teacher leaves: a share still starting then stops
        self._reports_stale = False  # a report arrived while the class view was being read
        self._picker: DeckFilePicker | None = None
        self.share_folder_text = str(self.share_folder)
        self.app.bind(on_stop=self._stop_on_app_stop)

    @property
    def share_folder(self) -> Path:
        return self.app.data_dir / SHARE_FOLDER

    @property
    def deck_chips(self) -> dict[str, Any]:
        """The teacher's deck choice: deck id -> its chip."""
        return self._deck_chips

    @property
    def share(self) -> Share | None:
        return self._share

    @property
    def share_panel(self) -> SharePanel | None:
        return self._share_panel

    # -- the screen ---------------------------------------------------------------------------------

    def prepare(self, mode: str | None = None, **_params: Any) -> None:
        """Open on the part given (after a restart), else on the one shown last."""
        self.can_browse = chooser_available()
        self.refresh()
        self.show(mode or self.mode)

    def saved_params(self) -> dict[str, Any]:
        return {"mode": self.mode}

    def on_return(self) -> None:
        self.refresh()

    def show(self, mode: str) -> None:
        """Show the learner's or the teacher's part."""
        content = self.ids.content
        content.remove_widget(self._sections[self.mode])
        self.mode = mode
        content.add_widget(self._sections[mode])
        if mode == "teacher":
            self.refresh_reports()

    def choose_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.show(mode)
            self.app.save_ui_state()

    def refresh(self) -> None:
        """The decks and feeds as they are now (after an import or an update, or on coming back)."""
        decks = self.app.collection.decks()
        self._deck_ids = {deck.title: deck.deck_id for deck in decks}
        self.deck_titles = list(self._deck_ids)
        if self.report_deck not in self._deck_ids:
            self.report_deck = self.deck_titles[0] if self.deck_titles else ""
        self._refresh_feeds()
        self._refresh_deck_chips(decks)

    def _refresh_feeds(self) -> None:
        self.feed_urls = [subscription.url for subscription in subscriptions(self.app.collection)]
        if self.report_feed not in self.feed_urls:
            self.report_feed = self.feed_urls[0] if self.feed_urls else NO_FEED
        box = self.ids.feed_list
        box.clear_widgets()
        for url in self.feed_urls:
            box.add_widget(FeedRow(url=url))

    def _refresh_deck_chips(self, decks: list[DeckSummary]) -> None:
        # Every deck is chosen at first; a choice the teacher made stays while the deck exists.
        chosen = {deck_id for deck_id, chip in self._deck_chips.items() if chip.active}
        known = set(self._deck_chips)
        grid = self.ids.deck_chips
        grid.clear_widgets()
        self._deck_chips = {}
        for deck in decks:
            chip = Factory.ToggleChip(label=deck.title, active=deck.deck_id in chosen or deck.deck_id not in known)
            chip.bind(on_release=lambda chip: setattr(chip, "active", not chip.active))
            self._deck_chips[deck.deck_id] = chip
            grid.add_widget(chip)

    def on_leave(self, *_args: Any) -> None:
        if self._picker is not None:
            self._picker.dismiss(animation=False)
        # A share lives as long as the screen that shows its address: nobody forgets it running.
        self._keep_sharing = False
        if self._share is not None:
            self.stop_sharing(because="Sharing stopped when you left this screen.")

    # -- work on worker threads ---------------------------------------------------------------------------

    def _work(self, task: str, work: Callable[[], T], done: Callable[[T], None], failure: str) -> None:
        """Run `work` on a worker thread, then `done(result)` on the Kivy thread; an error shows
        under the task's button as `failure: message`. The task's buttons wait meanwhile."""
        self.busy = [*self.busy, task]
        self.say(task, "")

        def run() -> None:
            try:
                result = work()
            except QuizappError as error:
                outcome: Callable[[], None] = partial(self.say, task, f"{failure}: {error}", True)
            except Exception as error:  # noqa: BLE001 - a bug must not leave the buttons waiting forever
                Logger.exception("classroom: %s failed", task)
                outcome = partial(self.say, task, f"{failure}: something unexpected went wrong ({error})", True)
            else:
                outcome = partial(done, result)
            Clock.schedule_once(lambda _dt: self._finish(task, outcome))

        threading.Thread(target=run, name=f"classroom-{task}", daemon=True).start()

    def _finish(self, task: str, outcome: Callable[[], None]) -> None:
        self.busy = [name for name in self.busy if name != task]
        outcome()

    def say(self, task: str, text: str, error: bool = False) -> None:
        """Show an outcome under the task's button (`<task>_status`)."""
        label = self.ids[f"{task}_status"]
        label.text, label.error = text, error

    # -- learner: a deck file ------------------------------------------------------------------------

    def open_picker(self) -> DeckFilePicker:
        """Show the file chooser (made on first use: listing a folder reads the disk)."""
        if self._picker is None:
            self._picker = DeckFilePicker()
            self._picker.bind(on_choose=lambda _picker, path: self.import_path(path))
        self._picker.open(animation=False)
        return self._picker

    @property
    def picker(self) -> DeckFilePicker | None:
        return self._picker

    def import_path(self, path: Path) -> None:
        """Import a deck file (what the chooser's Import does)."""
        collection = self.app.collection
        self._work("import", lambda: import_message(import_file(collection, path)), self._imported, f"{path.name} was not imported")

    def _imported(self, message: str) -> None:
        self.say("import", message)
        self.refresh()

    # -- learner: class feeds -------------------------------------------------------------------------

    def add_feed(self) -> None:
        url = self.ids.feed_field.text.strip()
        if not url:
            self.say("feed", "Type the address your teacher gives you, like http://192.168.1.20:8765/", True)
            return
        collection, timeout = self.app.collection, self.timeout
        self._work("feed", lambda: subscribe(collection, url, timeout=timeout), self._subscribed, "The feed was not added")

    def _subscribed(self, outcome: tuple[Any, Any]) -> None:
        subscription, index = outcome
        self.ids.feed_field.text = ""
        self.say("feed", f"Added {subscription.url} ({counted(len(index.decks), 'deck')}).")
        self._refresh_feeds()
        self.check_updates([subscription.url])  # the learner added it to get its decks

    def remove_feed(self, url: str) -> None:
        unsubscribe(self.app.collection, url)
        self.say("feed", f"Removed {url}; its decks stay.")
        self._refresh_feeds()

    def check_updates(self, urls: list[str] | None = None) -> None:
        if not urls and not self.feed_urls:
            self.say("update", "Add a class feed first.", True)
            return
        collection, timeout = self.app.collection, self.timeout
        self.update_done, self.update_total, self.update_step = 0, 0, "Starting…"

        def work() -> tuple[str, bool]:
            return update_message(check_for_updates(collection, urls, progress=self._progress_from_worker, timeout=timeout))

        self._work("update", work, self._updated, "The check for updates failed")

    def _progress_from_worker(self, progress: UpdateProgress) -> None:
        Clock.schedule_once(lambda _dt: self._show_progress(progress))

    def _show_progress(self, progress: UpdateProgress) -> None:
        self.update_done, self.update_total = progress.done, progress.total
        self.update_step = progress_words(progress)

    def _updated(self, outcome: tuple[str, bool]) -> None:
        message, failed = outcome
        self.update_step = ""
        self.say("update", message, failed)
        self.refresh()

    # -- learner: a report for the teacher ----------------------------------------------------------

    def send_progress(self) -> None:
        deck_id = self._deck_ids.get(self.report_deck)
        if self.report_feed not in self.feed_urls or deck_id is None:
            self.say("report", "Choose a deck and your class feed first.", True)
            return
        collection, feed, nickname, timeout = self.app.collection, self.report_feed, self.ids.nickname.text, self.timeout
        self._work("report", lambda: send_report(feed, build_report(collection, deck_id, nickname), timeout=timeout), self._sent, "Nothing was sent")

    def _sent(self, message: str) -> None:
        self.say("report", message)

    # -- teacher: sharing --------------------------------------------------------------------------------

    def chosen_decks(self) -> list[str]:
        return [deck_id for deck_id, chip in self._deck_chips.items() if chip.active]

    def start_sharing(self) -> None:
        deck_ids = self.chosen_decks()
        if not deck_ids:
            self.say("share", "Choose at least one deck to share.", True)
            return
        collection, folder = self.app.collection, self.share_folder
        self._keep_sharing = True

        def work() -> Share:
            # Published afresh each time, so edits made since the last lesson go out too.
            index = publish_collection_decks(collection, deck_ids, folder)
            server = self._listen(folder)
            remember_served_dir(collection, folder)  # `quizapp class-report` then finds these reports
            url = server.url
            return Share(server, url, qr_matrix(url), len(index.decks))

        self._work("share", work, self._shared, "Sharing did not start")

    def _listen(self, folder: Path) -> ShareServer:
        """Start a server on the usual port (learners' saved feed addresses keep working from one
        lesson to the next), or on any free port when another program holds it."""
        log = self._log_from_server
        server = ShareServer(folder, host=self.share_host, port=self.share_port, log=log)
        try:
            server.start()
        except QuizappError:
            if self.share_port == 0:
                raise
            server = ShareServer(folder, host=self.share_host, port=0, log=log)
            server.start()
        return server

    def _log_from_server(self, _line: str) -> None:
        # The server logs each report it takes (and its rare errors): show the class view afresh.
        Clock.schedule_once(lambda _dt: self.refresh_reports())

    def _shared(self, share: Share) -> None:
        if not self._keep_sharing:  # the teacher left while it was starting
            self._stop_server(share, "")
            return
        self._share, self.sharing = share, True
        self._share_panel = SharePanel(url=share.url, matrix=share.matrix, deck_count=share.deck_count)
        teacher = self._sections["teacher"]
        teacher.add_widget(self._share_panel, index=len(teacher.children))
        self.ids.scroll.scroll_y = 1  # the address and the QR code in view
        self.say("share", "")
        self.refresh_reports()

    def stop_sharing(self, because: str = "Sharing stopped.") -> None:
        share, panel = self._share, self._share_panel
        if share is None:
            return
        self._share, self._share_panel, self.sharing = None, None, False
        if panel is not None:
            self._sections["teacher"].remove_widget(panel)
        self._stop_server(share, because)

    def _stop_server(self, share: Share, because: str) -> None:
        # Stopping waits for the server thread to end: off the UI thread. Start waits meanwhile.
        self._work("share", share.server.stop, lambda _result: self.say("share", because), "Sharing did not stop cleanly")

    def _stop_on_app_stop(self, *_args: Any) -> None:
        # The app is closing: stop now, on this thread, so no server outlives it (and one still
        # starting stops as soon as it has started).
        self._keep_sharing = False
        if self._share is not None:
            self._share.server.stop()
            self._share = None

    # -- teacher: class reports --------------------------------------------------------------------------

    def refresh_reports(self) -> None:
        if "class" in self.busy:
            self._reports_stale = True  # read again when this reading ends
            return
        self._reports_stale = False
        self._work("class", partial(load_class_reports, self.share_folder), self._show_reports, "The class reports could not be read")

    def _show_reports(self, decks: list[DeckReports]) -> None:
        if self._reports_stale:
            self.refresh_reports()
        box = self.ids.hardest_list
        box.clear_widgets()
        reports = sum(deck.learners for deck in decks)
        if not reports:
            self.class_summary = "No class reports yet. While you share, learners can send theirs: Share, Learner, Send my progress to the teacher."
            return
        self.class_summary = f"{counted(reports, 'class report')} arrived, for {counted(len(decks), 'deck')}."
        for deck in decks:
            box.add_widget(Factory.Heading(text=f"{deck.title}: {counted(deck.learners, 'learner')}, hardest cards first"))
            for row in deck.rows[:HARDEST_SHOWN]:
                box.add_widget(hard_card_row(row))
            if len(deck.rows) > HARDEST_SHOWN:
                box.add_widget(Factory.Muted(text=f"and {len(deck.rows) - HARDEST_SHOWN} more: quizapp class-report {deck.deck_id}"))


def hard_card_row(row: HardCard) -> HardCardRow:
    card = row.card_id if row.sibling == 0 else f"{row.card_id} #{row.sibling}"
    recall = f"{row.mean_retrievability:.0%}" if row.mean_retrievability is not None else "–"
    detail = f"{card} · {counted(row.learners, 'learner')} · {counted(row.total_lapses, 'lapse')}"
    return HardCardRow(front=row.front or card, detail=detail, recall=recall)


load_kv_once(__file__)
