"""Typed answers: lenient checking and the Anki-style difference."""

from __future__ import annotations

import pytest

from quizapp.core.answers import DiffKind, DiffPart, TypedResult, check_typed, normalize

SAME, WRONG, MISSING = DiffKind.SAME, DiffKind.WRONG, DiffKind.MISSING


def test_normalize_drops_case_accents_surrounding_punctuation_and_extra_whitespace() -> None:
    assert normalize("  ¡Café   CRÈME!  ") == "cafe creme"


def test_normalize_keeps_inner_punctuation() -> None:
    assert normalize("(co-codamol)") == "co-codamol"


@pytest.mark.parametrize(
    "typed",
    [
        "naloxone",  # case
        "NALOXONE",
        "Nalöxóne",  # accents
        "Naloxone.",  # surrounding punctuation
        "«Naloxone»!",
        "   Naloxone \t",  # surrounding whitespace
    ],
)
def test_lenient_differences_are_accepted(typed: str) -> None:
    assert check_typed(typed, ["Naloxone"]).correct


def test_repeated_inner_whitespace_is_ignored() -> None:
    assert check_typed("call   emergency \n services", ["Call emergency services"]).correct


def test_accents_typed_where_the_answer_has_none_and_the_other_way_round() -> None:
    assert check_typed("cafe", ["Café"]).correct
    assert check_typed("Café", ["cafe"]).correct


def test_decomposed_accents_match_precomposed_ones() -> None:
    assert check_typed("Cafe\u0301", ["Café"]).correct


@pytest.mark.parametrize("typed", ["naloxon", "naloxone narcan", "nalox-one", "", "   ", "?!"])
def test_wrong_answers_stay_wrong(typed: str) -> None:
    assert not check_typed(typed, ["Naloxone"]).correct


def test_any_accepted_answer_counts_and_becomes_the_expected_one() -> None:
    result = check_typed("narcan nasal spray", ["Narcan", "Narcan nasal spray"])
    assert result.correct
    assert result.expected == "Narcan nasal spray"


def test_a_wrong_answer_is_compared_with_the_closest_accepted_answer() -> None:
    result = check_typed("narcann nasal", ["Narcan", "Narcan nasal spray"])
    assert not result.correct
    assert result.expected == "Narcan nasal spray"


def test_with_nothing_in_common_the_first_accepted_answer_is_expected() -> None:
    assert check_typed("qqq", ["Narcan", "Narcan nasal spray"]).expected == "Narcan"


def test_no_accepted_answer_is_an_error() -> None:
    with pytest.raises(ValueError):
        check_typed("anything", [])


def test_diff_marks_a_missing_letter() -> None:
    assert check_typed("naloxne", ["Naloxone"]).diff == (
        DiffPart("nalox", SAME),
        DiffPart("o", MISSING),
        DiffPart("ne", SAME),
    )


def test_diff_marks_an_extra_letter_as_wrong() -> None:
    assert check_typed("heroine", ["heroin"]).diff == (DiffPart("heroin", SAME), DiffPart("e", WRONG))


def test_diff_marks_a_replaced_letter_as_wrong_then_missing() -> None:
    assert check_typed("cocaime", ["cocaine"]).diff == (
        DiffPart("cocai", SAME),
        DiffPart("m", WRONG),
        DiffPart("n", MISSING),
        DiffPart("e", SAME),
    )


def test_diff_shows_the_typed_spelling_and_ignores_case_and_accents() -> None:
    assert check_typed("CAFE", ["café"]).diff == (DiffPart("CAFE", SAME),)


def test_diff_lines_rebuild_the_typed_and_the_expected_text() -> None:
    result = check_typed("  the recovry postion ", ["Recovery position"])
    typed_line = "".join(p.text for p in result.diff if p.kind is not MISSING)
    expected_line = "".join(p.text for p in result.diff if p.kind is not WRONG)
    assert typed_line == "the recovry postion"
    assert expected_line.lower() == "recovery position"


def test_typed_result_round_trips_through_a_dict() -> None:
    result = check_typed("naloxne", ["Naloxone"])
    assert TypedResult.from_dict(result.to_dict()) == result
