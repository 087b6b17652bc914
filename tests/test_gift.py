"""Moodle GIFT export, read back by a reader written here after Moodle's own importer
(question/format/gift/format.php: readquestion, escapedchar_pre/post, commentparser) and the
checks Moodle's import applies (grades from its fixed list, multichoice totals, match sizes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.deck import Basic, Card, CardType, Choice, Cloze, Deck, DeckInfo, Match, Order, Reverse, TrueFalse, TypeIn
from quizapp.core.deckfile import load_deck, parse_deck
from quizapp.core.errors import FormatError
from quizapp.sharing.gift import export_gift

# -- a GIFT reader that does what Moodle does -------------------------------------------------------

PHP_SPACE = " \t\n\r\0\x0b"  # what PHP's trim() removes
_ESCAPED = {":": "\ue000", "#": "\ue001", "=": "\ue002", "{": "\ue003", "}": "\ue004", "~": "\ue005", "n": "\ue006"}
_BACKSLASH = "\ue007"
_WEIGHT = re.compile(r"%-*([0-9]{1,2})\.?([0-9]*)%")
# Moodle's question_bank::fraction_options_full(): the only grades an import accepts.
_FRACTIONS = [0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05]
GRADES = [0.0, 1.0, -1.0, *_FRACTIONS, *(-f for f in _FRACTIONS)]


@dataclass
class Answer:
    text: str
    fraction: float
    feedback: str = ""


@dataclass
class Question:
    qtype: str
    name: str = ""
    text: str = ""
    text_format: str = "moodle"
    general_feedback: str = ""
    answers: list[Answer] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    single: bool = True
    correct: bool | None = None
    feedback_true: str = ""
    feedback_false: str = ""
    tags: list[str] = field(default_factory=list)
    category: str = ""


def _pre(text: str) -> str:
    text = text.replace("\\\\", _BACKSLASH)
    for char, placeholder in _ESCAPED.items():
        text = text.replace("\\" + char, placeholder)
    return text.replace(_BACKSLASH, "\\")


def _post(text: str) -> str:
    for char, placeholder in _ESCAPED.items():
        text = text.replace(placeholder, "\n" if char == "n" else char)
    return text


def _with_format(text: str, default: str) -> tuple[str, str]:
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in ("moodle", "html", "plain", "markdown"):
            fmt, text = text[1:end], text[end + 1 :]
    return fmt, _post(text).strip(PHP_SPACE)


def _weight(answer: str) -> tuple[float, str]:
    answer = answer[1:]
    end = answer.find("%")
    return float(answer[:end]) / 100, answer[end + 1 :]


def _comment(answer: str, fmt: str) -> tuple[str, str]:
    bits = answer.split("#", 1)
    return _with_format(bits[0].strip(PHP_SPACE), fmt)[1], _with_format(bits[1].strip(PHP_SPACE), fmt)[1] if len(bits) > 1 else ""


def _drop_empty_first(parts: list[str]) -> list[str]:
    parts[0] = parts[0].strip(PHP_SPACE)
    return parts[1:] if not parts[0] else parts


def read_question(lines: list[str]) -> Question:
    comments = "\n".join(line for line in lines if line.startswith("//"))
    text = _pre("\n".join(" " if line.startswith("//") else line for line in lines).strip(PHP_SPACE))
    if text.startswith("$CATEGORY:"):
        return Question("category", category=text[10:].strip(PHP_SPACE))
    name = ""
    if text.startswith("::"):
        text = text[2:]
        end = text.find("::")
        assert end >= 0
        name, text = _post(text[:end]).strip(), text[end + 2 :].strip(PHP_SPACE)
    start, finish = text.find("{"), text.find("}")
    assert start >= 0 and finish >= 0, f"no answer braces in {text!r}"
    answer_text = text[start + 1 : finish].strip(PHP_SPACE)
    # A question whose text does not end with the answers is a "missing word" question.
    assert text.endswith("}"), f"text after the answers: {text!r}"
    question_text = text[:start] + text[finish + 1 :]
    general = ""
    if "####" in answer_text:
        cut = answer_text.rfind("####")
        general, answer_text = answer_text[cut + 4 :], answer_text[:cut].strip(PHP_SPACE)
    fmt, question_text = _with_format(question_text, "moodle")
    q = Question("", name=name, text=question_text, text_format=fmt, general_feedback=_with_format(general, fmt)[1])
    q.tags = re.findall(r"\[tag:((?:\\]|[^]<>`\x00-\x1f])+)\]", comments)
    assert answer_text, "an essay question"
    assert answer_text[0] != "#", "a numerical question"
    if "~" in answer_text:
        q.qtype, q.single = "multichoice", "=" in answer_text
        for answer in _drop_empty_first(answer_text.replace("=", "~=").split("~")):
            answer = answer.strip(PHP_SPACE)
            if answer[0] == "=":
                fraction, answer = 1.0, answer[1:]
            elif _WEIGHT.match(answer):
                fraction, answer = _weight(answer)
            else:
                fraction = 0.0
            q.answers.append(Answer(*_comment(answer, fmt)[:1], fraction, _comment(answer, fmt)[1]))
    elif "=" in answer_text and "->" in answer_text:
        q.qtype = "match"
        for answer in _drop_empty_first(answer_text.split("=")):
            answer = answer.strip(PHP_SPACE)
            marker = answer.find("->")
            assert marker >= 0, f"matching pair without '->': {answer!r}"
            q.pairs.append((_with_format(answer[:marker], fmt)[1], _post(answer[marker + 2 :]).strip(PHP_SPACE)))
    elif (answer_text.split("#", 1)[0].strip(PHP_SPACE) if answer_text.find("#") > 0 else answer_text) in ("T", "TRUE", "F", "FALSE"):
        q.qtype = "truefalse"
        bits = answer_text.split("#", 2) + ["", ""]
        q.correct = _with_format(bits[0].strip(PHP_SPACE), fmt)[1] in ("T", "TRUE")
        wrong, right = (_with_format(b.strip(PHP_SPACE), fmt)[1] for b in bits[1:3])
        q.feedback_true, q.feedback_false = (right, wrong) if q.correct else (wrong, right)
    else:
        q.qtype = "shortanswer"
        for answer in _drop_empty_first(answer_text.split("=")):
            answer = answer.strip(PHP_SPACE)
            fraction = 1.0
            if _WEIGHT.match(answer):
                fraction, answer = _weight(answer)
            text, feedback = _comment(answer, fmt)
            q.answers.append(Answer(text, fraction, feedback))
    _check_like_moodle(q)
    return q


def _check_like_moodle(q: Question) -> None:
    """What Moodle's import refuses after reading (importprocess, save_question_options)."""
    for answer in q.answers:
        assert any(abs(answer.fraction - grade) < 0.00001 for grade in GRADES), f"grade {answer.fraction} is not one Moodle accepts"
    if q.qtype == "multichoice":
        assert len(q.answers) >= 2
        if q.single:
            assert max(a.fraction for a in q.answers) == 1
        else:
            assert round(sum(a.fraction for a in q.answers if a.fraction > 0), 2) == 1
    if q.qtype == "shortanswer":
        assert q.answers and max(a.fraction for a in q.answers) == 1
    if q.qtype == "match":
        assert len(q.pairs) >= 2


def read_gift(gift: str) -> list[Question]:
    """Questions in file order; blank lines (after PHP trim) end a question, as in Moodle."""
    questions, lines = [], []
    for line in gift.split("\n") + [""]:
        line = line.strip(PHP_SPACE)
        if line and line != "0":  # PHP's empty() is true for "0" too
            lines.append(line)
        elif lines:
            questions.append(read_question(lines))
            lines = []
    return questions


def split_category_path(path: str) -> list[str]:
    return [name.replace("//", "/").strip() for name in re.split(r"(?<!/)/(?!/)", path)]


# -- the tests --------------------------------------------------------------------------------------

SPECIAL = r"Tricky ~ = # { } : \ \n %5% [html] -> // end"

DECK = """\
format: 1
deck: {id: gift-deck, version: 1, title: "Drugs / alcohol: a \\\\ b"}
cards:
  - {id: b1, type: basic, front: What slows the CNS?, back: Depressants, explain: "Because {they} do.", tags: [cns, "a:b"]}
  - {id: r1, type: reverse, front: Upper, back: Stimulant}
  - {id: c1, type: cloze, text: "{{c1::Naloxone}} reverses an {{c2::opioid::class}} overdose", back: Extra, explain: Why}
  - {id: ch1, type: choice, question: Which is an opioid?, answers: [Heroin], distractors: [Cocaine, Caffeine], explain: Heroin is.}
  - {id: ch3, type: choice, question: Which are opioids?, answers: [Heroin, Morphine, Fentanyl], distractors: [Cocaine]}
  - {id: tf1, type: truefalse, statement: Heroin is a stimulant., truth: false, explain: It is a depressant.}
  - {id: tf2, type: truefalse, statement: Naloxone is safe., truth: true}
  - {id: t1, type: typein, question: What reverses an overdose?, answers: [naloxone, Narcan, "T"]}
  - {id: o1, type: order, question: Put in order, steps: [Call, Give naloxone, Stay]}
  - {id: m1, type: match, question: Sort them, categories: {Stimulant: [Cocaine, Speed], Opioid: [Heroin]}}
  - {id: m2, type: match, question: Pair them, pairs: [[Upper, Stimulant], [Downer, Depressant]]}
"""


def exported() -> list[Question]:
    return read_gift(export_gift([parse_deck(DECK)]))


def by_name(questions: list[Question]) -> dict[str, Question]:
    return {q.name: q for q in questions if q.qtype != "category"}


def test_each_deck_is_a_category_named_after_its_title() -> None:
    questions = exported()
    assert questions[0].qtype == "category"
    assert split_category_path(questions[0].category) == ["Drugs / alcohol: a \\ b"]
    two = read_gift(export_gift([parse_deck(DECK), parse_deck(DECK.replace("Drugs", "Other"))]))
    assert [q.category for q in two if q.qtype == "category"] == [questions[0].category, questions[0].category.replace("Drugs", "Other")]


def test_every_card_type_becomes_the_moodle_question_type_it_maps_to() -> None:
    questions = by_name(exported())
    assert {name: q.qtype for name, q in questions.items()} == {
        "b1": "shortanswer",
        "r1": "shortanswer",
        "r1 reverse": "shortanswer",
        "c1 c1": "shortanswer",
        "c1 c2": "shortanswer",
        "ch1": "multichoice",
        "ch3": "multichoice",
        "tf1": "truefalse",
        "tf2": "truefalse",
        "t1": "shortanswer",
        "o1": "match",
        "m1": "match",
        "m2": "match",
    }
    assert all(q.text_format == "plain" for q in questions.values())


def test_short_answers_basic_reverse_cloze_and_typein() -> None:
    q = by_name(exported())
    assert (q["b1"].text, [a.text for a in q["b1"].answers]) == ("What slows the CNS?", ["Depressants"])
    assert q["b1"].general_feedback == "Because {they} do." and q["b1"].tags == ["cns", "a:b"]
    assert (q["r1 reverse"].text, q["r1 reverse"].answers[0].text) == ("Stimulant", "Upper")
    assert (q["c1 c1"].text, q["c1 c1"].answers[0].text) == ("[...] reverses an opioid overdose", "Naloxone")
    assert (q["c1 c2"].text, q["c1 c2"].answers[0].text) == ("Naloxone reverses an [class] overdose", "opioid")
    assert q["c1 c2"].general_feedback == "Extra\nWhy"
    # "T" alone must not turn the question into a true/false one.
    assert [(a.text, a.fraction) for a in q["t1"].answers] == [("naloxone", 1.0), ("Narcan", 1.0), ("T", 1.0)]


def test_choices_single_and_several_right_answers() -> None:
    q = by_name(exported())
    assert q["ch1"].single and [(a.text, a.fraction) for a in q["ch1"].answers] == [("Heroin", 1), ("Cocaine", 0), ("Caffeine", 0)]
    assert q["ch1"].general_feedback == "Heroin is."
    several = q["ch3"]
    assert not several.single
    assert [a.text for a in several.answers] == ["Heroin", "Morphine", "Fentanyl", "Cocaine"]
    assert [a.fraction for a in several.answers] == pytest.approx([1 / 3, 1 / 3, 1 / 3, -1], abs=1e-5)


@pytest.mark.parametrize("count", range(2, 11))
def test_right_answers_share_a_grade_moodle_accepts(count: int) -> None:
    answers = tuple(f"right {i}" for i in range(count))
    deck = Deck(DeckInfo("d1", 1, "D"), (Card("ch", CardType.CHOICE, Choice("Q?", answers, ("wrong",))),))
    (question,) = by_name(read_gift(export_gift([deck]))).values()  # the reader applies Moodle's checks
    assert [a.fraction for a in question.answers] == pytest.approx([1 / count] * count + [-1], abs=1e-5)


def test_more_right_answers_than_moodle_can_weight_is_refused() -> None:
    deck = Deck(DeckInfo("d1", 1, "D"), (Card("ch", CardType.CHOICE, Choice("Q?", tuple(str(i) for i in range(11)), ("x",))),))
    with pytest.raises(FormatError, match="card 'ch' in deck 'd1' has 11 right answers"):
        export_gift([deck])


def test_true_false_with_the_explanation_as_feedback() -> None:
    q = by_name(exported())
    assert (q["tf1"].correct, q["tf1"].feedback_true, q["tf1"].feedback_false) == (False, "It is a depressant.", "It is a depressant.")
    assert (q["tf2"].correct, q["tf2"].feedback_true, q["tf2"].feedback_false) == (True, "", "")
    assert "{F#It is a depressant.#It is a depressant.}" in export_gift([parse_deck(DECK)])
    assert "{T}" in export_gift([parse_deck(DECK)])


def test_matching_pairs_categories_and_order() -> None:
    q = by_name(exported())
    assert q["m2"].pairs == [("Upper", "Stimulant"), ("Downer", "Depressant")]
    assert q["m1"].pairs == [("Cocaine", "Stimulant"), ("Speed", "Stimulant"), ("Heroin", "Opioid")]
    assert q["o1"].pairs == [("Call", "1"), ("Give naloxone", "2"), ("Stay", "3")]


def test_special_characters_survive_in_every_kind_of_text() -> None:
    arrowless = SPECIAL.replace("->", "→")
    cards = (
        Card("b", CardType.BASIC, Basic(SPECIAL, SPECIAL), explain=SPECIAL),
        Card("ch", CardType.CHOICE, Choice(SPECIAL, (SPECIAL,), ("%5% off", "[plain] x"))),
        Card("ch2", CardType.CHOICE, Choice("Q", ("%5%", SPECIAL), ("=x", "~y"))),
        Card("tf", CardType.TRUEFALSE, TrueFalse(SPECIAL, True), explain="[x] " + SPECIAL),
        Card("t", CardType.TYPEIN, TypeIn(SPECIAL, (SPECIAL, "%5% off", "TRUE"))),
        Card("m", CardType.MATCH, Match(SPECIAL, pairs=((SPECIAL, SPECIAL), ("[a]->", "->[b]")))),
    )
    q = by_name(read_gift(export_gift([Deck(DeckInfo("d1", 1, SPECIAL), cards)])))
    assert q["b"].text == SPECIAL and q["b"].general_feedback == SPECIAL
    # Moodle has no escape for "->" in short answers: it would become a matching question.
    assert [a.text for a in q["b"].answers] == [arrowless]
    assert [(a.text, a.fraction) for a in q["ch"].answers] == [(SPECIAL, 1), ("%5% off", 0), ("[plain] x", 0)]
    assert [(a.text, round(a.fraction, 2)) for a in q["ch2"].answers] == [("%5%", 0.5), (SPECIAL, 0.5), ("=x", -1), ("~y", -1)]
    assert (q["tf"].text, q["tf"].correct, q["tf"].feedback_true) == (SPECIAL, True, "[x] " + SPECIAL)
    assert [a.text for a in q["t"].answers] == [arrowless, "%5% off", "TRUE"] and q["t"].qtype == "shortanswer"
    assert q["m"].text == SPECIAL and q["m"].pairs == [(arrowless, SPECIAL), ("[a]→", "->[b]")]


def test_line_breaks_stay_inside_one_question() -> None:
    deck = Deck(DeckInfo("d1", 1, "D"), (Card("b", CardType.BASIC, Basic("line one\n\nline two\r\nthree", "a\nb"), explain="x\n\ny"),))
    (q,) = by_name(read_gift(export_gift([deck]))).values()
    assert (q.text, q.answers[0].text, q.general_feedback) == ("line one\n\nline two\nthree", "a\nb", "x\n\ny")


def test_unicode_is_written_as_utf8_text() -> None:
    text = "Überdosis? 過量服用 🚑 — naloxone"
    deck = Deck(DeckInfo("d1", 1, "Drogen 💊"), (Card("b", CardType.BASIC, Basic(text, text)),))
    questions = read_gift(export_gift([deck]).encode("utf-8").decode("utf-8"))
    assert questions[0].category == "Drogen 💊" and questions[1].text == text and questions[1].answers[0].text == text


_TRICKY = st.text(alphabet=st.sampled_from(list("ab ~=#{}:\\%[]->\nT0/é😀")), min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None)
@given(question=_TRICKY, answers=st.lists(_TRICKY, min_size=1, max_size=3, unique=True), distractor=_TRICKY, explain=_TRICKY)
def test_any_text_reads_back_as_written(question: str, answers: list[str], distractor: str, explain: str) -> None:
    cards = (
        Card("t", CardType.TYPEIN, TypeIn(question, tuple(answers)), explain=explain),
        Card("c", CardType.CHOICE, Choice(question, tuple(answers), (distractor + "x",))),
        Card("f", CardType.TRUEFALSE, TrueFalse(question, False), explain=explain),
        Card("o", CardType.ORDER, Order(question, tuple(answers) + ("zz",))),
        Card("r", CardType.REVERSE, Reverse(question, explain)),
    )
    q = by_name(read_gift(export_gift([Deck(DeckInfo("d1", 1, question), cards)])))
    assert q["t"].text == question and q["t"].general_feedback == explain
    assert [a.text for a in q["t"].answers] == [a.replace("->", "→") for a in answers]
    assert [a.text for a in q["c"].answers] == [*answers, distractor + "x"]
    assert (q["f"].text, q["f"].correct, q["f"].feedback_false) == (question, False, explain)
    assert q["o"].pairs == [(a.replace("->", "→"), str(n)) for n, a in enumerate([*answers, "zz"], 1)]
    assert (q["r reverse"].text, q["r reverse"].answers[0].text) == (explain, question.replace("->", "→"))


def test_cloze_with_several_hidden_texts_under_one_number() -> None:
    card = Card("c", CardType.CLOZE, Cloze("{{c1::Naloxone}} is also called {{c1::Narcan}}."))
    (q,) = by_name(read_gift(export_gift([Deck(DeckInfo("d1", 1, "D"), (card,))]))).values()
    assert (q.text, q.answers[0].text) == ("[...] is also called [...].", "Naloxone, Narcan")


BUNDLED = sorted((Path(__file__).resolve().parents[1] / "decks").glob("*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_decks_export_to_questions_moodle_accepts(path: Path) -> None:
    deck = load_deck(path)
    questions = read_gift(export_gift([deck]))  # the reader asserts what Moodle's import would refuse
    assert [q.qtype for q in questions].count("category") == 1
    assert len(questions) - 1 == sum(len(card.siblings()) for card in deck.cards)
