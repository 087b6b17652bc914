"""One card from Browse: its text, where it stands, its review history; suspend, unsuspend, reset."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from quizapp.core.card_state import Rating
from quizapp.core.collection import BrowseRow, ReviewEntry
from quizapp.core.errors import NotFoundError
from quizapp.core.intervals import describe_interval
from quizapp.core.store import CardKey
from quizapp.ui.screens.browse import state_words
from quizapp.ui.text import RATING_NAMES, percent
from quizapp.ui.widgets import AppScreen, load_kv_once

TIME_FORMAT = "%d %b %Y %H:%M"


class CardScreen(AppScreen):
    prompt = StringProperty()
    answer = StringProperty()
    details = StringProperty()
    history = StringProperty()
    suspended = BooleanProperty(False)
    confirming_reset = BooleanProperty(False)
    undo_text = StringProperty()  # empty unless a change made here can be undone

    def prepare(self, key: list[Any] | tuple[Any, ...] = (), **_params: Any) -> None:
        deck_id, card_id, sibling = key
        self.key: CardKey = (deck_id, card_id, int(sibling))
        self.undo_text = ""
        self.refresh()

    def saved_params(self) -> dict[str, Any]:
        return {"key": list(self.key)}

    def _row(self) -> BrowseRow:
        # The collection reports a card's flags through search; searching its deck finds it.
        for row in self.app.collection.search(deck_ids=[self.key[0]], limit=1_000_000):
            if row.key == self.key:
                return row
        raise NotFoundError(f"no card {self.key[1]} in deck {self.key[0]}")

    def refresh(self) -> None:
        collection = self.app.collection
        row = self._row()
        face = row.card.face(self.key[2])
        self.prompt, self.answer = face.prompt, face.answer
        self.suspended = row.suspended
        self.confirming_reset = False
        recall = collection.retrievability(self.key)
        lines = [
            f"Deck: {collection.deck_info(self.key[0])[0].title}",
            f"Tags: {', '.join(row.card.tags)}" if row.card.tags else "Tags: none",
            f"State: {state_words(row, collection, collection.tz)}",
            f"Chance of recalling it now: {percent(recall)}" if recall is not None else "Not studied yet",
            f"Reviews: {row.state.reps} · Forgotten: {row.state.lapses}",
        ]
        self.details = "\n".join(lines)
        entries = collection.history(self.key)
        self.history = "\n".join(self._history_line(entry) for entry in reversed(entries)) or "No reviews yet."

    def _history_line(self, entry: ReviewEntry) -> str:
        collection = self.app.collection
        when = entry.reviewed_at.astimezone(collection.tz).strftime(TIME_FORMAT)
        if entry.kind == "manual":
            return f"{when}  reset to new"
        due = collection.due_date(entry.after)
        following = f", next after {describe_interval(max(0.0, (due - entry.reviewed_at).total_seconds()))}" if due else ""
        return f"{when}  {RATING_NAMES[Rating(entry.rating)]} ({entry.kind}{following})"

    # -- actions --------------------------------------------------------------------------------------

    def toggle_suspend(self) -> None:
        collection = self.app.collection
        (collection.unsuspend if self.suspended else collection.suspend)([self.key])
        self._changed()

    def reset(self) -> None:
        """Make the card new again; the first tap asks for a second one to confirm."""
        if not self.confirming_reset:
            self.confirming_reset = True
            return
        self.app.collection.reset([self.key])
        self._changed()

    def undo(self) -> None:
        self.app.collection.undo()
        self.undo_text = ""
        self.refresh()

    def _changed(self) -> None:
        self.undo_text = f"Undo {self.app.collection.undo_label}"
        self.refresh()


load_kv_once(__file__)
