"""Study sessions: queue order, counts, buttons, undo, bury and suspend through the session API."""

from __future__ import annotations

import random
from datetime import timedelta, timezone
from typing import Any

import pytest
from conftest import SMALL_DECK, START, small_deck
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quizapp.core import session as session_module
from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.core.queues import counts_by_deck
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
    undone = session.undo()
    assert undone is not None and card is not None and undone.card.key == card.key
    assert (undone.action, undone.rating) == ("answer", Rating.GOOD)
    assert session.current == undone.card
    assert session.counts().new == 7 and session.summary.answered == 0


def test_progress_goes_forward_with_answers_and_back_with_undo(small: Collection) -> None:
    session = StudySession(small)
    session.next_card()
    assert session.progress() == (0, 7)  # nothing done: an empty bar
    session.answer(Rating.GOOD)  # a new card into learning: still to come back today
    session.next_card()
    assert session.progress() == (1, 8)
    session.answer(Rating.EASY)  # graduates: nothing more today
    session.next_card()
    assert session.progress() == (2, 8)
    session.undo()
    assert session.progress() == (1, 8)


def test_undoing_a_bury_says_so_and_leaves_the_progress(small: Collection) -> None:
    session = StudySession(small)
    card = session.next_card()
    session.bury()
    undone = session.undo()
    assert undone is not None and card is not None and undone.card.key == card.key
    assert (undone.action, undone.rating) == ("bury", None)
    assert session.progress() == (0, 7)


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


OTHER_DECK = SMALL_DECK.replace("id: small", "id: other").replace("title: Small deck", "title: Other deck")
WAITS = [timedelta(seconds=30), timedelta(minutes=10), timedelta(hours=5), timedelta(days=1), timedelta(days=9), timedelta(minutes=-3)]  # clocks are set back too
SESSION_ACTIONS = st.one_of(
    st.tuples(st.just("answer"), st.sampled_from(list(Rating))),
    st.tuples(st.sampled_from(["next", "undo", "bury", "suspend"])),
    st.tuples(st.just("wait"), st.sampled_from(WAITS)),
)
# Changes made beside the session: through the collection, and through another connection.
OUTSIDE_ACTIONS = st.one_of(
    st.tuples(st.just("quiz answer"), st.integers(0, 13), st.sampled_from(list(Rating))),
    st.tuples(st.sampled_from(["suspend", "unsuspend", "bury", "reset", "suspend elsewhere"]), st.integers(0, 13)),
    st.tuples(st.just("limits"), st.sampled_from(["small", "other"]), st.integers(0, 4), st.integers(0, 3)),
    st.tuples(st.just("all decks limit"), st.integers(0, 6)),
)


def _act_in_session(session: StudySession, clock: FixedClock, action: tuple[Any, ...]) -> None:
    if action[0] == "wait":
        clock.advance(seconds=action[1].total_seconds())
    elif action[0] == "next":
        session.next_card()
    elif action[0] == "undo":
        session.undo()
    elif session.current is not None or session.next_card() is not None:
        if action[0] == "answer":
            session.answer(action[1], duration_ms=1000)
        else:
            getattr(session, action[0])()


def _act_outside(collection: Collection, clock: FixedClock, action: tuple[Any, ...]) -> None:
    if action[0] == "limits":
        collection.set_deck_options(action[1], new_per_day=action[2], reviews_per_day=action[3])
        return
    if action[0] == "all decks limit":
        collection.update_settings(all_decks_new_per_day=action[1])
        return
    key = collection.all_card_keys()[action[1]]
    if action[0] == "quiz answer":
        collection.answer(key, action[2], kind="quiz")
    elif action[0] == "suspend elsewhere":
        with Collection.open(collection.data_dir, clock=clock, tz=timezone.utc) as elsewhere:
            elsewhere.suspend([key])
    else:
        getattr(collection, action[0])([key])


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(actions=st.lists(st.one_of(SESSION_ACTIONS, st.tuples(st.just("outside"), OUTSIDE_ACTIONS)), min_size=1, max_size=30))
# A change through another connection while the session keeps its counts.
@example(actions=[("answer", Rating.GOOD), ("outside", ("suspend elsewhere", 0))])
# A learning card that the clock brings into the learn-ahead window, then takes out of it again.
@example(actions=[("answer", Rating.GOOD), ("wait", timedelta(minutes=10)), ("wait", timedelta(minutes=-3)), ("wait", timedelta(minutes=-3))])
# Exactly as many new cards waiting as the limit allows, then an answer that also buries a sibling.
@example(actions=[("outside", ("limits", "other", 7, 3)), ("answer", Rating.GOOD), ("answer", Rating.GOOD), ("answer", Rating.GOOD)])
# The all-decks limit below the decks' own, reached by answers in both decks.
@example(actions=[("outside", ("all decks limit", 2)), ("answer", Rating.GOOD), ("answer", Rating.GOOD), ("answer", Rating.GOOD)])
def test_session_counts_always_equal_a_fresh_count(tmp_path_factory: pytest.TempPathFactory, actions: list[tuple[Any, ...]]) -> None:
    clock = FixedClock(START)
    with Collection.open(tmp_path_factory.mktemp("counts"), clock=clock, tz=timezone.utc) as collection:
        collection.apply_deck(small_deck(), source_path=None, content_hash="small")
        collection.apply_deck(small_deck(text=OTHER_DECK), source_path=None, content_hash="other")
        # Limits below the cards waiting, so that counts are capped by them at times, and a
        # learning step longer than the learn-ahead window, so that the clock brings cards into it.
        collection.set_deck_options("small", new_per_day=3, reviews_per_day=2)
        collection.set_deck_options("other", learning_steps=[60, 1500])
        sessions = [StudySession(collection, rng=random.Random(0)), StudySession(collection, ["small"], rng=random.Random(0))]
        for action in actions:
            if action[0] == "outside":
                _act_outside(collection, clock, action[1])
            else:
                _act_in_session(sessions[0], clock, action)
            for session in sessions:
                assert session.counts() == StudySession(collection, session.deck_ids).counts()


@pytest.mark.parametrize("queue", ["new", "review"])
def test_answering_within_daily_limits_counts_cards_only_once(small: Collection, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, queue: str) -> None:
    # More cards waiting than the limits allow, so the counts stop at the limits; no siblings
    # buried, which would take a count.
    small.set_deck_options("small", new_per_day=3, reviews_per_day=2, bury_siblings=False)
    if queue == "review":
        for key in small.all_card_keys():
            small.answer(key, Rating.EASY)
        clock.advance(days=60)
    counted: list[tuple[Any, ...]] = []
    monkeypatch.setattr(session_module, "counts_by_deck", lambda *args: counted.append(args) or counts_by_deck(*args))
    session = StudySession(small)
    answered: list[str] = []
    while (card := session.next_card()) is not None:
        answered.append(card.queue)
        session.answer(Rating.GOOD)
        assert session.counts() == StudySession(small).counts()  # which counts afresh
    assert answered.count(queue) == (3 if queue == "new" else 2)
    assert len(counted) == 1 + len(answered)  # once for this session, once for each fresh one


def test_leaving_a_session_folds_its_answers_once_and_an_idle_one_not_at_all(small: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    folds: list[bool] = []
    monkeypatch.setattr(small, "checkpoint", lambda: folds.append(True) or True)
    session = StudySession(small)
    session.end()  # nothing answered: nothing to fold
    assert folds == []
    assert session.next_card() is not None
    session.answer(Rating.GOOD)
    session.end()  # the learner leaves mid-session
    session.end()
    assert folds == [True]
