"""Study sessions: queue order, counts, buttons, undo, bury and suspend through the session API."""

from __future__ import annotations

from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.core.session import StudySession


def study_all(session: StudySession, rating: Rating = Rating.GOOD) -> list[tuple[str, str, int]]:
    seen = []
    while (card := session.next_card()) is not None:
        seen.append(card.key)
        session.answer(rating, duration_ms=1000)
    return seen


def test_new_cards_come_in_deck_order_and_siblings_wait(small: Collection) -> None:
    session = StudySession(small)
    first = session.next_card()
    assert first is not None and first.key == ("small", "b1", 0) and first.queue == "new"
    session.answer(Rating.EASY)
    order = [c[1] for c in study_all(session, Rating.EASY)]
    # r1 and c1 each show one sibling today; the other is buried until tomorrow.
    assert order == ["b2", "r1", "c1", "t1"]


def test_counts_fall_as_cards_are_answered(small: Collection) -> None:
    session = StudySession(small)
    assert session.counts().new == 7
    session.next_card()
    session.answer(Rating.GOOD)  # b1 moves to learning (10 min step)
    counts = session.counts()
    assert (counts.new, counts.learning) == (6, 1)
    assert session.progress() == (1, 8)


def test_a_learning_card_comes_back_when_due(small: Collection, clock: FixedClock) -> None:
    session = StudySession(small)
    session.next_card()
    session.answer(Rating.AGAIN)  # due again in 1 minute
    assert session.next_card().key != ("small", "b1", 0)  # type: ignore[union-attr]
    clock.advance(minutes=2)
    assert session.next_card().key == ("small", "b1", 0)  # type: ignore[union-attr]


def test_the_session_ends_when_nothing_is_left_and_says_when_more_comes(small: Collection, clock: FixedClock) -> None:
    session = StudySession(small)
    study_all(session, Rating.EASY)
    assert session.next_card() is None
    assert session.summary.answered == 5
    upcoming = small.next_due()
    assert upcoming is not None and upcoming > clock.current


def test_button_labels_show_the_next_intervals(small: Collection) -> None:
    session = StudySession(small)
    session.next_card()
    labels = session.button_labels()
    assert set(labels) == set(Rating)
    assert labels[Rating.AGAIN] == "1m" and labels[Rating.GOOD] == "10m"
    assert labels[Rating.EASY].endswith("d")


def test_undo_brings_back_the_card_and_the_counts(small: Collection) -> None:
    session = StudySession(small)
    card = session.next_card()
    session.answer(Rating.GOOD)
    session.next_card()
    again = session.undo()
    assert again is not None and card is not None and again.key == card.key
    assert session.current == again
    assert session.counts().new == 7 and session.summary.answered == 0


def test_bury_and_suspend_take_the_card_out_of_today(small: Collection) -> None:
    session = StudySession(small)
    session.next_card()
    session.bury()
    assert session.counts().new == 6
    session.next_card()
    session.suspend()
    assert session.counts().new == 5


def test_retrievability_is_unknown_for_new_cards_and_falls_with_time(small: Collection, clock: FixedClock) -> None:
    session = StudySession(small)
    session.next_card()
    assert session.retrievability() is None
    session.answer(Rating.EASY)
    clock.advance(days=3)
    early = small.retrievability(("small", "b1", 0))
    clock.advance(days=30)
    late = small.retrievability(("small", "b1", 0))
    assert early is not None and late is not None and 0 < late < early <= 1
