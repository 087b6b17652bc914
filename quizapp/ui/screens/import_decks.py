"""Import: a learner brings decks in and, only if they choose to, tells the teacher how it goes.

Import a deck file through a file chooser (on Android, files arrive from the Files app or the
share sheet instead: `quizapp.ui.android_share`), follow class feeds and check them for updates,
and send progress on one deck to the teacher of a class feed. Every file and network step runs
on a worker thread (`TaskScreen.run_task`); the teacher's side is the Share screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.utils import platform

from quizapp.sharing.feed import (
    FeedUpdate,
    UpdateProgress,
    check_for_updates,
    subscribe,
    subscriptions,
    unsubscribe,
)
from quizapp.sharing.formats import IMPORT_SUFFIXES, FileImport, import_file
from quizapp.sharing.reports import build_report, send_report
from quizapp.sharing.web import TIMEOUT_SECONDS
from quizapp.ui.tasks import TaskScreen, counted
from quizapp.ui.widgets import load_kv_once

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


class ImportScreen(TaskScreen):
    can_browse = BooleanProperty(True)
    feed_urls = ListProperty()
    report_feed = StringProperty(NO_FEED)
    deck_titles = ListProperty()
    report_deck = StringProperty()
    update_done = NumericProperty(0)
    update_total = NumericProperty(0)
    update_step = StringProperty()

    timeout = TIMEOUT_SECONDS  # tests wait less for a feed that does not answer

    def on_kv_post(self, base_widget: Any) -> None:
        self._deck_ids: dict[str, str] = {}
        self._picker: DeckFilePicker | None = None

    def prepare(self, **_params: Any) -> None:
        self.can_browse = chooser_available()
        self.refresh()

    def on_return(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """The decks and feeds as they are now (after an import or an update, or on coming back)."""
        self._deck_ids = {deck.title: deck.deck_id for deck in self.app.collection.decks()}
        self.deck_titles = list(self._deck_ids)
        if self.report_deck not in self._deck_ids:
            self.report_deck = self.deck_titles[0] if self.deck_titles else ""
        self._refresh_feeds()

    def _refresh_feeds(self) -> None:
        self.feed_urls = [subscription.url for subscription in subscriptions(self.app.collection)]
        if self.report_feed not in self.feed_urls:
            self.report_feed = self.feed_urls[0] if self.feed_urls else NO_FEED
        box = self.ids.feed_list
        box.clear_widgets()
        for url in self.feed_urls:
            box.add_widget(FeedRow(url=url))

    def on_leave(self, *_args: Any) -> None:
        if self._picker is not None:
            self._picker.dismiss(animation=False)

    # -- a deck file ----------------------------------------------------------------------------------

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
        self.run_task("import", lambda: import_message(import_file(collection, path)), self._imported, f"{path.name} was not imported")

    def _imported(self, message: str) -> None:
        self.say("import", message)
        self.refresh()

    # -- class feeds -------------------------------------------------------------------------------------

    def add_feed(self) -> None:
        url = self.ids.feed_field.text.strip()
        if not url:
            self.say("feed", "Type the address your teacher gives you, like http://192.168.1.20:8765/", True)
            return
        collection, timeout = self.app.collection, self.timeout
        self.run_task("feed", lambda: subscribe(collection, url, timeout=timeout), self._subscribed, "The feed was not added")

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

        self.run_task("update", work, self._updated, "The check for updates failed")

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

    # -- a report for the teacher ----------------------------------------------------------------------

    def send_progress(self) -> None:
        deck_id = self._deck_ids.get(self.report_deck)
        if self.report_feed not in self.feed_urls or deck_id is None:
            self.say("report", "Choose a deck and your class feed first.", True)
            return
        collection, feed, nickname, timeout = self.app.collection, self.report_feed, self.ids.nickname.text, self.timeout
        self.run_task("report", lambda: send_report(feed, build_report(collection, deck_id, nickname), timeout=timeout), self._sent, "Nothing was sent")

    def _sent(self, message: str) -> None:
        self.say("report", message)


load_kv_once(__file__)
