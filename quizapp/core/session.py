"""A study session: today's cards for some decks, one at a time, with answer, undo, bury, suspend.

The order follows Anki's v3 scheduler: intraday learning cards when due; then interday learning,
then reviews with new cards spread evenly among them, within each deck's daily limits and the
all-decks limit on new cards; then learning cards due within the learn-ahead window. Several decks
are studied mixed: reviews by due day across decks, each new card from a deck drawn at random
(weighted by the new cards it still has today), in that deck's own order.

When a session runs out of cards, its answers are folded from SQLite's write-ahead log into the
database file (a checkpoint): after a crash a copy of the data folder made without the -wal file
still holds them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from quizapp.core.card_state import CardState, Rating, State
from quizapp.core.collection import AnswerResult, Collection, QueuePlace
from quizapp.core.deck import Card, Face, Source
from quizapp.core.errors import QuizappError
from quizapp.core.queues import (
    LEARN_AHEAD_MS,
    Allowance,
    Candidate,
    DueCounts,
    all_decks_counts,
    counts_by_deck,
    first_new_by_deck,
    learning_due_between,
    next_day_card,
    next_learning,
    queue_name,
)
from quizapp.core.store import (
    QUEUE_DAY_LEARN,
    QUEUE_LEARN,
    QUEUE_NEW,
    QUEUE_REVIEW,
    CardKey,
    to_ms,
)


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


@dataclass(frozen=True)
class Undone:
    """What `StudySession.undo` took back: the card, now current again, and the change."""

    card: StudyCard
    action: str  # "answer", "bury", "suspend": the first word of the collection's undo label
    rating: Rating | None  # the rating taken back, for an answer given in this session


@dataclass
class SessionSummary:
    answered: int = 0
    ratings: Counter[Rating] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def correct_share(self) -> float | None:
        """Share of answers that were not Again, or None before any answer."""
        return 1 - self.ratings[Rating.AGAIN] / self.answered if self.answered else None


@dataclass(frozen=True)
class _KeptCounts:
    """Each deck's counts, and the allowances they were counted within, as of one state of the
    database (`stamp`: Collection.counts_stamp()) and the end of the learn-ahead window then.
    The counts are within each deck's own limits; `new_left`, the all-decks limit on new cards
    still open, caps their new cards when they are read."""

    stamp: tuple[int, int, int]
    until_ms: int
    allowances: dict[str, Allowance]
    counts: dict[str, DueCounts]
    new_left: int

    def after_answer(self, result: AnswerResult) -> _KeptCounts | None:
        """The counts after an answer, or None when they cannot be known without counting again.

        They hold if the answer was the one change since `stamp`, and their stamp is the one the
        database then has: any other change (another commit, a new day) makes the two differ.
        """
        today, commits, data_version = self.stamp
        deck_id = result.key[0]
        allowances, counts = dict(self.allowances), dict(self.counts)
        if deck_id in counts:
            # The cards the answer moved leave the counts they were in and join those they are in
            # now; the state a card was answered in counts toward the daily limits.
            changes = [
                tuple(after - before for before, after in zip(self._counted(card.before), self._counted(card.after)))
                for card in result.requeued
                if card.key[0] == deck_id
            ]
            new_moved, learning_moved, review_moved = (sum(column) for column in zip((0, 0, 0), *changes))
            allowance, count = allowances[deck_id], counts[deck_id]
            left = Allowance(
                max(0, allowance.new - (result.before.state is State.NEW)),
                max(0, allowance.review - (result.before.state is State.REVIEW)),
            )
            new = _count_after(count.new, allowance.new, left.new, new_moved)
            review = _count_after(count.review, allowance.review, left.review, review_moved)
            if new is None or review is None:
                return None
            allowances[deck_id], counts[deck_id] = left, DueCounts(new, count.learning + learning_moved, review)
        new_left = max(0, self.new_left - (result.before.state is State.NEW))
        return _KeptCounts((today, commits + 1, data_version), self.until_ms, allowances, counts, new_left)

    def _counted(self, place: QueuePlace) -> tuple[int, int, int]:
        """Whether a card waiting at `place` is among the new, learning and review cards counted."""
        today = self.stamp[0]
        due_today = place.due_day is not None and place.due_day <= today
        return (
            int(place.queue == QUEUE_NEW),
            int(place.queue == QUEUE_LEARN and place.due_at_ms is not None and place.due_at_ms <= self.until_ms or place.queue == QUEUE_DAY_LEARN and due_today),
            int(place.queue == QUEUE_REVIEW and due_today),
        )


def _count_after(count: int, allowance: int, allowance_after: int, moved: int) -> int | None:
    """A count of min(allowance, cards waiting) once the cards waiting changed by `moved` and the
    allowance became `allowance_after`; None when that takes counting again."""
    if count < allowance:  # then the count was every waiting card
        return min(allowance_after, count + moved)
    # At least `allowance` cards were waiting, so at least allowance + moved still are.
    return allowance_after if allowance_after <= max(0, allowance + moved) else None


class StudySession:
    def __init__(self, collection: Collection, deck_ids: Sequence[str] | None = None, rng: random.Random | None = None) -> None:
        """`rng` draws the deck each new card comes from (tests give a seeded one)."""
        self.collection = collection
        self.deck_ids = list(deck_ids) if deck_ids is not None else collection.deck_ids()
        self.current: StudyCard | None = None
        self.summary = SessionSummary()
        self._history: list[AnswerResult] = []
        self._rng = rng or random.Random()
        self._kept: _KeptCounts | None = None
        self._answered_when_folded = 0  # summary.answered at the last checkpoint

    # -- what is left -------------------------------------------------------------------------------

    def counts(self) -> DueCounts:
        """Cards still due today in this session's decks, within the all-decks limit."""
        return all_decks_counts(self._deck_counts().values(), self._kept_counts().new_left)

    def _deck_counts(self) -> dict[str, DueCounts]:
        """Collection.due_counts of the session's decks, without counting them again before every
        card (Anki keeps its queues in memory too). They are kept while the only change to the
        database is this session's answers, whose effect `answer` works out; the learning cards
        that the clock brings into the learn-ahead window since are added."""
        kept = self._kept_counts()
        until_ms = to_ms(self.collection.now()) + LEARN_AHEAD_MS
        if until_ms < kept.until_ms:  # the clock went back
            self._kept = None
            kept = self._kept_counts()
        elif until_ms > kept.until_ms:
            newly_due = learning_due_between(self.collection.store, self.deck_ids, kept.until_ms, until_ms)
            counts = {deck_id: DueCounts(c.new, c.learning + newly_due[deck_id], c.review) for deck_id, c in kept.counts.items()}
            kept = self._kept = replace(kept, until_ms=until_ms, counts=counts)
        return kept.counts

    def _kept_counts(self) -> _KeptCounts:
        """The kept counts, counted again if the database changed other than by this session's
        answers; also brings back yesterday's buried cards on a new day."""
        collection = self.collection
        stamp = collection.counts_stamp()
        if self._kept is None or self._kept.stamp != stamp:
            now_ms = to_ms(collection.now())
            allowances = collection.allowances(self.deck_ids)
            counts = counts_by_deck(collection.store, self.deck_ids, allowances, stamp[0], now_ms)
            self._kept = _KeptCounts(stamp, now_ms + LEARN_AHEAD_MS, allowances, counts, collection.new_left_today())
        return self._kept

    def progress(self) -> tuple[int, int]:
        """(answered, answered + still due): what a progress bar shows."""
        return self.summary.answered, self.summary.answered + self.counts().total

    # -- the queue -----------------------------------------------------------------------------------

    def next_card(self) -> StudyCard | None:
        """The card to show now, or None when nothing is left for today."""
        candidate = self._pick()
        self.current = self._study_card(candidate.key) if candidate else None
        if self.current is None:
            self.end()
        return self.current

    def end(self) -> None:
        """The session ends (nothing left, or the learner leaves): fold its answers into the
        database file, once for the answers since the last time (raises StoreError in words)."""
        if self.summary.answered != self._answered_when_folded:
            self.collection.checkpoint()
            self._answered_when_folded = self.summary.answered

    def _pick(self) -> Candidate | None:
        collection = self.collection
        store = collection.store
        kept = self._kept_counts()  # also unburies on a new day; learning counts are not used
        counts = kept.counts
        now_ms = to_ms(collection.now())
        today = collection.today()
        learning = next_learning(store, self.deck_ids, now_ms)
        if learning:
            return learning
        review_decks = [d for d in self.deck_ids if counts[d].review]
        new_weights = {d: min(counts[d].new, kept.new_left) for d in self.deck_ids if counts[d].new and kept.new_left}
        review = next_day_card(store, self.deck_ids, review_decks, today)
        new = self._next_new(new_weights) if new_weights else None
        if review and new:
            reviews_left = sum(counts[d].review for d in self.deck_ids)
            new_left = min(sum(counts[d].new for d in self.deck_ids), kept.new_left)
            return new if self._new_turn(reviews_left, new_left) else review
        if review or new:
            return review or new
        # Nothing else is due: learn ahead, but not the card just answered while another waits.
        last = self._history[-1].key if self._history else None
        ahead = now_ms + LEARN_AHEAD_MS
        return next_learning(store, self.deck_ids, ahead, last) or next_learning(store, self.deck_ids, ahead)

    def _next_new(self, weights: dict[str, int]) -> Candidate | None:
        """The next new card of a deck drawn at random, each deck weighted by the new cards it may
        still show today: decks studied together mix, and a deck's own order is kept."""
        firsts = first_new_by_deck(self.collection.store, list(weights))
        if not firsts:
            return None
        decks = list(firsts)
        return firsts[self._rng.choices(decks, weights=[weights[d] for d in decks])[0]]

    def _new_turn(self, reviews_left: int, new_left: int) -> bool:
        """Whether a new card comes next rather than a review: Anki's intersperser, which spreads
        the shorter list evenly through the longer one by the ratio of their lengths, over the
        reviews and new cards of this session (those answered and those left)."""
        reviews_done = sum(result.before.state is State.REVIEW for result in self._history)
        new_done = sum(result.before.state is State.NEW for result in self._history)
        ratio = (reviews_done + reviews_left + 1) / (new_done + new_left + 1)
        return (new_done + 1) * ratio < reviews_done + 1
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
        kept, self._kept = self._kept, None  # until the answer is in
        result = self.collection.answer(card.key, rating, duration_ms=duration_ms)
        self._kept = kept.after_answer(result) if kept is not None else None
        self._history.append(result)
        self.summary.answered += 1
        self.summary.ratings[rating] += 1
        self.summary.seconds += (duration_ms or 0) / 1000
        self.current = None
        return result

    def undo(self) -> Undone | None:
        """Take back the last change; the card it touched becomes the current card again. An
        answer taken back leaves the summary, so the progress goes back with it."""
        undone = self.collection.undo()
        if undone is None:
            return None
        rating = None
        if self._history and self._history[-1].key == undone.keys[0] and undone.label.startswith("answer"):
            result = self._history.pop()
            rating = result.rating
            self.summary.answered -= 1
            self.summary.ratings[result.rating] -= 1
        self.current = self._study_card(undone.keys[0])
        return Undone(self.current, undone.label.split(" ", 1)[0], rating)

    def bury(self) -> None:
        self.collection.bury([self._require_current().key])
        self.current = None

    def suspend(self) -> None:
        self.collection.suspend([self._require_current().key])
        self.current = None

