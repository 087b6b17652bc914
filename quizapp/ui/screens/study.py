"""Study: one card at a time from a `StudySession`.

The question side shows the prompt (and, for choice, true/false, type-in, order and match cards,
a way to answer). Tap "Show answer", Space or Enter reveals the answer side: the answer, the
explanation, the source and four rating buttons with their next intervals (keys 1-4; Space and
Enter pick the suggested rating, or Good). "More" opens Bury (until tomorrow, key -) and Suspend
(key @) for the card on screen, as in Anki. Undo (button or Ctrl+Z) takes the last rating, bury or
suspend back and says what it took back. A typed answer marked wrong offers "I was right": the
suggested rating becomes Good, and the summary says how many answers the learner counted so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from kivy.core.text import Label as CoreLabel
from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.anchorlayout import AnchorLayout
from kivy.utils import escape_markup

from quizapp.core.answers import check_typed
from quizapp.core.card_state import Rating
from quizapp.core.deck import Cloze
from quizapp.core.quiz import Question, QuestionKind
from quizapp.core.session import StudyCard, StudySession, Undone
from quizapp.core.store import CardKey
from quizapp.ui.answer_widgets import AnswerWidget, TypeInAnswer, answer_widget_for
from quizapp.ui.card_questions import question_for_card, suggested_rating
from quizapp.ui.text import (
    RATING_NAMES,
    cloze_answer_markup,
    coloured,
    counts_parts,
    describe_due,
    first_words,
    percent,
    source_lines,
)
from quizapp.ui.widgets import (
    AppButton,
    AppScreen,
    WrapLabel,
    load_kv_once,
    plain_text,
    scroll_to_top_of,
)

KEY_ENTER, KEY_NUMPAD_ENTER, KEY_SPACE, KEY_Z = 13, 271, 32, 122
CARD_ASIDE_KEYS = {"-": "bury", "@": "suspend"}  # as in Anki
RATING_KEYS = {"1": Rating.AGAIN, "2": Rating.HARD, "3": Rating.GOOD, "4": Rating.EASY}
# Like Anki's "maximum answer seconds": a card left open while the learner is away does not
# count as an hour of study.
MAX_ANSWER_MS = 60_000
# A flashcard's question side: a card with nothing to answer on it gets this share of the page.
CARD_FACE_SHARE = 0.45
MIN_FITTED_FONT = 12  # dp: the smallest type a status line or a rating shrinks to
QUEUE_NAMES = {"new": "New card", "learning": "Learning", "review": "Review"}


class CardFace(AnchorLayout):
    """The question as a flashcard: large type, centred on a card-like panel. `min_height` gives
    a card with nothing else to answer on it the room of a card."""

    text = StringProperty()
    min_height = NumericProperty(0)

    @property
    def label(self) -> WrapLabel:
        label: WrapLabel = self.ids.face_label
        return label


class RatingButton(AppButton):
    rating = NumericProperty(0)
    suggested = BooleanProperty(False)


class StudyScreen(AppScreen):
    title = StringProperty("Study")
    phase = OptionProperty("question", options=["question", "answer", "done"])
    counts_parts = ListProperty()  # "12 new", "3 learning", "40 review" (markup)
    notice = StringProperty()
    progress_done = NumericProperty(0)
    progress_total = NumericProperty(1)
    can_undo = BooleanProperty(False)
    show_more = BooleanProperty(False)  # Bury and Suspend are shown

    def on_kv_post(self, base_widget: Any) -> None:
        # Out of the tree while hidden: a hidden but present row would still take room and touches.
        # `ids` holds weak references, so the row is kept here while it is out of the tree.
        self._card_actions = self.ids.card_actions.__self__
        self.ids.status.remove_widget(self._card_actions)
        self.ids.actions.bind(width=self._fit_rating_buttons)
        self.ids.counts_label.bind(width=self._fit_counts)
        self.ids.scroll.bind(height=self._size_card_face)
        self.app.theme.bind(font_small=self._fit_counts, font_body=self._fit_rating_buttons)

    def on_show_more(self, _screen: StudyScreen, shown: bool) -> None:
        status, row = self.ids.status, self._card_actions
        if shown and row.parent is None:
            status.add_widget(row, index=len(status.children) - 1)  # just below the counts
        elif not shown and row.parent is not None:
            status.remove_widget(row)

    def on_phase(self, _screen: StudyScreen, phase: str) -> None:
        if phase == "done":
            self.show_more = False

    def prepare(self, deck_ids: Sequence[str] | None = None, **_params: Any) -> None:
        collection = self.app.collection
        self.deck_ids = list(deck_ids) if deck_ids is not None else None
        self.session = StudySession(collection, self.deck_ids)
        if self.deck_ids is not None and len(self.deck_ids) == 1:
            self.title = collection.deck_info(self.deck_ids[0])[0].title
        else:
            self.title = "Study all decks"
        self.notice = ""
        self.can_undo = False
        self.show_more = False
        self.overridden: set[CardKey] = set()  # cards whose typed answer the learner counted as right
        self.show_next()

    def saved_params(self) -> dict[str, Any]:
        return {"deck_ids": self.deck_ids}

    # -- the card on screen ---------------------------------------------------------------------------

    def show_next(self) -> None:
        card = self.session.next_card()
        if card is None:
            self._show_summary()
        else:
            self._show_question(card)

    def _show_question(self, card: StudyCard) -> None:
        self.card = card
        self.phase = "question"
        self.suggested: Rating | None = None
        self.answer_correct: bool | None = None
        self.shown_at = time.monotonic()
        self._refresh_status()
        area = self.ids.card_area
        area.clear_widgets()
        self._add_notice()
        area.add_widget(Factory.Muted(text=f"{card.deck_title} · {QUEUE_NAMES[card.queue]}"))
        question = question_for_card(card.card, card.key)
        self.card_face = CardFace(text=card.face.prompt)
        self.prompt_label = self.card_face.label
        area.add_widget(self.card_face)
        self._add_speaker("Read aloud", card.face.prompt)
        self.answer_widget: AnswerWidget | None = answer_widget_for(question) if question else None
        self._size_card_face()
        if self.answer_widget is not None:
            self.answer_widget.bind(on_response=self._answered)
            if isinstance(self.answer_widget, TypeInAnswer):
                self.answer_widget.bind(on_override=self._overridden)
            area.add_widget(self.answer_widget)
        self.set_actions({"reveal": self.action("Show answer", self.reveal)})
        self.ids.scroll.scroll_y = 1

    def _size_card_face(self, *_args: Any) -> None:
        """On the question side of a card with nothing to answer on it, the question has the room
        of a card (the page's height is known only once the screen is laid out)."""
        if self.phase == "question" and getattr(self, "card_face", None) is not None and self.answer_widget is None:
            self.card_face.min_height = self.ids.scroll.height * CARD_FACE_SHARE

    def _answered(self, widget: AnswerWidget, response: Any) -> None:
        question: Question = widget.question
        if question.kind is QuestionKind.TYPEIN:
            typed = check_typed(response, question.right)
            correct = typed.correct
            widget.show_result(typed)
        else:
            correct = question.check(response)
            widget.show_result()
        self.answer_correct = correct
        self.reveal()

    def _overridden(self, _widget: TypeInAnswer) -> None:
        """"I was right" on a typed answer marked wrong: Good is suggested (the learner still
        picks the rating), and the summary counts it."""
        if self.phase != "answer":
            return
        self.answer_correct = True
        self.suggested = Rating.GOOD
        self.overridden.add(self.card.key)
        self.verdict_label.text = coloured("✓ Counted as right (your call)", self.app.theme.hex("right"), bold=True)
        for button in self.action_buttons.values():
            if isinstance(button, RatingButton):
                button.suggested = button.rating == Rating.GOOD

    def reveal(self) -> None:
        """Show the answer side: the answer, why, the source and the rating buttons."""
        if self.phase != "question":
            return
        self.phase = "answer"
        card, theme = self.card, self.app.theme
        area = self.ids.card_area
        body = card.card.body
        if isinstance(body, Cloze):
            self.prompt_label.markup = True
            self.prompt_label.text = cloze_answer_markup(body.text, card.sibling + 1, theme.hex("primary"))
        widget = self.answer_widget
        if widget is not None and not widget.answered:
            # Shown without answering: the widget stops taking answers and shows the right ones.
            widget.answered = True
            widget.show_result()
        self.card_face.min_height = 0  # the answer comes up under the question
        divider = Factory.Divider()
        area.add_widget(divider)
        if self.answer_correct is not None:
            self.suggested = suggested_rating(self.answer_correct)
            verdict = coloured("✓ Right", theme.hex("right"), bold=True) if self.answer_correct else coloured("✗ Not quite", theme.hex("wrong"), bold=True)
            self.verdict_label = Factory.Prompt(text=verdict, markup=True)
            area.add_widget(self.verdict_label)
        for text, role in self._answer_parts(card):
            area.add_widget(Factory.Muted(text=text) if role == "muted" else WrapLabel(text=text, bold=role == "answer", markup=role == "markup"))
        self._add_speaker("Read answer aloud", "\n".join(filter(None, (card.face.answer, card.card.explain))))
        labels = self.session.button_labels()
        buttons = {RATING_NAMES[rating].lower(): self._rating_button(rating, labels[rating]) for rating in Rating}
        self._fit_rating_buttons(buttons=buttons.values())
        self.set_actions(buttons)
        # The verdict and the right answer (below the controls of a card answered with a widget,
        # below a long prompt otherwise) come to the top; the prompt is a scroll up.
        scroll_to_top_of(self.ids.scroll, divider)

    def _answer_parts(self, card: StudyCard) -> list[tuple[str, str]]:
        """(text, role) lines of the answer side below the prompt."""
        body = card.card.body
        parts = []
        if isinstance(body, Cloze):
            if body.back:
                parts.append((body.back, "text"))
        elif self.answer_widget is None:
            parts.append((card.face.answer, "answer"))
        elif self.answer_widget.question.kind is QuestionKind.MATCH:
            # In the order the items are shown, not the deck file's order.
            parts.append((f"[b]Answer:[/b]\n{escape_markup(self.answer_widget.question.right_answer_text())}", "markup"))
        elif self.answer_widget.question.kind is not QuestionKind.TYPEIN:
            parts.append((f"[b]Answer:[/b]\n{escape_markup(card.face.answer)}", "markup"))
        if card.card.explain:
            parts.append((card.card.explain, "text"))
        if card.sources:
            parts.append(("Source: " + source_lines(card.sources), "muted"))
        return parts

    def _add_speaker(self, label: str, text: str) -> None:
        """A speaker button that reads `text` aloud, read at once when every card is to be read.
        None without a voice: a button that cannot speak would only confuse."""
        speech = self.app.speech
        if not speech.available():
            return
        button = Factory.SpeakButton(text=label)
        button.bind(on_release=lambda _button: speech.speak(text))
        self.ids.card_area.add_widget(button)
        if self.app.settings.read_aloud:
            speech.speak(text)

    def on_leave(self, *_args: Any) -> None:
        self.app.speech.stop()
        session = getattr(self, "session", None)
        if session is not None:
            session.end()  # leaving mid-session ends it too: its answers reach the database file

    def rate(self, rating: Rating) -> None:
        if self.phase != "answer":
            return
        duration_ms = min(MAX_ANSWER_MS, int((time.monotonic() - self.shown_at) * 1000))
        result = self.session.answer(rating, duration_ms)
        self.notice = "That card keeps being forgotten: it is now suspended (see Browse)." if result.suspended_as_leech else ""
        self.can_undo = True
        self.show_next()

    def bury(self) -> None:
        """Put the card on screen off until the next study day."""
        self._set_card_aside(self.session.bury, "Buried until tomorrow.")

    def suspend(self) -> None:
        """Take the card on screen out of study until it is unsuspended in Browse."""
        self._set_card_aside(self.session.suspend, "Suspended: it stays out of study until you unsuspend it in Browse.")

    def _set_card_aside(self, action: Callable[[], None], notice: str) -> None:
        if self.phase == "done":
            return
        action()
        # Closed again, so a second tap meant for this card cannot bury or suspend the next one.
        self.show_more = False
        self.notice = f"{notice} Undo brings it back."
        self.can_undo = True
        self.show_next()

    def undo(self) -> None:
        undone = self.session.undo()
        self.can_undo = self.app.collection.undo_label is not None
        self.notice = undo_notice(undone) if undone is not None else ""
        if undone is not None:
            self.overridden.discard(undone.card.key)
            self._show_question(undone.card)

    def _add_notice(self) -> None:
        """What just happened (an undo, a bury, a leech), above the card: in the page rather than
        in the status, which keeps the card its room on a small screen."""
        if self.notice:
            self.ids.card_area.add_widget(Factory.Muted(text=self.notice, color=self.app.theme.learning))

    # -- the end of the session ------------------------------------------------------------------------

    def _show_summary(self) -> None:
        self.phase = "done"
        self._refresh_status()
        summary = self.session.summary
        collection = self.app.collection
        lines = []
        if summary.answered:
            ratings = "  ·  ".join(f"{RATING_NAMES[r]} {summary.ratings[r]}" for r in Rating)
            minutes, seconds = divmod(round(summary.seconds), 60)
            lines += [
                f"Cards answered: {summary.answered}",
                ratings,
                f"Remembered (not Again): {percent(summary.correct_share)}",
                f"Time: {minutes} min {seconds} s",
            ]
            if self.overridden:
                count = len(self.overridden)
                lines.append(f"Typed answers you counted as right: {count}")
        next_due = collection.next_due(self.session.deck_ids)
        lines.append(
            f"The next card is due {describe_due(next_due, collection.now(), collection.tz)}." if next_due else "No card is scheduled yet."
        )
        area = self.ids.card_area
        area.clear_widgets()
        self._add_notice()
        heading = "Session complete" if summary.answered else "Nothing to study right now"
        area.add_widget(Factory.Heading(text=heading))
        area.add_widget(WrapLabel(text="\n".join(lines)))
        self.set_actions({"done": self.action("Back to decks", self.app.go_home)})

    # -- status, buttons and keys ----------------------------------------------------------------------

    def _refresh_status(self) -> None:
        current = self.card.queue if self.phase != "done" else None
        self.counts_parts = counts_parts(self.session.counts(), self.app.theme.hex, current)
        self.progress_done, self.progress_total = self.session.progress()

    def _rating_button(self, rating: Rating, interval: str) -> RatingButton:
        button = RatingButton(rating=int(rating), suggested=rating == self.suggested, text=f"{RATING_NAMES[rating]}\n{interval}")
        button.bind(on_release=lambda _button: self.rate(rating))
        return button

    def _fit_rating_buttons(self, *_args: Any, buttons: Any = None) -> None:
        """Type small enough for the four ratings to sit in one row, name over interval, as on
        AnkiDroid: a row of four keeps the card its room with large text on a phone. Below
        `MIN_FITTED_FONT` they take two rows instead."""
        shown = [b for b in (buttons if buttons is not None else getattr(self, "action_buttons", {}).values()) if isinstance(b, RatingButton)]
        if not shown:
            return
        bar = self.ids.actions
        room = (bar.width - bar.padding[0] - bar.padding[2] - bar.spacing[0] * (len(shown) - 1)) / len(shown) - dp(16)
        size = fitted_font([line for b in shown for line in b.text.splitlines()], self.app.theme.font_body, room)
        for button in shown:
            button.font_size = size

    def on_counts_parts(self, *_args: Any) -> None:
        self._fit_counts()

    def _fit_counts(self, *_args: Any) -> None:
        """The counts in type small enough for "12 learning" to fit beside More and Undo, so a
        count never breaks inside (they go one under another first)."""
        label = self.ids.counts_label
        label.font_size = fitted_font([plain_text(part) for part in self.counts_parts], self.app.theme.font_small, label.width)

    def handle_key(self, key: int, codepoint: str | None, modifiers: list[str]) -> bool:
        if key == KEY_Z and ("ctrl" in modifiers or "meta" in modifiers):
            self.undo()
            return True
        if codepoint in CARD_ASIDE_KEYS and self.phase != "done" and not {"ctrl", "alt", "meta"} & set(modifiers):
            getattr(self, CARD_ASIDE_KEYS[codepoint])()
            return True
        if self.phase == "question" and key in (KEY_SPACE, KEY_ENTER, KEY_NUMPAD_ENTER):
            widget = self.answer_widget
            if key != KEY_SPACE and widget is not None and widget.ready:
                widget.check()  # a complete answer is checked, as its Check button would
            else:
                self.reveal()
            return True
        if self.phase == "answer":
            if codepoint in RATING_KEYS and not {"ctrl", "alt", "meta"} & set(modifiers):
                self.rate(RATING_KEYS[codepoint])
                return True
            if key in (KEY_SPACE, KEY_ENTER, KEY_NUMPAD_ENTER):
                self.rate(self.suggested or Rating.GOOD)
                return True
        return False


def fitted_font(lines: Sequence[str], font_size: float, room: float) -> float:
    """`font_size`, or smaller (not below `MIN_FITTED_FONT`) so the widest bold line fits `room`."""
    needed = max((CoreLabel(font_size=font_size, bold=True).get_extents(line)[0] for line in lines), default=0)
    if needed <= room or room <= 0:
        return font_size
    return max(font_size * room / needed, min(font_size, dp(MIN_FITTED_FONT)))


def undo_notice(undone: Undone) -> str:
    """"Undid Good on What reverses an opioid…": what Undo took back, and on which card."""
    action = RATING_NAMES[undone.rating] if undone.rating is not None else UNDONE_ACTIONS.get(undone.action, undone.action)
    return f"Undid {action} on “{first_words(undone.card.face.prompt)}”"


UNDONE_ACTIONS = {"bury": "Bury", "suspend": "Suspend"}


load_kv_once(__file__)
