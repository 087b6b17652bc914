"""A quiz in progress: one question at a time with immediate feedback, then the score and
"Review my mistakes". A quiz in progress is not restored after a restart (the app returns to
the quiz setup).

Keys: 1-4 or a-d pick an option (on true/false, 1 is True and 2 False); Enter checks or goes on;
Esc (or Back) once something is answered asks before leaving the quiz. A typed answer marked
wrong offers "I was right", which counts it in the score.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.factory import Factory
from kivy.properties import NumericProperty, OptionProperty, StringProperty
from kivy.utils import escape_markup

from quizapp.core.quiz import Feedback, Quiz
from quizapp.ui.answer_widgets import AnswerWidget, TypeInAnswer, answer_widget_for
from quizapp.ui.dialogs import ask
from quizapp.ui.screens.quiz_setup import KIND_NAMES
from quizapp.ui.text import coloured
from quizapp.ui.widgets import AppScreen, WrapLabel, load_kv_once, scroll_to_top_of

KEY_ENTER, KEY_NUMPAD_ENTER, KEY_SPACE = 13, 271, 32
OPTION_KEYS = {key: number for number, keys in enumerate(("1a", "2b", "3c", "4d"), 1) for key in keys}


class QuizScreen(AppScreen):
    restorable = False
    phase = OptionProperty("question", options=["question", "feedback", "result"])
    status = StringProperty()
    number = NumericProperty(0)
    total = NumericProperty(1)

    def prepare(self, quiz: Quiz | None = None, **_params: Any) -> None:
        if quiz is None:
            raise ValueError("the quiz screen needs a quiz")
        self.quiz = quiz
        self.index = 0
        self.show_question()

    def _refresh_progress(self) -> None:
        """The bar shows the questions answered of this quiz (a review of mistakes starts empty)."""
        score = self.quiz.score()
        self.number, self.total = score.answered, score.total

    def show_question(self) -> None:
        question = self.quiz.questions[self.index]
        self.phase = "question"
        self._refresh_progress()
        self.status = f"Question {self.index + 1} of {self.total}"
        area = self.ids.quiz_area
        area.clear_widgets()
        area.add_widget(Factory.Muted(text=KIND_NAMES[question.kind]))
        area.add_widget(Factory.Prompt(text=question.prompt))
        self.answer_widget: AnswerWidget = answer_widget_for(question)
        self.answer_widget.bind(on_response=self._answered)
        if isinstance(self.answer_widget, TypeInAnswer):
            self.answer_widget.bind(on_override=self._overridden)
        area.add_widget(self.answer_widget)
        self.set_actions({"next": self.action("Next question", self.next, disabled=True)})
        self.ids.scroll.scroll_y = 1

    def _answered(self, widget: AnswerWidget, response: Any) -> None:
        feedback = self.quiz.answer(self.index, response)
        widget.show_result(feedback.typed)
        self.phase = "feedback"
        self._refresh_progress()
        self._show_feedback(feedback)
        self.set_actions({"next": self.action("Next question" if self.index + 1 < self.total else "See my score", self.next)})

    def _overridden(self, _widget: TypeInAnswer) -> None:
        """"I was right": the answer counts as right, and the feedback says it was the learner's call."""
        if self.phase != "feedback":
            return
        feedback = self.quiz.accept_as_right(self.index)
        self.ids.quiz_area.remove_widget(self.feedback_panel)
        self._show_feedback(feedback)

    def _show_feedback(self, feedback: Feedback) -> None:
        theme = self.app.theme
        panel = self.feedback_panel = Factory.Panel()
        if feedback.overridden:
            verdict = coloured("✓ Counted as right (your call)", theme.hex("right"), bold=True)
        elif feedback.correct:
            verdict = coloured("✓ Right", theme.hex("right"), bold=True)
        else:
            verdict = coloured("✗ Not quite", theme.hex("wrong"), bold=True)
        panel.add_widget(Factory.Prompt(text=verdict, markup=True))
        if not feedback.correct or feedback.overridden:
            panel.add_widget(WrapLabel(text=f"[b]Right answer:[/b]\n{escape_markup(feedback.right_answer)}", markup=True))
        if feedback.explanation:
            panel.add_widget(WrapLabel(text=feedback.explanation))
        if feedback.counted_as_review:
            panel.add_widget(Factory.Muted(text="This answer also counted as the card's review."))
        self.ids.quiz_area.add_widget(panel)
        scroll_to_top_of(self.ids.scroll, panel)

    def next(self) -> None:
        if self.phase != "feedback":
            return
        self.index += 1
        if self.index < self.total:
            self.show_question()
        else:
            self.show_result()

    def show_result(self) -> None:
        self.phase = "result"
        score = self.quiz.score()
        self.status = "Quiz finished"
        area = self.ids.quiz_area
        area.clear_widgets()
        share = score.right / score.total if score.total else 0
        area.add_widget(Factory.Heading(text=f"You got {score.right} of {score.total} right ({share:.0%})."))
        mistakes = self.quiz.mistakes()
        if mistakes:
            area.add_widget(Factory.Heading(text="Your mistakes"))
            for question, feedback in self.quiz.mistakes_with_feedback():
                panel = Factory.Panel()
                panel.add_widget(WrapLabel(text=question.prompt))
                panel.add_widget(WrapLabel(text=f"[b]You answered:[/b]\n{escape_markup(feedback.given_answer)}", markup=True))
                panel.add_widget(WrapLabel(text=f"[b]Right answer:[/b]\n{escape_markup(feedback.right_answer)}", markup=True))
                area.add_widget(panel)
        buttons = {"review": self.action("Review my mistakes", self.review_mistakes)} if mistakes else {}
        self.set_actions({**buttons, "new_quiz": self.action("New quiz", self.app.go_back, primary=not mistakes)})
        self.ids.scroll.scroll_y = 1

    def review_mistakes(self) -> None:
        self.prepare(quiz=self.quiz.review_mistakes())

    def ask_before_leaving(self, leave: Callable[[], Any]) -> bool:
        if self.phase == "result" or not self.quiz.score().answered:
            return False  # nothing to lose
        score = self.quiz.score()
        ask(
            "Leave this quiz?",
            f"You have answered {score.answered} of {score.total} questions. Leaving ends the quiz without a score.",
            lambda yes: leave() if yes else None,
            yes="Leave quiz",
            no="Keep going",
        )
        return True

    def handle_key(self, key: int, codepoint: str | None, modifiers: list[str]) -> bool:
        if self.phase == "question" and key in (KEY_ENTER, KEY_NUMPAD_ENTER) and self.answer_widget.ready:
            self.answer_widget.check()
            return True
        if self.phase == "question" and codepoint in OPTION_KEYS and not {"ctrl", "alt", "meta"} & set(modifiers):
            return self.answer_widget.pick(OPTION_KEYS[codepoint])
        if self.phase == "feedback" and key in (KEY_ENTER, KEY_NUMPAD_ENTER, KEY_SPACE):
            self.next()
            return True
        return False


load_kv_once(__file__)
