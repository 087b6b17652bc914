"""Scored quizzes built from cards.

A quiz asks questions of five kinds, made from whatever cards the chosen decks hold:

| card        | question kinds                                                              |
|-------------|-----------------------------------------------------------------------------|
| basic       | choice (the back among other backs); truefalse (the front with a back shown) |
| reverse     | as basic, front to back                                                     |
| cloze       | typein (fill the blank); choice (the deletion among other terms)            |
| choice      | choice (its own answers and distractors)                                    |
| truefalse   | truefalse                                                                   |
| typein      | typein; choice (the first answer among other terms)                         |
| order       | order                                                                       |
| match       | match (categories become item -> category)                                  |

Made-up wrong answers come from the same deck and the same family of answers: the backs of
basic and reverse cards, or "terms" (typein answers and cloze deletions). Cards sharing a tag
with the asked card are preferred, as the closest category. A wrong answer never equals a right
one (compared as `answers.normalize` compares typed text), and a card that cannot make a kind
well (too few distinct options) is skipped for that kind.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Any, Union

from quizapp.core import cloze
from quizapp.core.answers import TypedResult, check_typed, normalize
from quizapp.core.card_state import Rating, State
from quizapp.core.deck import (
    Basic,
    Card,
    Choice,
    Cloze,
    Deck,
    Match,
    Order,
    Reverse,
    TrueFalse,
    TypeIn,
)
from quizapp.core.store import CardKey

if TYPE_CHECKING:
    from quizapp.core.collection import Collection

# One right answer and up to three made-up wrong ones, as in most quiz apps.
GENERATED_WRONG_OPTIONS = 3


class QuestionKind(str, Enum):
    CHOICE = "choice"
    TRUEFALSE = "truefalse"
    ORDER = "order"
    MATCH = "match"
    TYPEIN = "typein"


@dataclass(frozen=True)
class Question:
    """One quiz question and what answers it.

    By kind:
    - choice: pick from `options`; the picked set must equal `right` (several when
      `multiple_answers`). Response: an iterable of options, or one option as a str.
    - truefalse: `prompt` is the statement, or a card's front with `proposed` as the answer shown
      (Quizlet style); `truth` says whether it holds, and `right` holds the card's real answer
      when it was built from one. Response: a bool.
    - order: put `options` (the steps, shuffled) in the order of `right`. Response: a sequence.
    - match: give each of `items` one of `options`; `pairs` is the right item -> option mapping.
      Response: a mapping.
    - typein: type an answer; `right` lists the accepted ones, the first is shown. Response: a str.
    """

    kind: QuestionKind
    key: CardKey
    prompt: str
    options: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    truth: bool | None = None
    proposed: str = ""
    explanation: str = ""
    sources: tuple[str, ...] = ()

    @property
    def multiple_answers(self) -> bool:
        return self.kind is QuestionKind.CHOICE and len(self.right) > 1

    def check(self, response: Any) -> bool:
        if self.kind is QuestionKind.CHOICE:
            picked = {response} if isinstance(response, str) else set(response)
            return picked == set(self.right)
        if self.kind is QuestionKind.TRUEFALSE:
            return isinstance(response, bool) and response is self.truth
        if self.kind is QuestionKind.ORDER:
            return tuple(response) == self.right
        if self.kind is QuestionKind.MATCH:
            return dict(response) == dict(self.pairs)
        return check_typed(response, self.right).correct

    def right_answer_text(self) -> str:
        """What is right, as text for the feedback."""
        if self.kind is QuestionKind.TRUEFALSE:
            if self.truth or not self.right:
                return "True" if self.truth else "False"
            return f"False. The answer is: {self.right[0]}"
        if self.kind is QuestionKind.ORDER:
            return "\n".join(f"{i}. {step}" for i, step in enumerate(self.right, 1))
        if self.kind is QuestionKind.MATCH:
            right = dict(self.pairs)  # in the order the items are shown
            return "\n".join(f"{item} → {right[item]}" for item in self.items)
        if self.kind is QuestionKind.TYPEIN:
            return self.right[0]
        return "; ".join(self.right)

    def response_text(self, response: Any) -> str:
        """A response as text, laid out like `right_answer_text`, so the two can stand side by side."""
        if self.kind is QuestionKind.TRUEFALSE:
            return "True" if response is True else "False" if response is False else "(no answer)"
        if self.kind is QuestionKind.ORDER:
            return "\n".join(f"{i}. {step}" for i, step in enumerate(response, 1)) or "(no answer)"
        if self.kind is QuestionKind.MATCH:
            given = dict(response)
            return "\n".join(f"{item} → {given.get(item, '?')}" for item in self.items)
        if self.kind is QuestionKind.CHOICE and not isinstance(response, str):
            return "; ".join(response) or "(nothing picked)"
        return str(response).strip() or "(nothing typed)"

    def reshuffled(self, rng: random.Random) -> Question:
        """The same question with its options (and match items) in a new order."""
        if self.kind is QuestionKind.ORDER:
            return replace(self, options=_shuffled_out_of_order(self.right, rng))
        return replace(self, options=_shuffled(self.options, rng), items=_shuffled(self.items, rng))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "key": list(self.key),
            "prompt": self.prompt,
            "options": list(self.options),
            "right": list(self.right),
            "items": list(self.items),
            "pairs": [list(pair) for pair in self.pairs],
            "truth": self.truth,
            "proposed": self.proposed,
            "explanation": self.explanation,
            "sources": list(self.sources),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        deck_id, card_id, sibling = data["key"]
        return cls(
            kind=QuestionKind(data["kind"]),
            key=(deck_id, card_id, sibling),
            prompt=data["prompt"],
            options=tuple(data.get("options", ())),
            right=tuple(data.get("right", ())),
            items=tuple(data.get("items", ())),
            pairs=tuple((left, right) for left, right in data.get("pairs", ())),
            truth=data.get("truth"),
            proposed=data.get("proposed", ""),
            explanation=data.get("explanation", ""),
            sources=tuple(data.get("sources", ())),
        )


@dataclass(frozen=True)
class Feedback:
    """What the learner sees right after answering."""

    correct: bool
    right_answer: str
    explanation: str
    typed: TypedResult | None = None  # typein only: the difference to highlight
    counted_as_review: bool = False  # the answer also rated the card in the schedule
    given_answer: str = ""  # what the learner answered, as text (for the results' mistakes)
    overridden: bool = False  # a typed answer marked wrong that the learner said was right

    def to_dict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "right_answer": self.right_answer,
            "explanation": self.explanation,
            "typed": self.typed.to_dict() if self.typed else None,
            "counted_as_review": self.counted_as_review,
            "given_answer": self.given_answer,
            "overridden": self.overridden,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Feedback:
        typed = data.get("typed")
        return cls(
            correct=data["correct"],
            right_answer=data["right_answer"],
            explanation=data["explanation"],
            typed=TypedResult.from_dict(typed) if typed else None,
            counted_as_review=data.get("counted_as_review", False),
            given_answer=data.get("given_answer", ""),
            overridden=data.get("overridden", False),
        )


@dataclass(frozen=True)
class Score:
    right: int
    answered: int
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {"right": self.right, "answered": self.answered, "total": self.total}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        return cls(data["right"], data["answered"], data["total"])


class Quiz:
    """A quiz in progress: its questions and the answers given so far.

    With a collection, and its setting `quiz_counts_as_review` on, an answer on a card that is
    new or due today also rates it (Good when right, Again when wrong, logged as kind "quiz").
    "Due today" is read from `collection.card_state(key)` when the answer is given (a suspended
    or buried card never counts): a new card;
    a day-based due (`due_day`) on or before `collection.today()`; or a timed learning due
    (`due_at`) that falls on or before today's study day (`collection.days.day_of`), so a
    learning step due later today counts, as in Anki's "learn ahead". A card is rated at most
    once per quiz, including the quizzes `review_mistakes` makes from it, so a quiz never
    drives a card through several steps in one sitting.
    """

    def __init__(
        self,
        questions: Sequence[Question],
        *,
        collection: Collection | None = None,
        seed: int | None = None,
        _rated_keys: set[CardKey] | None = None,
    ) -> None:
        self.questions: tuple[Question, ...] = tuple(questions)
        self.collection = collection
        self._rng = random.Random(seed)
        self._feedback: dict[int, Feedback] = {}
        self._rated_keys = _rated_keys if _rated_keys is not None else set()

    def __len__(self) -> int:
        return len(self.questions)

    def feedback(self, index: int) -> Feedback | None:
        """The feedback given for question `index`, or None while it is unanswered."""
        return self._feedback.get(index)

    def answer(self, index: int, response: Any) -> Feedback:
        """Check the response to question `index`; each question is answered once."""
        question = self.questions[index]
        if index in self._feedback:
            raise ValueError(f"question {index} is already answered")
        typed = check_typed(response, question.right) if question.kind is QuestionKind.TYPEIN else None
        correct = typed.correct if typed else question.check(response)
        counted = self._rate_if_counted(question.key, correct)
        feedback = Feedback(correct, question.right_answer_text(), question.explanation, typed, counted, question.response_text(response))
        self._feedback[index] = feedback
        return feedback

    def accept_as_right(self, index: int) -> Feedback:
        """The learner's "I was right" on a typed answer marked wrong (a synonym the card does not
        list, say): it counts as right in the score, marked as overridden. If the wrong answer
        rated the card Again as its review, that rating becomes Good."""
        question, feedback = self.questions[index], self._feedback.get(index)
        if feedback is None or question.kind is not QuestionKind.TYPEIN or feedback.correct:
            raise ValueError(f"question {index} is not a typed answer marked wrong")
        # Re-rated only while that Again is still the last change (nothing else to take back).
        if feedback.counted_as_review and self.collection is not None and self.collection.undo_label == f"answer {question.key[1]}":
            self.collection.undo()
            self.collection.answer(question.key, Rating.GOOD, kind="quiz")
        self._feedback[index] = replace(feedback, correct=True, overridden=True)
        return self._feedback[index]

    def _rate_if_counted(self, key: CardKey, correct: bool) -> bool:
        collection = self.collection
        if collection is None or not collection.settings.quiz_counts_as_review or key in self._rated_keys:
            return False
        if not is_new_or_due_today(collection, key):
            return False
        collection.answer(key, Rating.GOOD if correct else Rating.AGAIN, kind="quiz")
        self._rated_keys.add(key)
        return True

    def score(self) -> Score:
        right = sum(1 for feedback in self._feedback.values() if feedback.correct)
        return Score(right, len(self._feedback), len(self.questions))

    def mistakes(self) -> list[Question]:
        """The questions answered wrongly, in quiz order."""
        return [question for question, _feedback in self.mistakes_with_feedback()]

    def mistakes_with_feedback(self) -> list[tuple[Question, Feedback]]:
        """The questions answered wrongly with the feedback each got, in quiz order."""
        return [(q, self._feedback[i]) for i, q in enumerate(self.questions) if i in self._feedback and not self._feedback[i].correct]

    def review_mistakes(self) -> Quiz:
        """A new quiz of the missed questions, in a new order with their options reshuffled."""
        questions = [q.reshuffled(self._rng) for q in self.mistakes()]
        self._rng.shuffle(questions)
        seed = self._rng.randrange(2**32)
        return Quiz(questions, collection=self.collection, seed=seed, _rated_keys=self._rated_keys)


def is_new_or_due_today(collection: Collection, key: CardKey) -> bool:
    """Whether a quiz answer on this card may count as its review (see `Quiz`); never for a
    suspended or buried card, which the learner has taken out of study."""
    if not collection.is_waiting(key):
        return False
    state = collection.card_state(key)
    if state.state is State.NEW:
        return True
    today = collection.today()
    if state.due_day is not None:
        return state.due_day <= today
    if state.due_at is not None:
        return collection.days.day_of(state.due_at) <= today
    return False


DeckSource = Union["Collection", Deck, Sequence[Deck]]


def build_quiz(
    collection_or_decks: DeckSource,
    deck_ids: Iterable[str] | None = None,
    count: int = 10,
    kinds: Iterable[QuestionKind | str] | None = None,
    seed: int | None = None,
) -> Quiz:
    """A quiz of up to `count` questions of the given kinds (all kinds by default).

    `deck_ids` picks decks (all by default) from a Collection, or from plain decks. Questions are
    spread over cards: each card is asked once before any is asked again (another kind or
    another cloze deletion), and kinds are kept as even as the cards allow. Fewer questions come
    back when the cards cannot make more. The same seed gives the same quiz.
    """
    if count < 1:
        raise ValueError("a quiz needs at least one question")
    wanted = list(QuestionKind) if kinds is None else list(dict.fromkeys(QuestionKind(k) for k in kinds))
    if not wanted:
        raise ValueError("a quiz needs at least one question kind")
    collection, decks = _resolve_decks(collection_or_decks, deck_ids)
    rng = random.Random(seed)
    questions = _Picker(decks, wanted, rng).pick(count)
    return Quiz(questions, collection=collection, seed=rng.randrange(2**32))


def _resolve_decks(source: DeckSource, deck_ids: Iterable[str] | None) -> tuple[Collection | None, list[Deck]]:
    if isinstance(source, Deck):
        source = [source]
    if isinstance(source, Sequence):
        if deck_ids is None:
            return None, list(source)
        by_id = {deck.id: deck for deck in source}
        return None, [by_id[deck_id] for deck_id in deck_ids]
    ids = source.deck_ids() if deck_ids is None else list(deck_ids)
    return source, [source.deck(deck_id) for deck_id in ids]


# -- building ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PoolAnswer:
    """An answer of some card in the deck, as a possible wrong option for other cards."""

    card_id: str
    text: str
    tags: frozenset[str]
    kind: tuple[str, str]  # see _answer_kind: only an answer of the same kind is offered


_QUESTION_WORD = re.compile(r"\b(why|how many|how much|how long|how|when|where|who|which|what)\b")


def _answer_kind(prompt: str, answer: str) -> tuple[str, str]:
    """What kind of answer this is: the question word it answers ("" when the prompt has none)
    and its shape (a number, a term, a sentence)."""
    match = _QUESTION_WORD.search(prompt.lower())
    word = match.group(1) if match else ""
    shape = "number" if any(ch.isdigit() for ch in answer) else "sentence" if len(answer.split()) > 4 else "term"
    return ("what" if word == "which" else word, shape)


def _kind_fit(kind: tuple[str, str], other: tuple[str, str]) -> int:
    """How well an answer of kind `other` serves as a wrong option where `kind` is right: 2 the
    same kind, 1 close, 0 never. A reason is never offered for a question asking for an action,
    nor a number where a name is asked: such options are ruled out without knowing the material,
    so they test nothing."""
    (word, shape), (other_word, other_shape) = kind, other
    if (word and other_word and word != other_word) or (shape == "number") != (other_shape == "number"):
        return 0
    return 2 if kind == other else 1


@dataclass
class _DeckPools:
    backs: list[_PoolAnswer] = field(default_factory=list)  # basic and reverse backs
    terms: list[_PoolAnswer] = field(default_factory=list)  # typein answers and cloze deletions


def _deck_pools(deck: Deck) -> _DeckPools:
    pools = _DeckPools()
    for card in deck.cards:
        tags = frozenset(card.tags)
        body = card.body
        if isinstance(body, (Basic, Reverse)):
            pools.backs.append(_PoolAnswer(card.id, body.back, tags, _answer_kind(body.front, body.back)))
        elif isinstance(body, TypeIn):
            pools.terms.append(_PoolAnswer(card.id, body.answers[0], tags, _answer_kind("", body.answers[0])))
        elif isinstance(body, Cloze):
            pools.terms.extend(_PoolAnswer(card.id, d.text, tags, _answer_kind("", d.text)) for d in cloze.deletions(body.text))
    return pools


_KINDS_BY_BODY: dict[type, tuple[QuestionKind, ...]] = {
    Basic: (QuestionKind.CHOICE, QuestionKind.TRUEFALSE),
    Reverse: (QuestionKind.CHOICE, QuestionKind.TRUEFALSE),
    Cloze: (QuestionKind.TYPEIN, QuestionKind.CHOICE),
    Choice: (QuestionKind.CHOICE,),
    TrueFalse: (QuestionKind.TRUEFALSE,),
    TypeIn: (QuestionKind.TYPEIN, QuestionKind.CHOICE),
    Order: (QuestionKind.ORDER,),
    Match: (QuestionKind.MATCH,),
}


@dataclass(frozen=True)
class _Entry:
    deck: Deck
    card: Card
    pools: _DeckPools
    siblings: tuple[int, ...]  # in a random order, so repeats do not always start with c1


class _Picker:
    """Chooses which card is asked as which kind, and builds the questions."""

    def __init__(self, decks: Sequence[Deck], kinds: Sequence[QuestionKind], rng: random.Random) -> None:
        self.kinds = list(kinds)
        self.rng = rng
        # Ties between kinds are broken by a shuffled rank, so no kind is always first.
        rng.shuffle(self.kinds)
        self.entries: list[_Entry] = []
        for deck in decks:
            pools = _deck_pools(deck)
            for card in deck.cards:
                # A reverse card is one fact: it is quizzed front to back only.
                siblings = [0] if isinstance(card.body, Reverse) else card.siblings()
                rng.shuffle(siblings)
                self.entries.append(_Entry(deck, card, pools, tuple(siblings)))
        rng.shuffle(self.entries)
        self._kind_counts = {kind: 0 for kind in self.kinds}
        self._tried: set[tuple[int, int, QuestionKind]] = set()  # (entry, sibling, kind), built or not
        self._asked: set[tuple[int, int]] = set()  # (entry, sibling)

    def pick(self, count: int) -> list[Question]:
        """Up to `count` questions: each pass asks each card at most once, always for the kind the
        quiz has fewest of, so rare kinds (one order card) are not crowded out by common ones.
        Later passes happen only when the cards are too few."""
        questions: list[Question] = []
        while len(questions) < count:
            used_this_pass: set[int] = set()
            open_kinds = list(self.kinds)
            added = 0
            while open_kinds and len(questions) < count:
                kind = min(open_kinds, key=lambda k: (self._kind_counts[k], self.kinds.index(k)))
                question = self._next_of_kind(kind, used_this_pass)
                if question is None:
                    open_kinds.remove(kind)
                    continue
                questions.append(question)
                added += 1
            if not added:
                break
        # Questions were found kind by kind; mix them so kinds do not come in a fixed rotation.
        self.rng.shuffle(questions)
        return questions

    def _next_of_kind(self, kind: QuestionKind, used_this_pass: set[int]) -> Question | None:
        for index, entry in enumerate(self.entries):
            if index in used_this_pass or kind not in _KINDS_BY_BODY[type(entry.card.body)]:
                continue
            # A deletion not yet asked comes before one asked in an earlier pass.
            for sibling in sorted(entry.siblings, key=lambda s: (index, s) in self._asked):
                if (index, sibling, kind) in self._tried:
                    continue
                self._tried.add((index, sibling, kind))
                question = self._build(entry, sibling, kind)
                if question is not None:
                    used_this_pass.add(index)
                    self._asked.add((index, sibling))
                    self._kind_counts[kind] += 1
                    return question
        return None

    def _build(self, entry: _Entry, sibling: int, kind: QuestionKind) -> Question | None:
        card, body, rng = entry.card, entry.card.body, self.rng
        base = Question(
            kind=kind,
            key=(entry.deck.id, card.id, sibling),
            prompt="",
            explanation=card.explain,
            sources=card.sources,
        )
        if isinstance(body, Choice):
            return _choice(base, body.question, body.answers, body.distractors, rng)
        if isinstance(body, TrueFalse):
            return replace(base, prompt=body.statement, truth=body.truth)
        if isinstance(body, Order):
            if len(body.steps) < 2:
                return None
            return replace(base, prompt=body.question, right=body.steps, options=_shuffled_out_of_order(body.steps, rng))
        if isinstance(body, Match):
            return _match(base, body, rng)
        if isinstance(body, (Basic, Reverse)):
            wrong = _wrong_answers(entry.pools.backs, card, (body.back,), _answer_kind(body.front, body.back), rng, GENERATED_WRONG_OPTIONS)
            if kind is QuestionKind.CHOICE:
                return _choice(base, body.front, (body.back,), wrong, rng)
            return _quizlet_truefalse(base, body.front, body.back, wrong, rng)
        if isinstance(body, TypeIn):
            if kind is QuestionKind.TYPEIN:
                return replace(base, prompt=body.question, right=body.answers)
            wrong = _wrong_answers(entry.pools.terms, card, body.answers, _answer_kind("", body.answers[0]), rng, GENERATED_WRONG_OPTIONS)
            return _choice(base, body.question, body.answers[:1], wrong, rng)
        assert isinstance(body, Cloze)
        return _cloze(base, body, sibling, kind, entry.pools, card, rng)


def _choice(base: Question, prompt: str, right: Sequence[str], wrong: Sequence[str], rng: random.Random) -> Question | None:
    """A choice question, or None with fewer than two distinct options."""
    right_keys = {normalize(answer) for answer in right}
    options = list(right)
    seen = set(right_keys)
    for text in wrong:
        key = normalize(text)
        if key and key not in seen:
            seen.add(key)
            options.append(text)
    if len(options) <= len(right):
        return None
    return replace(base, prompt=prompt, right=tuple(right), options=_shuffled(options, rng))


def _quizlet_truefalse(base: Question, prompt: str, answer: str, wrong: Sequence[str], rng: random.Random) -> Question | None:
    """The prompt with an answer shown, right or another card's; None without any other answer,
    since a question that can only be true teaches nothing."""
    if not wrong:
        return None
    truth = rng.random() < 0.5
    proposed = answer if truth else wrong[0]
    return replace(base, prompt=prompt, proposed=proposed, truth=truth, right=(answer,))


def _match(base: Question, body: Match, rng: random.Random) -> Question | None:
    pairs = tuple(body.as_pairs())
    options = list(dict.fromkeys(right for _, right in pairs))
    if len(pairs) < 2 or len(options) < 2:
        return None
    items = [left for left, _ in pairs]
    return replace(base, prompt=body.question, pairs=pairs, items=_shuffled(items, rng), options=_shuffled(options, rng))


def _cloze(
    base: Question, body: Cloze, sibling: int, kind: QuestionKind, pools: _DeckPools, card: Card, rng: random.Random
) -> Question | None:
    number = sibling + 1
    hidden = cloze.answers(body.text, number)
    # Several different texts hidden together have no single answer to type or pick.
    hidden_keys = {normalize(text) for text in hidden}
    if len(hidden_keys) != 1 or "" in hidden_keys:
        return None
    prompt = cloze.render(body.text, number, reveal=False)
    explanation = "\n".join(part for part in (body.back, card.explain) if part)
    base = replace(base, explanation=explanation)
    if kind is QuestionKind.TYPEIN:
        return replace(base, prompt=prompt, right=(hidden[0],))
    wrong = _wrong_answers(pools.terms, card, hidden[:1], _answer_kind("", hidden[0]), rng, GENERATED_WRONG_OPTIONS)
    return _choice(base, prompt, hidden[:1], wrong, rng)


def _wrong_answers(
    pool: Sequence[_PoolAnswer], card: Card, right: Sequence[str], kind: tuple[str, str], rng: random.Random, limit: int
) -> list[str]:
    """Up to `limit` distinct answers of the same kind from other cards of the deck, none equal to
    a right one; same tag first."""
    excluded = {normalize(text) for text in right}
    tags = frozenset(card.tags)
    candidates = [a for a in pool if a.card_id != card.id and _kind_fit(kind, a.kind) and normalize(a.text) not in excluded]
    rng.shuffle(candidates)
    # The same kind of answer first, then the same tag; the shuffle orders the rest.
    candidates.sort(key=lambda a: (-_kind_fit(kind, a.kind), not a.tags & tags))
    chosen: list[str] = []
    for answer in candidates:
        key = normalize(answer.text)
        if key and key not in excluded:
            excluded.add(key)
            chosen.append(answer.text)
            if len(chosen) == limit:
                break
    return chosen


def _shuffled(values: Sequence[str], rng: random.Random) -> tuple[str, ...]:
    copy = list(values)
    rng.shuffle(copy)
    return tuple(copy)


def _shuffled_out_of_order(steps: Sequence[str], rng: random.Random) -> tuple[str, ...]:
    """Steps shuffled so they never start out already in order (unless all are the same)."""
    shuffled = list(steps)
    rng.shuffle(shuffled)
    if shuffled == list(steps):
        shuffled = shuffled[1:] + shuffled[:1]
    return tuple(shuffled)
