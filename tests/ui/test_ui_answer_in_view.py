"""After Check (or Show answer) the verdict and the right answer are on screen, for every card
type, on the smallest phone with the largest text; the controls spent on answering are gone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kivy.core.window import Window
from kivy.uix.label import Label
from ui_driver import KEY_ENTER, KEY_SPACE, Driver, answer_by_taps, deck_panel, open_quiz, shown

from quizapp.core.deck import CardType
from quizapp.core.quiz import QuestionKind
from quizapp.ui.headless import pump


@pytest.fixture
def small_phone_large_text(ui: Driver) -> Iterator[Driver]:
    original = Window.size
    Window.size = (360, 640)
    ui.app.change_settings(font_scale=2.0)
    pump(3)
    yield ui
    Window.size = original
    pump(2)


def settle() -> None:
    """Let labels measure their text and the page scroll to the verdict (half a second)."""
    import time

    deadline = time.monotonic() + 0.7
    while time.monotonic() < deadline:
        pump(1)


def label_with(area, words: str) -> Label:
    return next(w for w in shown(area) if isinstance(w, Label) and words in w.text)


def study_until(ui: Driver, kind: CardType):
    """Study the all-types deck, answering Easy, until a card of `kind` is on screen."""
    ui.tap(deck_panel(ui, "all-types").ids.study)
    study = ui.screen
    for _ in range(20):
        if study.phase == "question" and study.card.card.type is kind:
            return study
        ui.tap(study.action_buttons["reveal"])  # a type-in field takes Space as a letter
        ui.tap(study.action_buttons["easy"])
    raise AssertionError(f"no {kind.value} card came; last: {study.phase} {study.card.card.type}")


def is_gone(widget) -> bool:
    """Out of the tree (ids are weak references: a removed widget may already be collected)."""
    try:
        return widget is None or widget.parent is None
    except ReferenceError:
        return True


def in_view(widget, scroll) -> bool:
    """Whether the widget's rectangle lies inside the visible part of the scroll view (window
    coordinates: the scroll's from its parent's, the widget's through the scroll's offset)."""
    _left, bottom = scroll.to_window(*scroll.pos)  # the scroll's own offset moves only its content
    _x, y = widget.to_window(*widget.pos)
    return bottom - 1 <= y and y + widget.height <= bottom + scroll.height + 1


@pytest.mark.slow  # about 15 s: every card type, each settling for 0.7 s
def test_every_card_types_verdict_and_answer_are_in_view(small_phone_large_text: Driver) -> None:
    ui = small_phone_large_text
    ui.tap(deck_panel(ui, "all-types").ids.study)
    study = ui.screen
    seen = set()
    while study.phase == "question":
        card_type = study.card.card.type
        seen.add(card_type)
        widget = study.answer_widget
        if widget is None:
            ui.tap(study.action_buttons["reveal"])
        else:
            answer_by_taps(ui, widget, right=False)
        settle()
        area, scroll = study.ids.card_area, study.ids.scroll
        if widget is not None:
            verdict = label_with(area, "Not quite")
            assert in_view(verdict, scroll), f"{card_type.value}: the verdict is out of view"
            for name in widget.spent_controls:
                assert is_gone(widget.ids.get(name)), f"{card_type.value}: {name} still shown"
        else:
            answer = label_with(area, study.card.face.answer.splitlines()[0][:12]) if card_type is not CardType.CLOZE else label_with(area, "short time")
            assert in_view(answer, scroll), f"{card_type.value}: the answer is out of view"
        ui.tap(study.action_buttons["easy"])
    assert seen == set(CardType)


@pytest.mark.slow  # about 15 s: every card type, each settling for 0.7 s
def test_a_quiz_feedback_is_brought_into_view(small_phone_large_text: Driver) -> None:
    ui = small_phone_large_text
    open_quiz(ui)
    quiz = ui.screen
    for _ in range(len(quiz.quiz)):
        answer_by_taps(ui, quiz.answer_widget, right=False)
        settle()
        assert in_view(label_with(quiz.ids.quiz_area, "Not quite"), quiz.ids.scroll), quiz.answer_widget.question.kind
        ui.tap(quiz.action_buttons["next"])
        if quiz.phase == "result":
            break
    assert any("You answered:" in w.text for w in shown(quiz.ids.quiz_area) if isinstance(w, Label))


def test_enter_checks_a_complete_order_instead_of_revealing(ui: Driver) -> None:
    study = study_until(ui, CardType.ORDER)
    widget = study.answer_widget
    for step in widget.question.right:
        ui.tap(next(button for button in widget.ids.remaining_list.children if button.label == step))
    ui.press(KEY_ENTER)
    assert study.phase == "answer"
    assert study.answer_correct is True and study.action_buttons["good"].suggested


def test_match_shown_without_answering_shows_the_pairs_not_mistakes(ui: Driver) -> None:
    study = study_until(ui, CardType.MATCH)
    widget = study.answer_widget
    right = dict(widget.question.pairs)
    ui.press(KEY_SPACE)
    for item, button in widget.item_buttons.items():
        assert button.mark == "" and "?" not in button.label and right[item] in button.label
    answer = label_with(study.ids.card_area, "Answer:").text
    assert [line.split(" → ")[0] for line in answer.split("\n")[1:]] == list(widget.question.items)


def test_a_used_match_choice_is_dimmed_only_when_each_choice_fits_one_item(ui: Driver) -> None:
    from quizapp.core.quiz import Question
    from quizapp.ui.answer_widgets import MatchAnswer

    one_to_one = Question(QuestionKind.MATCH, ("d", "c", 0), "Match", options=("1", "2"), items=("a", "b"), pairs=(("a", "1"), ("b", "2")))
    widget = MatchAnswer(one_to_one)
    widget.assign("1")
    assert widget.choice_buttons["1"].mark == "used" and widget.choice_buttons["2"].mark == ""
    sorting = Question(QuestionKind.MATCH, ("d", "c", 0), "Sort", options=("X",), items=("a", "b"), pairs=(("a", "X"), ("b", "X")))
    widget = MatchAnswer(sorting)
    widget.assign("X")
    assert widget.choice_buttons["X"].mark == ""


def test_multi_select_marks_missed_picked_right_and_picked_wrong_apart(ui: Driver) -> None:
    from quizapp.core.quiz import Question
    from quizapp.ui.answer_widgets import ChoiceAnswer

    question = Question(QuestionKind.CHOICE, ("d", "c", 0), "Pick", options=("A", "B", "C", "D"), right=("A", "B"))
    widget = ChoiceAnswer(question)
    widget._tapped(widget.buttons["A"])
    widget._tapped(widget.buttons["C"])
    widget.check()
    widget.show_result()
    marks = {option: button.mark for option, button in widget.buttons.items()}
    assert marks == {"A": "right", "B": "missed", "C": "wrong", "D": ""}
    texts = {option: button.text for option, button in widget.buttons.items()}
    assert texts["A"].startswith("✓") and texts["C"].startswith("✗") and "not picked" in texts["B"]
    assert widget.check_button.parent is None  # spent
