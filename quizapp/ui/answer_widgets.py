"""Ways to answer a question: pick, true/false, type, put in order, match. Shared by the study
and quiz screens.

A widget shows a `Question`, collects one response and fires `on_response` with it, in the form
`Question.check` takes; the screen checks it with the core and calls `show_result` to mark what
was right.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.input.motionevent import MotionEvent
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from quizapp.core.answers import TypedResult
from quizapp.core.quiz import Question, QuestionKind
from quizapp.ui.text import typed_answer_lines
from quizapp.ui.widgets import OptionButton, load_kv_once


class AnswerWidget(BoxLayout):
    question: Question = ObjectProperty()
    answered = BooleanProperty(False)
    # Whether a response is complete but not yet given (every step placed, every item matched,
    # some options ticked): Enter then checks it, as the Check button would.
    ready = BooleanProperty(False)

    __events__ = ("on_response",)

    def __init__(self, question: Question, **kwargs: Any) -> None:
        super().__init__(question=question, **kwargs)
        self.response: Any = None
        self.build()

    def build(self) -> None:
        """Create the parts that depend on the question."""

    def respond(self, response: Any) -> None:
        """Give the response, once."""
        if self.answered:
            return
        self.answered = True
        self.response = response
        self.dispatch("on_response", response)

    def show_result(self, typed: TypedResult | None = None) -> None:
        """Mark the response after checking (`typed` is the type-in verdict)."""

    def check(self) -> None:
        """Give the response collected so far (the Check button, or Enter while `ready`)."""

    def pick(self, number: int) -> bool:
        """Option `number` (1 for the first) picked with a key, as a tap would; False when this
        way of answering has no such option."""
        return False

    def on_answered(self, _widget: AnswerWidget, answered: bool) -> None:
        if answered:
            self.ready = False
            # The controls for answering are spent: out of the way, so the verdict below moves up.
            for name in self.spent_controls:
                widget = self.ids.get(name)
                if widget is not None and widget.parent is not None:
                    widget.parent.remove_widget(widget)

    # ids of the controls that only serve to answer, removed once the question is answered.
    spent_controls: tuple[str, ...] = ()

    def on_response(self, response: Any) -> None:
        pass


def _option(label: str, on_release: Any) -> OptionButton:
    button = OptionButton(label=label)
    button.bind(on_release=on_release)
    return button


class ChoiceAnswer(AnswerWidget):
    """Tap the answer; with several right answers, tap each and then Check."""

    def build(self) -> None:
        self.buttons = {option: _option(option, self._tapped) for option in self.question.options}
        for button in self.buttons.values():
            self.ids.options.add_widget(button)
        if self.question.multiple_answers:
            self.check_button = Factory.PrimaryButton(text="Check")
            self.check_button.bind(on_release=lambda _button: self.check())
            self.add_widget(self.check_button)

    def _tapped(self, button: OptionButton) -> None:
        if self.answered:
            return
        if not self.question.multiple_answers:
            button.mark = "selected"
            self.respond(button.label)
            return
        button.mark = "" if button.mark == "selected" else "selected"
        self.ready = any(button.mark == "selected" for button in self.buttons.values())

    def check(self) -> None:
        self.respond(tuple(option for option, button in self.buttons.items() if button.mark == "selected"))

    def pick(self, number: int) -> bool:
        buttons = list(self.buttons.values())
        if self.answered or not 1 <= number <= len(buttons):
            return False
        self._tapped(buttons[number - 1])
        return True

    def on_answered(self, widget: AnswerWidget, answered: bool) -> None:
        super().on_answered(widget, answered)
        check_button = getattr(self, "check_button", None)
        if answered and check_button is not None and check_button.parent is not None:
            self.remove_widget(check_button)

    def show_result(self, typed: TypedResult | None = None) -> None:
        # Each outcome has its own mark and words, not only its own colour: a right option the
        # learner missed is not shown as if they had picked it.
        picked_any = self.response is not None
        for option, button in self.buttons.items():
            picked = button.mark == "selected"
            if option in self.question.right:
                button.mark = "right" if picked or not picked_any or not self.question.multiple_answers else "missed"
            else:
                button.mark = "wrong" if picked else ""


class TrueFalseAnswer(AnswerWidget):
    def respond_bool(self, value: bool) -> None:
        self.ids.true_button.mark = "selected" if value else ""
        self.ids.false_button.mark = "" if value else "selected"
        self.respond(value)

    def pick(self, number: int) -> bool:
        if self.answered or number not in (1, 2):
            return False
        self.respond_bool(number == 1)  # 1 = True, 2 = False, in the order shown
        return True

    def show_result(self, typed: TypedResult | None = None) -> None:
        for value, button in ((True, self.ids.true_button), (False, self.ids.false_button)):
            picked = self.response is value
            button.mark = "right" if value is self.question.truth else ("wrong" if picked else "")


class TypeInAnswer(AnswerWidget):
    """Type the answer and check it. A typed answer marked wrong offers "I was right" (a synonym
    the card does not list, say): tapping it fires `on_override`, and the screen counts it."""

    typed_markup = ObjectProperty(("", ""))
    overridden = BooleanProperty(False)

    __events__ = ("on_override",)

    def build(self) -> None:
        # Focus the field so a desktop learner can type at once (a phone shows its keyboard).
        Clock.schedule_once(lambda _dt: setattr(self.ids.field, "focus", not self.answered))

    def submit(self) -> None:
        # Enter in the field also reaches the window's shortcuts, where on the answer side it
        # would rate the card. Answering on the next frame lets that same press find the field
        # still focused, so the shortcuts leave it alone.
        Clock.schedule_once(lambda _dt: self._submit_now())

    def _submit_now(self) -> None:
        if not self.answered:
            self.ids.field.focus = False
            self.respond(self.ids.field.text)

    def show_result(self, typed: TypedResult | None = None) -> None:
        if typed is None:
            return
        theme = App.get_running_app().theme
        self.typed_markup = typed_answer_lines(typed, theme.hex("wrong"), theme.hex("right"))
        if not typed.correct:
            self.right_button = Factory.FitButton(text="I was right")
            self.right_button.bind(on_release=lambda _button: self.override())
            self.add_widget(self.right_button)

    def override(self) -> None:
        """"I was right": once, and only for an answer marked wrong."""
        button = getattr(self, "right_button", None)
        if self.overridden or button is None:
            return
        self.overridden = True
        self.remove_widget(button)
        self.dispatch("on_override")

    def on_override(self) -> None:
        pass


class DragHandle(Widget):
    """The grip (≡) at the end of a placed step, a 48dp touch target; `active` while dragging."""

    active = BooleanProperty(False)


class PlacedStep(BoxLayout):
    """One placed step: tap its text to take it back, or drag its grip to move it."""

    step = StringProperty()
    number = NumericProperty(0)
    mark = OptionProperty("", options=["", "selected", "right", "wrong"])


class OrderAnswer(AnswerWidget):
    """Tap the steps in the order they happen; tap a placed step to put it back, or drag it by
    its grip to a new place.

    Inside a ScrollView a touch reaches the grip only once Kivy's ScrollView has decided it is not
    a scroll: the finger stayed within `scroll_distance` for `scroll_timeout` (a short hold). So a
    quick swipe that starts on a grip still scrolls the page, and a hold-then-drag moves the step.
    """

    placed = ListProperty()
    left = NumericProperty(0)
    dragging = BooleanProperty(False)

    def build(self) -> None:
        self.rows: list[PlacedStep] = []  # in the order of `placed`
        self._drag_row: PlacedStep | None = None
        self._drag_touch: MotionEvent | None = None
        self._refresh()

    def place(self, step: str) -> None:
        if not self.answered:
            self.placed.append(step)
            self._refresh()

    def take_back(self, step: str) -> None:
        if not self.answered:
            self.placed.remove(step)
            self._refresh()

    def move(self, old_index: int, new_index: int) -> None:
        """Move a placed step to another place; the steps between shift by one."""
        if self.answered or old_index == new_index:
            return
        # Move the existing rows rather than building new ones: the row being dragged stays the
        # same widget, and the others keep their measured heights for the next drop position.
        self.placed.insert(new_index, self.placed.pop(old_index))
        self.rows.insert(new_index, self.rows.pop(old_index))
        self._show_rows()

    def _refresh(self) -> None:
        remaining = list(self.question.options)
        for step in self.placed:
            remaining.remove(step)
        self.left = len(remaining)
        self.rows = [self._placed_row(step) for step in self.placed]
        self._show_rows()
        self.ids.remaining_list.clear_widgets()
        for step in remaining:
            self.ids.remaining_list.add_widget(_option(step, lambda _b, step=step: self.place(step)))

    def _placed_row(self, step: str) -> PlacedStep:
        row = PlacedStep(step=step)
        row.ids.step_button.bind(on_release=lambda _b: self.take_back(step))
        row.ids.handle.disabled = self.answered
        return row

    def _show_rows(self) -> None:
        placed_list = self.ids.placed_list
        placed_list.clear_widgets()
        for number, row in enumerate(self.rows, 1):
            row.number = number
            placed_list.add_widget(row)
        # Lay the rows out now, not next frame: the next move of the same drag measures them.
        placed_list.do_layout()

    def on_answered(self, widget: AnswerWidget, answered: bool) -> None:
        super().on_answered(widget, answered)
        # Answered (or shown without answering, e.g. Space mid-drag): no more moving.
        if answered:
            self._end_drag()
        for row in getattr(self, "rows", ()):
            row.ids.handle.disabled = answered

    # Touch handling. Touch positions arrive in this widget's parent's coordinates, which are
    # also the rows' and grips' coordinates: the layouts in between are not relative layouts.

    def on_touch_down(self, touch: MotionEvent) -> bool:
        if self._drag_touch is None and not self.answered and not touch.is_mouse_scrolling:
            row = next((row for row in self.rows if row.ids.handle.collide_point(*touch.pos)), None)
            if row is not None:
                touch.grab(self)
                self._drag_touch, self._drag_row = touch, row
                row.mark = "selected"  # shown with a mark and a colour, not colour alone
                row.ids.handle.active = True
                self.dragging = True
                return True
        return bool(super().on_touch_down(touch))

    def on_touch_move(self, touch: MotionEvent) -> bool:
        if touch.grab_current is self:
            if touch is self._drag_touch:
                self._follow(touch.y)
            return True
        return bool(super().on_touch_move(touch))

    def on_touch_up(self, touch: MotionEvent) -> bool:
        if touch.grab_current is self:
            touch.ungrab(self)
            if touch is self._drag_touch:
                self._follow(touch.y)
                self._end_drag()
            return True
        return bool(super().on_touch_up(touch))

    def _follow(self, y: float) -> None:
        """Put the dragged row where the finger is: below every other row whose middle is above it."""
        row = self._drag_row
        if row is None or self.answered:
            return
        target = sum(1 for other in self.rows if other is not row and other.center_y > y)
        self.move(self.rows.index(row), target)

    def _end_drag(self) -> None:
        row, self._drag_row, self._drag_touch = self._drag_row, None, None
        self.dragging = False
        if row is not None:
            row.ids.handle.active = False
            if row.mark == "selected":
                row.mark = ""

    spent_controls = ("check", "remaining_hint")

    def on_left(self, _widget: OrderAnswer, left: int) -> None:
        self.ready = left == 0 and not self.answered

    def check(self) -> None:
        if self.left == 0:
            self.respond(tuple(self.placed))

    def show_result(self, typed: TypedResult | None = None) -> None:
        for row, step, right in zip(self.rows, self.placed, self.question.right):
            row.mark = "right" if step == right else "wrong"


class MatchAnswer(AnswerWidget):
    """Tap an item, then the choice that goes with it; the next open item is picked for you."""

    chosen = ObjectProperty({})
    current = ObjectProperty(None, allownone=True)
    spent_controls = ("choices_heading", "choice_list", "check")

    def build(self) -> None:
        self.chosen = {}
        self.item_buttons = {item: _option(item, lambda _b, item=item: self.select(item)) for item in self.question.items}
        for button in self.item_buttons.values():
            self.ids.item_list.add_widget(button)
        self.choice_buttons = {option: _option(option, lambda _b, option=option: self.assign(option)) for option in self.question.options}
        for button in self.choice_buttons.values():
            self.ids.choice_list.add_widget(button)
        # Dimming a used choice helps only where each choice goes with one item; where a choice
        # fits several items (sorting into classes), it must stay as inviting as the others.
        answers = [option for _, option in self.question.pairs]
        self.choices_used_once = len(set(answers)) == len(answers)
        self.select(self.question.items[0])

    def select(self, item: str) -> None:
        if not self.answered:
            self.current = item
            self._refresh()

    def assign(self, option: str) -> None:
        if self.answered or self.current is None:
            return
        self.chosen = {**self.chosen, self.current: option}
        self.current = next((item for item in self.question.items if item not in self.chosen), None)
        self._refresh()

    def _refresh(self) -> None:
        for item, button in self.item_buttons.items():
            button.label = f"{item}  →  {self.chosen.get(item, '?')}"
            button.mark = "selected" if item == self.current else ""
        used = set(self.chosen.values()) if self.choices_used_once else set()
        for option, button in self.choice_buttons.items():
            button.mark = "used" if option in used else ""
        self.ready = len(self.chosen) == len(self.question.items)

    def check(self) -> None:
        if len(self.chosen) == len(self.question.items):
            self.respond(dict(self.chosen))

    def show_result(self, typed: TypedResult | None = None) -> None:
        right = dict(self.question.pairs)
        for item, button in self.item_buttons.items():
            if self.response is None:  # shown without answering: the right pairs, marked as nobody's mistake
                button.label, button.mark = f"{item}  →  {right[item]}", ""
            elif self.chosen.get(item) == right[item]:
                button.mark = "right"
            else:
                button.label = f"{item}  →  {self.chosen.get(item, '?')}   (right: {right[item]})"
                button.mark = "wrong"


ANSWER_WIDGETS: dict[QuestionKind, type[AnswerWidget]] = {
    QuestionKind.CHOICE: ChoiceAnswer,
    QuestionKind.TRUEFALSE: TrueFalseAnswer,
    QuestionKind.TYPEIN: TypeInAnswer,
    QuestionKind.ORDER: OrderAnswer,
    QuestionKind.MATCH: MatchAnswer,
}


def answer_widget_for(question: Question) -> AnswerWidget:
    return ANSWER_WIDGETS[question.kind](question)


load_kv_once(__file__)
