"""Opening the progress database on a worker thread, so the window keeps drawing meanwhile.

Opening is usually a matter of milliseconds, but it can wait up to the store's busy timeout for
another program to let go of the file, and the first opening after an update may upgrade a large
review log. The outcome is read on the UI thread once `done` is set.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from quizapp.core.collection import Collection
from quizapp.core.errors import StoreError


class Opening:
    """One attempt at opening the collection, started at once on its own thread."""

    def __init__(self, load: Callable[[], Collection]) -> None:
        self.done = threading.Event()
        self.collection: Collection | None = None
        self.error: StoreError | None = None
        threading.Thread(target=self._run, args=(load,), name="open-progress", daemon=True).start()

    def _run(self, load: Callable[[], Collection]) -> None:
        try:
            self.collection = load()
        except StoreError as error:
            self.error = error
        except Exception as error:  # noqa: BLE001 - never a silent thread death; never "damaged" either
            # An error nobody foresaw says nothing about the file: shown as "cannot open", whose
            # only choice is Try again, never as damage, whose choices replace the file.
            self.error = StoreError(f"your progress could not be opened: {type(error).__name__}: {error}")
            self.error.__cause__ = error
        finally:
            self.done.set()
