"""Browse: search cards by text, tag and state (due, new, suspended, leeches…); a row opens the card
with its history."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from quizapp.core.collection import BrowseRow, CardFilter, Collection
from quizapp.ui.text import NBSP, short_date
from quizapp.ui.widgets import AppScreen, load_kv_once

ALL_TAGS = "All tags"
FILTER_LABELS = {
    CardFilter.ALL: "All cards",
    CardFilter.DUE: "Due today",
    CardFilter.NEW: "New",
    CardFilter.LEARNING: "Learning",
    CardFilter.REVIEW: "Review",
    CardFilter.SUSPENDED: "Suspended",
    CardFilter.BURIED: "Buried",
    CardFilter.LEECH: "Leeches",
}
FILTERS_BY_LABEL = {label: show for show, label in FILTER_LABELS.items()}
SEARCH_DELAY = 0.3  # seconds after the last keystroke, so typing stays smooth
RESULT_LIMIT = 500


def state_words(row: BrowseRow, collection: Collection, tz: tzinfo) -> str:
    """"review · due 12 Mar · suspended": where a card stands, in a few words."""
    words = [row.state.state.value]
    due = collection.due_date(row.state)
    if due is not None:
        words.append(f"due{NBSP}{short_date(due, collection.now(), tz).replace(' ', NBSP)}")
    words += [flag for flag, on in (("suspended", row.suspended), ("buried", row.buried), ("leech", row.leech)) if on]
    return " · ".join(words)


class BrowseRowView(ButtonBehavior, BoxLayout):
    key = ListProperty()
    column_x = NumericProperty()
    column_right = NumericProperty()
    prompt = StringProperty()
    detail = StringProperty()

    def on_release(self) -> None:
        App.get_running_app().open_screen("card", key=list(self.key))


class BrowseScreen(AppScreen):
    tag_choice = StringProperty(ALL_TAGS)
    tag_names = ListProperty([ALL_TAGS])
    filter_choice = StringProperty(FILTER_LABELS[CardFilter.ALL])
    filter_names = ListProperty(list(FILTER_LABELS.values()))
    result_text = StringProperty()

    def on_kv_post(self, base_widget: Any) -> None:
        self._search_soon = Clock.create_trigger(lambda _dt: self.search(), SEARCH_DELAY)

    def prepare(self, text: str = "", tag: str | None = None, show: str = CardFilter.ALL.value, **_params: Any) -> None:
        self.tag_names = [ALL_TAGS, *self.app.collection.tags()]
        self.tag_choice = tag if tag in self.tag_names else ALL_TAGS
        known = {choice.value: choice for choice in CardFilter}
        self.filter_choice = FILTER_LABELS[known.get(show, CardFilter.ALL)]
        self.ids.search_field.text = text
        self.search()

    def saved_params(self) -> dict[str, Any]:
        return {"text": self.ids.search_field.text, "tag": self.tag, "show": self.show.value}

    def on_return(self) -> None:
        self.search()

    @property
    def tag(self) -> str | None:
        return None if self.tag_choice == ALL_TAGS else self.tag_choice

    def text_changed(self) -> None:
        self._search_soon()

    @property
    def show(self) -> CardFilter:
        return FILTERS_BY_LABEL[self.filter_choice]

    def choose_tag(self, tag: str) -> None:
        if tag != self.tag_choice:
            self.tag_choice = tag
            self.search()

    def choose_filter(self, label: str) -> None:
        if label != self.filter_choice:
            self.filter_choice = label
            self.search()

    def search(self) -> None:
        collection = self.app.collection
        rows = collection.search(self.ids.search_field.text, self.tag, limit=RESULT_LIMIT, show=self.show)
        titles = {deck.deck_id: deck.title for deck in collection.decks()}
        self.ids.results.data = [
            # Where the card stands first: on a narrow screen the deck's title gives way to it.
            {"key": list(row.key), "prompt": row.prompt, "detail": f"{state_words(row, collection, collection.tz)} · {titles.get(row.key[0], row.key[0])}"}
            for row in rows
        ]
        count = len(rows)
        if count >= RESULT_LIMIT:
            self.result_text = f"The first {RESULT_LIMIT} cards; type more to narrow the search"
        else:
            self.result_text = {0: "No cards match", 1: "1 card"}.get(count, f"{count} cards")


load_kv_once(__file__)
