"""Recovery: shown instead of home when the progress database cannot be opened.

Its `mode` comes from what kept the database from opening (`mode_for`):

- damaged: the file is never replaced behind the learner's back and never deleted. The screen
  says so in plain words and lets the learner restore the newest sound backup or, with a second
  tap, start again with empty progress; either way the damaged file is moved aside and the app
  then starts as usual, with a notice on home saying where the file was kept.
- newer (written by a newer app version), in use (locked by another process) or cannot open (the
  folder cannot be made or written, anything else): the file is sound, so the screen never
  touches it and offers neither choice, as both would throw progress away. It says what happened
  and, unless only updating the app helps, offers Try again, which opens the collection afresh.

- opening: the start waited `OPENING_PATIENCE_S` and the database is still being opened (waiting
  for a lock, or a first opening after an update that upgrades a large review log). The screen
  says so, with no buttons, until the opening ends: then home, or the mode for what went wrong.

"Get help now" stays one tap away in every mode (it works with the default settings, since the
learner's cannot be read).
"""

from __future__ import annotations

from datetime import timezone
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from quizapp.core import backup
from quizapp.core.days import SystemClock, local_timezone
from quizapp.core.errors import BusyStoreError, DamagedStoreError, NewerStoreError, StoreError
from quizapp.ui.opening import Opening
from quizapp.ui.widgets import AppScreen, load_kv_once

DATE_FORMAT = "%A %d %B %Y, %H:%M"
OPENING_POLL_S = 0.05  # how often a waiting screen looks whether the opening is done
ASIDE_REASON = "damaged"  # the file is kept as progress.sqlite3.damaged-<time>

DAMAGED, NEWER, IN_USE, CANNOT_OPEN, OPENING = "damaged", "newer", "in_use", "cannot_open", "opening"
MODES = (DAMAGED, NEWER, IN_USE, CANNOT_OPEN, OPENING)

HEADINGS = {
    DAMAGED: "Your progress file is damaged",
    NEWER: "Your progress is from a newer quizapp",
    IN_USE: "Your progress is in use",
    CANNOT_OPEN: "Your progress cannot be opened",
    OPENING: "Opening your progress…",
}
EXPLANATIONS = {
    DAMAGED: "The app cannot read the file that keeps your progress: which cards you know and when each is due. Your decks are not affected.",
    NEWER: "This progress was saved by a newer version of quizapp. Update the app; nothing was changed.",
    IN_USE: "Another copy of quizapp (or the quizapp command) is using your progress. Close it, then Try again.",
    CANNOT_OPEN: "The app cannot open the file that keeps your progress; nothing was changed. What went wrong is below. Once it is put right, Try again.",
    OPENING: "This takes a moment the first time after an update, or while another copy of quizapp finishes with your progress. Your decks and progress are safe.",
}


def mode_for(error: StoreError) -> str:
    """What the screen offers for the error that kept the progress database from opening."""
    if isinstance(error, NewerStoreError):
        return NEWER
    if isinstance(error, BusyStoreError):
        return IN_USE
    if isinstance(error, DamagedStoreError):
        return DAMAGED
    return CANNOT_OPEN


def backup_date(path: Path) -> str:
    """When a backup was taken, in the learner's local time, in words."""
    taken = backup.backup_time(path)
    if taken is None:
        return path.name
    return taken.replace(tzinfo=timezone.utc).astimezone(local_timezone()).strftime(DATE_FORMAT)


class RecoveryScreen(AppScreen):
    restorable = False  # only ever opened at start, when the database cannot be read

    mode = OptionProperty(DAMAGED, options=MODES)
    heading = StringProperty()
    explanation = StringProperty()
    problem = StringProperty()  # what SQLite said, for whoever helps the learner
    data_folder = StringProperty()
    backup_text = StringProperty()
    has_backup = BooleanProperty(False)
    confirming_empty = BooleanProperty(False)
    error = StringProperty()  # why the last choice did not work, if it did not
    trying = BooleanProperty(False)  # Try again is opening the collection

    def on_kv_post(self, base_widget: Any) -> None:
        # Each mode's part of the page; only the one for the current mode is on screen. `ids` holds
        # weak references: the parts are kept here so one taken off the page is not collected.
        damaged, retry = self.ids.damaged_part.__self__, self.ids.retry_part.__self__
        self._parts = {DAMAGED: damaged, IN_USE: retry, CANNOT_OPEN: retry}

    def prepare(self, error: StoreError | None = None, opening: Opening | None = None, **_params: Any) -> None:
        """Show why the database cannot be opened (`error`), or that it is still being opened."""
        self.error = ""
        if opening is None:
            self._show(error or DamagedStoreError(""))
            return
        self.mode = OPENING
        self.heading, self.explanation = HEADINGS[OPENING], EXPLANATIONS[OPENING]
        self.problem, self.data_folder = "", str(self.app.data_dir)
        self.ids.choices.clear_widgets()
        self._wait_for(opening)

    def _show(self, error: StoreError) -> None:
        self.mode = mode_for(error)
        self.heading, self.explanation = HEADINGS[self.mode], EXPLANATIONS[self.mode]
        self.problem = str(error)
        self.data_folder = str(self.app.data_dir)
        self.confirming_empty = False
        self.trying = False
        holder = self.ids.choices
        holder.clear_widgets()
        if (part := self._parts.get(self.mode)) is not None:
            holder.add_widget(part)
        if self.mode == DAMAGED:
            self._show_backup()

    def _show_backup(self) -> None:
        data_dir = self.app.data_dir
        self.newest = backup.newest_sound_backup(data_dir)
        self.has_backup = self.newest is not None
        if self.newest is not None:
            self.backup_text = (
                f"The newest backup is from {backup_date(self.newest)}. Restoring it brings back your "
                "progress as it was then; answers given after it are not in it."
            )
        elif backup.list_backups(data_dir):
            self.backup_text = f"The backups in {backup.backups_dir(data_dir)} cannot be read either, so none can be restored."
        else:
            self.backup_text = "There is no backup to restore yet (the app makes one each day)."

    # -- the learner's two choices ----------------------------------------------------------------------

    def restore_backup(self) -> None:
        """Put the newest sound backup in place of the damaged file, then start as usual."""
        try:
            recovery = backup.restore(self.app.data_dir, None, SystemClock().now(), reason=ASIDE_REASON)
        except (OSError, StoreError) as error:
            self._failed(error)
            return
        self._continue(f"Your progress was restored from the backup of {backup_date(recovery.restored_from)}.", recovery.kept_aside)

    def start_empty(self) -> None:
        """Move the damaged file aside and start with empty progress; the first tap asks for a
        second one, as this cannot be undone from the app."""
        if not self.confirming_empty:
            self.confirming_empty = True
            return
        try:
            kept = backup.set_aside(self.app.data_dir, ASIDE_REASON, SystemClock().now())
        except OSError as error:
            self._failed(error)
            return
        self._continue("You started again with empty progress.", kept)

    # -- a sound file that could not be opened: Try again ------------------------------------------------

    def try_again(self) -> None:
        """Open the collection afresh (the file is not touched first), on a worker thread: opening
        can wait for the store's busy timeout, and the window must not freeze meanwhile."""
        if self.trying:
            return
        self.error = ""
        self._wait_for(Opening(self.app.load_collection), still_closed="It still cannot be opened.")

    def _wait_for(self, opening: Opening, still_closed: str = "") -> None:
        """Carry on the start once `opening` is done; if it failed, show why (and `still_closed`)."""
        self.trying = True

        def check(_dt: float) -> bool:
            if not opening.done.is_set():
                return True  # ask again next time
            if opening.collection is not None:
                self.app.start_with(opening.collection)
            elif opening.error is not None:
                self._show(opening.error)
                self.error = still_closed
            return False

        Clock.schedule_interval(check, OPENING_POLL_S)

    def _continue(self, outcome: str, kept: Path | None) -> None:
        try:
            self.app.open_collection()
        except StoreError as error:  # the restored or new file cannot be opened either
            self._failed(error)
            return
        self.app.add_notice(outcome + (f" The damaged progress file is kept as {kept}." if kept else ""))

    def _failed(self, error: Exception) -> None:
        self.confirming_empty = False
        self.error = f"That did not work: {error}"
        self._show_backup()


load_kv_once(__file__)
