"""Quizlet term/definition text: export, import, separators, flattening, and every import error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import make_corpus
from hostile.measure import measure
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.deck import Basic, Card, CardType, Deck, DeckInfo
from quizapp.core.deckfile import dump_deck, load_deck, parse_deck
from quizapp.core.errors import FormatError, FormatProblems
from quizapp.sharing import quizlet
from quizapp.sharing.quizlet import (
    MAX_IMPORT_BYTES,
    export_quizlet,
    import_quizlet,
    neutralised,
    unneutralised,
)

DECK = """\
format: 1
deck: {id: q-deck, version: 1, title: Quizlet deck}
cards:
  - {id: b1, type: basic, front: What slows the CNS?, back: Depressants}
  - {id: r1, type: reverse, front: Upper, back: Stimulant}
  - {id: c1, type: cloze, text: "{{c1::Naloxone}} reverses an {{c2::opioid}} overdose"}
  - {id: ch1, type: choice, question: Which are opioids?, answers: [Heroin, Morphine], distractors: [Cocaine]}
  - {id: tf1, type: truefalse, statement: Heroin is a stimulant., truth: false}
  - {id: t1, type: typein, question: What reverses an overdose?, answers: [naloxone, Narcan]}
  - {id: o1, type: order, question: Put in order, steps: [Call, Give naloxone]}
  - {id: m1, type: match, question: Pair them, pairs: [[Upper, Stimulant], [Downer, Depressant]]}
"""


def deck_of(*pairs: tuple[str, str]) -> Deck:
    cards = tuple(Card(f"b{i}", CardType.BASIC, Basic(front, back)) for i, (front, back) in enumerate(pairs))
    return Deck(DeckInfo("d1", 1, "D"), cards)


def load(text: str | bytes, **options: str) -> Deck:
    return import_quizlet(text, deck_id="imported", title="Imported", **options)


def problems(text: str | bytes, **options: str) -> list[str]:
    with pytest.raises(FormatProblems) as caught:
        import_quizlet(text, deck_id="imported", title="Imported", path="set.txt", **options)
    return [str(p) for p in caught.value.problems]


def test_export_writes_one_row_per_card_face() -> None:
    assert export_quizlet(parse_deck(DECK)) == (
        "What slows the CNS?\tDepressants\n"
        "Upper\tStimulant\n"  # a reverse card once: Quizlet asks both ways itself
        "[...] reverses an opioid overdose\tNaloxone reverses an opioid overdose\n"  # one per deletion
        "Naloxone reverses an [...] overdose\tNaloxone reverses an opioid overdose\n"
        "Which are opioids?\tHeroin; Morphine\n"
        "Heroin is a stimulant.\tFalse\n"
        "What reverses an overdose?\tnaloxone\n"
        "Put in order\t1. Call / 2. Give naloxone\n"
        "Pair them\tUpper → Stimulant / Downer → Depressant\n"
    )


def test_import_gives_basic_cards_with_ids_by_position() -> None:
    deck = load("Upper\tStimulant\nDowner\tDepressant\n")
    assert deck.info == DeckInfo("imported", 1, "Imported")
    assert [(c.id, c.type, c.body) for c in deck.cards] == [
        ("q-0001", CardType.BASIC, Basic("Upper", "Stimulant")),
        ("q-0002", CardType.BASIC, Basic("Downer", "Depressant")),
    ]
    assert [c.id for c in import_quizlet("a\tb", deck_id="d1", title="T", id_prefix="set7").cards] == ["set7-0001"]


def test_the_imported_deck_is_a_valid_deck_file() -> None:
    deck = load(export_quizlet(parse_deck(DECK)))
    assert parse_deck(dump_deck(deck)) == deck


@pytest.mark.parametrize(
    ("term_sep", "card_sep"),
    [("\t", "\n"), (",", "\n"), ("\t", ";"), (",", ";"), (" - ", "\n\n"), ("::", "||"), ("\n", "\n\n"), ("\t", "\r\n")],
)
def test_round_trip_with_quizlets_separators_and_custom_ones(term_sep: str, card_sep: str) -> None:
    original = parse_deck(DECK)
    text = export_quizlet(original, term_sep=term_sep, card_sep=card_sep)
    deck = load(text, term_sep=term_sep, card_sep=card_sep)
    faces = [c.face(s) for c in original.cards for s in (c.siblings() if c.type is CardType.CLOZE else [0])]
    # Line breaks are flattened; the choice's "; " meets the ";" card separator and gets a look-alike.
    flat = [f.answer.replace("\n", " / ").replace(";", "；" if card_sep == ";" else ";") for f in faces]
    assert [c.body for c in deck.cards] == [Basic(f.prompt, answer) for f, answer in zip(faces, flat)]


def test_separators_inside_texts_are_replaced_by_look_alikes() -> None:
    deck = deck_of(("Uppers, downers; all", "Speed, coke; crack"), ("Tab\there", "x"))
    assert export_quizlet(deck, term_sep=",", card_sep=";") == "Uppers， downers； all,Speed, coke； crack;Tab\there,x"
    assert export_quizlet(deck) == "Uppers, downers; all\tSpeed, coke; crack\nTab here\tx\n"
    # A definition may hold the term separator: rows are split at its first occurrence.
    assert load("a,b,c", term_sep=",").cards[0].body == Basic("a", "b,c")


def test_line_breaks_inside_texts_are_flattened() -> None:
    deck = deck_of(("Line one\nline two", "a\r\nb\rc"))
    assert export_quizlet(deck) == "Line one / line two\ta / b / c\n"
    assert export_quizlet(deck, card_sep=";") == "Line one / line two\ta / b / c"


def test_unicode_and_windows_line_ends() -> None:
    text = "Überdosis\t過量服用 🚑\r\nNaloxon\tGegenmittel\r\n"
    deck = load(text.encode("utf-8"))
    assert [c.body for c in deck.cards] == [Basic("Überdosis", "過量服用 🚑"), Basic("Naloxon", "Gegenmittel")]
    assert load("\ufeffa\tb".encode()).cards[0].body == Basic("a", "b")  # byte order mark dropped


def test_blank_rows_and_surrounding_spaces_are_ignored() -> None:
    deck = load("\n  a \t b  \n\n\nc\td\n  \n")
    assert [c.body for c in deck.cards] == [Basic("a", "b"), Basic("c", "d")]
    assert [c.body for c in load("a\nb\n\n\n\nc\nd\n", term_sep="\n", card_sep="\n\n").cards] == [Basic("a", "b"), Basic("c", "d")]


_TEXT = st.text(alphabet=st.sampled_from(list("ab ,;\t\n\r|:-=+@'é😀")), min_size=1, max_size=15).map(str.strip).filter(bool)
_SEPARATORS = st.sampled_from(
    [("\t", "\n"), (",", ";"), (",", "\n"), ("::", "|"), ("\t", "\n\n"), (" - ", "||"), ("\t", "\t;"), (";", ":;"), ("\n", "\n\n")]
)


@settings(max_examples=80, deadline=None)
@given(pairs=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=4), separators=_SEPARATORS)
def test_export_of_an_import_of_an_export_is_the_same_file(pairs: list[tuple[str, str]], separators: tuple[str, str]) -> None:
    term_sep, card_sep = separators
    text = export_quizlet(deck_of(*pairs), term_sep=term_sep, card_sep=card_sep)
    imported = load(text, term_sep=term_sep, card_sep=card_sep)
    assert len(imported.cards) == len(pairs)
    assert export_quizlet(imported, term_sep=term_sep, card_sep=card_sep) == text


def test_every_row_problem_is_reported_at_once_with_its_position() -> None:
    assert problems("a\tb\nno separator here\n\tonly a definition\nterm only\t  \nc\td\n") == [
        "set.txt:2:1: no tab between term and definition",
        "set.txt:3:1: the term is empty",
        "set.txt:4:11: the definition of 'term only' is empty",
    ]
    assert problems("a,b;  c d;e,f", term_sep=",", card_sep=";") == ["set.txt:1:7: no comma between term and definition"]
    assert problems("a::b||\nc d", term_sep="::", card_sep="||") == ["set.txt:2:1: no '::' between term and definition"]


def test_an_empty_file_has_no_cards() -> None:
    assert problems(" \n\n") == ["set.txt:1:1: no cards found: each row needs a term and a definition"]


def test_invalid_utf8_is_refused_at_the_bad_byte() -> None:
    assert problems(b"a\tb\nc\td" + b"\xff\n") == ["set.txt:2:4: the file is not valid UTF-8 text"]


def test_a_too_large_file_is_refused() -> None:
    assert problems(b"a\tb\n" * (MAX_IMPORT_BYTES // 4 + 1)) == ["set.txt:1:1: the file is 8.4 MB; at most 8 MB can be imported"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"deck_id": "Bad Id"}, "'Bad Id' is not a valid deck id"),
        ({"title": "  "}, "an imported deck needs a title"),
        ({"term_sep": ""}, "the term separator must be something other than spaces"),
        ({"card_sep": "  "}, "the card separator must be something other than spaces"),
        ({"term_sep": ";", "card_sep": ";"}, r"the term separator \(semicolon\) must not contain the card separator \(semicolon\)"),
        ({"id_prefix": "bad prefix"}, "'bad prefix' cannot start card ids"),
    ],
)
def test_bad_options_are_refused_plainly(options: dict[str, str], message: str) -> None:
    arguments = {"deck_id": "d1", "title": "T", **options}
    with pytest.raises(FormatError, match=message):
        import_quizlet("a\tb", **arguments)


def test_export_separators_must_be_ascii() -> None:
    with pytest.raises(FormatError, match="separators for export must be ASCII"):
        export_quizlet(deck_of(("a", "b")), term_sep="→")


BUNDLED = sorted((Path(__file__).resolve().parents[1] / "decks").glob("*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_decks_survive_a_quizlet_round_trip(path: Path) -> None:
    deck = load_deck(path)
    for term_sep, card_sep in (("\t", "\n"), (",", ";")):
        text = export_quizlet(deck, term_sep=term_sep, card_sep=card_sep)
        imported = load(text, term_sep=term_sep, card_sep=card_sep)
        assert export_quizlet(imported, term_sep=term_sep, card_sep=card_sep) == text


# -- bounds and spreadsheet safety (issue 13) ---------------------------------------------------------


def test_a_nul_in_a_cell_is_refused_at_its_position() -> None:
    assert problems("a\tb\nFentanyl\tA strong\0opioid\n") == ["set.txt:2:18: the file holds a NUL character (\\0), which is not text"]


def test_more_rows_than_a_deck_may_hold_are_refused_at_the_first_row_too_many(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quizlet, "MAX_CARDS", 3)
    text = "a\tb\n\nc\td\ne\tf\n  g\th\ni\tj\n"
    assert problems(text) == ["set.txt:5:3: a deck may hold at most 3 cards, and this is row 4; split the file into several decks"]
    assert len(load(text.replace("  g\th\ni\tj\n", "")).cards) == 3


def test_positions_stay_right_with_multi_line_separators_and_many_bad_rows() -> None:
    text = "a\nb\n\nno definition\n\nc\nd\n\n\n" + "x\n\n" * 3
    found = problems(text, term_sep="\n", card_sep="\n\n")
    assert found[:2] == ["set.txt:4:1: no line break between term and definition", "set.txt:10:1: no line break between term and definition"]
    assert found[-1] == "set.txt:14:1: no line break between term and definition"


def test_a_300000_row_file_is_refused_quickly_in_little_memory_naming_the_file(tmp_path: Path) -> None:
    big = tmp_path / "300k.txt"
    big.write_bytes(make_corpus.many_rows_txt(300_000))
    measured = measure(
        f"import_file(Collection.open({str(tmp_path / 'data')!r}), Path({str(big)!r}))",
        setup="from pathlib import Path\nfrom quizapp.core.collection import Collection\nfrom quizapp.sharing.formats import import_file\n",
    )
    # Goal: 5 s and 200 MB (it took 53 s and 919 MB, and named '300k.yaml').
    assert measured.outcome.startswith("FormatProblems: ") and "300k.txt:25001:1: a deck may hold at most 25,000 cards" in measured.outcome
    assert ".yaml" not in measured.outcome
    assert measured.seconds < 10 and measured.peak_mb < 400, measured


def test_exported_cells_a_spreadsheet_would_run_as_formulas_start_with_a_quote() -> None:
    deck = deck_of(("=1+2", "@SUM(A1)"), ("-5 °C", "+44 20"), ("'=already quoted", "it's fine"), ("a-b", "x=y"))
    assert export_quizlet(deck).splitlines() == ["'=1+2\t'@SUM(A1)", "'-5 °C\t'+44 20", "''=already quoted\tit's fine", "a-b\tx=y"]


def test_reimporting_our_own_export_gives_back_the_texts_the_learner_saw() -> None:
    deck = deck_of(("=1+2", "@SUM(A1)"), ("-5 °C", "+44 20"), ("'=already quoted", "'plain quote"))
    again = load(export_quizlet(deck))
    assert [(c.body.front, c.body.back) for c in again.cards] == [("=1+2", "@SUM(A1)"), ("-5 °C", "+44 20"), ("'=already quoted", "'plain quote")]  # type: ignore[union-attr]


@given(st.text(alphabet=st.sampled_from(list("'=+-@a ")), max_size=8))
def test_a_quoted_cell_reads_back_as_exactly_the_text(text: str) -> None:
    assert unneutralised(neutralised(text)) == text
    assert not neutralised(text)[:1] in ("=", "+", "-", "@")
