"""Work on a worker thread, so the window keeps drawing: the one way the UI runs work off the
Kivy thread.

`Job` runs a function on a daemon thread and keeps its outcome: the result, or the error it
raised. A QuizappError's words are fit to show as they are; any other exception is a bug, so it is
logged with its traceback and the person reads that something unexpected went wrong. Either way
the outcome reaches the screen: no thread dies silently, and no button waits forever.

`run_in_background` hands the outcome back on the Kivy thread (widgets are only touched there).
`Job.done` lets a caller wait without the Kivy clock: the start waits for the progress database
before the first frame.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar, cast

from kivy.clock import Clock
from kivy.logger import Logger

from quizapp.core.errors import QuizappError

T = TypeVar("T")


def error_words(error: Exception) -> str:
    """What went wrong, for the person: a QuizappError's own message, else that it was unexpected."""
    if isinstance(error, QuizappError):
        return str(error)
    return f"something unexpected went wrong ({type(error).__name__}: {error})"


class Job(Generic[T]):
    """`work` running on its own daemon thread, started at once. Once `done` is set, `error` is
    the exception it raised, or None and `result` is what it returned. `then`, if given, is
    called with the job on the Kivy thread once it is done."""

    def __init__(self, name: str, work: Callable[[], T], then: Callable[[Job[T]], None] | None = None) -> None:
        self.name = name
        self.done = threading.Event()
        self.result: T | None = None
        self.error: Exception | None = None
        self._then = then
        threading.Thread(target=self._run, args=(work,), name=name, daemon=True).start()

    def _run(self, work: Callable[[], T]) -> None:
        try:
            self.result = work()
        except Exception as error:  # noqa: BLE001 - a worker thread must never end silently
            if not isinstance(error, QuizappError):
                Logger.exception("%s: unexpected error", self.name)
            self.error = error
        finally:
            self.done.set()
        then = self._then
        if then is not None:
            Clock.schedule_once(lambda _dt: then(self))


def run_in_background(name: str, work: Callable[[], T], done: Callable[[T], None], failed: Callable[[str], None]) -> Job[T]:
    """Run `work` on a worker thread; then, on the Kivy thread, `done(result)`, or `failed(words)`
    with `error_words` for what it raised."""

    def then(job: Job[T]) -> None:
        if job.error is None:
            done(cast(T, job.result))
        else:
            failed(error_words(job.error))

    return Job(name, work, then)
