"""Studying with taps and keys: reveal, rate, undo, the summary, and every card type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui_driver import KEY_ENTER, KEY_SPACE, Driver, answer_by_taps, deck_panel, texts

from quizapp.core.deck import CardType

if TYPE_CHECKING:  # the screen's module loads with the app, after the window is set up
    from quizapp.ui.screens.study import StudyScreen

KEY_Z = 122


def counts(ui: Driver) -> tuple[int, int, int]:
    total = ui.screen.session.counts()
    return total.new, total.learning, total.review


def open_study(ui: Driver, deck_id: str) -> None:
    panel = deck_panel(ui, deck_id)
    ui.tap(panel.ids.study)
    assert ui.screen.name == "study"


def test_a_session_with_keys_and_taps(ui: Driver) -> None:
    open_study(ui, "basics")
    study = ui.screen
    assert counts(ui) == (3, 0, 0)
    assert study.phase == "question" and study.card.card.id == "b1"
    assert "3\u00a0new" in study.ids.counts_label.text

    ui.press(KEY_SPACE)  # reveal
    assert study.phase == "answer"
    shown = texts(study.ids.card_area)
    assert "Back one" in shown and "Why one." in shown
    assert any("Test page — Test publisher" in text for text in shown)
    assert set(study.action_buttons) == {"again", "hard", "good", "easy"}
    assert study.action_buttons["again"].text.startswith("Again\n")

    ui.press(ord("1"), "1")  # Again: the card goes to learning
    assert counts(ui) == (2, 1, 0)
    assert study.progress_done == 1 and study.progress_total == 4
    assert study.card.card.id == "b2" and study.phase == "question"

    ui.tap(study.action_buttons["reveal"])
    ui.tap(study.action_buttons["easy"])  # Easy: graduates at once
    assert counts(ui) == (1, 1, 0)

    ui.press(KEY_Z, "z", ["ctrl"])  # undo the Easy
    assert counts(ui) == (2, 1, 0)
    assert study.card.card.id == "b2" and study.phase == "question"

    ui.tap(study.ids.undo_button)  # and the Again before it
    assert counts(ui) == (3, 0, 0)
    assert study.card.card.id == "b1"
    assert study.ids.undo_button.disabled

    while study.phase != "done":
        ui.press(KEY_ENTER)  # reveal
        ui.press(ord("4"), "4")  # Easy
    assert counts(ui) == (0, 0, 0)
    summary = study.ids.card_area.children[0].text
    assert "Cards answered: 3" in summary and "Easy 3" in summary
    assert "The next card is due in" in summary
    ui.tap(study.action_buttons["done"])
    assert ui.app.stack == ("home",)
    home_counts = deck_panel(ui, "basics").counts_text
    assert "0\u00a0new" in home_counts


def test_the_answer_side_keys_rate_only_after_reveal(ui: Driver) -> None:
    open_study(ui, "basics")
    study = ui.screen
    ui.press(ord("3"), "3")  # a rating key on the question side does nothing
    assert study.phase == "question" and counts(ui) == (3, 0, 0)
    ui.press(KEY_SPACE)
    ui.press(KEY_SPACE)  # Space on the answer side rates Good
    assert counts(ui) == (2, 1, 0)


def test_every_card_type_renders_and_can_be_answered(ui: Driver) -> None:
    open_study(ui, "all-types")
    study = ui.screen
    seen = set()
    right = True
    while study.phase == "question":
        card = study.card.card
        seen.add(card.type)
        prompt = study.prompt_label.text
        if card.type is CardType.CLOZE:
            assert prompt == "[a medicine] reverses an opioid overdose."
        if study.answer_widget is None:
            ui.tap(study.action_buttons["reveal"])
            assert study.suggested is None
        else:
            answer_by_taps(ui, study.answer_widget, right)
            assert study.phase == "answer", f"{card.type} was not revealed after answering"
            assert study.answer_correct is right
            suggested = "good" if right else "again"
            assert study.action_buttons[suggested].suggested
            verdict = "Right" if right else "Not quite"
            assert any(verdict in text for text in texts(study.ids.card_area))
            right = not right
        if card.type is CardType.CLOZE:
            assert "Naloxone" in study.prompt_label.text and "[b]" in study.prompt_label.text
            assert "It works for a short time." in texts(study.ids.card_area)
        ui.tap(study.action_buttons["easy"])
    assert seen == set(CardType)


def study_until(ui: Driver, kind: CardType) -> StudyScreen:
    """Study the all-types deck, answering Easy, until a card of `kind` is on screen."""
    open_study(ui, "all-types")
    study: StudyScreen = ui.screen  # type: ignore[assignment]
    while study.card.card.type is not kind:
        ui.press(KEY_SPACE)
        ui.press(ord("4"), "4")
    return study


def test_a_typed_answer_shows_the_difference_and_enter_does_not_also_rate(ui: Driver) -> None:
    study = study_until(ui, CardType.TYPEIN)
    widget = study.answer_widget
    assert widget.ids.field.focus  # ready to type
    ui.type("naloxon")
    ui.press(KEY_ENTER)
    assert study.phase == "answer", "the same Enter that submitted must not rate the card"
    assert study.answer_correct is False
    typed, expected = widget.typed_markup
    assert typed == "You typed: naloxon"
    assert "[u]e[/u]" in expected  # the missing letter is marked
    assert study.action_buttons["again"].suggested


def test_undo_restores_the_card_as_it_was(ui: Driver) -> None:
    open_study(ui, "basics")
    study = ui.screen
    first = study.card.key
    ui.press(KEY_SPACE)
    ui.press(ord("3"), "3")
    assert ui.app.collection.card_state(first).reps == 1
    ui.press(KEY_Z, "z", ["ctrl"])
    assert ui.app.collection.card_state(first).reps == 0
    assert study.card.key == first


def test_showing_the_answer_without_answering_shows_the_right_options(ui: Driver) -> None:
    study = study_until(ui, CardType.CHOICE)
    widget = study.answer_widget
    ui.press(KEY_SPACE)
    assert study.phase == "answer" and study.suggested is None
    assert widget.buttons["Alcohol"].mark == "right" and widget.buttons["Cocaine"].mark == ""
    ui.tap(widget.buttons["Cocaine"])  # too late: the card is already revealed
    assert widget.buttons["Cocaine"].mark == "" and study.answer_correct is None


def card_flags(ui: Driver, key: tuple[str, str, int]) -> tuple[bool, bool]:
    """(buried, suspended), as Browse reports them."""
    row = next(row for row in ui.app.collection.search(deck_ids=[key[0]]) if row.key == key)
    return row.buried, row.suspended


def test_bury_and_suspend_from_more_move_on_and_undo_brings_the_card_back(ui: Driver) -> None:
    open_study(ui, "basics")
    study = ui.screen
    ids = study.ids
    first = study.card.key
    assert ids.bury_button.get_root_window() is None  # behind "More"
    ui.tap(ids.more_button)
    assert ids.more_button.text == "Less"
    ui.tap(ids.bury_button)  # on the question side
    assert card_flags(ui, first) == (True, False)
    assert counts(ui) == (2, 0, 0) and study.progress_total == 2
    assert study.card.key != first and study.phase == "question"
    assert "Buried until tomorrow" in study.notice
    assert ids.bury_button.get_root_window() is None, "closed again, so a second tap cannot bury the next card"

    ui.tap(ids.undo_button)
    assert card_flags(ui, first) == (False, False) and counts(ui) == (3, 0, 0)
    assert study.card.key == first and study.notice == "Undid Bury on “Front one”"
    assert study.notice in texts(study.ids.card_area)  # shown above the card

    ui.press(KEY_SPACE)  # and on the answer side
    ui.tap(ids.more_button)
    ui.tap(ids.suspend_button)
    assert card_flags(ui, first) == (False, True)
    assert counts(ui) == (2, 0, 0) and study.card.key != first
    assert "Suspended" in study.notice
    ui.press(KEY_Z, "z", ["ctrl"])
    assert card_flags(ui, first) == (False, False) and study.card.key == first


def test_more_is_off_once_the_session_is_done(ui: Driver) -> None:
    open_study(ui, "basics")
    study = ui.screen
    for _ in range(3):
        ui.tap(study.ids.more_button)
        ui.tap(study.ids.bury_button)
    assert study.phase == "done" and study.ids.more_button.disabled
    assert "Nothing to study right now" in texts(study.ids.card_area)
