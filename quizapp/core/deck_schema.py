"""The JSON Schema of the deck format, generated from the loader's own field tables.

Editors (VS Code's YAML extension) use it for completion and red squiggles. It checks shapes
only; `quizapp validate` also checks what a schema cannot (duplicate ids, undeclared sources,
cloze syntax). Regenerate `docs/deck.schema.json` with `python -m quizapp.core.deck_schema`.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from quizapp.core.deck import FORMAT_VERSION, CardType
from quizapp.core.deckfile import (
    _CARD_COMMON_FIELDS,
    _CARD_TYPE_FIELDS,
    _DECK_FIELDS,
    _SOURCE_FIELDS,
    CARD_ID,
    DECK_ID,
    IMAGE_SUFFIXES,
    LANGUAGE,
    TAG,
    Field,
)

SCHEMA_ID = "https://quizapp.example/deck.schema.json"


def _pattern(regex: re.Pattern[str]) -> str:
    return "^" + regex.pattern.replace("\\Z", "") + "$"


_TEXT: dict[str, Any] = {"type": ["string", "number"], "minLength": 1}
_TEXTS: dict[str, Any] = {"type": "array", "items": _TEXT, "minItems": 1}
_CARD_ID_SCHEMA: dict[str, Any] = {"type": "string", "pattern": _pattern(CARD_ID)}

_KINDS: dict[str, dict[str, Any]] = {
    "text": _TEXT,
    "bool": {"type": "boolean"},
    "positive_int": {"type": "integer", "minimum": 1},
    "format": {"const": FORMAT_VERSION},
    "deck_id": {"type": "string", "pattern": _pattern(DECK_ID)},
    "card_id": _CARD_ID_SCHEMA,
    "source_id": _CARD_ID_SCHEMA,
    "language": {"type": "string", "pattern": _pattern(LANGUAGE)},
    "card_type": {"enum": [t.value for t in CardType]},
    "cloze": {**_TEXT, "pattern": r"\{\{c\d+::"},
    "image": {"type": "string", "pattern": r"(?i)\.(" + "|".join(s.lstrip(".") for s in IMAGE_SUFFIXES) + ")$"},
    "texts": _TEXTS,
    "tags": {"type": "array", "items": {"type": "string", "pattern": _pattern(TAG)}},
    "card_ids": {"type": "array", "items": _CARD_ID_SCHEMA},
    "source_refs": {"oneOf": [_CARD_ID_SCHEMA, {"type": "array", "items": _CARD_ID_SCHEMA, "minItems": 1}]},
    "pairs": {"type": "array", "minItems": 2, "items": {"type": "array", "items": _TEXT, "minItems": 2, "maxItems": 2}},
    "categories": {"type": "object", "minProperties": 2, "additionalProperties": _TEXTS},
}

_DESCRIPTIONS = {
    "front": "The question side.",
    "back": "The answer side (for cloze: extra text shown after the answer).",
    "text": "Text with cloze deletions: {{c1::hidden}} or {{c1::hidden::hint}}.",
    "question": "What the learner is asked.",
    "answers": "Right answers (typein: accepted answers, the first is shown).",
    "distractors": "Wrong answers offered with the right ones.",
    "statement": "A statement that is true or false.",
    "truth": "Whether the statement is true.",
    "steps": "The steps in their right order.",
    "pairs": "[left, right] pairs to match.",
    "categories": "Category name -> items that belong to it.",
    "explain": "Why the answer is right; shown after answering.",
    "source": "The declared source id(s) this card's facts come from.",
    "tags": "Tags.",
    "image": "An image file next to the deck file.",
    "id": "Stable id chosen by the author; never reuse it for another fact.",
    "type": "The card type.",
}


def _object(fields: dict[str, Field], strict: bool = True) -> dict[str, Any]:
    properties = {}
    for name, spec in fields.items():
        schema = dict(_KINDS[spec.kind])
        if name in _DESCRIPTIONS:
            schema["description"] = _DESCRIPTIONS[name]
        properties[name] = schema
    result: dict[str, Any] = {"type": "object", "properties": properties}
    required = [name for name, spec in fields.items() if spec.required]
    if required:
        result["required"] = required
    if strict:
        result["additionalProperties"] = False
    return result


def _card_schema() -> dict[str, Any]:
    # One branch per type: VS Code then completes exactly the keys the chosen type allows.
    branches = []
    for card_type, fields in _CARD_TYPE_FIELDS.items():
        branch = _object({**_CARD_COMMON_FIELDS, **fields})
        branch["properties"]["type"] = {"const": card_type.value, "description": _DESCRIPTIONS["type"]}
        if card_type is CardType.MATCH:
            branch["oneOf"] = [{"required": ["pairs"]}, {"required": ["categories"]}]
        branches.append({"if": {"properties": {"type": {"const": card_type.value}}, "required": ["type"]}, "then": branch})
    common = _object(_CARD_COMMON_FIELDS, strict=False)
    return {**common, "allOf": branches}


def deck_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "quizapp deck file",
        "description": f"A quizapp deck, format {FORMAT_VERSION}. See docs/deck-format.md.",
        "type": "object",
        "required": ["format", "deck", "cards"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT_VERSION, "description": "The deck format number."},
            "deck": _object(_DECK_FIELDS),
            "sources": {"type": "array", "items": _object(_SOURCE_FIELDS)},
            "retired": {"type": "array", "items": _CARD_ID_SCHEMA, "description": "Ids of cards removed on purpose."},
            "cards": {"type": "array", "minItems": 1, "items": _card_schema()},
        },
    }


def schema_text() -> str:
    return json.dumps(deck_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())
