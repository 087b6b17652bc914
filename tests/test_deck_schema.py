"""The published JSON Schema: current, valid, and in agreement with the loader on shapes."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from conftest import REPO, SMALL_DECK
from test_deckfile import GOOD

from quizapp.core.deck_schema import deck_schema, schema_text

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the parser the deck loader uses


def read(text: str) -> object:
    return yaml.load(text, Loader=LOADER)

SCHEMA_FILE = REPO / "docs" / "deck.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_published_schema_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text() == schema_text(), "run: python -m quizapp.core.deck_schema > docs/deck.schema.json"


@pytest.mark.parametrize("text", [GOOD, SMALL_DECK], ids=["every-type", "small"])
def test_decks_the_loader_accepts_pass_the_schema(validator: jsonschema.Draft202012Validator, text: str) -> None:
    assert list(validator.iter_errors(read(text))) == []


def test_every_bundled_deck_passes_the_schema(validator: jsonschema.Draft202012Validator) -> None:
    files = sorted((REPO / "decks").glob("*.yaml"))
    assert files
    for file in files:
        errors = [f"{file.name}: {e.json_path}: {e.message}" for e in validator.iter_errors(read(file.read_text()))]
        assert errors == []


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["cards"][0].update(bakc="x"),
        lambda d: d["cards"][0].update(type="clozee"),
        lambda d: d["cards"][0].pop("front"),
        lambda d: d["deck"].update(version=0),
        lambda d: d.update(format=2),
        lambda d: d["cards"][4].update(truth="no"),
        lambda d: d["cards"][3].update(text="no deletion"),
    ],
    ids=["unknown-key", "unknown-type", "missing-field", "bad-version", "bad-format", "truth-not-bool", "cloze-without-deletion"],
)
def test_the_schema_flags_what_an_editor_should_underline(validator: jsonschema.Draft202012Validator, change: object) -> None:
    data = read(SMALL_DECK)
    change(data)  # type: ignore[operator]
    assert list(validator.iter_errors(data)) != []


def test_card_type_branches_cover_every_type() -> None:
    branches = deck_schema()["properties"]["cards"]["items"]["allOf"]
    assert [b["if"]["properties"]["type"]["const"] for b in branches] == ["basic", "reverse", "cloze", "choice", "truefalse", "typein", "order", "match"]
