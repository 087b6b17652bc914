"""Typed answers, checked leniently, with an Anki-style difference for highlighting.

A typed answer is right when it equals an accepted answer after `normalize`: case, accents,
surrounding whitespace and punctuation, and repeated inner whitespace do not count. Inner
punctuation and spelling do ("naloxone" is not "naloxon").

A wrong answer is *close* when it is a slip away from an accepted answer: a few letters typed,
dropped, changed or swapped (Damerau-Levenshtein distance at most a quarter of the answer's
length, and at least 1). Only then is a letter-by-letter difference worth showing; a different
word ("Narcan" where only "naloxone" is accepted) gets the accepted answers instead.
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
    close: bool = True  # right, or a slip away from `expected`: the diff is worth showing
    accepted: tuple[str, ...] = ()  # every accepted answer, shown when the answer is not close

    def to_dict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "expected": self.expected,
            "diff": [p.to_dict() for p in self.diff],
            "close": self.close,
            "accepted": list(self.accepted),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TypedResult:
        diff = tuple(DiffPart.from_dict(p) for p in data["diff"])
        return cls(data["correct"], data["expected"], diff, data.get("close", True), tuple(data.get("accepted", ())))


def check_typed(typed: str, accepted: Sequence[str]) -> TypedResult:
    """Compare a typed answer with the accepted ones (the first is the one normally shown)."""
    if not accepted:
        raise ValueError("a typed answer needs at least one accepted answer")
    typed_key = normalize(typed)

    def remoteness(answer: str) -> tuple[int, float]:
        """Fewest edits first; of equals, the one sharing more of the typed text."""
        key = normalize(answer)
        return edit_distance(typed_key, key), -difflib.SequenceMatcher(None, typed_key, key).ratio()

    # min() keeps the first of equals, so with nothing in common the first accepted answer is shown.
    expected = min(accepted, key=remoteness)
    distance = edit_distance(typed_key, normalize(expected))
    correct = bool(typed_key) and distance == 0
    return TypedResult(correct, expected, diff_parts(typed, expected), is_close(distance, normalize(expected)), tuple(accepted))


def is_close(distance: int, expected_key: str) -> bool:
    """Whether an answer `distance` edits from `expected_key` is a slip rather than another word."""
    return distance <= max(1, len(expected_key) // 4)


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): the fewest single-character
    insertions, deletions, substitutions and swaps of neighbours that turn `a` into `b`.
    O(len(a) * len(b)) time; typed answers are a line long."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


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
