"""The card's room on Study: at 200% text on a 360x640 phone the card keeps at least half the
window on both sides, the counts wrap between counts only, and the ratings sit in one row; the
question reads as a flashcard (large, centred, on a card-sized panel)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kivy.core.window import Window
from test_ui_layout import check_words_whole
from test_ui_study import open_study, study_until
from ui_driver import KEY_SPACE, Driver, check_layout

from quizapp.core.deck import CardType
from quizapp.ui.headless import pump


@pytest.fixture
def small_phone() -> Iterator[None]:
    original = Window.size
    Window.size = (360, 640)
    pump(2)
    yield
    Window.size = original
    pump(2)


def card_room(ui: Driver) -> float:
    return float(ui.screen.ids.scroll.height)


@pytest.mark.usefixtures("small_phone")
def test_the_card_keeps_half_a_small_phone_at_200_percent_text(ui: Driver) -> None:
    ui.app.change_settings(font_scale=2.0)
    open_study(ui, "basics")
    study = ui.screen
    pump(3)
    assert card_room(ui) >= Window.height / 2, f"question side: the card has {card_room(ui)} px of {Window.height}"
    check_words_whole(study)  # no count broken inside, no line ending in "·"
    check_layout(study)

    ui.press(KEY_SPACE)
    pump(3)
    assert card_room(ui) >= Window.height / 2, f"answer side: the card has {card_room(ui)} px of {Window.height}"
    ratings = [study.action_buttons[name] for name in ("again", "hard", "good", "easy")]
    assert len({round(button.y) for button in ratings}) == 1, "the four ratings share one row"
    assert all("\n" in button.text for button in ratings)  # the interval under the name
    check_layout(study)

    ui.press(ord("3"), "3")
    ui.tap(study.ids.undo_button)  # with a notice: it goes in the page, not above it
    pump(3)
    assert study.notice and card_room(ui) >= Window.height / 2


@pytest.mark.usefixtures("small_phone")
def test_the_counts_wrap_between_counts_at_360_wide(ui: Driver) -> None:
    open_study(ui, "all-types")
    label = ui.screen.ids.counts_label
    for font_scale in (1.0, 1.5, 2.0):
        ui.app.change_settings(font_scale=font_scale)
        pump(3)
        check_words_whole(ui.screen)
        assert all(not line.rstrip().endswith("·") for line in label.text.split("\n"))


def test_the_question_is_a_flashcard(ui: Driver) -> None:
    open_study(ui, "basics")
    study = ui.screen
    face, label = study.card_face, study.prompt_label
    assert label.text == "Front one"
    assert label.font_size > ui.app.theme.font_large and label.halign == "center"
    assert face.height >= 0.4 * study.ids.scroll.height  # the room of a card, not a line at the top
    assert abs(label.center_x - face.center_x) < 2 and abs(label.center_y - face.center_y) < 2
    ui.press(KEY_SPACE)
    assert face.height < 0.4 * study.ids.scroll.height  # the answer comes up under it


def test_a_card_with_options_keeps_them_close_to_the_question(ui: Driver) -> None:
    study = study_until(ui, CardType.CHOICE)
    assert study.card_face.height < 0.3 * study.ids.scroll.height
