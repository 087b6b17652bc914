"""Interactive cards in a study session, asked as the quiz's questions.

Choice, true/false, type-in, order and match cards are answered before the answer is shown.
Putting them in the quiz's `Question` form lets the study screen and the quiz screen share the
answer widgets and the core's checking (`Question.check`, `check_typed`).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import replace

from quizapp.core.card_state import Rating
from quizapp.core.deck import Card, Choice, Match, Order, TrueFalse, TypeIn
from quizapp.core.quiz import Question, QuestionKind
from quizapp.core.store import CardKey


def question_for_card(card: Card, key: CardKey) -> Question | None:
    """The card as a question to answer, or None for cards that are only revealed (basic,
    reverse, cloze). Options are shuffled the same way each time the card is shown."""
    body = card.body
    base = Question(kind=QuestionKind.CHOICE, key=key, prompt=card.face(key[2]).prompt, explanation=card.explain, sources=card.sources)
    if isinstance(body, Choice):
        question = replace(base, options=body.answers + body.distractors, right=body.answers)
    elif isinstance(body, TrueFalse):
        question = replace(base, kind=QuestionKind.TRUEFALSE, truth=body.truth)
    elif isinstance(body, TypeIn):
        question = replace(base, kind=QuestionKind.TYPEIN, right=body.answers)
    elif isinstance(body, Order):
        question = replace(base, kind=QuestionKind.ORDER, options=body.steps, right=body.steps)
    elif isinstance(body, Match):
        pairs = tuple(body.as_pairs())
        options = tuple(dict.fromkeys(right for _, right in pairs))
        question = replace(base, kind=QuestionKind.MATCH, pairs=pairs, items=tuple(left for left, _ in pairs), options=options)
    else:
        return None
    seed = zlib.crc32("\x00".join(map(str, key)).encode())
    return question.reshuffled(random.Random(seed))


def suggested_rating(correct: bool) -> Rating:
    """What an answered card suggests; the learner still chooses the rating."""
    return Rating.GOOD if correct else Rating.AGAIN
