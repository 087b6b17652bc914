"""Fair typed answers ("I was right", the diff only for a slip), honest progress bars, Undo that
says what it undid, and the keys of Study and Quiz (- and @, 1-4 and a-d, Esc mid-quiz)."""

from __future__ import annotations

from kivy.uix.button import Button
from test_ui_quiz import set_up_quiz
from test_ui_study import counts, open_study, study_until
from ui_driver import (
    KEY_ENTER,
    KEY_SPACE,
    Driver,
    answer_by_taps,
    open_dialog,
    shown,
    texts,
)

from quizapp.core.card_state import Rating
from quizapp.core.deck import CardType
from quizapp.core.quiz import QuestionKind

KEY_Z = 122


def button_named(widget, text: str) -> Button:
    return next(child for child in shown(widget) if isinstance(child, Button) and child.text == text)


def type_answer(ui: Driver, widget, text: str) -> None:
    ui.tap(widget.ids.field)
    ui.type(text)
    ui.press(KEY_ENTER)


# -- typed answers ---------------------------------------------------------------------------------


def test_a_different_word_lists_the_accepted_answers_and_i_was_right_suggests_good(ui: Driver) -> None:
    study = study_until(ui, CardType.TYPEIN)  # accepted: naloxone, Narcan
    widget = study.answer_widget
    type_answer(ui, widget, "Kloxxado")
    assert study.answer_correct is False and study.action_buttons["again"].suggested
    assert widget.ids.typed_line.text == "You typed: Kloxxado"  # as typed: no meaningless strike-through
    assert "Accepted answers: [b]naloxone, Narcan[/b]" == widget.ids.answer_line.text

    ui.tap(button_named(widget, "I was right"))
    assert study.action_buttons["good"].suggested and not study.action_buttons["again"].suggested
    assert any("Counted as right" in text for text in texts(study.ids.card_area))
    assert not any(isinstance(w, Button) and w.text == "I was right" for w in shown(widget))  # once
    ui.press(KEY_SPACE)  # the suggested rating: Good
    assert ui.app.collection.history(widget.question.key)[-1].rating == Rating.GOOD
    for _ in range(30):  # to the end, by taps (a typed card's field takes the keys): the summary notes the override
        if study.phase == "done":
            break
        ui.tap(study.action_buttons["reveal"])
        ui.tap(study.action_buttons["easy"])
    assert any("Typed answers you counted as right: 1" in text for text in texts(study.ids.card_area))


def test_a_slip_gets_the_letter_diff_and_a_right_answer_no_i_was_right(ui: Driver) -> None:
    study = study_until(ui, CardType.TYPEIN)
    widget = study.answer_widget
    type_answer(ui, widget, "naloxne")
    assert "[u]o[/u]" in widget.ids.answer_line.text  # the missing letter, underlined
    ui.press(ord("1"), "1")
    ui.press(KEY_Z, "z", ["ctrl"])  # the same card again
    widget = study.answer_widget
    type_answer(ui, widget, "Narcan")
    assert study.answer_correct is True
    assert not any(isinstance(w, Button) and w.text == "I was right" for w in shown(widget))


def test_i_was_right_in_a_quiz_counts_in_the_score(ui: Driver) -> None:
    set_up_quiz(ui, QuestionKind.TYPEIN)
    quiz = ui.screen
    type_answer(ui, quiz.answer_widget, "something else entirely")
    assert quiz.quiz.score().right == 0
    ui.tap(button_named(quiz.answer_widget, "I was right"))
    assert quiz.quiz.score().right == 1 and quiz.quiz.feedback(0).overridden
    assert any("Counted as right" in text for text in texts(quiz.ids.quiz_area))


# -- progress --------------------------------------------------------------------------------------


def test_the_study_bar_starts_empty_fills_with_answers_and_rewinds_with_undo(ui: Driver) -> None:
    open_study(ui, "basics")
    study = ui.screen
    bar = study.ids.progress
    assert bar.filled_width == 0  # nothing drawn for nothing done
    ui.press(KEY_SPACE)
    ui.press(ord("4"), "4")  # Easy: done for today
    assert (study.progress_done, study.progress_total) == (1, 3)
    assert abs(bar.filled_width - bar.width / 3) < 1
    ui.press(KEY_Z, "z", ["ctrl"])
    assert (study.progress_done, study.progress_total) == (0, 3) and bar.filled_width == 0


def test_review_my_mistakes_starts_with_an_empty_bar(ui: Driver) -> None:
    set_up_quiz(ui, QuestionKind.TRUEFALSE)
    quiz = ui.screen
    bar = quiz.ids.progress
    assert bar.filled_width == 0
    for index in range(quiz.total):
        answer_by_taps(ui, quiz.answer_widget, right=index > 0)
        assert quiz.number == index + 1
        ui.press(KEY_ENTER)
    ui.tap(quiz.action_buttons["review"])
    assert quiz.status == "Question 1 of 1"
    assert (quiz.number, quiz.total) == (0, 1) and bar.filled_width == 0


# -- undo and keys ---------------------------------------------------------------------------------


def test_undo_says_what_it_undid(ui: Driver) -> None:
    open_study(ui, "basics")
    study = ui.screen
    ui.press(KEY_SPACE)
    ui.press(ord("3"), "3")
    ui.tap(study.ids.undo_button)
    assert study.notice == "Undid Good on “Front one”"
    assert study.notice in texts(study.ids.card_area)
    ui.press(KEY_SPACE)
    ui.press(ord("1"), "1")
    assert study.notice == ""  # gone with the next card


def test_minus_buries_and_at_suspends_as_in_anki(ui: Driver) -> None:
    open_study(ui, "basics")
    study = ui.screen
    first = study.card.key
    ui.press(ord("-"), "-")
    assert counts(ui) == (2, 0, 0) and study.card.key != first
    assert ui.app.collection.is_waiting(first) is False
    second = study.card.key
    ui.press(KEY_SPACE)
    ui.press(ord("@"), "@")  # on the answer side too
    assert counts(ui) == (1, 0, 0) and study.card.key not in (first, second)
    ui.press(KEY_Z, "z", ["ctrl"])
    assert study.notice == "Undid Suspend on “Front two”" and study.card.key == second


def test_number_and_letter_keys_pick_quiz_options(ui: Driver) -> None:
    set_up_quiz(ui, QuestionKind.TRUEFALSE)
    quiz = ui.screen
    question = quiz.quiz.questions[0]
    ui.press(ord("1"), "1")  # True
    assert quiz.phase == "feedback" and quiz.quiz.feedback(0).correct == question.truth
    ui.press(KEY_ENTER)
    ui.press(ord("b"), "b")  # False
    assert quiz.quiz.feedback(1).correct == (not quiz.quiz.questions[1].truth)

    ui.app.go_home()
    set_up_quiz(ui, QuestionKind.CHOICE)
    quiz = ui.screen
    question = quiz.quiz.questions[0]
    ui.press(ord("9"), "9")  # no such option: nothing happens
    assert quiz.phase == "question"
    number = min(3, len(question.options))
    ui.press(ord("abc"[number - 1]), "abc"[number - 1])  # a letter picks the option in that place
    third = question.options[number - 1]
    if question.multiple_answers:
        assert quiz.answer_widget.buttons[third].mark == "selected"
        ui.press(KEY_ENTER)
    assert quiz.phase == "feedback"
    assert third in quiz.quiz.feedback(0).given_answer


def test_esc_mid_quiz_asks_before_leaving(ui: Driver) -> None:
    set_up_quiz(ui, QuestionKind.TRUEFALSE)
    quiz = ui.screen
    ui.press(ord("1"), "1")
    ui.back()
    dialog = open_dialog()
    assert dialog is not None and dialog.title == "Leave this quiz?"
    ui.tap(dialog.ids.no_button)
    assert ui.screen is quiz and quiz.phase == "feedback"
    ui.back()
    ui.tap(open_dialog().ids.yes_button)
    assert ui.screen.name == "quiz_setup"
