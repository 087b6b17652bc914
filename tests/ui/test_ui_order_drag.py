"""Order cards and questions: dragging a placed step by its grip, alongside tapping.

The study and quiz screens show the order widget inside a ScrollView, which keeps a touch to
itself until it knows the touch is not a scroll, so these drags go through that hand-off as a
finger would: hold the grip, then move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.scrollview import ScrollView
from test_ui_quiz import set_up_quiz
from test_ui_study import open_study
from ui_driver import Driver, ancestors, check_layout, texts

from quizapp.core.deck import CardType
from quizapp.core.quiz import QuestionKind
from quizapp.ui.answer_widgets import OrderAnswer
from quizapp.ui.headless import pump, run_until

if TYPE_CHECKING:  # the screen's module loads with the app, after the window is set up
    from quizapp.ui.screens.study import StudyScreen


def study_order_card(ui: Driver) -> StudyScreen:
    """Study the all-types deck, revealing and rating Easy by taps, until the order card is up.
    (Taps, not Space: Space would go into the type-in card's focused field.)"""
    open_study(ui, "all-types")
    study: StudyScreen = ui.screen  # type: ignore[assignment]
    while study.card.card.type is not CardType.ORDER:
        ui.tap(study.action_buttons["reveal"])
        ui.tap(study.action_buttons["easy"])
    return study


def place_by_taps(ui: Driver, widget: OrderAnswer, steps: list[str]) -> None:
    for step in steps:
        ui.tap(next(button for button in widget.ids.remaining_list.children if button.label == step))
    assert widget.placed[-len(steps):] == steps


def press_grip(widget: OrderAnswer, index: int) -> UnitTestTouch:
    """Scroll the grip of the `index`th placed step into view and put a finger on it."""
    handle = widget.rows[index].ids.handle
    scroll = next(parent for parent in ancestors(handle) if isinstance(parent, ScrollView))
    scroll.scroll_to(handle, animate=False)
    pump(2)
    x, y = handle.to_window(*handle.center)
    assert 0 <= x < Window.width and 0 <= y < Window.height, "the grip is outside the window"
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    return touch


def slide(touch: UnitTestTouch, to_y: float, steps: int = 6) -> None:
    """Move the finger straight up or down to `to_y` (window coordinates), a frame per step."""
    x, from_y = touch.x, touch.y
    for step in range(1, steps + 1):
        touch.touch_move(x, from_y + (to_y - from_y) * step / steps)
        pump(1)


def drag(widget: OrderAnswer, index: int, new_index: int) -> None:
    """Hold the grip of a placed step until the drag starts, then drag it to `new_index`."""
    touch = press_grip(widget, index)
    # The ScrollView hands the touch over after its scroll_timeout if the finger stayed put.
    run_until(lambda: widget.dragging, timeout=3)
    assert widget.rows[index].mark == "selected", "the step being dragged is marked"
    target = widget.rows[new_index]
    # A quarter of the target row's height past its middle, in the direction of travel.
    offset = target.height / 4 if new_index < index else -target.height / 4
    slide(touch, target.to_window(target.center_x, target.center_y + offset)[1])
    touch.touch_up()
    pump(2)
    assert not widget.dragging


def test_dragging_a_step_by_its_grip_reorders_and_a_right_order_checks_right(ui: Driver) -> None:
    study = study_order_card(ui)
    widget = study.answer_widget
    assert isinstance(widget, OrderAnswer)
    first, second, third = widget.question.right
    place_by_taps(ui, widget, [second, third, first])
    check_layout(study)  # the grips are 48dp wide and the step text still wraps beside them

    drag(widget, 2, 0)  # the last step to the top; the other two shift down
    assert widget.placed == [first, second, third]
    assert [row.ids.step_button.text for row in widget.rows] == [f"1. {first}", f"2. {second}", f"3. {third}"]
    assert all(row.mark == "" for row in widget.rows)

    drag(widget, 0, 1)  # and down one place, then back
    assert widget.placed == [second, first, third]
    drag(widget, 1, 0)
    assert widget.placed == [first, second, third]

    ui.tap(widget.ids.check)
    assert study.phase == "answer" and study.answer_correct is True
    assert all(row.mark == "right" for row in widget.rows)


def test_a_quick_swipe_from_a_grip_scrolls_and_moves_nothing(ui: Driver) -> None:
    study = study_order_card(ui)
    widget = study.answer_widget
    steps = list(widget.question.options)
    place_by_taps(ui, widget, steps)
    touch = press_grip(widget, 0)
    slide(touch, touch.y - widget.rows[0].height * 2, steps=3)  # well inside scroll_timeout
    touch.touch_up()
    pump(3)
    assert touch.ud[f"sv.{study.ids.scroll.uid}"]["mode"] == "scroll", "the ScrollView took it as a scroll"
    assert not widget.dragging and widget.placed == steps
    run_until(lambda: not touch.grab_list, timeout=3)  # no late hand-off either
    assert widget.placed == steps and study.phase == "question"


def test_tapping_still_places_and_takes_back_steps(ui: Driver) -> None:
    study = study_order_card(ui)
    widget = study.answer_widget
    first, second, third = widget.question.right
    place_by_taps(ui, widget, [second, first])
    ui.tap(widget.rows[0].ids.step_button)  # a tap on the step's text takes it back
    assert widget.placed == [first] and widget.left == 2
    assert widget.rows[0].ids.step_button.text == f"1. {first}"
    assert widget.ids.check.disabled
    place_by_taps(ui, widget, [second, third])
    assert widget.placed == [first, second, third]
    ui.tap(widget.ids.check)
    assert study.answer_correct is True


def test_a_quiz_order_question_fixed_by_dragging_is_right_and_then_locked(ui: Driver) -> None:
    set_up_quiz(ui, QuestionKind.ORDER)
    quiz = ui.screen
    widget = quiz.answer_widget
    assert isinstance(widget, OrderAnswer)
    first, second, third = widget.question.right
    place_by_taps(ui, widget, [third, first, second])
    drag(widget, 0, 2)  # the first row to the bottom; the other two shift up
    assert widget.placed == [first, second, third]
    ui.tap(widget.ids.check)
    assert quiz.phase == "feedback"
    assert any("Right" in text for text in texts(quiz.ids.quiz_area))

    # Once answered the grips are hidden and a drag moves nothing.
    assert all(row.ids.handle.disabled and row.ids.handle.opacity == 0 for row in widget.rows)
    touch = UnitTestTouch(*widget.rows[0].ids.handle.to_window(*widget.rows[0].ids.handle.center))
    touch.touch_down()
    pump(20)
    slide(touch, touch.y - widget.rows[0].height * 3)
    touch.touch_up()
    pump(3)
    assert widget.placed == [first, second, third] and not widget.dragging
