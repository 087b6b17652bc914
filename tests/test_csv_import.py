"""CSV authoring: a header row of card fields, the deck loader's own checks, and every problem at
its CSV line and column."""

from __future__ import annotations

import time

import pytest

from quizapp.core.deck import (
    Basic,
    CardType,
    Choice,
    Cloze,
    Deck,
    Order,
    Reverse,
    Source,
    TrueFalse,
    TypeIn,
)
from quizapp.core.deckfile import dump_deck, parse_deck
from quizapp.core.errors import DeckFileError, FormatProblems
from quizapp.sharing import csv_import
from quizapp.sharing.csv_import import MAX_CSV_BYTES, import_csv

SOURCES = (Source("m0", "A page", "A publisher"), Source("m1", "Another", "Someone"))

GOOD = """\
id,type,front,back,question,answers,distractors,statement,truth,steps,text,explain,source,tags
b1,,What slows the CNS?,Depressants,,,,,,,,Slang.,m0,cns|slang
r1,reverse,Upper,Stimulant,,,,,,,,,,
c1,cloze,,,,,,,,,"{{c1::Naloxone}}, also {{c1::Narcan}}",,"m0|m1",
ch1,choice,,,Which are opioids?,Heroin|Morphine,Cocaine,,,,,,,
tf1,truefalse,,,,,,Heroin is a stimulant.,FALSE,,,,,
t1,typein,,,What reverses it?,naloxone|Narcan,,,,,,,,
o1,order,,,Put in order,,,,,Call|Give naloxone|Stay,,,,
"""


def load(text: str | bytes) -> Deck:
    return import_csv(text, deck_id="csv-deck", title="CSV deck", path="cards.csv", sources=SOURCES)


def problems(text: str | bytes) -> list[str]:
    with pytest.raises(FormatProblems) as caught:
        load(text)
    return [str(p) for p in caught.value.problems]


def test_every_column_fills_the_card_field_of_its_name() -> None:
    deck = import_csv(GOOD, deck_id="csv-deck", title="CSV deck", sources=SOURCES)
    assert (deck.id, deck.info.title, deck.info.version, deck.sources) == ("csv-deck", "CSV deck", 1, SOURCES)
    cards = {c.id: c for c in deck.cards}
    assert cards["b1"].type is CardType.BASIC  # an empty type means basic
    assert (cards["b1"].body, cards["b1"].explain, cards["b1"].sources, cards["b1"].tags) == (
        Basic("What slows the CNS?", "Depressants"),
        "Slang.",
        ("m0",),
        ("cns", "slang"),
    )
    assert cards["r1"].body == Reverse("Upper", "Stimulant")
    assert cards["c1"].body == Cloze("{{c1::Naloxone}}, also {{c1::Narcan}}") and cards["c1"].sources == ("m0", "m1")
    assert cards["ch1"].body == Choice("Which are opioids?", ("Heroin", "Morphine"), ("Cocaine",))
    assert cards["tf1"].body == TrueFalse("Heroin is a stimulant.", False)
    assert cards["t1"].body == TypeIn("What reverses it?", ("naloxone", "Narcan"))
    assert cards["o1"].body == Order("Put in order", ("Call", "Give naloxone", "Stay"))
    assert parse_deck(dump_deck(deck)) == deck  # the YAML deck written from it is equivalent


def test_columns_can_come_in_any_order_and_case_and_ids_can_be_left_out() -> None:
    deck = import_csv("Back , FRONT\nDepressants,Downer\nStimulant,Upper\n", deck_id="d1", title="T", id_prefix="x")
    assert [(c.id, c.body) for c in deck.cards] == [("x-0001", Basic("Downer", "Depressants")), ("x-0002", Basic("Upper", "Stimulant"))]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_the_one_the_header_uses(delimiter: str) -> None:
    text = f"front{delimiter}back\n\"One, two; three\"{delimiter}\"x\ty\"\n"
    assert load(text).cards[0].body == Basic("One, two; three", "x\ty")


def test_quoted_cells_unicode_bom_and_escaped_list_separators() -> None:
    text = '\ufefffront,back,type,question,answers,distractors\n"Line one\nline ""two""",Überdosis 🚑,,,,\n,,choice,Q,A \\| B|C,D\n'
    deck = load(text.encode("utf-8"))
    assert deck.cards[0].body == Basic('Line one\nline "two"', "Überdosis 🚑")
    assert deck.cards[1].body == Choice("Q", ("A | B", "C"), ("D",))


def test_characters_yaml_would_change_are_kept_exactly() -> None:
    # (Control characters such as BEL or NEL are refused in deck text: see test_deckfile.)
    tricky = 'a\u2028b\u200fc "q" \\ \t # {x: [y]} --- *alias &anchor !tag'
    deck = load(f'front,back\n"{tricky.replace(chr(34), chr(34) * 2)}",yes\n')
    assert deck.cards[0].body == Basic(tricky, "yes")


def test_the_loaders_problems_come_back_at_the_csv_cell_all_at_once() -> None:
    text = GOOD + (
        "ch2,choice,,,Which?,Heroin|Heroin,Heroin,,,,,,,\n"  # line 9
        "tf2,truefalse,,,,,,Is it?,maybe,,,,,\n"
        "b1,basic,Again,,,,,,,,,,,\n"
        ",basik,a,b,,,,,,,,,,\n"
        "b3,basic,a,b,Extra,,,,,,,,m9,bad tag\n"
        "c2,cloze,,,,,,,,,no deletion,,,\n"
    )
    assert problems(text) == [
        "cards.csv:9:6: 'Heroin' appears twice in 'answers' in card 'ch2'",
        "cards.csv:9:6: 'Heroin' is both a right answer and a distractor in card 'ch2'",
        "cards.csv:10:9: 'truth' in card 'tf2' must be true or false, not 'maybe'",
        "cards.csv:11:1: card 'b1' is missing the required key 'back'",
        "cards.csv:11:1: duplicate card id 'b1' (first on line 2)",
        "cards.csv:12:2: unknown card type 'basik'; did you mean 'basic'? (types: basic, reverse, cloze, choice, truefalse, typein, order, match)",
        "cards.csv:13:5: column 'question' does not apply to the type of card 'b3'; leave that cell empty",
        "cards.csv:13:13: source 'm9' is not declared in 'sources' (declared: m0, m1)",
        "cards.csv:13:14: 'bad tag' (an item of 'tags' in card 'b3') is not valid: tags are words: letters, digits, '-', '_' or ':'",
        "cards.csv:14:11: 'text' in card 'c2' has no cloze deletion; mark hidden text as {{c1::text}}",
    ]


def test_messages_are_the_deck_loaders_own() -> None:
    yaml_deck = "format: 1\ndeck: {id: d1, version: 1, title: T}\ncards:\n- {id: ch, type: choice, question: Q, answers: [A], distractors: [A]}\n"
    with pytest.raises(DeckFileError) as from_yaml:
        parse_deck(yaml_deck)
    csv_problems = problems("id,type,question,answers,distractors\nch,choice,Q,A,A\n")
    assert [p.message for p in from_yaml.value.problems] == [p.split(": ", 1)[1] for p in csv_problems]


def test_lines_count_the_line_breaks_inside_quoted_cells() -> None:
    text = 'front,back\n"two\nlines",fine\n"three\nmore\nlines",\nok,\n'
    assert problems(text) == [
        "cards.csv:4:1: card 'card-0002' is missing the required key 'back'",
        "cards.csv:7:1: card 'card-0003' is missing the required key 'back'",
    ]


def test_header_problems() -> None:
    assert problems("front,bak,front,,question\na,b,c,d,e\n") == [
        "cards.csv:1:2: unknown column 'bak'; did you mean 'back'?",
        "cards.csv:1:3: column 'front' appears twice (first in column 1)",
        "cards.csv:1:4: this header cell is empty; every column needs the name of a card field",
    ]
    assert problems("What slows the CNS?,Depressants\n") == [
        "cards.csv:1:1: the first row must name the columns: id, type, front, back, question, answers, distractors, statement, truth, steps, text, explain, source, tags",
        "cards.csv:1:1: unknown column 'what slows the cns?'",
        "cards.csv:1:2: unknown column 'depressants'",
    ]


def test_empty_columns_after_the_last_named_one_are_ignored() -> None:
    assert load("front,back,,\na,b,,\nc,d\n").cards[1].body == Basic("c", "d")


def test_row_and_file_problems() -> None:
    assert problems("front,back\na,b,c\nd,e\nf,g,h,i\n") == [
        "cards.csv:2:3: this row has 3 cells but the header names 2 columns",
        "cards.csv:4:3: this row has 4 cells but the header names 2 columns",
    ]
    assert problems("front,back\n\n") == ["cards.csv:2:1: there are no card rows below the header"]
    assert problems("") == ["cards.csv:1:1: the file is empty; the first row must name the columns (id, type, front, back, question, answers, distractors, statement, truth, steps, text, explain, source, tags)"]
    assert problems('front,back\na,"b\n') == ["cards.csv:2:1: CSV syntax: unexpected end of data"]
    assert problems(b"front,back\na,\xe9\n") == ["cards.csv:2:3: the file is not valid UTF-8 text"]
    assert problems(b"front,back\n" + b"a,b\n" * (MAX_CSV_BYTES // 4)) == ["cards.csv:1:1: the file is 2.1 MB; at most 2 MB can be imported"]


def test_only_the_loaders_line_references_are_renumbered() -> None:
    text = "id,type,question,answers\nt1,typein,Q,line 3|line 3\nt1,typein,Q,a\n"
    assert problems(text) == [
        "cards.csv:2:4: 'line 3' appears twice in 'answers' in card 't1'",
        "cards.csv:3:1: duplicate card id 't1' (first on line 2)",
    ]


# -- bounds and spreadsheet safety (issue 13) ---------------------------------------------------------


def test_a_nul_in_a_cell_is_refused_at_its_position() -> None:
    assert problems("id,front,back\nq1,Fentanyl,A strong\0opioid\n") == ["cards.csv:2:21: the file holds a NUL character (\\0), which is not text"]


def test_more_card_rows_than_a_deck_may_hold_are_refused_at_the_first_row_too_many(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "MAX_CARDS", 2)
    text = "front,back\na,b\nc,d,e\n\ne,f\n"
    assert problems(text) == ["cards.csv:5:1: a deck may hold at most 2 cards, and this is row 3; split the file into several decks"]


def test_a_header_of_100000_columns_is_refused_quickly_showing_fifty_problems_and_a_count() -> None:
    started = time.monotonic()
    with pytest.raises(FormatProblems) as caught:
        load(",".join(f"c{n}" for n in range(100_000)) + "\nq1,Front,Back\n")
    assert time.monotonic() - started < 2  # 3.3 s before, most of it suggesting names for every column
    lines = str(caught.value).splitlines()
    assert len(lines) == 51 and lines[-1] == "and 99,951 more"
    assert lines[1] == "cards.csv:1:1: unknown column 'c0'"
    assert len(caught.value.problems) == 100_001  # all kept for a program to read


def test_a_cell_quoted_against_formulas_reads_as_its_text() -> None:
    deck = load("id,front,back\nq1,'=1+2,'@home\nq2,''-5,'plain\n")
    assert [(c.body.front, c.body.back) for c in deck.cards] == [("=1+2", "@home"), ("'-5", "'plain")]  # type: ignore[union-attr]
