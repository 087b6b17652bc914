"""Screens whose buttons start work on a worker thread (a file import, a download, a share) and
show its outcome under the button: the Import and Share screens.

Each task has a name; while it runs its name is in `busy` (the .kv greys its buttons out), and
its outcome shows in the label with id `<name>_status`. The sharing functions raise QuizappError
with messages fit to show as they are.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from kivy.clock import Clock
from kivy.logger import Logger
from kivy.properties import BooleanProperty, ListProperty

from quizapp.core.errors import QuizappError
from quizapp.ui.widgets import AppScreen, WrapLabel, load_kv_once

T = TypeVar("T")


def counted(count: int, word: str) -> str:
    """"1 deck", "3 decks"."""
    return f"{count} {word}{'' if count == 1 else 's'}"


class StatusLabel(WrapLabel):
    """The outcome of an action, under its button; an error also in the error colour (its words
    already say what failed, so colour is not the only sign)."""

    error = BooleanProperty(False)


class TaskScreen(AppScreen):
    busy = ListProperty()  # names of the tasks running on worker threads; their buttons wait

    def run_task(self, task: str, work: Callable[[], T], done: Callable[[T], None], failure: str) -> None:
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
                Logger.exception("%s: %s failed", self.name, task)
                outcome = partial(self.say, task, f"{failure}: something unexpected went wrong ({error})", True)
            else:
                outcome = partial(done, result)
            Clock.schedule_once(lambda _dt: self._finish(task, outcome))

        threading.Thread(target=run, name=f"{self.name}-{task}", daemon=True).start()

    def _finish(self, task: str, outcome: Callable[[], None]) -> None:
        self.busy = [name for name in self.busy if name != task]
        outcome()

    def say(self, task: str, text: str, error: bool = False) -> None:
        """Show an outcome under the task's button (`<task>_status`)."""
        label = self.ids[f"{task}_status"]
        label.text, label.error = text, error


load_kv_once(__file__)
