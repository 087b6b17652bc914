"""Share: a teacher hands decks to a class on the classroom network and sees how it goes.

The chosen decks are published into a folder in the data folder and served on the classroom
network (`ShareServer`), with the address in large type and as a QR code; the class reports that
arrive there show below, hardest cards first. Every file and network step runs on a worker
thread (`TaskScreen.run_task`); the learner's side is the Import screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.utils import escape_markup

from quizapp.core.collection import DeckSummary
from quizapp.core.errors import QuizappError
from quizapp.sharing.feed import (
    APP_SUFFIX,
    AppPackage,
    add_app_package,
    publish_collection_decks,
    published_deck,
)
from quizapp.sharing.reports import (
    HardCard,
    ReportBox,
    hardest_cards,
    load_reports,
    remember_served_dir,
    reported_decks,
    reports_dir_for,
)
from quizapp.sharing.server import DEFAULT_PORT, Notice, ShareServer, qr_matrix
from quizapp.sharing.signing import fingerprint_words, load_key
from quizapp.ui import qr  # noqa: F401 - registers QrCode, which the .kv uses
from quizapp.ui.dialogs import ask
from quizapp.ui.screens.import_decks import DeckFilePicker, chooser_available
from quizapp.ui.tasks import TaskScreen, counted
from quizapp.ui.widgets import Panel, load_kv_once

SHARE_FOLDER = "class-share"  # in the data folder; its reports go beside it, in class-share-reports
HARDEST_SHOWN = 10  # per deck: the cards a teacher goes over in class
NOTICE_POLL_SECONDS = 1.0  # how often a running share's notices are read (a cheap call)


def android_package(_folder: str, name: str) -> bool:
    """The app chooser's filter: Android packages."""
    return name.lower().endswith(APP_SUFFIX)


def notice_line(notice: Notice) -> str:
    times = f" ({notice.count} times)" if notice.count > 1 else ""
    return f"{notice.message}{times}"


@dataclass(frozen=True)
class DeckReports:
    """The class reports for one deck, as the teacher sees them."""

    deck_id: str
    title: str
    learners: int
    rows: list[HardCard]


@dataclass(frozen=True)
class ClassReports:
    """What the class sent: each deck's reports, and the learners' nicknames (held by their keys)."""

    decks: list[DeckReports]
    nicknames: list[str]


def load_class_reports(served: Path) -> ClassReports:
    """Every deck's class reports, hardest cards first (reads files: run it off the UI thread)."""
    reports_dir = reports_dir_for(served)
    decks = []
    for deck_id in reported_decks(reports_dir):
        reports = load_reports(reports_dir, deck_id)
        deck = published_deck(served, deck_id)
        decks.append(DeckReports(deck_id, deck.info.title if deck else deck_id, len(reports), hardest_cards(reports, deck)))
    return ClassReports(decks, ReportBox(reports_dir).nicknames())


@dataclass(frozen=True)
class Share:
    """A running share: the server and what to show about it."""

    server: ShareServer
    url: str
    matrix: list[list[bool]]
    deck_count: int
    words: str  # the publisher key's six words, which learners compare with theirs
    app_package: AppPackage | None = None


class SharePanel(Panel):
    """The running share: the address in large type, its QR code and the key's words, what the
    teacher should know (limits hit, nicknames refused), and Stop."""

    url = StringProperty()  # with the key, as the QR code holds it
    address = StringProperty()  # without the key, to type
    matrix = ListProperty()
    deck_count = NumericProperty()
    words = StringProperty()
    notices_text = StringProperty()


class LearnerRow(BoxLayout):
    """A nickname a learner's reports arrived under, with Delete reports and Free the name."""

    nickname = StringProperty()


class HardCardRow(BoxLayout):
    front = StringProperty()
    detail = StringProperty()
    recall = StringProperty()


def hard_card_row(row: HardCard) -> HardCardRow:
    card = row.card_id if row.sibling == 0 else f"{row.card_id} #{row.sibling}"
    recall = f"{row.mean_retrievability:.0%}" if row.mean_retrievability is not None else "–"
    detail = f"{card} · {counted(row.learners, 'learner')} · {counted(row.total_lapses, 'lapse')}"
    return HardCardRow(front=row.front or card, detail=detail, recall=recall)


class ShareScreen(TaskScreen):
    sharing = BooleanProperty(False)
    class_summary = StringProperty()
    can_browse = BooleanProperty(True)
    app_package_text = StringProperty()

    # Tests and the screenshot script listen on 127.0.0.1 or another port; a teacher's laptop
    # listens on every network, at the port `quizapp serve` uses.
    share_host = "0.0.0.0"
    share_port = DEFAULT_PORT

    def on_kv_post(self, base_widget: Any) -> None:
        self._deck_chips: dict[str, Any] = {}
        self._share: Share | None = None
        self._share_panel: SharePanel | None = None
        self._keep_sharing = False  # False once the teacher leaves: a share still starting then stops
        self._reports_stale = False  # a report arrived while the class view was being read
        self._notice_poll: Any = None
        self._picker: DeckFilePicker | None = None
        self.app_package: Path | None = None  # an Android package the teacher chose to offer
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

    def prepare(self, **_params: Any) -> None:
        self.can_browse = chooser_available()
        self.refresh()
        self.refresh_reports()

    def on_return(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """The deck choice as the decks are now. Every deck is chosen at first; a choice the
        teacher made stays while the deck exists."""
        decks: list[DeckSummary] = self.app.collection.decks()
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

    # -- sharing -------------------------------------------------------------------------------------------

    def chosen_decks(self) -> list[str]:
        return [deck_id for deck_id, chip in self._deck_chips.items() if chip.active]

    def start_sharing(self) -> None:
        deck_ids = self.chosen_decks()
        if not deck_ids:
            self.say("share", "Choose at least one deck to share.", True)
            return
        collection, folder, package, data_dir = self.app.collection, self.share_folder, self.app_package, self.app.data_dir
        self._keep_sharing = True

        def work() -> Share:
            # Published afresh each time, so edits made since the last lesson go out too.
            index = publish_collection_decks(collection, deck_ids, folder)
            # Publishing writes an index without the app: offer it again, signed with the same key.
            offered = add_app_package(folder, package, signer=load_key(data_dir)) if package is not None else None
            server = self._listen(folder)
            remember_served_dir(collection, folder)  # `quizapp class-report` then finds these reports
            url = server.url
            signer = server.index().signer
            return Share(server, url, qr_matrix(url), len(index.decks), fingerprint_words(signer) if signer else "", offered)

        self.run_task("share", work, self._shared, "Sharing did not start")

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
        self._share_panel = SharePanel(url=share.url, address=share.url.split("#")[0], matrix=share.matrix, deck_count=share.deck_count, words=share.words)
        content = self.ids.content
        content.add_widget(self._share_panel, index=len(content.children))
        self.ids.scroll.scroll_y = 1  # the address and the QR code in view
        self.say("share", "")
        if share.app_package is not None:
            self._offering(share.app_package)
        self._notice_poll = Clock.schedule_interval(lambda _dt: self.show_notices(), NOTICE_POLL_SECONDS)
        self.refresh_reports()

    def show_notices(self) -> None:
        """What the share refused lately (limits hit, nicknames taken), newest first."""
        if self._share is None or self._share_panel is None:
            return
        self._share_panel.notices_text = "\n".join(notice_line(notice) for notice in self._share.server.notices())

    def clear_notices(self) -> None:
        if self._share is not None:
            self._share.server.clear_notices()
            self.show_notices()

    def stop_sharing(self, because: str = "Sharing stopped.") -> None:
        share, panel = self._share, self._share_panel
        if share is None:
            return
        self._share, self._share_panel, self.sharing = None, None, False
        self._stop_polling()
        if panel is not None:
            self.ids.content.remove_widget(panel)
        self._stop_server(share, because)

    def _stop_server(self, share: Share, because: str) -> None:
        # Stopping waits for the server thread to end: off the UI thread. Start waits meanwhile.
        self.run_task("share", share.server.stop, lambda _result: self.say("share", because), "Sharing did not stop cleanly")

    def _stop_on_app_stop(self, *_args: Any) -> None:
        # The app is closing: stop now, on this thread, so no server outlives it (and one still
        # starting stops as soon as it has started).
        self._keep_sharing = False
        self._stop_polling()
        if self._share is not None:
            self._share.server.stop()
            self._share = None

    def _stop_polling(self) -> None:
        if self._notice_poll is not None:
            self._notice_poll.cancel()
            self._notice_poll = None

    # -- offering the app ------------------------------------------------------------------------------

    def open_app_picker(self) -> DeckFilePicker:
        """Choose an Android package of quizapp to offer on the class page (as `serve --app`)."""
        if self._picker is None:
            self._picker = DeckFilePicker(android_package, heading="Choose the quizapp package (.apk)", choose_text="Offer it")
            self._picker.bind(on_choose=lambda _picker, path: self.offer_app(path))
        self._picker.open(animation=False)
        return self._picker

    @property
    def picker(self) -> DeckFilePicker | None:
        return self._picker

    def offer_app(self, package: Path) -> None:
        """Offer `package` from now on: at once while sharing, else from the next start."""
        if self._share is None:
            self.app_package = package
            self.app_package_text = f"{package.name} will be offered when you start sharing."
            return
        folder, data_dir = self.share_folder, self.app.data_dir
        self.run_task("app", lambda: add_app_package(folder, package, signer=load_key(data_dir)), partial(self._offered, package), "The app is not offered")

    def _offered(self, package: Path, listed: AppPackage) -> None:
        self.app_package = package
        self._offering(listed)

    def _offering(self, listed: AppPackage) -> None:
        self.app_package_text = f"The class page offers quizapp {listed.version} ({listed.size / 2**20:.1f} MB)."

    # -- class reports -------------------------------------------------------------------------------------

    def refresh_reports(self) -> None:
        if "class" in self.busy:
            self._reports_stale = True  # read again when this reading ends
            return
        self._reports_stale = False
        self.run_task("class", partial(load_class_reports, self.share_folder), self._show_reports, "The class reports could not be read")

    def _show_reports(self, class_reports: ClassReports) -> None:
        if self._reports_stale:
            self.refresh_reports()
        decks = class_reports.decks
        learners = self.ids.learner_list
        learners.clear_widgets()
        for nickname in class_reports.nicknames:
            learners.add_widget(LearnerRow(nickname=nickname))
        box = self.ids.hardest_list
        box.clear_widgets()
        reports = sum(deck.learners for deck in decks)
        if not reports:
            self.class_summary = "No class reports yet. While you share, learners can send theirs: Import, then Send my progress."
            return
        self.class_summary = f"{counted(reports, 'class report')} arrived, for {counted(len(decks), 'deck')}."
        for deck in decks:
            box.add_widget(Factory.Heading(text=f"{deck.title}: {counted(deck.learners, 'learner')}, hardest cards first"))
            for row in deck.rows[:HARDEST_SHOWN]:
                box.add_widget(hard_card_row(row))
            if len(deck.rows) > HARDEST_SHOWN:
                box.add_widget(Factory.Muted(text=f"and {counted(len(deck.rows) - HARDEST_SHOWN, 'card')} the class missed less often"))


    # -- one learner's reports -------------------------------------------------------------------------

    @property
    def report_box(self) -> ReportBox:
        """The running share's reports (its lock keeps a deletion apart from a report arriving),
        else the folder's."""
        return self._share.server.reports if self._share is not None else ReportBox(reports_dir_for(self.share_folder))

    def delete_reports(self, nickname: str) -> None:
        """Delete a learner's reports, for every deck, once the teacher says yes (the name stays theirs)."""

        def answered(yes: bool) -> None:
            if yes:
                box = self.report_box
                self.run_task("class", lambda: box.delete(nickname), partial(self._deleted, nickname), "The report was not deleted")

        ask(
            f"Delete {nickname}'s reports?",
            f"Every report {escape_markup(nickname)} sent, for every deck, is deleted from this computer. The name stays theirs: they can send again.",
            answered,
            yes="Delete",
            no="Keep",
        )

    def _deleted(self, nickname: str, decks: list[str]) -> None:
        self.refresh_reports()
        self.say("class", f"Deleted {nickname}'s reports ({counted(len(decks), 'deck')}).")

    def release_nickname(self, nickname: str) -> None:
        """Free a nickname (a learner's new phone): the next learner to send under it keeps it."""
        box = self.report_box
        self.run_task("class", lambda: box.release(nickname), partial(self._released, nickname), "The name was not freed")

    def _released(self, nickname: str, _released: bool) -> None:
        self.refresh_reports()
        self.say("class", f"The name {nickname} is free: the next learner to send under it keeps it. Their reports stay.")


load_kv_once(__file__)
