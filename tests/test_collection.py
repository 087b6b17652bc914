"""The collection: deck registration by card id, answers, undo, limits, rollover, burying, leeches."""

from __future__ import annotations

import sqlite3
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from conftest import SMALL_DECK, START, replayed_state, small_deck
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core import decksync
from quizapp.core.card_state import CardState, Rating, State
from quizapp.core.collection import CardFilter, Collection
from quizapp.core.days import FixedClock
from quizapp.core.errors import NotFoundError
from quizapp.core.store import DB_NAME

B1 = ("small", "b1", 0)


def test_a_new_deck_yields_one_studied_card_per_sibling(small: Collection) -> None:
    keys = small.all_card_keys("small")
    assert sorted(keys) == sorted(
        [B1, ("small", "b2", 0), ("small", "r1", 0), ("small", "r1", 1), ("small", "c1", 0), ("small", "c1", 1), ("small", "t1", 0)]
    )
    assert small.due_counts()["small"].new == 7


def test_rewording_a_card_keeps_its_progress(small: Collection) -> None:
    small.answer(B1, Rating.GOOD)
    before = small.card_state(B1)
    update = small.apply_deck(small_deck(2, SMALL_DECK.replace("Back one", "Back one reworded")), source_path=None, content_hash="v2")
    assert update.changed == ("b1",) and update.added == () and update.retired == ()
    assert small.card_state(B1) == before
    assert small.card(B1).face().answer == "Back one reworded"


def test_removing_a_card_retires_it_and_keeps_its_history(small: Collection) -> None:
    small.answer(B1, Rating.GOOD)
    without_b1 = "\n".join(line for line in SMALL_DECK.splitlines() if "id: b1" not in line) + "\n"
    update = small.apply_deck(small_deck(2, without_b1), source_path=None, content_hash="v2")
    assert update.retired == ("b1",)
    assert B1 not in [c.id for c in small.deck("small").cards]
    assert small.due_counts()["small"].new == 6
    assert len(small.history(B1)) == 1
    restored = small.apply_deck(small_deck(3), source_path=None, content_hash="v3")
    assert restored.restored == ("b1",)
    assert small.card_state(B1).reps == 1


def test_a_removed_cloze_deletion_retires_only_that_sibling(small: Collection) -> None:
    one_deletion = SMALL_DECK.replace("{{c2::opioid}}", "opioid")
    small.apply_deck(small_deck(2, one_deletion), source_path=None, content_hash="v2")
    counts = small.due_counts()["small"]
    assert counts.new == 6


def test_an_unchanged_file_is_not_parsed_again(collection: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "small.yaml").write_text(SMALL_DECK)
    first = collection.sync_files([folder])
    assert [u.deck_id for u in first.updates] == ["small"]

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(decksync, "parse_deck", must_not_parse)
    second = collection.sync_files([folder])
    assert second.updates == [] and second.unchanged == ["small"]


def test_a_broken_file_is_reported_and_the_last_good_version_stays(collection: Collection, tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "small.yaml").write_text(SMALL_DECK)
    collection.sync_files([folder])
    (folder / "small.yaml").write_text(SMALL_DECK.replace("back: Back one", "bak: Back one"))
    report = collection.sync_files([folder])
    assert report.updates == [] and len(report.problems) == 2
    assert collection.deck("small").cards[0].face().answer == "Back one"


def test_a_deck_whose_file_vanished_is_hidden_with_its_progress_kept(collection: Collection, tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "small.yaml").write_text(SMALL_DECK)
    collection.sync_files([folder])
    collection.answer(B1, Rating.GOOD)
    (folder / "small.yaml").unlink()
    collection.sync_files([folder])
    assert collection.deck_ids() == []
    (folder / "small.yaml").write_text(SMALL_DECK)
    collection.sync_files([folder])
    assert collection.deck_ids() == ["small"] and collection.card_state(B1).reps == 1


def test_an_answer_is_on_disk_when_answer_returns(small: Collection) -> None:
    small.answer(B1, Rating.GOOD)
    other = sqlite3.connect(small.data_dir / DB_NAME)
    assert other.execute("SELECT reps FROM cards WHERE card_id = 'b1' AND sibling = 0").fetchone() == (1,)
    assert other.execute("SELECT count(*) FROM revlog").fetchone() == (1,)
    other.close()


def test_undo_restores_the_exact_earlier_state_at_every_level(small: Collection, clock: FixedClock) -> None:
    snapshots = []
    for rating in (Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.GOOD):
        snapshots.append((small.store.card_row(B1), small.store.query("SELECT count(*) FROM revlog")))
        small.answer(B1, rating)
        clock.advance(minutes=11)
    for row, log_count in reversed(snapshots):
        assert small.undo() is not None
        assert small.store.card_row(B1) == row
        assert small.store.query("SELECT count(*) FROM revlog") == log_count
    assert small.undo() is None


def test_answering_buries_siblings_until_the_next_day(small: Collection, clock: FixedClock) -> None:
    result = small.answer(("small", "r1", 0), Rating.GOOD)
    assert result.buried_siblings == (("small", "r1", 1),)
    assert small.due_counts()["small"].new == 5
    clock.advance(days=1)
    assert small.due_counts()["small"].new == 6


def test_undo_unburies_the_siblings(small: Collection) -> None:
    small.answer(("small", "r1", 0), Rating.GOOD)
    small.undo()
    assert small.due_counts()["small"].new == 7


def test_new_card_limit_applies_per_study_day_and_resets_at_rollover(small: Collection, clock: FixedClock) -> None:
    small.set_deck_options("small", new_per_day=2, bury_siblings=False)
    assert small.due_counts()["small"].new == 2
    small.answer(B1, Rating.EASY)
    small.answer(("small", "b2", 0), Rating.EASY)
    assert small.due_counts()["small"].new == 0
    clock.current = clock.current.replace(hour=3, minute=59) + timedelta(days=1)  # before the 04:00 rollover
    assert small.due_counts()["small"].new == 0
    clock.current = clock.current.replace(hour=4, minute=0)
    assert small.due_counts()["small"].new == 2


def test_review_limit_caps_the_review_count(small: Collection, clock: FixedClock) -> None:
    small.set_deck_options("small", reviews_per_day=1, bury_siblings=False)
    for key in (B1, ("small", "b2", 0)):
        small.answer(key, Rating.EASY)
    clock.advance(days=60)
    assert small.due_counts()["small"].review == 1


def test_rollover_follows_the_local_time_zone(tmp_path: Path) -> None:
    plus_ten = timezone(timedelta(hours=10))
    clock = FixedClock(START.replace(hour=17, minute=59))  # 03:59 next day at UTC+10
    col = Collection.open(tmp_path, clock=clock, tz=plus_ten)
    day_before = col.today()
    clock.advance(minutes=1)  # 04:00 local
    assert col.today() == day_before + 1
    col.close()


def test_a_leech_is_tagged_and_suspended_when_the_option_says_so(small: Collection, clock: FixedClock) -> None:
    small.set_deck_options("small", leech_threshold=2, leech_suspend=True)
    small.answer(B1, Rating.EASY)
    results = []
    for _ in range(2):
        clock.advance(days=40)
        results.append(small.answer(B1, Rating.AGAIN))
        clock.advance(minutes=10)
        small.answer(B1, Rating.GOOD)
    assert [r.became_leech for r in results] == [False, True]
    assert results[1].suspended_as_leech
    assert small.store.query("SELECT leech, suspended, queue FROM cards WHERE card_id = 'b1' AND sibling = 0") == [(1, 1, -1)]


def test_suspend_and_unsuspend(small: Collection) -> None:
    small.suspend([B1])
    assert small.due_counts()["small"].new == 6
    small.unsuspend([B1])
    assert small.due_counts()["small"].new == 7


def test_reset_makes_a_card_new_and_is_logged(small: Collection, clock: FixedClock) -> None:
    small.answer(B1, Rating.EASY)
    clock.advance(minutes=1)
    small.reset([B1])
    assert small.card_state(B1) == CardState()
    assert [e.kind for e in small.history(B1)] == ["study", "manual"]
    assert replayed_state(small, B1) == CardState()


def test_settings_persist_across_reopening(tmp_path: Path, clock: FixedClock) -> None:
    col = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    col.update_settings(theme="dark", rollover_hour=2, new_per_day=5)
    col.close()
    again = Collection.open(tmp_path, clock=clock, tz=timezone.utc)
    assert (again.settings.theme, again.settings.rollover_hour, again.settings.new_per_day) == ("dark", 2, 5)
    again.close()


def test_cleared_deck_options_follow_the_app_settings_again(small: Collection) -> None:
    small.set_deck_options("small", new_per_day=3, reviews_per_day=7, learning_steps=[120], bury_siblings=False)
    assert small.due_counts()["small"].new == 3
    options = small.clear_deck_options("small", "new_per_day", "learning_steps")
    assert (options.new_per_day, options.learning_steps) == (20, (60, 600))
    assert (options.reviews_per_day, options.bury_siblings) == (7, False)  # still overridden
    assert small.due_counts()["small"].new == 7  # the limit the scheduler uses follows too
    small.update_settings(new_per_day=2)
    assert small.deck_options("small").new_per_day == 2
    options = small.clear_deck_options("small")  # no names: every override
    assert (options.reviews_per_day, options.bury_siblings) == (200, True)
    small.update_settings(reviews_per_day=150)
    assert small.deck_options("small").reviews_per_day == 150
    with pytest.raises(NotFoundError, match="no deck with id 'nope'"):
        small.clear_deck_options("nope")


def test_unknown_cards_and_decks_give_clear_errors(small: Collection) -> None:
    with pytest.raises(NotFoundError, match="no card 'nope'"):
        small.answer(("small", "nope", 0), Rating.GOOD)
    with pytest.raises(NotFoundError, match="no deck with id 'nope'"):
        small.deck("nope")


def test_next_due_says_when_the_next_card_comes(small: Collection, clock: FixedClock) -> None:
    small.set_deck_options("small", new_per_day=1, fuzz=False)
    small.answer(B1, Rating.AGAIN)
    assert small.next_due() == clock.current + timedelta(minutes=1)


RATINGS = st.sampled_from(list(Rating))
GAPS = st.sampled_from([timedelta(seconds=30), timedelta(minutes=10), timedelta(hours=5), timedelta(days=1), timedelta(days=9), timedelta(days=60)])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(RATINGS, GAPS), min_size=1, max_size=25))
def test_any_answer_sequence_leaves_a_valid_state_that_the_log_replays(tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[Rating, timedelta]]) -> None:
    clock = FixedClock(START)
    col = Collection.open(tmp_path_factory.mktemp("prop"), clock=clock, tz=timezone.utc)
    col.apply_deck(small_deck(), source_path=None, content_hash="v1")
    try:
        for rating, gap in steps:
            col.answer(B1, rating)
            state = col.card_state(B1)
            assert state.state is not State.NEW and state.reps >= 1
            assert (state.due_at is None) != (state.due_day is None)
            assert state.stability and state.stability > 0 and 1 <= (state.difficulty or 0) <= 10
            clock.advance(seconds=gap.total_seconds())
        assert replayed_state(col, B1) == col.card_state(B1)
        assert len(col.history(B1)) == len(steps)
    finally:
        col.close()


def test_search_finds_cards_by_text_in_any_case_and_by_tag(small: Collection) -> None:
    assert [r.key for r in small.search("NALOXONE")] == [("small", "c1", 0), ("small", "c1", 1)]
    assert [r.key[1] for r in small.search(tag="t1")] == ["b1", "b2"]
    assert [r.key[1] for r in small.search("two", tag="t1")] == ["b2"]
    assert small.search("100%") == []
    assert small.tags() == ["t1"]
    row = small.search("Upper")[0]
    assert row.prompt == "Upper" and not row.suspended


def test_search_shows_the_cards_in_one_state_like_ankis_browser(small: Collection, clock: FixedClock) -> None:
    def shown(show: CardFilter, text: str = "") -> list[str]:
        return [f"{row.key[1]}/{row.key[2]}" for row in small.search(text, show=show)]

    small.set_deck_options("small", leech_threshold=1)
    small.answer(("small", "b2", 0), Rating.EASY)  # a review card, due in days
    assert shown(CardFilter.DUE) == []
    clock.advance(days=30)  # ... and now overdue
    small.answer(B1, Rating.AGAIN)  # learning, due in a minute
    small.answer(("small", "r1", 0), Rating.GOOD)  # learning, due in ten minutes; buries r1/1
    small.suspend([("small", "c1", 0)])
    assert len(shown(CardFilter.ALL)) == 7
    assert shown(CardFilter.NEW) == ["r1/1", "c1/0", "c1/1", "t1/0"]  # suspended and buried ones too
    assert shown(CardFilter.LEARNING) == ["b1/0", "r1/0"]
    assert shown(CardFilter.REVIEW) == ["b2/0"]
    assert shown(CardFilter.DUE) == ["b1/0", "b2/0", "r1/0"]
    assert shown(CardFilter.SUSPENDED) == ["c1/0"]
    assert shown(CardFilter.BURIED) == ["r1/1"]
    assert shown(CardFilter.LEECH) == []
    small.answer(("small", "b2", 0), Rating.AGAIN)  # its first lapse: a leech at threshold 1
    assert shown(CardFilter.LEECH) == ["b2/0"]
    assert shown(CardFilter.LEARNING) == ["b1/0", "b2/0", "r1/0"]  # relearning counts as learning
    assert shown(CardFilter.LEARNING, text="two") == ["b2/0"]  # with the text search
    clock.advance(days=1)  # tomorrow: what was due in minutes is overdue, nothing new became due
    assert shown(CardFilter.DUE) == ["b1/0", "b2/0", "r1/0"]


def test_due_date_of_a_review_card_is_the_rollover_of_its_day(small: Collection) -> None:
    small.answer(B1, Rating.EASY)
    due = small.due_date(small.card_state(B1))
    assert due is not None and due.hour == 4 and due > START


def test_imported_history_becomes_fsrs_state_that_the_log_replays(small: Collection) -> None:
    reviews = [(Rating.GOOD, START - timedelta(days=10)), (Rating.GOOD, START - timedelta(days=10) + timedelta(minutes=10)), (Rating.HARD, START - timedelta(days=3))]
    taken = small.import_history("small", {("b1", 0): reviews, ("nope", 0): reviews})
    assert taken == [B1]
    state = small.card_state(B1)
    assert state.state is State.REVIEW and state.reps == 3
    assert [e.kind for e in small.history(B1)] == ["import"] * 3
    assert replayed_state(small, B1) == state
    # History never overwrites progress made here.
    assert small.import_history("small", {("b1", 0): reviews[:1]}) == []
