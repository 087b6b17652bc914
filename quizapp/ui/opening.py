"""Opening the progress database on a worker thread, so the window keeps drawing meanwhile.

Opening is usually a matter of milliseconds, but it can wait up to the store's busy timeout for
another program to let go of the file, and the first opening after an update may upgrade a large
review log. The outcome is read on the UI thread once `done` is set.
"""

from __future__ import annotations

from collections.abc import Callable

from quizapp.core.collection import Collection
from quizapp.core.errors import StoreError
from quizapp.ui.worker import Job


class Opening:
    """One attempt at opening the collection, started at once on its own thread."""

    def __init__(self, load: Callable[[], Collection]) -> None:
        self._job = Job("open-progress", load)
        self.done = self._job.done
        self._error: StoreError | None = None

    @property
    def collection(self) -> Collection | None:
        return self._job.result if self._job.error is None else None

    @property
    def error(self) -> StoreError | None:
        """Why it could not be opened. An error nobody foresaw says nothing about the file: it is
        "cannot open", whose only choice is Try again, never damage, whose choices replace the file."""
        error = self._job.error
        if error is None or isinstance(error, StoreError):
            return error
        if self._error is None:
            self._error = StoreError(f"your progress could not be opened: {type(error).__name__}: {error}")
            self._error.__cause__ = error
        return self._error
