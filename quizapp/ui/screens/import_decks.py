"""Import: a learner brings decks in and, only if they choose to, tells the teacher how it goes.

Import a deck file through a file chooser (on Android, files arrive from the Files app or the
share sheet instead: `quizapp.ui.android_share`), follow class feeds and check them for updates,
and send progress on one deck to the teacher of a class feed. Every file and network step runs
on a worker thread (`TaskScreen.run_task`); the teacher's side is the Share screen.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from functools import partial
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
from kivy.utils import escape_markup, platform

from quizapp import __version__
from quizapp.core.collection import Collection
from quizapp.sharing.feed import (
    FeedIndex,
    FeedUpdate,
    Subscription,
    UpdateProgress,
    check_for_updates,
    check_signer,
    fetch_index,
    index_url,
    subscribe,
    subscriptions,
    unsubscribe,
)
from quizapp.sharing.formats import IMPORT_SUFFIXES, import_file
from quizapp.sharing.reports import (
    build_report,
    build_withdrawal,
    send_report,
    withdraw_report,
)
from quizapp.sharing.signing import address_key, fingerprint_words, keyed_address
from quizapp.sharing.web import TIMEOUT_SECONDS, NetworkError
from quizapp.ui.dialogs import ImportAsking, ask, ask_each, result_line
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


NAME_TAKEN = 409  # the share's answer to a report under a nickname another learner holds


def deck_title(collection: Collection, deck_id: str) -> str:
    record = collection.deck_record(deck_id)
    return record.title if record else deck_id


def update_message(updates: list[FeedUpdate], collection: Collection) -> tuple[str, bool]:
    """What checking the feeds did, one line per deck by its title, what the learner should
    know, and whether anything went wrong."""
    lines: list[str] = []
    for update in updates:
        lines += [f"Note: {note}" for note in update.notes]
        lines += [result_line(result) for result in update.results]
        if update.up_to_date:
            lines.append(f"Up to date: {', '.join(deck_title(collection, deck_id) for deck_id in update.up_to_date)}")
        lines += update.errors
    return "\n".join(lines) or "The feeds list no decks yet.", any(update.errors for update in updates)


def newer_app_notice(update: FeedUpdate) -> str | None:
    """For the home screen: the class share offers a later quizapp than this one."""
    if update.newer_app is None:
        return None
    page = urllib.parse.urljoin(update.feed_url, "./")
    return (
        f"Your class share offers quizapp {update.newer_app.version} (you have {__version__}). Open {page} in your browser to "
        "install it: corrections to the decks that come with the app arrive only with a new app."
    )


def subscribe_question(url: str, deck_count: int, key: str | None, key_from_address: bool) -> str:
    """What the learner checks before following a feed: its address and its publisher's words."""
    address = escape_markup(f"Address: {url} ({counted(deck_count, 'deck')})")
    if key is None:
        return (
            f"{address}\n\nThis feed is not signed, so nothing shows who made its decks, and anyone on the network could "
            "change them. Follow it only if your teacher says it is not signed."
        )
    pinned = "" if key_from_address else "\n\nThe address carried no key: quizapp will trust the key the feed is signed with now (pinned on first use)."
    return (
        f"{address}\n\nPublisher key words:\n[b]{fingerprint_words(key)}[/b]\n\n"
        f"Compare these words with your teacher's screen: follow the feed only if they are the same.{pinned}"
    )


def progress_words(progress: UpdateProgress) -> str:
    if progress.step == "index":
        return f"Checking {progress.feed_url}…"
    if progress.step == "download":
        return f"Downloading {progress.deck_id}: {progress.done // 1024} of {max(1, progress.total // 1024)} KB"
    return f"Installing {progress.deck_id}…"


class DeckFilePicker(ModalView):
    """Kivy's file list in a window of its own: inside the screen's scrolling page, taps on its
    entries would go to two nested scroll views and reach no file (Kivy 2.3). It shows the files
    `accepts` (a chooser filter: deck files unless told otherwise)."""

    selected_file = StringProperty()
    heading = StringProperty("Choose a deck file")
    choose_text = StringProperty("Import")

    __events__ = ("on_choose",)

    def __init__(self, accepts: Callable[[str, str], bool] = importable, **kwargs: Any) -> None:
        self._accepts = accepts
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: Any) -> None:
        chooser = self.ids.chooser
        chooser.filters = [self._accepts]
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

    def import_path(self, path: Path) -> ImportAsking:
        """Import a deck file (what the chooser's Import does), asking first when it must."""
        collection = self.app.collection
        asking = ImportAsking(
            path.name,
            lambda options: import_file(collection, path, options),
            collection,
            lambda work, done: self.run_task("import", work, done, f"{path.name} was not imported"),
            self._imported,
        )
        asking.start()
        return asking

    def _imported(self, message: str, error: bool) -> None:
        self.say("import", message, error)
        self.refresh()

    # -- class feeds -------------------------------------------------------------------------------------

    def add_feed(self) -> None:
        url = self.ids.feed_field.text.strip()
        if not url:
            self.say("feed", "Type the address your teacher gives you, like http://192.168.1.20:8765/", True)
            return
        self.propose_feed(url)

    def propose_feed(self, address: str) -> None:
        """Fetch the feed's index (so a typo or a key that does not match fails now), then show
        its address and its publisher's words and subscribe only on the learner's yes. A
        `quizapp://subscribe` link comes here too."""
        timeout = self.timeout

        def work() -> tuple[str, str | None, FeedIndex]:
            url, given = index_url(address), address_key(address)
            index = fetch_index(url, timeout=timeout)
            check_signer(index.signer, given, url)
            return url, given, index

        self.run_task("feed", work, self._ask_to_subscribe, "The feed was not added")

    def _ask_to_subscribe(self, checked: tuple[str, str | None, FeedIndex]) -> None:
        url, given, index = checked
        key = given or index.signer
        text = subscribe_question(url, len(index.decks), key, given is not None)

        def answered(yes: bool) -> None:
            if not yes:
                self.say("feed", "Not followed.")
                return
            collection, timeout = self.app.collection, self.timeout
            # The key shown is the key pinned, even when the address carried none.
            address = keyed_address(url, key)
            self.run_task("feed", lambda: subscribe(collection, address, timeout=timeout), partial(self._subscribed, given is None), "The feed was not added")

        ask("Follow this class feed?", text, answered, yes="Follow", no="Cancel")

    def _subscribed(self, pinned_on_first_use: bool, outcome: tuple[Subscription, FeedIndex]) -> None:
        subscription, index = outcome
        self.ids.feed_field.text = ""
        if subscription.key is None:
            trust = " It is not signed."
        elif pinned_on_first_use:
            trust = f" Pinned on first use to the key {fingerprint_words(subscription.key)}."
        else:
            trust = f" Pinned to the key {fingerprint_words(subscription.key)}."
        self.say("feed", f"Added {subscription.url} ({counted(len(index.decks), 'deck')}).{trust}")
        self._refresh_feeds()
        self.check_updates([subscription.url])  # the learner added it to get its decks

    def remove_feed(self, url: str) -> None:
        unsubscribe(self.app.collection, url)
        self.say("feed", f"Removed {url}; its decks stay.")
        self._refresh_feeds()

    def check_updates(self, urls: list[str] | None = None, confirmed: frozenset[str] = frozenset(), earlier: list[FeedUpdate] | None = None) -> None:
        """Check the feeds (`urls`, default all) for new decks and versions. A deck that needs
        the learner's yes is asked about, deck by deck, and those said yes to are fetched again
        with `confirmed`; `earlier` is what the first check found in the other feeds."""
        if not urls and not self.feed_urls:
            self.say("update", "Add a class feed first.", True)
            return
        collection, timeout = self.app.collection, self.timeout
        self.update_done, self.update_total, self.update_step = 0, 0, "Starting…"

        def work() -> list[FeedUpdate]:
            return check_for_updates(collection, urls, progress=self._progress_from_worker, timeout=timeout, confirmed=confirmed)

        self.run_task("update", work, partial(self._updated, bool(confirmed), earlier or []), "The check for updates failed")

    def _progress_from_worker(self, progress: UpdateProgress) -> None:
        Clock.schedule_once(lambda _dt: self._show_progress(progress))

    def _show_progress(self, progress: UpdateProgress) -> None:
        self.update_done, self.update_total = progress.done, progress.total
        self.update_step = progress_words(progress)

    def _updated(self, asked: bool, earlier: list[FeedUpdate], updates: list[FeedUpdate]) -> None:
        self.update_step = ""
        collection = self.app.collection
        rechecked = {update.feed_url for update in updates}
        updates = [update for update in earlier if update.feed_url not in rechecked] + updates
        for update in updates:
            notice = newer_app_notice(update)
            if notice is not None and notice not in self.app.notices:
                self.app.add_notice(notice)
        waiting = [result for update in updates for result in update.results if result.confirmation is not None]
        if waiting and not asked:

            def then(said_yes: set[str]) -> None:
                feeds = [update.feed_url for update in updates if any(result.deck_id in said_yes for result in update.results)]
                if said_yes:
                    self.check_updates(feeds, frozenset(said_yes), updates)
                else:
                    self._show_updates(updates)

            ask_each(waiting, collection, then)
            return
        self._show_updates(updates)

    def _show_updates(self, updates: list[FeedUpdate]) -> None:
        message, failed = update_message(updates, self.app.collection)
        self.say("update", message, failed)
        self.refresh()

    # -- a report for the teacher ----------------------------------------------------------------------

    def send_progress(self) -> None:
        self._to_teacher(lambda collection, feed, deck_id, nickname, timeout: send_report(feed, build_report(collection, deck_id, nickname), timeout=timeout), "Nothing was sent")

    def withdraw_progress(self) -> None:
        """Take back the report sent under the name typed (only the learner who sent it can)."""
        self._to_teacher(
            lambda collection, feed, deck_id, nickname, timeout: withdraw_report(feed, build_withdrawal(collection, deck_id, nickname), timeout=timeout),
            "Your report was not taken back",
        )

    def _to_teacher(self, post: Any, failure: str) -> None:
        deck_id = self._deck_ids.get(self.report_deck)
        if self.report_feed not in self.feed_urls or deck_id is None:
            self.say("report", "Choose a deck and your class feed first.", True)
            return
        collection, feed, nickname, timeout = self.app.collection, self.report_feed, self.ids.nickname.text, self.timeout

        def work() -> tuple[str, bool]:
            try:
                return post(collection, feed, deck_id, nickname, timeout), False
            except NetworkError as error:
                if error.status != NAME_TAKEN:
                    raise
                return f"The name '{nickname.strip()}' is taken by another learner. Choose another name, or ask your teacher to free it.\n({error})", True

        self.run_task("report", work, self._sent, failure)

    def _sent(self, outcome: tuple[str, bool]) -> None:
        message, name_taken = outcome
        self.say("report", message, name_taken)
        if name_taken:
            self.ids.nickname.select_all()


load_kv_once(__file__)
