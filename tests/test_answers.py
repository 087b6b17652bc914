"""Typed answers: lenient checking and the Anki-style difference."""

from __future__ import annotations

import pytest

from quizapp.core.answers import (
    DiffKind,
    DiffPart,
    TypedResult,
    check_typed,
    edit_distance,
    normalize,
)

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


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("", "", 0), ("", "abc", 3), ("naloxone", "naloxone", 0), ("naloxne", "naloxone", 1), ("nalxoone", "naloxone", 1), ("kitten", "sitting", 3)],
)
def test_edit_distance_counts_inserts_deletes_changes_and_swaps(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


def test_a_slip_is_close_and_keeps_the_letter_diff() -> None:
    result = check_typed("naloxne", ["naloxone"])
    assert not result.correct and result.close


def test_a_different_word_is_not_close_and_lists_the_accepted_answers() -> None:
    result = check_typed("Narcan", ["naloxone", "Evzio"])
    assert not result.correct and not result.close
    assert result.accepted == ("naloxone", "Evzio")


def test_closeness_is_relative_to_the_answer_length() -> None:
    assert check_typed("cat", ["bat"]).close  # one change: always allowed
    assert not check_typed("cut", ["bat"]).close  # two changes in three letters
    assert check_typed("recovry positon", ["recovery position"]).close  # 2 of 17
    assert not check_typed("recover pose", ["recovery position"]).close


def test_close_and_accepted_survive_a_round_trip() -> None:
    result = check_typed("Narcan", ["naloxone"])
    assert TypedResult.from_dict(result.to_dict()) == result
    old = {"correct": False, "expected": "x", "diff": []}
    assert TypedResult.from_dict(old).close  # saved before closeness: the diff as before
