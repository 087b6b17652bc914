"""Anki's cloze syntax: `{{c1::hidden text}}` or `{{c1::hidden text::hint}}`."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Non-greedy text, optional hint; the deletion number is 1 or more.
CLOZE_PATTERN = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
BLANK = "[...]"


@dataclass(frozen=True)
class Deletion:
    number: int
    text: str
    hint: str


def deletions(text: str) -> list[Deletion]:
    """Every deletion in the text, in order of appearance."""
    return [Deletion(int(m.group(1)), m.group(2), m.group(3) or "") for m in CLOZE_PATTERN.finditer(text)]


def deletion_numbers(text: str) -> list[int]:
    """The distinct deletion numbers, ascending; each yields one card."""
    return sorted({d.number for d in deletions(text) if d.number > 0})


def render(text: str, number: int, *, reveal: bool, mark: tuple[str, str] = ("", "")) -> str:
    """The text as the card for deletion `number` shows it.

    Deletions with that number are blanked (showing the hint as `[hint]`) or, when revealed,
    shown wrapped in `mark`; other deletions always show their text.
    """

    def replace(match: re.Match[str]) -> str:
        if int(match.group(1)) != number:
            return match.group(2)
        if reveal:
            return f"{mark[0]}{match.group(2)}{mark[1]}"
        hint = match.group(3)
        return f"[{hint}]" if hint else BLANK

    return CLOZE_PATTERN.sub(replace, text)


def answers(text: str, number: int) -> list[str]:
    """The hidden texts of deletion `number`, in order."""
    return [d.text for d in deletions(text) if d.number == number]
