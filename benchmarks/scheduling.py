"""Benchmarks 1-3: the first queue, answering 100 cards, and every deck's due counts, ours and Anki's.

Every measurement opens the collection afresh (untimed), on both sides, so neither keeps a queue
or a page cache from an earlier run; the operating system's file cache is warm for both.
Answering works on a copy of the collection made for the run.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.timing import Stopwatch
from quizapp.core.card_state import Rating
from quizapp.core.collection import Collection
from quizapp.core.session import StudySession
from quizapp.core.store import DB_NAME

# What a learner answers, the same on both sides: mostly Good, some Again, Hard and Easy.
ANSWER_RATINGS = [Rating.GOOD, Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.HARD, Rating.GOOD, Rating.GOOD, Rating.EASY, Rating.GOOD, Rating.GOOD] * 10
ANSWER_MS = 6000  # the answer time each side records


def ours_first_queue(data_dir: Path) -> float:
    """Today's counts and the first card, as the study screen asks for them."""
    watch = Stopwatch()
    with Collection.open(data_dir) as collection, watch.running():
        session = StudySession(collection)
        session.counts()
        session.next_card()
    return watch.seconds


def ours_answers(data_dir: Path, run_dir: Path) -> float:
    """100 answers, each committed to disk, each followed by the next card, today's counts and
    the card's buttons' intervals: what the study screen shows, and what Anki's
    get_queued_cards() and describe_next_states() return. The first card is fetched before
    timing: building the first queue is benchmark 1."""
    copy = _fresh_copy(data_dir / DB_NAME, run_dir / DB_NAME)
    watch = Stopwatch()
    with Collection.open(copy.parent) as collection:
        session = StudySession(collection)
        session.next_card()
        session.button_labels()
        with watch.running():
            for rating in ANSWER_RATINGS:
                session.answer(rating, duration_ms=ANSWER_MS)
                if session.next_card() is None:
                    raise RuntimeError("the benchmark collection ran out of due cards")
                session.counts()
                session.button_labels()
    return watch.seconds


def ours_deck_counts(data_dir: Path) -> float:
    """The home screen: every deck with its new / learning / review counts."""
    watch = Stopwatch()
    with Collection.open(data_dir) as collection, watch.running():
        collection.decks()
    return watch.seconds


def _fresh_copy(source: Path, target: Path) -> Path:
    """A copy of a closed database (its journal checkpointed, so the file alone is the whole state)."""
    if target.parent.exists():
        shutil.rmtree(target.parent)
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    return target


class AnkiSide:
    """The same three measurements on the Anki collection."""

    def __init__(self, collection_path: Path) -> None:
        # Imported here: the benchmarks run without Anki, comparing nothing for 1-3.
        from anki.collection import Collection as AnkiCollection
        from anki.scheduler.v3 import CardAnswer

        # Any: Anki types `col.sched` as a union with a placeholder scheduler that has none of these.
        self._collection_class: Any = AnkiCollection
        self._answer: Any = CardAnswer
        self.path = collection_path

    @contextmanager
    def _opened(self, path: Path | None = None) -> Iterator[Any]:
        anki = self._collection_class(str(path or self.path))
        try:
            yield anki
        finally:
            anki.close()

    def first_queue(self) -> float:
        watch = Stopwatch()
        with self._opened() as anki, watch.running():
            anki.sched.get_queued_cards()
        return watch.seconds

    def answers(self, run_dir: Path) -> float:
        copy = _fresh_copy(self.path, run_dir / self.path.name)
        watch = Stopwatch()
        with self._opened(copy) as anki:
            top = self._next_card(anki)
            with watch.running():
                for rating in ANSWER_RATINGS:
                    anki.sched.answer_card(
                        self._answer(
                            card_id=top.card.id,
                            current_state=top.states.current,
                            new_state=getattr(top.states, rating.name.lower()),
                            rating=self._answer.Rating.Value(rating.name),
                            answered_at_millis=int(time.time() * 1000),
                            milliseconds_taken=ANSWER_MS,
                        )
                    )
                    top = self._next_card(anki)
        return watch.seconds

    @staticmethod
    def _next_card(anki: Any) -> Any:
        """The next card with its four next states, and the buttons' labels, as Anki's reviewer
        shows them."""
        queued = anki.sched.get_queued_cards()
        if not queued.cards:
            raise RuntimeError("the Anki collection ran out of due cards")
        top = queued.cards[0]
        anki.sched.describe_next_states(top.states)
        return top

    def deck_counts(self) -> float:
        watch = Stopwatch()
        with self._opened() as anki, watch.running():
            anki.sched.deck_due_tree()
        return watch.seconds

    def counts(self) -> dict[str, int]:
        """Today's totals over all decks, to check that both sides see the same collection."""
        with self._opened() as anki:
            queued = anki.sched.get_queued_cards()
            return {"new": queued.new_count, "learning": queued.learning_count, "review": queued.review_count}


def ours_counts(data_dir: Path) -> dict[str, int]:
    with Collection.open(data_dir) as collection:
        return StudySession(collection).counts().to_dict()
