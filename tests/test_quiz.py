"""Quizzes built from cards: each kind from each card type, distractors, selection, scoring, and
whether quiz answers count as reviews."""

from __future__ import annotations

import pytest

from quizapp.core.answers import normalize
from quizapp.core.card_state import Rating, State
from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.core.deck import Deck
from quizapp.core.deckfile import parse_deck
from quizapp.core.quiz import Feedback, Question, QuestionKind, Quiz, build_quiz

CHOICE, TRUEFALSE, ORDER, MATCH, TYPEIN = (
    QuestionKind.CHOICE,
    QuestionKind.TRUEFALSE,
    QuestionKind.ORDER,
    QuestionKind.MATCH,
    QuestionKind.TYPEIN,
)

DECK = """\
format: 1
deck: {id: drugs, version: 1, title: Drugs}
cards:
  - {id: heroin, type: basic, front: What class is heroin?, back: Opioid, tags: [class], explain: It acts on opioid receptors.}
  - {id: cocaine, type: basic, front: What class is cocaine?, back: Stimulant, tags: [class]}
  - {id: alcohol, type: reverse, front: What class is alcohol?, back: Depressant, tags: [class]}
  - {id: lsd, type: basic, front: What class is LSD?, back: Hallucinogen, tags: [class]}
  - {id: call, type: basic, front: First thing to do in an overdose?, back: Call emergency services, tags: [response]}
  - {id: position, type: basic, front: How do you lay an unconscious person?, back: In the recovery position, tags: [response]}
  - {id: nalox, type: cloze, text: "{{c1::Naloxone}} reverses an {{c2::opioid::class}} overdose.", back: For a short time.}
  - {id: fent, type: cloze, text: "{{c1::Fentanyl}} is far stronger than morphine."}
  - {id: narcan, type: typein, question: Brand name of nasal naloxone?, answers: [Narcan, Narcan nasal spray]}
  - {id: signs, type: choice, question: Signs of an opioid overdose?, answers: [Pinpoint pupils, Slow breathing], distractors: [Dilated pupils]}
  - {id: coffee, type: truefalse, statement: Coffee reverses an overdose., truth: false, explain: It does not.}
  - {id: steps, type: order, question: Put the steps in order., steps: [Check for a response, Call for help, Give naloxone]}
  - id: classes
    type: match
    question: Sort each substance into its class.
    categories: {Stimulant: [Cocaine, Methamphetamine], Opioid: [Heroin, Morphine]}
  - {id: brands, type: match, question: Match brand and substance., pairs: [[Narcan, Naloxone], [Valium, Diazepam]]}
"""

OTHER_DECK = """\
format: 1
deck: {id: other, version: 1, title: Other}
cards:
  - {id: o1, type: basic, front: Other one?, back: Elsewhere one}
  - {id: o2, type: basic, front: Other two?, back: Elsewhere two}
  - {id: o3, type: basic, front: Other three?, back: Elsewhere three}
"""

CLASS_BACKS = {"Opioid", "Stimulant", "Depressant", "Hallucinogen"}


def deck(text: str = DECK) -> Deck:
    return parse_deck(text, "deck.yaml")


def every_question(kind: QuestionKind, source: Deck | list[Deck] | None = None, seed: int = 0) -> dict[str, Question]:
    """One question of `kind` per card that can make it, by card id."""
    quiz = build_quiz(source if source is not None else deck(), count=100, kinds=[kind], seed=seed)
    questions: dict[str, Question] = {}
    for question in quiz.questions:
        questions.setdefault(question.key[1], question)
    return questions


# -- each kind from each card type ---------------------------------------------------------------


def test_choice_card_makes_a_choice_question_that_needs_every_right_answer() -> None:
    question = every_question(CHOICE)["signs"]
    assert question.key == ("drugs", "signs", 0)
    assert question.prompt == "Signs of an opioid overdose?"
    assert sorted(question.options) == ["Dilated pupils", "Pinpoint pupils", "Slow breathing"]
    assert question.multiple_answers
    assert question.check(["Slow breathing", "Pinpoint pupils"])
    assert not question.check(["Pinpoint pupils"])
    assert not question.check(["Pinpoint pupils", "Slow breathing", "Dilated pupils"])


def test_truefalse_card_makes_a_truefalse_question() -> None:
    question = every_question(TRUEFALSE)["coffee"]
    assert question.prompt == "Coffee reverses an overdose."
    assert question.check(False)
    assert not question.check(True)
    assert question.right_answer_text() == "False"
    assert question.explanation == "It does not."


def test_basic_card_makes_a_choice_with_its_back_among_backs_of_the_same_tag() -> None:
    question = every_question(CHOICE)["heroin"]
    assert question.prompt == "What class is heroin?"
    assert question.right == ("Opioid",)
    # Three cards share the "class" tag, so every wrong option comes from them.
    assert set(question.options) == CLASS_BACKS
    assert question.check("Opioid")
    assert question.check(["Opioid"])
    assert not question.check(["Stimulant"])
    assert question.explanation == "It acts on opioid receptors."


def test_reverse_card_is_quizzed_front_to_back_once() -> None:
    quiz = build_quiz(deck(), count=100, kinds=[CHOICE], seed=1)
    keys = [q.key for q in quiz.questions if q.key[1] == "alcohol"]
    assert keys == [("drugs", "alcohol", 0)]
    assert quiz.questions[[q.key[1] for q in quiz.questions].index("alcohol")].right == ("Depressant",)


@pytest.mark.parametrize("seed", range(8))
def test_basic_card_makes_a_truefalse_with_its_back_or_another_back_shown(seed: int) -> None:
    question = every_question(TRUEFALSE, seed=seed)["cocaine"]
    assert question.prompt == "What class is cocaine?"
    assert question.right == ("Stimulant",)
    assert question.proposed in CLASS_BACKS
    assert question.truth is (question.proposed == "Stimulant")
    assert question.check(question.truth)
    assert not question.check(not question.truth)


def test_basic_truefalse_shows_both_right_and_wrong_answers_over_seeds() -> None:
    truths = {every_question(TRUEFALSE, seed=seed)["cocaine"].truth for seed in range(20)}
    assert truths == {True, False}


def test_false_basic_truefalse_feedback_gives_the_real_answer() -> None:
    question = next(
        q for seed in range(20) if not (q := every_question(TRUEFALSE, seed=seed)["cocaine"]).truth
    )
    assert question.right_answer_text() == "False. The answer is: Stimulant"


def test_typein_card_makes_a_typein_question_checked_leniently() -> None:
    question = every_question(TYPEIN)["narcan"]
    assert question.prompt == "Brand name of nasal naloxone?"
    assert question.check("  narcan. ")
    assert question.check("NARCAN nasal spray")
    assert not question.check("narcam")
    assert question.right_answer_text() == "Narcan"


def test_typein_card_makes_a_choice_with_other_terms_and_no_other_accepted_answer() -> None:
    question = every_question(CHOICE)["narcan"]
    assert question.right == ("Narcan",)
    wrong = set(question.options) - {"Narcan"}
    assert wrong and wrong <= {"Naloxone", "opioid", "Fentanyl"}
    assert question.check(["Narcan"])
    assert not question.check(["Naloxone"])


def test_cloze_makes_a_typein_question_per_deletion() -> None:
    quiz = build_quiz(deck(), count=100, kinds=[TYPEIN], seed=0)
    by_key = {q.key: q for q in quiz.questions}
    first, second = by_key[("drugs", "nalox", 0)], by_key[("drugs", "nalox", 1)]
    assert first.prompt == "[...] reverses an opioid overdose."
    assert first.check("naloxone")
    assert not first.check("opioid")
    assert second.prompt == "Naloxone reverses an [class] overdose."
    assert second.check("Opioid")
    assert first.explanation == "For a short time."


def test_cloze_makes_a_choice_among_other_deletions() -> None:
    question = every_question(CHOICE)["fent"]
    assert question.prompt == "[...] is far stronger than morphine."
    assert question.right == ("Fentanyl",)
    wrong = set(question.options) - {"Fentanyl"}
    assert wrong and wrong <= {"Naloxone", "opioid", "Narcan"}
    assert question.check("Fentanyl")
    assert not question.check("Naloxone")


def test_order_card_makes_an_order_question_that_starts_out_of_order() -> None:
    steps = ("Check for a response", "Call for help", "Give naloxone")
    for seed in range(10):
        question = every_question(ORDER, seed=seed)["steps"]
        assert question.right == steps
        assert sorted(question.options) == sorted(steps)
        assert question.options != steps
        assert question.check(list(steps))
        assert not question.check(question.options)


def test_match_card_with_categories_pairs_each_item_with_its_category() -> None:
    question = every_question(MATCH)["classes"]
    assert dict(question.pairs) == {
        "Cocaine": "Stimulant",
        "Methamphetamine": "Stimulant",
        "Heroin": "Opioid",
        "Morphine": "Opioid",
    }
    assert sorted(question.items) == ["Cocaine", "Heroin", "Methamphetamine", "Morphine"]
    assert sorted(question.options) == ["Opioid", "Stimulant"]
    assert question.check(dict(question.pairs))
    assert not question.check({**dict(question.pairs), "Heroin": "Stimulant"})
    assert not question.check({"Cocaine": "Stimulant"})


def test_match_card_with_pairs_makes_a_match_question() -> None:
    question = every_question(MATCH)["brands"]
    assert sorted(question.options) == ["Diazepam", "Naloxone"]
    assert question.check({"Valium": "Diazepam", "Narcan": "Naloxone"})
    assert not question.check({"Valium": "Naloxone", "Narcan": "Diazepam"})


def test_kinds_a_card_cannot_make_are_not_made_from_it() -> None:
    assert set(every_question(ORDER)) == {"steps"}
    assert set(every_question(MATCH)) == {"classes", "brands"}
    assert set(every_question(TYPEIN)) == {"nalox", "fent", "narcan"}
    assert set(every_question(TRUEFALSE)) == {"heroin", "cocaine", "alcohol", "lsd", "call", "position", "coffee"}


# -- distractors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_distractors_never_repeat_the_right_answer_even_spelt_differently(seed: int) -> None:
    text = DECK.replace("back: Stimulant,", "back: opioid.,").replace("[Narcan, Narcan nasal spray]", "[Naloxone, Narcan]")
    for question in build_quiz(deck(text), count=100, kinds=[CHOICE], seed=seed).questions:
        keys = [normalize(option) for option in question.options]
        assert len(keys) == len(set(keys)), question.options
    heroin = every_question(CHOICE, deck(text), seed)["heroin"]
    assert "opioid." not in heroin.options
    # A typein card's other accepted answers are never offered as wrong options either.
    narcan = every_question(CHOICE, deck(text), seed)["narcan"]
    assert "Narcan" not in narcan.options


def test_distractors_come_from_the_same_deck() -> None:
    decks = [deck(), deck(OTHER_DECK)]
    for seed in range(5):
        for question in build_quiz(decks, count=100, kinds=[CHOICE], seed=seed).questions:
            elsewhere = any(option.startswith("Elsewhere") for option in question.options)
            assert elsewhere is (question.key[0] == "other")


def test_distractors_fill_up_from_other_tags_when_the_tag_has_too_few() -> None:
    question = every_question(CHOICE)["call"]
    wrong = set(question.options) - {"Call emergency services"}
    assert "In the recovery position" in wrong
    assert len(question.options) == 4


def test_no_question_with_fewer_than_two_options() -> None:
    lonely = deck(OTHER_DECK.replace("  - {id: o2, type: basic, front: Other two?, back: Elsewhere two}\n", "").replace(
        "  - {id: o3, type: basic, front: Other three?, back: Elsewhere three}\n", ""
    ))
    assert build_quiz(lonely, count=5, kinds=[CHOICE, TRUEFALSE], seed=0).questions == ()


# -- selection --------------------------------------------------------------------------------------


def test_the_same_seed_builds_the_same_quiz() -> None:
    first = build_quiz(deck(), count=12, seed=42)
    second = build_quiz(deck(), count=12, seed=42)
    assert [q.to_dict() for q in first.questions] == [q.to_dict() for q in second.questions]


def test_different_seeds_build_different_quizzes() -> None:
    quizzes = {tuple(q.key for q in build_quiz(deck(), count=6, seed=seed).questions) for seed in range(5)}
    assert len(quizzes) > 1


def test_requested_kinds_and_count_are_honoured() -> None:
    quiz = build_quiz(deck(), count=5, kinds=["truefalse", QuestionKind.ORDER], seed=3)
    assert len(quiz) == 5
    assert {q.kind for q in quiz.questions} == {TRUEFALSE, ORDER}


def test_every_requested_kind_appears_when_the_count_allows() -> None:
    for seed in range(5):
        quiz = build_quiz(deck(), count=5, seed=seed)
        assert {q.kind for q in quiz.questions} == set(QuestionKind)


def test_each_card_is_asked_once_while_there_are_enough_cards() -> None:
    for seed in range(5):
        quiz = build_quiz(deck(), count=14, seed=seed)
        card_ids = [q.key[1] for q in quiz.questions]
        assert len(card_ids) == 14 == len(set(card_ids))


def test_cards_are_asked_again_only_when_there_are_too_few() -> None:
    only_cloze = deck(DECK.split("  - {id: heroin")[0] + DECK[DECK.index("  - {id: nalox") : DECK.index("  - {id: narcan")])
    for seed in range(5):
        two = build_quiz(only_cloze, count=2, kinds=[TYPEIN], seed=seed)
        assert sorted(q.key[1] for q in two.questions) == ["fent", "nalox"]
        three = build_quiz(only_cloze, count=3, kinds=[TYPEIN], seed=seed)
        assert sorted(q.key for q in three.questions) == [("drugs", "fent", 0), ("drugs", "nalox", 0), ("drugs", "nalox", 1)]


def test_a_quiz_has_fewer_questions_when_the_cards_cannot_make_more() -> None:
    assert len(build_quiz(deck(), count=50, kinds=[ORDER], seed=0)) == 1


def test_deck_ids_pick_decks() -> None:
    quiz = build_quiz([deck(), deck(OTHER_DECK)], deck_ids=["other"], count=10, seed=0)
    assert {q.key[0] for q in quiz.questions} == {"other"}


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        build_quiz(deck(), count=0)
    with pytest.raises(ValueError):
        build_quiz(deck(), kinds=[])


def test_question_round_trips_through_a_dict() -> None:
    for question in build_quiz(deck(), count=14, seed=5).questions:
        assert Question.from_dict(question.to_dict()) == question


# -- taking a quiz ----------------------------------------------------------------------------------


def right_response(question: Question) -> object:
    if question.kind is CHOICE:
        return list(question.right)
    if question.kind is TRUEFALSE:
        return question.truth
    if question.kind is ORDER:
        return list(question.right)
    if question.kind is MATCH:
        return dict(question.pairs)
    return question.right[0]


def wrong_response(question: Question) -> object:
    if question.kind is CHOICE:
        return [next(o for o in question.options if o not in question.right)]
    if question.kind is TRUEFALSE:
        return not question.truth
    if question.kind is ORDER:
        return list(reversed(question.right))
    if question.kind is MATCH:
        return {}
    return "certainly wrong"


def test_answers_give_feedback_and_a_score() -> None:
    quiz = build_quiz(deck(), count=6, seed=7)
    for index, question in enumerate(quiz.questions[:4]):
        feedback = quiz.answer(index, right_response(question) if index % 2 == 0 else wrong_response(question))
        assert feedback.correct is (index % 2 == 0)
        assert feedback.right_answer == question.right_answer_text()
        assert feedback.explanation == question.explanation
        assert not feedback.counted_as_review
        assert quiz.feedback(index) == feedback
    assert quiz.score().to_dict() == {"right": 2, "answered": 4, "total": 6}
    assert quiz.mistakes() == [quiz.questions[1], quiz.questions[3]]
    assert quiz.feedback(5) is None


def test_every_kind_answered_right_and_wrong() -> None:
    quiz = build_quiz(deck(), count=14, seed=11)
    for question in quiz.questions:
        assert question.check(right_response(question)), question
        assert not question.check(wrong_response(question)), question


def test_typein_feedback_carries_the_difference() -> None:
    question = every_question(TYPEIN)["narcan"]
    feedback = Quiz([question]).answer(0, "narcn")
    assert not feedback.correct
    assert feedback.typed is not None and feedback.typed.expected == "Narcan"
    assert [p.kind.value for p in feedback.typed.diff] == ["same", "missing", "same"]


def test_a_question_is_answered_once() -> None:
    quiz = build_quiz(deck(), count=2, seed=0)
    quiz.answer(0, right_response(quiz.questions[0]))
    with pytest.raises(ValueError):
        quiz.answer(0, right_response(quiz.questions[0]))


def test_review_mistakes_asks_the_missed_questions_again_reshuffled() -> None:
    quiz = build_quiz(deck(), count=14, seed=2)
    for index, question in enumerate(quiz.questions):
        quiz.answer(index, wrong_response(question) if index < 8 else right_response(question))
    review = quiz.review_mistakes()
    assert len(review) == 8
    assert sorted(q.key for q in review.questions) == sorted(q.key for q in quiz.questions[:8])
    assert [q.key for q in review.questions] != [q.key for q in quiz.questions[:8]]
    originals = {q.key: q for q in quiz.questions}
    for question in review.questions:
        original = originals[question.key]
        assert sorted(question.options) == sorted(original.options)
        assert sorted(question.items) == sorted(original.items)
        assert question.check(right_response(original))
    assert review.score().answered == 0


# -- quiz answers as reviews --------------------------------------------------------------------------


@pytest.fixture
def drugs(collection: Collection) -> Collection:
    """The conftest collection (FixedClock, UTC days) holding the quiz deck."""
    collection.apply_deck(deck(), source_path=None, content_hash="x")
    return collection


def truefalse_quiz(collection: Collection) -> Quiz:
    """A quiz whose first question is the coffee truefalse card."""
    quiz = build_quiz(collection, ["drugs"], count=100, kinds=[TRUEFALSE], seed=0)
    index = next(i for i, q in enumerate(quiz.questions) if q.key[1] == "coffee")
    return Quiz([quiz.questions[index]], collection=collection)


def test_with_the_setting_off_quiz_answers_leave_the_schedule_alone(drugs: Collection) -> None:
    quiz = truefalse_quiz(drugs)
    feedback = quiz.answer(0, False)
    assert feedback.correct and not feedback.counted_as_review
    assert drugs.history(("drugs", "coffee", 0)) == []
    assert drugs.card_state(("drugs", "coffee", 0)).state is State.NEW


@pytest.mark.parametrize(("response", "rating"), [(False, Rating.GOOD), (True, Rating.AGAIN)])
def test_with_the_setting_on_a_new_card_is_rated_by_the_answer(drugs: Collection, response: bool, rating: Rating) -> None:
    drugs.update_settings(quiz_counts_as_review=True)
    feedback = truefalse_quiz(drugs).answer(0, response)
    assert feedback.counted_as_review
    history = drugs.history(("drugs", "coffee", 0))
    assert [(entry.rating, entry.kind) for entry in history] == [(int(rating), "quiz")]


def test_with_the_setting_on_a_card_not_due_is_left_alone_until_it_is_due(drugs: Collection, clock: FixedClock) -> None:
    drugs.update_settings(quiz_counts_as_review=True)
    key = ("drugs", "coffee", 0)
    drugs.answer(key, Rating.EASY)
    state = drugs.card_state(key)
    assert state.state is State.REVIEW and state.due_day is not None and state.due_day > drugs.today()
    assert not truefalse_quiz(drugs).answer(0, False).counted_as_review
    assert len(drugs.history(key)) == 1
    clock.advance(days=state.due_day - drugs.today())
    assert truefalse_quiz(drugs).answer(0, False).counted_as_review
    assert [entry.kind for entry in drugs.history(key)] == ["study", "quiz"]


def test_a_learning_step_due_later_today_counts_as_due(drugs: Collection) -> None:
    drugs.update_settings(quiz_counts_as_review=True)
    key = ("drugs", "coffee", 0)
    drugs.answer(key, Rating.GOOD)
    assert drugs.card_state(key).due_at is not None
    assert truefalse_quiz(drugs).answer(0, False).counted_as_review


def test_a_card_is_rated_once_per_quiz_even_when_its_mistake_is_reviewed(drugs: Collection) -> None:
    drugs.update_settings(quiz_counts_as_review=True)
    quiz = truefalse_quiz(drugs)
    assert quiz.answer(0, True).counted_as_review  # wrong: Again
    review = quiz.review_mistakes()
    assert not review.answer(0, False).counted_as_review
    assert [entry.rating for entry in drugs.history(("drugs", "coffee", 0))] == [int(Rating.AGAIN)]


@pytest.mark.parametrize("take_out", ["suspend", "bury"])
def test_a_suspended_or_buried_card_is_never_rated_by_a_quiz(drugs: Collection, clock: FixedClock, take_out: str) -> None:
    drugs.update_settings(quiz_counts_as_review=True)
    key = ("drugs", "coffee", 0)
    getattr(drugs, take_out)([key])
    feedback = truefalse_quiz(drugs).answer(0, False)
    assert feedback.correct and not feedback.counted_as_review
    assert drugs.history(key) == []
    if take_out == "bury":  # buried only for today: tomorrow a quiz answer counts again
        clock.advance(days=1)
        assert truefalse_quiz(drugs).answer(0, False).counted_as_review


# -- "I was right" on a typed answer ------------------------------------------------------------------


def typein_quiz(collection: Collection) -> Quiz:
    """A quiz whose one question is the narcan typein card (accepted: Narcan, Narcan nasal spray)."""
    quiz = build_quiz(collection, ["drugs"], count=100, kinds=[TYPEIN], seed=0)
    return Quiz([next(q for q in quiz.questions if q.key[1] == "narcan")], collection=collection)


def test_i_was_right_counts_a_wrong_typed_answer_in_the_score_and_records_it(drugs: Collection) -> None:
    quiz = typein_quiz(drugs)
    assert not quiz.answer(0, "nasal naloxone").correct
    feedback = quiz.accept_as_right(0)
    assert feedback.correct and feedback.overridden
    assert quiz.score().right == 1 and quiz.mistakes() == []
    assert quiz.feedback(0) == feedback
    assert Feedback.from_dict(feedback.to_dict()) == feedback


def test_i_was_right_is_only_for_a_typed_answer_marked_wrong(drugs: Collection) -> None:
    quiz = typein_quiz(drugs)
    with pytest.raises(ValueError):
        quiz.accept_as_right(0)  # not answered yet
    quiz.answer(0, "Narcan")
    with pytest.raises(ValueError):
        quiz.accept_as_right(0)  # already right
    tf = truefalse_quiz(drugs)
    tf.answer(0, True)
    with pytest.raises(ValueError):
        tf.accept_as_right(0)  # not typed


def test_i_was_right_turns_the_again_it_counted_as_review_into_good(drugs: Collection) -> None:
    drugs.update_settings(quiz_counts_as_review=True)
    quiz = typein_quiz(drugs)
    assert quiz.answer(0, "nasal naloxone").counted_as_review
    quiz.accept_as_right(0)
    history = drugs.history(("drugs", "narcan", 0))
    assert [(entry.rating, entry.kind) for entry in history] == [(int(Rating.GOOD), "quiz")]


REASONS_AND_ACTIONS = """\
format: 1
deck: {id: kinds, version: 1, title: Kinds of answer}
cards:
  - {id: why-back, type: basic, front: Why can an overdose come back after naloxone?, back: Naloxone wears off before the opioid does.}
  - {id: why-watch, type: basic, front: Why watch someone for hours after naloxone?, back: Their breathing can slow down again later.}
  - {id: why-help, type: basic, front: Why get medical care after they recover?, back: The drug can still be working in their body.}
  - {id: first, type: basic, front: What do you do first in an overdose?, back: Call emergency services right away.}
  - {id: count, type: basic, front: What share of people who use heroin become addicted?, back: About 1 in 4}
  - {id: class, type: basic, front: What class of drug is heroin?, back: An opioid}
"""


def test_a_reason_is_never_offered_as_a_wrong_answer_to_an_action_nor_a_number_to_a_name() -> None:
    for seed in range(20):
        questions = every_question(CHOICE, deck(REASONS_AND_ACTIONS), seed=seed)
        why = questions.get("why-back")
        if why is not None:
            assert "Call emergency services right away." not in why.options
            assert set(why.options) <= {"Naloxone wears off before the opioid does.", "Their breathing can slow down again later.", "The drug can still be working in their body."}
        for name in ("first", "class"):
            if name in questions:
                assert "About 1 in 4" not in questions[name].options
