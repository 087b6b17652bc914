"""Quiz setup: which decks, how many questions, which kinds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kivy.properties import NumericProperty, StringProperty

from quizapp.core.quiz import QuestionKind, build_quiz
from quizapp.ui.widgets import AppScreen, ToggleChip, load_kv_once

QUESTION_COUNTS = (5, 10, 20, 30)
KIND_NAMES = {
    QuestionKind.CHOICE: "Multiple choice",
    QuestionKind.TRUEFALSE: "True or false",
    QuestionKind.TYPEIN: "Type the answer",
    QuestionKind.ORDER: "Put in order",
    QuestionKind.MATCH: "Match",
}


class QuizSetupScreen(AppScreen):
    count = NumericProperty(10)
    message = StringProperty()
    counts_note = StringProperty()

    def prepare(self, deck_ids: Sequence[str] | None = None, count: int = 10, kinds: Sequence[str] | None = None, **_params: Any) -> None:
        decks = self.app.collection.decks()
        chosen = set(deck_ids) if deck_ids is not None else {deck.deck_id for deck in decks}
        self.deck_chips = self._chips(self.ids.decks, {deck.deck_id: deck.title for deck in decks}, chosen)
        chosen_kinds = set(kinds) if kinds is not None else {kind.value for kind in QuestionKind}
        self.kind_chips = self._chips(self.ids.kinds, {kind.value: name for kind, name in KIND_NAMES.items()}, chosen_kinds)
        self.count = count if count in QUESTION_COUNTS else 10
        self.count_chips = {}
        self.ids.counts.clear_widgets()
        for number in QUESTION_COUNTS:
            chip = ToggleChip(label=str(number), active=number == self.count)
            chip.bind(on_release=lambda _chip, number=number: self.choose_count(number))
            self.count_chips[number] = chip
            self.ids.counts.add_widget(chip)
        self.message = ""
        counted = self.app.collection.settings.quiz_counts_as_review
        self.counts_note = (
            "Answers on new or due cards also count as their reviews (see Settings)."
            if counted
            else "Quiz answers do not change when cards come up for study (see Settings)."
        )

    def _chips(self, box: Any, names: dict[str, str], chosen: set[str]) -> dict[str, ToggleChip]:
        """On/off chips for `names` (value -> label) in `box`; a tap turns one on or off."""
        box.clear_widgets()
        chips = {}
        for value, label in names.items():
            chip = ToggleChip(label=label, active=value in chosen)
            chip.bind(on_release=lambda chip: setattr(chip, "active", not chip.active))
            chips[value] = chip
            box.add_widget(chip)
        return chips

    def choose_count(self, number: int) -> None:
        self.count = number
        for value, chip in self.count_chips.items():
            chip.active = value == number

    @staticmethod
    def _active(chips: dict[str, ToggleChip]) -> list[str]:
        return [value for value, chip in chips.items() if chip.active]

    def saved_params(self) -> dict[str, Any]:
        return {"deck_ids": self._active(self.deck_chips), "count": self.count, "kinds": self._active(self.kind_chips)}

    def start(self) -> None:
        deck_ids, kinds = self._active(self.deck_chips), self._active(self.kind_chips)
        if not deck_ids:
            self.message = "Pick at least one deck."
            return
        if not kinds:
            self.message = "Pick at least one kind of question."
            return
        quiz = build_quiz(self.app.collection, deck_ids, self.count, kinds)
        if not len(quiz):
            self.message = "These decks have no cards that make questions of the kinds you picked."
            return
        self.message = ""
        self.app.save_ui_state()
        self.app.open_screen("quiz", quiz=quiz)


load_kv_once(__file__)
