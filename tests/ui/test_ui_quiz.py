"""Quizzes through the setup screen: each question kind answered wrong, then right through
"Review my mistakes"; the score; and the setting that lets quiz answers count as reviews."""

from __future__ import annotations

import pytest
from ui_driver import KEY_ENTER, Driver, answer_by_taps, tap_deck_action, texts

from quizapp.core.quiz import QuestionKind
from quizapp.ui.screens.quiz_setup import KIND_NAMES


def set_up_quiz(ui: Driver, kind: QuestionKind, deck_id: str = "all-types") -> None:
    tap_deck_action(ui, deck_id, "quiz")
    setup = ui.screen
    assert setup.name == "quiz_setup"
    assert [value for value, chip in setup.deck_chips.items() if chip.active] == [deck_id]
    for value, chip in setup.kind_chips.items():
        if chip.active != (value == kind.value):
            ui.tap(chip)
    ui.tap(setup.count_chips[5])
    ui.tap(setup.ids.start_button)
    assert ui.screen.name == "quiz", setup.message


def answer_all(ui: Driver, right_first: bool) -> None:
    """Answer every question; only the first one as `right_first` says, the rest right."""
    quiz = ui.screen
    for index in range(quiz.total):
        assert quiz.status == f"Question {index + 1} of {quiz.total}"
        answer_by_taps(ui, quiz.answer_widget, right_first if index == 0 else True)
        assert quiz.phase == "feedback"
        verdict = quiz.ids.quiz_area.children[0].children[-1].text
        assert ("Right" in verdict) == (right_first or index > 0)
        ui.press(KEY_ENTER)  # next question, or the score
    assert quiz.phase == "result"


@pytest.mark.parametrize("kind", list(QuestionKind), ids=lambda kind: kind.value)
def test_each_kind_answered_wrong_then_right(ui: Driver, kind: QuestionKind) -> None:
    set_up_quiz(ui, kind)
    quiz = ui.screen
    assert all(question.kind is kind for question in quiz.quiz.questions)
    assert quiz.ids.quiz_area.children[-1].text == KIND_NAMES[kind]
    answer_all(ui, right_first=False)
    score = quiz.quiz.score()
    assert score.right == score.total - 1
    assert f"You got {score.right} of {score.total} right" in quiz.ids.quiz_area.children[-1].text
    mistake = quiz.quiz.mistakes()[0]
    feedback_texts = texts(quiz.ids.quiz_area)
    assert any(mistake.right_answer_text() in text for text in feedback_texts)

    ui.tap(quiz.action_buttons["review"])
    assert quiz.phase == "question" and quiz.total == 1
    answer_all(ui, right_first=True)
    assert quiz.quiz.score().right == 1
    assert "review" not in quiz.action_buttons
    ui.tap(quiz.action_buttons["new_quiz"])
    assert ui.screen.name == "quiz_setup"


def test_feedback_shows_the_right_answer_and_explanation(ui: Driver) -> None:
    set_up_quiz(ui, QuestionKind.TRUEFALSE)
    quiz = ui.screen
    question = quiz.quiz.questions[0]
    answer_by_taps(ui, quiz.answer_widget, right=False)
    shown = texts(quiz.ids.quiz_area.children[0])
    assert any(question.right_answer_text() in text for text in shown)
    if question.explanation:
        assert question.explanation in shown


def test_setup_refuses_an_empty_choice(ui: Driver) -> None:
    tap_deck_action(ui, "basics", "quiz")
    setup = ui.screen
    for chip in setup.deck_chips.values():
        if chip.active:
            ui.tap(chip)
    ui.tap(setup.ids.start_button)
    assert ui.screen.name == "quiz_setup" and setup.message == "Pick at least one deck."


def test_quiz_answers_count_as_reviews_only_when_the_setting_is_on(ui: Driver) -> None:
    collection = ui.app.collection
    set_up_quiz(ui, QuestionKind.ORDER)
    answer_by_taps(ui, ui.screen.answer_widget, right=True)
    assert collection.card_state(("all-types", "order1", 0)).reps == 0
    ui.app.go_home()
    ui.app.change_settings(quiz_counts_as_review=True)
    set_up_quiz(ui, QuestionKind.ORDER)
    answer_by_taps(ui, ui.screen.answer_widget, right=True)
    assert collection.card_state(("all-types", "order1", 0)).reps == 1
    assert "This answer also counted as the card's review." in texts(ui.screen.ids.quiz_area)
