"""A study session: today's cards for some decks, one at a time, with answer, undo, bury, suspend.

The order follows Anki: intraday learning cards when due, then reviews with new cards mixed in
evenly within each deck's daily limits, then learning cards due within the learn-ahead window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from quizapp.core.card_state import CardState, Rating
from quizapp.core.collection import AnswerResult, Collection
from quizapp.core.deck import Card, Face, Source
from quizapp.core.errors import QuizappError
from quizapp.core.queues import (
    LEARN_AHEAD_MS,
    Candidate,
    DueCounts,
    next_day_card,
    next_learning,
    next_new,
    queue_name,
)
from quizapp.core.store import CardKey, to_ms


@dataclass(frozen=True)
class StudyCard:
    """A card as the study screen shows it."""

    key: CardKey
    card: Card
    state: CardState
    queue: str  # "new", "learning" or "review"
    deck_title: str
    sources: tuple[Source, ...]

    @property
    def sibling(self) -> int:
        return self.key[2]

    @property
    def face(self) -> Face:
        return self.card.face(self.sibling)


@dataclass
class SessionSummary:
    answered: int = 0
    ratings: Counter[Rating] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def correct_share(self) -> float | None:
        """Share of answers that were not Again, or None before any answer."""
        return 1 - self.ratings[Rating.AGAIN] / self.answered if self.answered else None


class StudySession:
    def __init__(self, collection: Collection, deck_ids: Sequence[str] | None = None) -> None:
        self.collection = collection
        self.deck_ids = list(deck_ids) if deck_ids is not None else collection.deck_ids()
        self.current: StudyCard | None = None
        self.summary = SessionSummary()
        self._history: list[AnswerResult] = []
        self._reviews_since_new = 0

    # -- what is left -------------------------------------------------------------------------------

    def counts(self) -> DueCounts:
        """Cards still due today in this session's decks."""
        total = DueCounts()
        for counts in self.collection.due_counts(self.deck_ids).values():
            total += counts
        return total

    def progress(self) -> tuple[int, int]:
        """(answered, answered + still due): what a progress bar shows."""
        return self.summary.answered, self.summary.answered + self.counts().total

    # -- the queue -----------------------------------------------------------------------------------

    def next_card(self) -> StudyCard | None:
        """The card to show now, or None when nothing is left for today."""
        candidate = self._pick()
        self.current = self._study_card(candidate.key) if candidate else None
        return self.current

    def _pick(self) -> Candidate | None:
        collection = self.collection
        store = collection.store
        now_ms = to_ms(collection.now())
        counts = collection.due_counts(self.deck_ids)  # also unburies on a new day
        today = collection.today()
        learning = next_learning(store, self.deck_ids, now_ms)
        if learning:
            return learning
        review_decks = [d for d in self.deck_ids if counts[d].review]
        new_decks = [d for d in self.deck_ids if counts[d].new]
        review = next_day_card(store, self.deck_ids, review_decks, today)
        new = next_new(store, new_decks) if new_decks else None
        if review and new:
            reviews_left = sum(counts[d].review for d in self.deck_ids)
            new_left = sum(counts[d].new for d in self.deck_ids)
            # Spread new cards evenly among the reviews, as Anki's "mix with reviews" does.
            gap = reviews_left // (new_left + 1)
            return new if self._reviews_since_new >= gap else review
        if review or new:
            return review or new
        # Nothing else is due: learn ahead, but not the card just answered while another waits.
        last = self._history[-1].key if self._history else None
        ahead = now_ms + LEARN_AHEAD_MS
        return next_learning(store, self.deck_ids, ahead, last) or next_learning(store, self.deck_ids, ahead)

    def _study_card(self, key: CardKey) -> StudyCard:
        collection = self.collection
        info, sources = collection.deck_info(key[0])
        card = collection.card(key)
        state = collection.card_state(key)
        return StudyCard(
            key=key,
            card=card,
            state=state,
            queue=queue_name(state),
            deck_title=info.title,
            sources=tuple(s for s in sources if s.id in card.sources),
        )

    # -- acting on the current card --------------------------------------------------------------------

    def _require_current(self) -> StudyCard:
        if self.current is None:
            raise QuizappError("there is no card to act on; ask for the next card first")
        return self.current

    def button_labels(self) -> dict[Rating, str]:
        """The four buttons' next intervals as short text ("10m", "3d", "1.5mo")."""
        return self.collection.button_labels(self._require_current().key)

    def retrievability(self) -> float | None:
        return self.collection.retrievability(self._require_current().key)

    def answer(self, rating: Rating, duration_ms: int | None = None) -> AnswerResult:
        """Rate the current card; the answer is on disk when this returns."""
        card = self._require_current()
        result = self.collection.answer(card.key, rating, duration_ms=duration_ms)
        self._history.append(result)
        self._reviews_since_new = 0 if card.queue == "new" else self._reviews_since_new + 1
        self.summary.answered += 1
        self.summary.ratings[rating] += 1
        self.summary.seconds += (duration_ms or 0) / 1000
        self.current = None
        return result

    def undo(self) -> StudyCard | None:
        """Take back the last change; the card it touched becomes the current card again."""
        undone = self.collection.undo()
        if undone is None:
            return None
        if self._history and self._history[-1].key == undone.keys[0] and undone.label.startswith("answer"):
            result = self._history.pop()
            self.summary.answered -= 1
            self.summary.ratings[result.rating] -= 1
        self.current = self._study_card(undone.keys[0])
        return self.current

    def bury(self) -> None:
        self.collection.bury([self._require_current().key])
        self.current = None

    def suspend(self) -> None:
        self.collection.suspend([self._require_current().key])
        self.current = None

