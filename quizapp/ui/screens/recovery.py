"""Recovery: shown instead of home when the progress database is damaged.

The damaged file is never replaced behind the learner's back and never deleted. The screen says
so in plain words and lets the learner restore the newest sound backup or, with a second tap,
start again with empty progress; either way the damaged file is moved aside and the app then
starts as usual, with a notice on home saying where the file was kept. "Get help now" stays one
tap away (it works with the default settings, since the learner's cannot be read).
"""

from __future__ import annotations

from datetime import timezone
from pathlib import Path
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from quizapp.core import backup
from quizapp.core.days import SystemClock, local_timezone
from quizapp.core.errors import StoreError
from quizapp.ui.widgets import AppScreen, load_kv_once

DATE_FORMAT = "%A %d %B %Y, %H:%M"
ASIDE_REASON = "damaged"  # the file is kept as progress.sqlite3.damaged-<time>


def backup_date(path: Path) -> str:
    """When a backup was taken, in the learner's local time, in words."""
    taken = backup.backup_time(path)
    if taken is None:
        return path.name
    return taken.replace(tzinfo=timezone.utc).astimezone(local_timezone()).strftime(DATE_FORMAT)


class RecoveryScreen(AppScreen):
    restorable = False  # only ever opened at start, when the database cannot be read

    problem = StringProperty()  # what SQLite said, for whoever helps the learner
    data_folder = StringProperty()
    backup_text = StringProperty()
    has_backup = BooleanProperty(False)
    confirming_empty = BooleanProperty(False)
    error = StringProperty()  # why the last choice did not work, if it did not

    def prepare(self, problem: str = "", **_params: Any) -> None:
        self.problem = problem
        self.data_folder = str(self.app.data_dir)
        self.confirming_empty = False
        self.error = ""
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
