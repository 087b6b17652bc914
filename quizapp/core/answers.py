"""Typed answers, checked leniently, with an Anki-style difference for highlighting.

A typed answer is right when it equals an accepted answer after `normalize`: case, accents,
surrounding whitespace and punctuation, and repeated inner whitespace do not count. Inner
punctuation and spelling do ("naloxone" is not "naloxon").
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any


def _fold(text: str) -> str:
    """Case and accents removed: NFKD splits "é" into "e" plus a combining mark, which is dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def normalize(text: str) -> str:
    """The form typed answers are compared in."""
    collapsed = " ".join(_fold(text).split())
    start, end = 0, len(collapsed)
    while start < end and (_is_punctuation(collapsed[start]) or collapsed[start].isspace()):
        start += 1
    while end > start and (_is_punctuation(collapsed[end - 1]) or collapsed[end - 1].isspace()):
        end -= 1
    return collapsed[start:end]


class DiffKind(str, Enum):
    SAME = "same"  # typed as expected
    WRONG = "wrong"  # typed, but not in the expected answer
    MISSING = "missing"  # in the expected answer, but not typed


@dataclass(frozen=True)
class DiffPart:
    text: str
    kind: DiffKind

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "kind": self.kind.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiffPart:
        return cls(data["text"], DiffKind(data["kind"]))


@dataclass(frozen=True)
class TypedResult:
    """The verdict on a typed answer.

    `diff` reads like Anki's: the typed line is the SAME and WRONG parts in order, the expected
    line the SAME and MISSING parts in order.
    """

    correct: bool
    expected: str
    diff: tuple[DiffPart, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"correct": self.correct, "expected": self.expected, "diff": [p.to_dict() for p in self.diff]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TypedResult:
        return cls(data["correct"], data["expected"], tuple(DiffPart.from_dict(p) for p in data["diff"]))


def check_typed(typed: str, accepted: Sequence[str]) -> TypedResult:
    """Compare a typed answer with the accepted ones (the first is the one normally shown)."""
    if not accepted:
        raise ValueError("a typed answer needs at least one accepted answer")
    typed_key = normalize(typed)
    matching = [answer for answer in accepted if typed_key and normalize(answer) == typed_key]
    if matching:
        expected, correct = matching[0], True
    else:
        # max() keeps the first of equals, so with nothing in common the first accepted answer is shown.
        expected = max(accepted, key=lambda answer: difflib.SequenceMatcher(None, typed_key, normalize(answer)).ratio())
        correct = False
    return TypedResult(correct, expected, diff_parts(typed, expected))


def diff_parts(typed: str, expected: str) -> tuple[DiffPart, ...]:
    """Character differences between the typed and the expected text, in their original spelling.

    Characters are matched ignoring case and accents, so "Cafe" against "café" is all SAME, while
    a stray comma still shows as WRONG. NFC first, so a decomposed "é" typed on one keyboard is
    one character like the precomposed one.
    """
    shown = unicodedata.normalize("NFC", typed.strip())
    target = unicodedata.normalize("NFC", expected)
    matcher = difflib.SequenceMatcher(None, [_fold(ch) for ch in shown], [_fold(ch) for ch in target], autojunk=False)
    parts: list[DiffPart] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(parts, shown[i1:i2], DiffKind.SAME)
            continue
        _append(parts, shown[i1:i2], DiffKind.WRONG)
        _append(parts, target[j1:j2], DiffKind.MISSING)
    return tuple(parts)


def _append(parts: list[DiffPart], text: str, kind: DiffKind) -> None:
    """Add a part, merging it into the previous part of the same kind."""
    if not text:
        return
    if parts and parts[-1].kind is kind:
        parts[-1] = DiffPart(parts[-1].text + text, kind)
    else:
        parts.append(DiffPart(text, kind))
