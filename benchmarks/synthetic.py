"""Synthetic decks and study histories for the benchmarks, written through quizapp's own API.

A learner's collection is simulated card by card with quizapp's own scheduler: each studied card
is reviewed when it falls due (sometimes late), with mostly Good answers. The finished history is
then moved back in time by whole study days so that about a quarter of all cards are due today
and nothing was studied today, and it is stored with `Collection.import_history`, which replays it.
Moving by whole days keeps every elapsed day and every time of day, so the replay reaches the same
states the simulation did.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from quizapp.core.card_state import CardState, Rating
from quizapp.core.collection import Collection, fuzz_key
from quizapp.core.datadir import imported_decks_dir
from quizapp.core.days import DayClock
from quizapp.core.scheduler import Scheduler

DECK_COUNT = 6
STUDIED_SHARE = 0.8  # the rest are new cards
MEAN_REVIEWS_PER_STUDIED_CARD = 4.5  # 0.8 x 4.5 = 3.6 reviews per card over the collection
DUE_SHARE = 0.25  # of all cards, due today (overdue included)
MAX_REVIEWS = 30
UNFINISHED_LEARNING_SHARE = 0.02
HISTORY_DAYS = 730  # a simulated history spans at most two years of study
# Study happens between 08:00 and 22:00 local time: hours after the 04:00 rollover.
FIRST_STUDY_HOUR, LAST_STUDY_HOUR = 4, 18

FIRST_RATINGS = {Rating.AGAIN: 15, Rating.HARD: 5, Rating.GOOD: 70, Rating.EASY: 10}
LATER_RATINGS = {Rating.AGAIN: 10, Rating.HARD: 10, Rating.GOOD: 75, Rating.EASY: 5}

Review = tuple[Rating, datetime]


@dataclass(frozen=True)
class DeckPlan:
    deck_id: str
    title: str
    card_ids: tuple[str, ...]


def plan_decks(card_count: int, deck_count: int = DECK_COUNT) -> list[DeckPlan]:
    """Split `card_count` cards over the decks as evenly as possible (every deck gets one)."""
    deck_count = max(1, min(deck_count, card_count))
    plans = []
    first = 0
    for index in range(deck_count):
        size = card_count // deck_count + (1 if index < card_count % deck_count else 0)
        plans.append(
            DeckPlan(
                deck_id=f"bench-{index + 1}",
                title=f"Benchmark deck {index + 1}",
                card_ids=tuple(f"c{number:06d}" for number in range(first, first + size)),
            )
        )
        first += size
    return plans


def study_deck_yaml(plan: DeckPlan) -> str:
    """A deck file of basic cards, written as an author would (block style)."""
    lines = [
        "format: 1",
        "deck:",
        f"  id: {plan.deck_id}",
        "  version: 1",
        f"  title: {plan.title}",
        "  description: Synthetic cards for the benchmarks.",
        "cards:",
    ]
    for card_id in plan.card_ids:
        number = int(card_id[1:])
        lines += [
            f"  - id: {card_id}",
            "    type: basic",
            f"    front: What does term {number} stand for in {plan.title.lower()}?",
            f"    back: Definition {number}, written out in a few words.",
        ]
    return "\n".join(lines) + "\n"


def mixed_deck_yaml(card_count: int, deck_id: str = "bench-load") -> str:
    """A deck file with every card type, sources, tags and explanations: what parsing meets in
    real decks (the bundled decks look like this), for the loading benchmark."""
    lines = [
        "format: 1",
        "deck:",
        f"  id: {deck_id}",
        "  version: 1",
        "  title: Loading benchmark",
        "  description: >-",
        "    Synthetic cards of every type, as long as the cards in the bundled decks.",
        "  language: en",
        "  tags: [benchmark, synthetic]",
        "sources:",
        "  - id: m000",
        "    title: Synthetic material",
        "    publisher: quizapp benchmarks",
        "    file: 000_synthetic.txt",
        "cards:",
    ]
    for number in range(card_count):
        lines += [f"  - id: card-{number:05d}", *_mixed_card_body(number)]
        lines += [
            "    explain: >-",
            f"      Why answer {number} is right, in a sentence or two of plain words that a learner",
            "      reads after answering, as every bundled card has.",
            "    source: m000",
            f"    tags: [topic-{number % 20}, level-{number % 3}]",
        ]
    return "\n".join(lines) + "\n"


def _mixed_card_body(number: int) -> list[str]:
    kind = number % 8
    if kind in (0, 1, 2):
        return ["    type: basic", f"    front: What does term {number} describe?", f"    back: The definition of term {number}."]
    if kind == 3:
        return ["    type: reverse", f"    front: Term {number}", f"    back: Meaning {number}"]
    if kind == 4:
        return ["    type: cloze", f'    text: "{{{{c1::Substance {number}}}}} acts on {{{{c2::receptor {number}}}}}."']
    if kind == 5:
        return [
            "    type: choice",
            f"    question: Which of these is substance {number}?",
            f"    answers: [Right answer {number}]",
            f"    distractors: [Wrong answer {number}a, Wrong answer {number}b, Wrong answer {number}c]",
        ]
    if kind == 6:
        return ["    type: truefalse", f"    statement: Statement {number} is a myth.", f"    truth: {'true' if number % 2 else 'false'}"]
    return ["    type: typein", f"    question: Name substance {number}.", f"    answers: [Substance {number}, S{number}]"]


def write_study_decks(data_dir: Path, plans: Sequence[DeckPlan]) -> list[Path]:
    """Deck files where the app keeps imported decks (one folder per deck), so the app finds them."""
    folders = []
    for plan in plans:
        folder = imported_decks_dir(data_dir) / plan.deck_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{plan.deck_id}.yaml").write_text(study_deck_yaml(plan), encoding="utf-8")
        folders.append(folder)
    return folders


@dataclass(frozen=True)
class SimulatedCard:
    reviews: list[Review]
    final: CardState


class _Learner:
    """Studies one card: each answer is given when the card is next due."""

    def __init__(self, scheduler: Scheduler, days: DayClock, key_fuzz: int, start: datetime, rng: random.Random) -> None:
        self.scheduler, self.days, self.key_fuzz, self.rng = scheduler, days, key_fuzz, rng
        self.state = CardState()
        self.next_at = start
        self.reviews: list[Review] = []

    def answer(self, ratings: dict[Rating, int]) -> None:
        """Answer with a rating drawn from `ratings` (weights) at the time the card is due."""
        rating = self.rng.choices(list(ratings), weights=list(ratings.values()))[0]
        self.reviews.append((rating, self.next_at))
        self.state = self.scheduler.answer(self.state, rating, self.next_at, self.key_fuzz)
        self.next_at = _next_review_time(self.state, self.days, self.rng)


def simulate_card(scheduler: Scheduler, days: DayClock, key_fuzz: int, start: datetime, count: int, rng: random.Random) -> SimulatedCard:
    """Up to `count` answers, each given when the card falls due (now and then some days late),
    within HISTORY_DAYS of `start`."""
    learner = _Learner(scheduler, days, key_fuzz, start, rng)
    last_day = days.day_of(start) + HISTORY_DAYS
    for index in range(count):
        learner.answer(FIRST_RATINGS if index == 0 else LATER_RATINGS)
        if days.day_of(learner.next_at) > last_day:
            break
    # Learners finish the day's learning steps; a few leave a card half-learnt.
    while learner.state.due_at is not None and rng.random() >= UNFINISHED_LEARNING_SHARE:
        learner.answer(LATER_RATINGS)
    return SimulatedCard(learner.reviews, learner.state)


def _next_review_time(state: CardState, days: DayClock, rng: random.Random) -> datetime:
    if state.due_at is not None:
        return state.due_at + timedelta(seconds=rng.randrange(5, 300), milliseconds=rng.randrange(1000))
    assert state.due_day is not None
    late_days = rng.randrange(0, max(1, state.interval_days // 5) + 1) if rng.random() < 0.3 else 0
    return _study_time(days, state.due_day + late_days, rng)


def _study_time(days: DayClock, day: int, rng: random.Random) -> datetime:
    """A random instant of a study day, in waking hours, with milliseconds (as Anki logs them)."""
    seconds = rng.randrange(FIRST_STUDY_HOUR * 3600, LAST_STUDY_HOUR * 3600)
    return days.start_of(day) + timedelta(seconds=seconds, milliseconds=rng.randrange(1000))


def _due_day(state: CardState, days: DayClock) -> int:
    if state.due_at is not None:
        return days.day_of(state.due_at)
    assert state.due_day is not None
    return state.due_day


def days_back(simulated: SimulatedCard, days: DayClock, today: int, want_due: bool, rng: random.Random) -> int:
    """How many study days to move a history simulated from today back, so it ends before today
    and leaves the card due today (if wanted, and if possible) or later."""
    last_day = days.day_of(simulated.reviews[-1][1])
    due_day = _due_day(simulated.final, days)
    # Due later needs a gap of two days: the last review yesterday or earlier, due tomorrow or later.
    can_be_later = due_day - last_day >= 2
    # Due now moves the due day to today, so a long last interval would push the history decades back.
    can_be_due = due_day - today <= HISTORY_DAYS
    if can_be_later and not (want_due and can_be_due):
        # The last review before today, within the last year.
        return rng.randint(last_day - today + 1, min(due_day - today - 1, last_day - today + 365))
    overdue_days = rng.randrange(1, 15) if rng.random() < 0.4 else 0
    # At least back far enough that the last review falls before today.
    return max(due_day - today + overdue_days, last_day - today + 1)


def review_count(rng: random.Random) -> int:
    """1 + a geometric number of further reviews, mean MEAN_REVIEWS_PER_STUDIED_CARD."""
    further = int(rng.expovariate(1 / (MEAN_REVIEWS_PER_STUDIED_CARD - 0.5)))
    return min(MAX_REVIEWS, 1 + further)


@dataclass(frozen=True)
class GeneratedCollection:
    data_dir: Path
    plans: list[DeckPlan]
    reviews: int
    due_cards: int  # due today, overdue included, before any daily limit
    today: int


def generate_collection(data_dir: Path, card_count: int, seed: int) -> GeneratedCollection:
    """Deck files, their registration and a simulated history, all through the Collection API.

    The collection uses the system clock, as the app does, so Anki (which reads the system clock)
    sees the same "today".
    """
    rng = random.Random(seed)
    plans = plan_decks(card_count)
    folders = write_study_decks(data_dir, plans)
    review_total = cards_seen = due_cards = 0
    with Collection.open(data_dir) as collection:
        report = collection.sync_files(folders)
        if report.problems:
            raise RuntimeError(f"generated decks do not load: {report.problems[:3]}")
        days = collection.days
        today = collection.today()
        for plan in plans:
            scheduler = collection.scheduler(plan.deck_id)
            histories: dict[tuple[str, int], list[Review]] = {}
            for card_id in plan.card_ids:
                cards_seen += 1
                if rng.random() >= STUDIED_SHARE:
                    continue
                start = _study_time(days, today, rng)
                simulated = simulate_card(scheduler, days, fuzz_key((plan.deck_id, card_id, 0)), start, review_count(rng), rng)
                back = days_back(simulated, days, today, due_cards < DUE_SHARE * cards_seen, rng)
                due_cards += _due_day(simulated.final, days) - back <= today
                histories[(card_id, 0)] = [(rating, at - timedelta(days=back)) for rating, at in simulated.reviews]
                review_total += len(simulated.reviews)
            collection.import_history(plan.deck_id, histories)
    return GeneratedCollection(data_dir, plans, review_total, due_cards, today)
