"""Fuzzing the deck loader: whatever the bytes, it returns a deck or raises DeckFileError whose
every problem names a real position in the file. Nothing else may escape."""

from __future__ import annotations

import re

from conftest import SMALL_DECK
from hypothesis import given, settings
from hypothesis import strategies as st
from test_deckfile import GOOD

from quizapp.core.deck import Deck
from quizapp.core.deckfile import parse_deck
from quizapp.core.errors import DeckFileError

YAML_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
SEEDS = [GOOD.encode(), SMALL_DECK.encode()]
YAML_NOISE = [b":", b"- ", b"{", b"}", b"[", b"]", b"&a ", b"*a", b"!!python/object ", b"'", b'"', b"\t", b"\n", b"#", b"? ", b"|", b">", b"%", b"@", b"\xff", b"\x00", b"{{c1::", b"}}"]


def _check(data: bytes) -> None:
    try:
        deck = parse_deck(data, "fuzz.yaml")
    except DeckFileError as error:
        assert error.problems
        # YAML counts \r, NEL and the Unicode separators as line breaks too.
        lines = max(data.count(b"\n"), len(YAML_LINE_BREAK.findall(data.decode("utf-8", "replace")))) + 1
        for problem in error.problems:
            assert problem.path == "fuzz.yaml"
            assert 1 <= problem.line <= lines + 1, problem
            assert problem.col >= 1 and problem.message, problem
        return
    assert isinstance(deck, Deck) and deck.cards


@st.composite
def mutated_decks(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "truncate", "duplicate-line"]))
        if action == "insert":
            data[position:position] = draw(st.sampled_from(YAML_NOISE) | st.binary(max_size=8))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 20))]
        elif action == "truncate":
            del data[position:]
        else:
            start = data.rfind(b"\n", 0, position) + 1
            end = data.find(b"\n", position)
            line = bytes(data[start : end + 1 if end >= 0 else len(data)])
            data[start:start] = line
    return bytes(data)


@settings(max_examples=300, deadline=None)
@given(mutated_decks())
def test_mutated_deck_files_fail_only_with_positioned_deck_errors(data: bytes) -> None:
    _check(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_fail_only_with_positioned_deck_errors(data: bytes) -> None:
    _check(data)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20), lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=30))
def test_any_yaml_value_fails_only_with_positioned_deck_errors(value: object) -> None:
    import yaml

    _check(yaml.safe_dump({"format": 1, "deck": value, "cards": [value]}).encode())
