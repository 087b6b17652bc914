"""The Kivy app: opens the collection, loads decks in the background, and moves between screens.

Screens are imported (and their .kv loaded) the first time the learner opens them, so a phone
shows the home screen without paying for the others. Back (Esc on a desktop, the back button or
gesture on Android) goes back one screen; only on the home screen does it leave the app. The
screen stack is saved on every move, on pause and on quit, and rebuilt at the next start.

A progress database that cannot be opened never stops the app: the recovery screen opens instead
of home. When the file is damaged it is never replaced behind the learner's back: the learner
chooses to restore a backup or to start again (the damaged file is kept aside either way). When it
is from a newer app version, in use by another process, or its folder cannot be used, the screen
says so and never touches the file (Try again opens it once the cause is gone). Opening runs on a
worker thread; a start that waits for it over a second says "Opening your progress…" meanwhile.
The daily backup runs on the loader thread once the decks are registered. A failure the learner
can act on (the storage filling up as an answer is saved, say) never ends the app: it becomes a
notice on the home screen.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
)
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.utils import platform

from quizapp.core.collection import DECK_SUFFIXES, Collection
from quizapp.core.datadir import ENV_VAR, default_data_dir
from quizapp.core.errors import QuizappError, StoreError
from quizapp.core.help import HelpContent, Region, load_help
from quizapp.core.reminder import Reminder, cards_waiting_at, plan_reminder
from quizapp.core.settings import Settings
from quizapp.sharing.formats import FileImport, ImportOptions
from quizapp.sharing.links import LinkError, is_subscribe_link, parse_subscribe_link
from quizapp.ui.android_share import (
    DeckReceiver,
    IncomingDeck,
    import_incoming,
    share_deck,
)
from quizapp.ui.dialogs import ImportAsking
from quizapp.ui.notify import (
    ReminderPlatform,
    desktop_notification,
    local_zone,
    reminder_notice,
    system_reminders,
)
from quizapp.ui.opening import Opening
from quizapp.ui.speech import Speech, system_speech
from quizapp.ui.system_locale import SystemLocale, system_locale
from quizapp.ui.theme import ASSETS_DIR, Theme, register_fonts
from quizapp.ui.widgets import AppScreen
from quizapp.ui.worker import run_in_background

CollectionFactory = Callable[[Path], Collection]

KEY_BACK = 27  # Esc on a keyboard; SDL2 maps Android's back button and gesture to it too
UI_STATE_KEY = "ui_state"  # store setting: the screen stack to come back to after a restart

# How long the start waits for the progress database before showing that it is being opened.
OPENING_PATIENCE_S = 1.0

# Screen name -> "module.Class"; a module is imported on first use only.
SCREENS = {
    "home": "quizapp.ui.screens.home.HomeScreen",
    "study": "quizapp.ui.screens.study.StudyScreen",
    "quiz_setup": "quizapp.ui.screens.quiz_setup.QuizSetupScreen",
    "quiz": "quizapp.ui.screens.quiz.QuizScreen",
    "stats": "quizapp.ui.screens.stats.StatsScreen",
    "deck_options": "quizapp.ui.screens.deck_options.DeckOptionsScreen",
    "browse": "quizapp.ui.screens.browse.BrowseScreen",
    "card": "quizapp.ui.screens.card.CardScreen",
    "settings": "quizapp.ui.screens.settings.SettingsScreen",
    "help": "quizapp.ui.screens.help.HelpScreen",
    "import": "quizapp.ui.screens.import_decks.ImportScreen",
    "share": "quizapp.ui.screens.share.ShareScreen",
    "recovery": "quizapp.ui.screens.recovery.RecoveryScreen",
    "intro": "quizapp.ui.screens.intro.IntroScreen",
}


def deck_files(folders: Sequence[Path]) -> list[Path]:
    """Deck files in the folders, in the order `Collection.sync_files` reads them."""
    return [
        file
        for folder in folders
        if folder.is_dir()
        for file in sorted(folder.iterdir())
        if file.suffix in DECK_SUFFIXES and file.is_file()
    ]


class _FailuresAsNotices(ExceptionHandler):
    """Kivy's event loop hands every exception from a tap, a key or a scheduled callback here
    before it would end the app. The app's own errors (QuizappError: a full disk, a read-only
    folder, a database in use) say in words what happened; they become a notice instead."""

    def __init__(self, app: QuizApp) -> None:
        self.app = app

    def handle_exception(self, inst: BaseException) -> int:
        if not isinstance(inst, QuizappError):
            return int(ExceptionManager.RAISE)
        Clock.schedule_once(lambda _dt: self.app.show_failure(str(inst)))
        return int(ExceptionManager.PASS)


class QuizApp(App):
    theme = ObjectProperty(None)
    loading = BooleanProperty(False)  # True while the loader thread registers deck files
    load_done = NumericProperty(0)
    load_total = NumericProperty(0)
    load_problems = ListProperty()  # lines to show on the home screen
    notices = ListProperty()  # what a deck import or share did, shown on the home screen

    def __init__(
        self,
        data_dir: Path | None = None,
        collection_factory: CollectionFactory | None = None,
        deck_folders: Sequence[Path] | None = None,
        locale: SystemLocale | None = None,
        speech: Speech | None = None,
        reminders: ReminderPlatform | None = None,
        link: str | None = None,
        **kwargs: Any,
    ) -> None:
        """`data_dir`, `collection_factory`, `deck_folders` and `locale` let tests and the
        screenshot script use a temporary folder, a fixed clock, their own decks and a set locale.
        `link` is a quizapp:// link the app was started with (`python main.py LINK`)."""
        super().__init__(**kwargs)
        self.title = "quizapp"
        self.icon = str(ASSETS_DIR / "icon.png")
        self._data_dir = data_dir
        self._collection_factory = collection_factory or (lambda directory: Collection.open(directory))
        self._deck_folders = deck_folders
        self._stack: list[str] = []
        self._loader: threading.Thread | None = None
        self._stopping = threading.Event()
        self._help: HelpContent | None = None
        # Where "Get help now" finds the learner's region while they have not chosen one.
        self.system_locale = locale or system_locale()
        # Reading cards aloud and the daily reminder (tests give fakes).
        self.speech = speech or system_speech()
        self.reminders = reminders or system_reminders(self._remind_now)
        self._saved_stack: list[dict[str, Any]] = []
        self._collection: Collection | None = None
        # The settings in use while no collection is open (the recovery screen and its help).
        self._fallback_settings = Settings()
        self._failure_handler = _FailuresAsNotices(self)
        self._pending_link = link  # opened once the collection is open
        self.manager: ScreenManager

    # -- start and stop -----------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        if self._data_dir is not None:
            return self._data_dir
        if platform == "android" and not os.environ.get(ENV_VAR):
            return Path(self.user_data_dir)
        return default_data_dir()

    @property
    def collection(self) -> Collection:
        """The open collection; screens other than recovery and help only exist once it is open."""
        if self._collection is None:
            raise RuntimeError("the progress database is not open (the recovery screen is showing)")
        return self._collection

    def build(self) -> ScreenManager:
        register_fonts()
        # The default look until the learner's settings can be read from the collection.
        self.theme = Theme()
        Window.clearcolor = self.theme.background
        self.theme.bind(background=lambda _theme, colour: setattr(Window, "clearcolor", colour))
        # On a phone the on-screen keyboard pushes the layout up instead of hiding the text field.
        Window.softinput_mode = "below_target"
        Window.bind(on_keyboard=self._on_keyboard)
        ExceptionManager.add_handler(self._failure_handler)
        self.manager = ScreenManager(transition=NoTransition())
        # On Android, .quizdeck files opened with or shared to the app arrive here (a no-op elsewhere).
        self._deck_receiver = DeckReceiver(self.receive_deck, lambda name, message: self.add_notice(f"{name}: {message}"), on_link=self.open_link)
        opening = Opening(self.load_collection)
        if not opening.done.wait(OPENING_PATIENCE_S):
            # Slow (a lock, or a large upgrade): say so instead of a blank window, Get help included.
            self.open_screen("recovery", opening=opening)
        elif opening.collection is not None:
            self.start_with(opening.collection)
        else:  # the screen shows what happened and what can be done about it
            self.open_screen("recovery", error=opening.error)
        return self.manager

    def open_collection(self) -> None:
        """Open the learner's collection and carry on the start (see `start_with`). Raises
        StoreError when the progress database cannot be opened."""
        self.start_with(self.load_collection())

    def load_collection(self) -> Collection:
        """The learner's collection, opened; safe on a worker thread. Raises StoreError when the
        progress database cannot be opened, including when its folder cannot be made."""
        try:
            return self._collection_factory(self.data_dir)
        except OSError as error:  # Collection.open makes the data folder
            raise StoreError(f"{self.data_dir}: the folder for your progress cannot be made: {error.strerror or error}") from error

    def start_with(self, collection: Collection) -> None:
        """Carry on the start with an open collection: the learner's look, home, the decks and
        the daily backup."""
        if self._stopping.is_set():  # it was opened on a worker thread while the app closed
            collection.close()
            return
        self._collection = collection
        if collection.open_warning:  # a database older than the answers already acknowledged
            self.add_notice(collection.open_warning)
        settings = collection.settings
        self.theme.apply(settings.theme, settings.font_scale)
        # Read before opening home: opening a screen saves the stack.
        self._saved_stack = collection.store.get_setting(UI_STATE_KEY, [])
        # The introduction is for a first start: not after Recovery, which only shows over progress there was.
        # Opened by a class link, the app asks about the feed first; the introduction waits for
        # the next start.
        first_start = not settings.intro_seen and not self._stack and self._pending_link is None
        self._stack.clear()  # the recovery screen, when the collection opens after a recovery
        self._start_loading()  # first, so that home opens showing the loading progress
        self.open_screen("home")
        if first_start:  # a short introduction, once
            self.open_screen("intro")
        # Decks handed to the app wait until there is a collection to install them in.
        self._deck_receiver.start()
        if self._pending_link is not None:
            link, self._pending_link = self._pending_link, None
            self.open_link(link)

    def on_pause(self) -> bool:
        self.save_ui_state()
        if self._collection is not None:
            # Android may end a paused app without warning: fold the write-ahead log into the
            # database now, so a copy of the folder made after that still holds every answer.
            self._collection.checkpoint()
            self.update_reminder()  # the phone's alarm then counts the cards left now
        return True  # stay alive in the background instead of being closed

    def on_resume(self) -> None:
        # The study day may have rolled over while the app slept.
        self.current_screen().on_return()

    def on_stop(self) -> None:
        # Kivy dispatches on_stop twice when App.stop() is called while App.run() is running (from
        # stop() and again when run() returns); the second time there is nothing left to do.
        if self._stopping.is_set():
            return
        self._stopping.set()
        Window.unbind(on_keyboard=self._on_keyboard)
        ExceptionManager.remove_handler(self._failure_handler)
        self._deck_receiver.stop()
        self.speech.stop()
        if self._loader is not None:
            self._loader.join()  # it may be writing: the deck files or the daily backup
        if self._collection is not None:
            self.save_ui_state()
            self._collection.close()

    # -- loading decks off the UI thread ------------------------------------------------------------

    @property
    def deck_folders(self) -> list[Path]:
        """Where deck files are read from: the bundled decks and each imported deck's folder."""
        if self._deck_folders is not None:
            return list(self._deck_folders)
        return self.collection.default_deck_folders()

    def _start_loading(self) -> None:
        folders = self.deck_folders
        files = deck_files(folders)
        self.loading, self.load_done, self.load_total = True, 0, len(files)
        self._loader = threading.Thread(target=self._load_decks, args=(files, folders), name="deck-loader", daemon=True)
        self._loader.start()

    def _load_decks(self, files: list[Path], folders: list[Path]) -> None:
        """Runs in the loader thread; widgets are only touched through Clock callbacks."""
        try:
            # One file at a time so the progress bar moves; unchanged files are only hashed.
            for done, file in enumerate(files, 1):
                if self._stopping.is_set():
                    return
                self.collection.sync_files([file])
                Clock.schedule_once(lambda _dt, done=done: setattr(self, "load_done", done))
            # Once more over the folders: hides decks whose file is gone and gathers the problems.
            report = self.collection.sync_files([folder for folder in folders if folder.is_dir()])
            problems = [str(problem) for problem in report.problems]
        except Exception as error:  # noqa: BLE001 - any failure must end the loading state and be shown
            problems = [f"The decks could not be loaded: {error}"]
        Clock.schedule_once(lambda _dt: self._finish_loading(problems))
        self._backup_if_due()

    def _backup_if_due(self) -> None:
        """The daily backup, on the loader thread after the decks: it never holds up the screen and
        never copies while the decks are being written. (The store's lock makes the UI thread's own
        writes wait for the copy, which takes milliseconds.)"""
        if self._stopping.is_set():
            return
        try:
            self.collection.backup_if_due()
        except QuizappError as error:
            message = f"Today's backup of your progress could not be made: {error}. Your progress itself is safe; the app tries again at the next start."
            Clock.schedule_once(lambda _dt: self.add_notice(message))

    def _finish_loading(self, problems: list[str]) -> None:
        self.load_problems = problems
        self.loading = False
        self.update_reminder()  # now that every deck's cards are known
        if self._stack == ["home"]:
            self._restore_ui_state()

    # -- deck files arriving and leaving -------------------------------------------------------------

    def receive_deck(self, deck: IncomingDeck) -> ImportAsking:
        """Install a deck file handed to the app, off the UI thread, asking first as the Import
        screen does (an update that needs a yes, a deck of another origin); the outcome shows on home."""
        collection = self.collection

        def attempt(options: ImportOptions) -> FileImport:
            return FileImport([import_incoming(collection, deck, options)])

        def run(work: Callable[[], Any], done: Callable[[Any], None]) -> None:
            run_in_background("receive-deck", work, done, lambda words: self._received(f"{deck.name} was not imported: {words}"))

        asking = ImportAsking(deck.name, attempt, collection, run, lambda outcome, _error: self._received(outcome))
        asking.start()
        return asking

    def _received(self, outcome: str) -> None:
        self.add_notice(outcome)
        self.current_screen().on_return()

    def open_link(self, text: str) -> None:
        """A quizapp://subscribe link (a class page's "Open in quizapp"): the Import screen shows
        the feed's address and its publisher's words, and follows it only on the learner's yes."""
        if self._collection is None:  # still opening, or recovering: the link waits
            self._pending_link = text
            return
        try:
            link = parse_subscribe_link(text)
        except LinkError as error:
            self.add_notice(f"That quizapp link was not followed: {error}")
            return
        screen = self.open_screen("import")
        screen.propose_feed(link.address)

    def share_deck(self, deck_id: str) -> None:
        """Offer a deck through Android's share sheet."""
        try:
            shared = share_deck(self.collection, deck_id)
        except QuizappError as error:
            self.add_notice(str(error))
            return
        self.add_notice(f"Shared {shared.name}; a copy is in Download/{self.title}.")

    def add_notice(self, text: str) -> None:
        self.notices = [*self.notices, text]

    def show_failure(self, text: str) -> None:
        """Show an error that ended an action as a notice on the home screen. Once shown, the same
        error again (home itself failing to read the database, say) changes nothing, so a lasting
        failure cannot send the app round in circles."""
        if text in self.notices:
            return
        self.add_notice(text)
        if self._collection is not None and self._stack[-1:] != ["home"]:
            self.go_home()

    # -- screens ------------------------------------------------------------------------------------

    def screen(self, name: str) -> AppScreen:
        """The screen called `name`, created (and its module imported) on first use."""
        if not self.manager.has_screen(name):
            module_name, class_name = SCREENS[name].rsplit(".", 1)
            screen_class = getattr(importlib.import_module(module_name), class_name)
            self.manager.add_widget(screen_class(name=name))
        screen: AppScreen = self.manager.get_screen(name)
        return screen

    def current_screen(self) -> AppScreen:
        return self.screen(self._stack[-1])

    @property
    def stack(self) -> tuple[str, ...]:
        """Screen names from home to the current one."""
        return tuple(self._stack)

    def open_screen(self, name: str, **params: Any) -> AppScreen:
        """Show a screen on top of the current one. A screen already in the stack is returned
        to, with the screens above it dropped, so Back never cycles."""
        screen = self.screen(name)
        screen.prepare(**params)
        if name in self._stack:
            del self._stack[self._stack.index(name) :]
        self._stack.append(name)
        self.manager.current = name
        self.save_ui_state()
        return screen

    def go_back(self, *, asked: bool = False) -> bool:
        """Go back one screen; False on the home screen (there is nothing to go back to). A screen
        may ask first (a quiz in progress): it goes back once the learner says yes."""
        if len(self._stack) < 2:
            return False
        if not asked and self.current_screen().ask_before_leaving(lambda: self.go_back(asked=True)):
            return True
        self._stack.pop()
        self.manager.current = self._stack[-1]
        self.current_screen().on_return()
        self.save_ui_state()
        return True

    def go_home(self) -> None:
        self.open_screen("home")

    def _on_keyboard(self, _window: Any, key: int, _scancode: int, codepoint: str | None, modifiers: list[str]) -> bool:
        if key == KEY_BACK:
            # On the home screen Kivy's own handler runs: on Android the app goes to the background.
            return self.go_back()
        screen = self.current_screen()
        if screen.typing():
            return False
        return screen.handle_key(key, codepoint, list(modifiers))

    # -- state kept across restarts ------------------------------------------------------------------

    def save_ui_state(self) -> None:
        if self._collection is None:
            return  # recovering: there is no store to save to
        entries = []
        for name in self._stack:
            screen = self.screen(name)
            if not screen.restorable:
                break
            entries.append({"screen": name, "params": screen.saved_params()})
        self._collection.store.set_setting(UI_STATE_KEY, entries)

    def _restore_ui_state(self) -> None:
        for entry in self._saved_stack[1:]:  # the first is home, already open
            try:
                self.open_screen(entry["screen"], **entry["params"])
            # Saved state may name a deck or card that is gone, or come from another app version.
            except (KeyError, TypeError, ValueError, QuizappError):
                break

    def help_content(self) -> HelpContent:
        """The bundled "Get help now" content, read once; raises DeckFileError if it is broken."""
        if self._help is None:
            self._help = load_help()
        return self._help

    def help_region(self) -> Region | None:
        """The region "Get help now" shows: the learner's choice, or with none chosen the one the
        system locale names, or None (the screen then asks them to call their local number)."""
        return self.help_content().region_for(self.settings.region, self.system_locale.locale_name())

    # -- settings ---------------------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The learner's settings; the defaults while no collection is open."""
        return self._collection.settings if self._collection is not None else self._fallback_settings

    def change_settings(self, **changes: Any) -> Settings:
        """Change and persist settings; theme and text size apply at once. While no collection is
        open (recovering), a change (the help screen's region) lasts until it opens."""
        if self._collection is not None:
            settings = self._collection.update_settings(**changes)
        else:
            settings = self._fallback_settings = self._fallback_settings.with_changes(**changes)
        self.theme.apply(settings.theme, settings.font_scale)
        if changes.get("reminder_on"):
            self.reminders.ask_permission()
        self.update_reminder()
        return settings

    # -- the daily reminder -------------------------------------------------------------------------------

    def update_reminder(self) -> None:
        """Set the next daily reminder from the settings and the cards (none when off or nothing
        will be due)."""
        if self._collection is not None:
            self.reminders.set(plan_reminder(self._collection, local_zone()))

    def _remind_now(self) -> None:
        """A desktop reminder's time: remind of the cards due now, if any, then set the next."""
        collection = self._collection
        if collection is None:
            return
        now = collection.now()
        cards = cards_waiting_at(collection, now)
        if cards:
            reminder = Reminder(now, cards)
            desktop_notification(reminder.title, reminder.text)
            self.add_notice(reminder_notice(reminder))
        self.update_reminder()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the app; a quizapp:// link among the arguments (a desktop's link handler passes one)
    opens its subscribe question once the app has started."""
    arguments = sys.argv[1:] if argv is None else argv
    QuizApp(link=next((argument for argument in arguments if is_subscribe_link(argument)), None)).run()
