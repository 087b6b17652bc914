"""Stats as pictures: answers per day, the due forecast, retention over time, cards by state and
a calendar heatmap, for one deck or all."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty, StringProperty

from quizapp.core.stats import Stats
from quizapp.ui import charts  # noqa: F401 - registers the chart widgets stats.kv uses
from quizapp.ui.tasks import counted
from quizapp.ui.text import percent
from quizapp.ui.widgets import AppScreen, load_kv_once

ALL_DECKS = "All decks"
CHART_DAYS = 30
HEATMAP_DAYS = 365
STATE_NAMES = {"new": "New", "learning": "Learning", "young": "Young", "mature": "Mature", "suspended": "Suspended", "buried": "Buried"}


def _day_label(day: Any) -> str:
    return day.strftime("%d %b")


class StatsScreen(AppScreen):
    deck_choice = StringProperty(ALL_DECKS)
    deck_names = ListProperty([ALL_DECKS])
    summary_text = StringProperty()
    states_text = StringProperty()
    heatmap_text = StringProperty()

    def prepare(self, deck_id: str | None = None, **_params: Any) -> None:
        decks = self.app.collection.decks()
        self._deck_ids = {deck.title: deck.deck_id for deck in decks}
        self.deck_names = [ALL_DECKS, *self._deck_ids]
        titles = {deck_id: title for title, deck_id in self._deck_ids.items()}
        self.deck_id = deck_id if deck_id in titles else None
        self.deck_choice = titles.get(deck_id, ALL_DECKS) if deck_id else ALL_DECKS
        self.refresh()

    def saved_params(self) -> dict[str, Any]:
        return {"deck_id": self.deck_id}

    def on_return(self) -> None:
        self.refresh()

    def choose_deck(self, title: str) -> None:
        deck_id = self._deck_ids.get(title)
        if deck_id != self.deck_id:
            self.deck_id = deck_id
            self.refresh()
            self.app.save_ui_state()

    def refresh(self) -> None:
        collection, theme, ids = self.app.collection, self.app.theme, self.ids
        stats = Stats(collection, [self.deck_id] if self.deck_id else None)
        summary = stats.summary()
        self.summary_text = (
            f"Answers today: [b]{summary.reviews_today}[/b]\n"
            f"True retention, last 30 days: [b]{percent(summary.true_retention_30d)}[/b]\n"
            f"Due today: [b]{counted(summary.due_today, 'card')}[/b]\n"
            f"Due tomorrow: [b]{counted(summary.due_tomorrow, 'card')}[/b]"
        )
        reviews = stats.reviews_per_day(CHART_DAYS)
        ids.reviews_chart.values = [day.value for day in reviews]
        ids.reviews_chart.first_label, ids.reviews_chart.last_label = _day_label(reviews[0].day), "today"
        forecast = stats.forecast(CHART_DAYS)
        ids.forecast_chart.values = [day.value for day in forecast]
        ids.forecast_chart.first_label, ids.forecast_chart.last_label = "today", _day_label(forecast[-1].day)
        retention = stats.retention_over_time(CHART_DAYS)
        ids.retention_chart.values = [day.value if day else None for day in retention]
        ids.retention_chart.first_label, ids.retention_chart.last_label = _day_label(reviews[0].day), "today"
        options = collection.deck_options(self.deck_id) if self.deck_id else collection.settings
        ids.retention_chart.target = options.desired_retention
        states = stats.cards_by_state()
        ids.state_bar.parts = [(count, getattr(theme, name)) for name, count in states.items()]
        self.states_text = "   ".join(
            f"[color={theme.hex(name)}]■[/color]\u00a0{STATE_NAMES[name]}\u00a0[b]{count}[/b]" for name, count in states.items()
        )
        heatmap = stats.heatmap(HEATMAP_DAYS)
        ids.heatmap.counts = heatmap
        ids.heatmap.end = collection.days.date_of(collection.today())
        self.heatmap_text = f"{counted(sum(heatmap.values()), 'answer')} on {counted(len(heatmap), 'day')} in the last year. Darker squares mean more answers; each column is a week, Monday at the top."


load_kv_once(__file__)
