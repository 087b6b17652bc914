"""Screens whose buttons start work on a worker thread (a file import, a download, a share) and
show its outcome under the button: the Import and Share screens. The work runs through
`quizapp.ui.worker`.

Each task has a name; while it runs its name is in `busy` (the .kv greys its buttons out), and
its outcome shows in the label with id `<name>_status`. The sharing functions raise QuizappError
with messages fit to show as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from kivy.properties import BooleanProperty, ListProperty

from quizapp.ui.widgets import AppScreen, WrapLabel, load_kv_once
from quizapp.ui.worker import run_in_background

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
        under the task's button as `failure: what went wrong`. The task's buttons wait meanwhile."""
        self.busy = [*self.busy, task]
        self.say(task, "")

        def finish(outcome: Callable[[], None]) -> None:
            self.busy = [name for name in self.busy if name != task]
            outcome()

        run_in_background(
            f"{self.name}-{task}",
            work,
            lambda result: finish(partial(done, result)),
            lambda words: finish(partial(self.say, task, f"{failure}: {words}", True)),
        )

    def say(self, task: str, text: str, error: bool = False) -> None:
        """Show an outcome under the task's button (`<task>_status`)."""
        label = self.ids[f"{task}_status"]
        label.text, label.error = text, error


load_kv_once(__file__)
