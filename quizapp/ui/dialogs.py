"""Questions the app asks before it changes a learner's decks, in a window over the screen.

`QuestionDialog` is the window: a title, what the question is about, details in smaller type,
and two buttons. Back (or a tap outside) counts as the safe answer, No.

`ImportAsking` runs a deck import that may need an answer: a file from the file chooser or one
handed to the app on Android. Nothing changes before the learner says yes:

- an update that needs a yes (it replaces an unsigned deck, retires most of a deck, changes
  safety cards, or is a teacher's version of a deck bundled with the app) shows the question and
  a summary of the changes; Yes imports again with `confirmed`;
- a deck another origin holds is refused, naming both origins; "Keep both" imports it beside the
  learner's own under a new id (`as_new`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView
from kivy.utils import escape_markup

from quizapp.core.collection import Collection
from quizapp.sharing.formats import FileImport, ImportOptions
from quizapp.sharing.install import (
    Confirmation,
    ConfirmReason,
    ImportResult,
    OriginRefusedError,
)
from quizapp.sharing.signing import fingerprint_words
from quizapp.ui.widgets import load_kv_once

T = TypeVar("T")
# Runs work off the Kivy thread, then `done(result)` on it; it shows a failure itself.
Runner = Callable[[Callable[[], T], Callable[[T], None]], None]
Done = Callable[[str, bool], None]  # (what happened, whether it is an error)

MAX_IDS_SHOWN = 12  # card ids listed per kind of change; the rest are counted


class QuestionDialog(ModalView):
    """A yes-or-no question. `on_answer(yes)` is dispatched once: Back and a tap outside are No.
    `text` is Kivy markup: text from outside goes through `escape_markup`."""

    title = StringProperty()
    text = StringProperty()
    details = StringProperty()
    yes_text = StringProperty("Yes")
    no_text = StringProperty("No")

    __events__ = ("on_answer",)

    def __init__(self, **kwargs: Any) -> None:
        self._answered = False
        super().__init__(**kwargs)

    def answer(self, yes: bool) -> None:
        if self._answered:
            return
        self._answered = True
        self.dismiss(animation=False)
        self.dispatch("on_answer", yes)

    def on_dismiss(self) -> None:
        if not self._answered:  # Back, or a tap beside the window
            self._answered = True
            self.dispatch("on_answer", False)

    def on_answer(self, yes: bool) -> None:
        pass


def ask(title: str, text: str, on_answer: Callable[[bool], None], *, details: str = "", yes: str = "Yes", no: str = "No") -> QuestionDialog:
    """Open a question; `on_answer(yes)` runs once the learner answers."""
    dialog = QuestionDialog(title=title, text=text, details=details, yes_text=yes, no_text=no)
    dialog.bind(on_answer=lambda _dialog, answer: on_answer(answer))
    dialog.open(animation=False)
    return dialog


def listed(label: str, ids: tuple[str, ...]) -> str:
    shown = ", ".join(ids[:MAX_IDS_SHOWN])
    more = f" and {len(ids) - MAX_IDS_SHOWN} more" if len(ids) > MAX_IDS_SHOWN else ""
    return f"{label} ({len(ids)}): {shown}{more}"


def changes_words(confirmation: Confirmation) -> str:
    """What the update would change, card by card id, for the dialog's details."""
    changes = confirmation.changes
    lines = [listed(label, ids) for label, ids in (("New cards", changes.added), ("Changed", changes.changed), ("Retired", changes.retired)) if ids]
    if changes.unchanged:
        lines.append(f"Cards unchanged: {changes.unchanged}")
    if confirmation.safety_cards:
        lines.append(listed("Safety cards affected", confirmation.safety_cards))
    return "\n".join(lines) or "No card changes."


REASON_WORDS = {
    ConfirmReason.REPLACES_UNSIGNED: "This file is not signed, so nothing shows who made it, or who made your copy.",
    ConfirmReason.RETIRES_MOST: "It would retire more than half of the deck's cards (their progress is kept).",
    ConfirmReason.CHANGES_SAFETY: "It changes what safety cards say: check them with your teacher.",
}


def confirmation_question(result: ImportResult, collection: Collection) -> tuple[str, str]:
    """The dialog's title and text for a result that waits for a yes."""
    confirmation = result.confirmation
    assert confirmation is not None
    record = collection.deck_record(result.deck_id)
    title = record.title if record else result.title
    if ConfirmReason.ADAPTS_BUNDLED in confirmation.reasons:
        words = fingerprint_words(confirmation.teacher_key) if confirmation.teacher_key else "unknown"
        return (
            f"Use your teacher's version of {title}?",
            (
                f"Your teacher's key words:\n[b]{words}[/b]\nThey should match your teacher's screen.\n\n"
                "Your progress is kept card by card. You can go back to the app's version at any time, on the deck's Options screen."
            ),
        )
    reasons = " ".join(REASON_WORDS[reason] for reason in confirmation.reasons if reason in REASON_WORDS)
    return f"Update {title}?", f"{escape_markup(confirmation.question)}\n\n{reasons}".strip()


def refusal_text(error: OriginRefusedError, collection: Collection) -> str:
    record = collection.deck_record(error.deck_id)
    title = record.title if record else error.deck_id
    refused = f"You have {title} from {error.installed.describe()}. This one comes from {error.incoming.describe()}, so it may not replace yours."
    return f"{escape_markup(refused)}\n\nKeep both adds it beside yours as a new deck; yours stays as it is."


def result_line(result: ImportResult) -> str:
    """What importing one deck did, by its title."""
    update = result.update
    title = result.title
    if update is not None:
        if update.is_new_deck:
            return f"{title} v{update.version}: added with {len(update.added)} card{'' if len(update.added) == 1 else 's'}"
        parts = [f"{len(update.added)} new", f"{len(update.changed)} changed", f"{len(update.retired)} retired", f"{update.unchanged} unchanged"]
        return f"{title} v{update.previous_version} → v{update.version}: " + ", ".join(parts)
    if result.confirmation is not None:
        return f"{title}: not changed (you said no)"
    if result.unchanged_because:
        return f"{title}: not changed: {result.unchanged_because}"
    if result.previous_version == result.version:
        return f"{title}: you already have v{result.version}"
    return f"{title}: you have v{result.previous_version}, newer than this v{result.version}"


def import_message(outcome: FileImport) -> str:
    lines = [result_line(result) for result in outcome.results]
    lines += [f"  {note}" for result in outcome.results for note in result.notes]
    lines += [f"Left out: {warning}" for warning in outcome.warnings]
    return "\n".join(lines) or "The file held no decks."


def ask_each(results: list[ImportResult], collection: Collection, then: Callable[[set[str]], None], said_yes: set[str] | None = None) -> None:
    """Ask about each result that waits for a yes, one after another; then `then(deck ids said
    yes to)`. A no to a teacher's version is remembered (`decline`)."""
    said_yes = set() if said_yes is None else said_yes
    if not results:
        then(said_yes)
        return
    result, rest = results[0], results[1:]
    assert result.confirmation is not None

    def answered(yes: bool) -> None:
        if yes:
            said_yes.add(result.deck_id)
        else:
            decline(collection, result)
        ask_each(rest, collection, then, said_yes)

    title, text = confirmation_question(result, collection)
    ask(title, text, answered, details=changes_words(result.confirmation))


def decline(collection: Collection, result: ImportResult) -> None:
    """A no to a teacher's version of a bundled deck: it is not offered again."""
    confirmation = result.confirmation
    if confirmation is not None and confirmation.teacher_key is not None:
        collection.decline_adaptation(result.deck_id, confirmation.teacher_key)


class ImportAsking:
    """Import one file (`attempt(options)`), asking first when the import needs an answer; `done`
    gets the outcome in words. `run` runs work off the Kivy thread."""

    def __init__(self, name: str, attempt: Callable[[ImportOptions], FileImport], collection: Collection, run: Runner, done: Done) -> None:
        self.name, self.attempt, self.collection, self.run, self.done = name, attempt, collection, run, done

    def start(self, options: ImportOptions | None = None) -> None:
        options = options or ImportOptions()

        def work() -> FileImport | OriginRefusedError:
            try:
                return self.attempt(options)
            except OriginRefusedError as refused:
                return refused

        self.run(work, lambda outcome: self._answered(options, outcome))

    def _answered(self, options: ImportOptions, outcome: FileImport | OriginRefusedError) -> None:
        if isinstance(outcome, OriginRefusedError):
            refused = outcome

            def keep_both(yes: bool) -> None:
                if yes:
                    self.start(replace(options, as_new=True))
                else:
                    self.done(f"{self.name} was not imported: yours stays as it is.", False)

            ask("Keep both decks?", refusal_text(refused, self.collection), keep_both, yes="Keep both", no="Cancel")
            return
        waiting = [result for result in outcome.results if result.confirmation is not None]
        if not waiting or options.confirmed:
            self.done(import_message(outcome), False)
            return
        if len(waiting) == 1:
            title, text = confirmation_question(waiting[0], self.collection)
        else:
            title, text = f"Update {len(waiting)} decks?", "\n\n".join(self._asked(result) for result in waiting)
        details = "\n\n".join(f"{result.title}:\n{changes_words(result.confirmation)}" for result in waiting if result.confirmation)

        def confirmed(yes: bool) -> None:
            if yes:
                self.start(replace(options, confirmed=True))
                return
            for result in waiting:
                decline(self.collection, result)
            self.done(import_message(outcome), False)

        ask(title, text, confirmed, details=details)

    def _asked(self, result: ImportResult) -> str:
        """One deck's question, among several asked at once."""
        title, text = confirmation_question(result, self.collection)
        return f"[b]{escape_markup(title)}[/b] {text}"


load_kv_once(__file__)
