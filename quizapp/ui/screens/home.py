"""Home: every deck with today's counts, Study and Quiz per deck or for all, and when the next
card is due when nothing is left for today."""

from __future__ import annotations

from functools import partial
from typing import Any

from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)

from quizapp.core.queues import DueCounts
from quizapp.ui.android_share import on_android
from quizapp.ui.text import SEPARATOR, counts_parts, describe_due
from quizapp.ui.widgets import AppScreen, Panel, load_kv_once


class LoadingPanel(Panel):
    """"Loading decks…" with a progress bar, while the loader thread registers deck files."""


class CountsLine:
    """A panel whose `counts` are the parts of one line of counts (see text.counts_parts)."""

    counts: list[str]

    @property
    def counts_text(self) -> str:
        """The counts as one line of markup."""
        return SEPARATOR.join(self.counts)


class TodayPanel(CountsLine, Panel):
    counts = ListProperty()
    due_text = StringProperty()


class DeckPanel(CountsLine, Panel):
    """One deck in a compact row: its title and Study, today's counts below; ⋯ unfolds the
    description with Quiz, Stats and Options."""

    deck_id = StringProperty()
    title = StringProperty()
    description = StringProperty()
    card_count = NumericProperty()
    counts = ListProperty()
    expanded = BooleanProperty(False)

    def on_kv_post(self, base_widget: Any) -> None:
        self._more = self.ids.more.__self__  # a strong reference: ids hold weak ones
        self.remove_widget(self._more)

    def on_expanded(self, _panel: DeckPanel, expanded: bool) -> None:
        if expanded:
            self.add_widget(self._more, index=0)
        else:
            self.remove_widget(self._more)


class ProblemsPanel(Panel):
    text = StringProperty()


class NoticePanel(Panel):
    text = StringProperty()


class HomeScreen(AppScreen):
    def on_kv_post(self, base_widget: Any) -> None:
        self.app.bind(loading=lambda *_: self.refresh(), notices=lambda *_: self.refresh())

    def prepare(self, **params: Any) -> None:
        self.refresh()

    def on_return(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        content = self.ids.content
        content.clear_widgets()
        if self.app.loading:
            content.add_widget(LoadingPanel())
            return
        if self.app.notices:
            content.add_widget(NoticePanel(text="\n".join(self.app.notices)))
        collection = self.app.collection
        decks = collection.decks()
        colour = self.app.theme.hex
        total = collection.all_decks_counts(deck.counts for deck in decks)  # within the all-decks limit
        content.add_widget(TodayPanel(counts=counts_parts(total, colour), due_text=self._due_text(total)))
        for deck in decks:
            panel = DeckPanel(
                deck_id=deck.deck_id,
                title=deck.title,
                description=deck.description,
                counts=counts_parts(deck.counts, colour),
                card_count=deck.card_count,
            )
            if on_android():  # only a phone has a share sheet
                panel.ids.buttons.add_widget(self.action("Share", partial(self.app.share_deck, deck.deck_id), primary=False))
            content.add_widget(panel)
        if self.app.load_problems:
            content.add_widget(ProblemsPanel(text="\n".join(self.app.load_problems)))

    def _due_text(self, total: DueCounts) -> str:
        collection = self.app.collection
        if not collection.deck_ids():
            return "No decks are installed yet."
        if total.total:
            return ""
        next_due = collection.next_due()
        if next_due is None:
            return "Nothing is due, and no card is scheduled."
        return f"Nothing is due now. The next card is due {describe_due(next_due, collection.now(), collection.tz)}."


load_kv_once(__file__)
