"""Studying several decks together: the all-decks limit on new cards (on top of each deck's own, as
an Anki parent deck's limit), and "Study all" mixing the decks as Anki's v3 scheduler does."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import small_deck

from quizapp.cli import main
from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.core.queues import DueCounts
from quizapp.core.session import StudySession


def basic_deck(deck_id: str, cards: int) -> str:
    lines = [
        "format: 1",
        f"deck: {{id: {deck_id}, version: 1, title: Deck {deck_id}}}",
        "sources: [{id: m0, title: Page, publisher: Publisher}]",
        "cards:",
        *(f"  - {{id: c{n}, type: basic, front: Front {n}, back: Back {n}, source: m0}}" for n in range(1, cards + 1)),
    ]
    return "\n".join(lines) + "\n"


def add_decks(collection: Collection, cards: dict[str, int]) -> None:
    for deck_id, count in cards.items():
        collection.apply_deck(small_deck(text=basic_deck(deck_id, count)), source_path=None, content_hash=deck_id)


def study(session: StudySession, rating: Rating = Rating.EASY) -> list[tuple[str, str, str]]:
    """(deck, card, queue) of every card the session serves, each answered with `rating`."""
    served = []
    while (card := session.next_card()) is not None:
        served.append((card.key[0], card.key[1], card.queue))
        session.answer(rating, duration_ms=1000)
    return served


def test_the_all_decks_limit_caps_new_cards_on_top_of_each_decks_own(collection: Collection) -> None:
    add_decks(collection, {"da": 30, "db": 30, "dc": 3})
    collection.update_settings(all_decks_new_per_day=10)
    collection.set_deck_options("db", new_per_day=4)
    counts = collection.due_counts()
    # Each deck within its own limit and the all-decks one, as Anki shows a parent's subdecks.
    assert {deck_id: c.new for deck_id, c in counts.items()} == {"da": 10, "db": 4, "dc": 3}
    assert collection.all_decks_counts(counts.values()) == DueCounts(new=10)
    assert StudySession(collection).counts() == DueCounts(new=10)


def test_a_fresh_install_defaults_to_20_new_cards_across_all_decks(collection: Collection) -> None:
    add_decks(collection, {f"d{n}": 25 for n in range(7)})
    counts = collection.due_counts()
    assert all(c.new == 20 for c in counts.values())
    assert collection.all_decks_counts(counts.values()).new == 20  # not 7 x 20


def test_new_cards_studied_in_one_deck_use_up_the_limit_for_every_deck(collection: Collection) -> None:
    add_decks(collection, {"da": 10, "db": 10})
    collection.update_settings(all_decks_new_per_day=6)
    served = study(StudySession(collection, ["da"]))
    assert [queue for _, _, queue in served] == ["new"] * 6  # studying one deck alone keeps the limit too
    assert collection.due_counts() == {"da": DueCounts(), "db": DueCounts()}
    assert StudySession(collection).next_card() is None
    collection.update_settings(all_decks_new_per_day=8)  # raised: two more today
    assert collection.all_decks_counts(collection.due_counts().values()).new == 2


def test_study_all_mixes_new_cards_from_every_deck_keeping_each_decks_order(collection: Collection) -> None:
    add_decks(collection, {"da": 8, "db": 8, "dc": 8})
    collection.update_settings(all_decks_new_per_day=12)
    served = study(StudySession(collection, rng=random.Random(7)))
    assert len(served) == 12
    decks = [deck_id for deck_id, _, _ in served]
    assert set(decks[:6]) == {"da", "db", "dc"}  # not one deck at a time
    assert decks != sorted(decks)
    for deck_id in ("da", "db", "dc"):
        numbers = [int(card_id[1:]) for d, card_id, _ in served if d == deck_id]
        assert numbers == list(range(1, len(numbers) + 1))


def test_the_same_seed_serves_the_same_order(tmp_path_factory: pytest.TempPathFactory, clock: FixedClock) -> None:
    orders = []
    for seed in (3, 3, 4):
        with Collection.open(tmp_path_factory.mktemp("seed"), clock=FixedClock(clock.now())) as collection:
            add_decks(collection, {"da": 6, "db": 6})
            orders.append(study(StudySession(collection, rng=random.Random(seed))))
    assert orders[0] == orders[1]
    assert orders[0] != orders[2]


def _reviews_and_new(collection: Collection, clock: FixedClock, reviews: int, new: int) -> None:
    """`reviews` review cards due today across two decks and `new` new cards waiting."""
    add_decks(collection, {"da": reviews // 2 + new, "db": reviews - reviews // 2})
    for key in collection.all_card_keys("db") + collection.all_card_keys("da")[: reviews // 2]:
        collection.answer(key, Rating.EASY)
    clock.advance(days=120)


@pytest.mark.parametrize(
    ("reviews", "new", "pattern"),
    [
        (6, 2, "RRNRRNRR"),  # Anki's intersperser: the shorter list spread evenly through the longer
        (2, 6, "NNRNNRNN"),
        (3, 3, "RNRNRN"),
    ],
)
def test_new_cards_are_spread_among_reviews_by_their_ratio(collection: Collection, clock: FixedClock, reviews: int, new: int, pattern: str) -> None:
    _reviews_and_new(collection, clock, reviews, new)
    served = study(StudySession(collection, rng=random.Random(1)))
    assert "".join("N" if queue == "new" else "R" for _, _, queue in served) == pattern


def test_learning_cards_come_first_when_due(collection: Collection, clock: FixedClock) -> None:
    _reviews_and_new(collection, clock, 4, 4)
    session = StudySession(collection, rng=random.Random(2))
    first = session.next_card()
    assert first is not None
    session.answer(Rating.AGAIN)  # due again after its relearning step (10 minutes)
    clock.advance(minutes=15)
    again = session.next_card()
    assert again is not None and again.key == first.key and again.queue == "learning"


def test_undo_takes_back_the_turn_of_new_cards(collection: Collection, clock: FixedClock) -> None:
    _reviews_and_new(collection, clock, 6, 2)
    session = StudySession(collection, rng=random.Random(1))
    kinds = []
    for _ in range(3):
        card = session.next_card()
        assert card is not None
        kinds.append(card.queue)
        session.answer(Rating.EASY)
    session.undo()  # the new card comes back, and it is the new card's turn again
    assert kinds == ["review", "review", "new"]
    assert session.current is not None and session.current.queue == "new"


def test_decks_command_ends_with_all_decks_within_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: FixedClock) -> None:
    data = tmp_path / "data"
    with Collection.open(data, clock=clock) as collection:
        add_decks(collection, {"da": 9, "db": 9})
        collection.update_settings(all_decks_new_per_day=12)
    assert main(["--data-dir", str(data), "decks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].split()[:5] == ["all", "decks", "12", "0", "0"]
    decks = [line.split() for line in lines[1:-1]]
    assert sum(int(deck[4]) for deck in decks) == int(lines[-1].split()[5])  # every card
    assert all(int(deck[1]) <= 12 for deck in decks)
