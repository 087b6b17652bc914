"""Text the screens show: markup for highlights, times in words, short names.

Card text is escaped before it goes into markup, so brackets in a card never read as tags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo

from kivy.utils import escape_markup

from quizapp.core import cloze
from quizapp.core.answers import DiffKind, TypedResult
from quizapp.core.card_state import Rating
from quizapp.core.deck import Source
from quizapp.core.intervals import describe_interval
from quizapp.core.queues import DueCounts

RATING_NAMES = {Rating.AGAIN: "Again", Rating.HARD: "Hard", Rating.GOOD: "Good", Rating.EASY: "Easy"}

# Control characters never occur in card text, so they can stand for markup until escaping is done.
_OPEN, _CLOSE = "\x01", "\x02"


NBSP = "\u00a0"  # a space that never breaks a line
ELLIPSIS = "…"
SEPARATOR = "  ·  "  # between the items of a row, such as the counts


def coloured(text: str, colour_hex: str, *, bold: bool = False) -> str:
    """Escaped text in a colour, for a label with markup on."""
    inner = f"[color={colour_hex}]{escape_markup(text)}[/color]"
    return f"[b]{inner}[/b]" if bold else inner


def cloze_answer_markup(text: str, number: int, colour_hex: str) -> str:
    """The cloze text with deletion `number` revealed, in bold and in a colour."""
    revealed = escape_markup(cloze.render(text, number, reveal=True, mark=(_OPEN, _CLOSE)))
    return revealed.replace(_OPEN, f"[b][color={colour_hex}]").replace(_CLOSE, "[/color][/b]")


def typed_diff_markup(result: TypedResult, wrong_hex: str, missing_hex: str) -> tuple[str, str]:
    """Two lines, as Anki shows a typed answer: what was typed, with the wrong characters struck
    through, and the expected answer, with the missing characters underlined."""

    def line(skipped: DiffKind, highlighted: DiffKind, colour: str, tag: str) -> str:
        out = []
        for part in result.diff:
            if part.kind is skipped:
                continue
            text = escape_markup(part.text)
            out.append(f"[color={colour}][b][{tag}]{text}[/{tag}][/b][/color]" if part.kind is highlighted else text)
        return "".join(out)

    return line(DiffKind.MISSING, DiffKind.WRONG, wrong_hex, "s"), line(DiffKind.WRONG, DiffKind.MISSING, missing_hex, "u")


def typed_answer_lines(result: TypedResult, wrong_hex: str, missing_hex: str) -> tuple[str, str]:
    """"You typed: …" and "Answer: …" (markup) under a checked typed answer. The letter-by-letter
    difference only for a slip (`result.close`): against another word it marks every letter and
    means nothing, so the typed text is shown as it was and every accepted answer listed."""
    if result.correct or result.close:
        typed, answer = typed_diff_markup(result, wrong_hex, missing_hex)
        return f"You typed: {typed or '(nothing)'}", f"Answer: {answer}"
    typed = escape_markup(result_typed_text(result))
    accepted = result.accepted or (result.expected,)
    label = "Accepted answers" if len(accepted) > 1 else "Answer"
    return f"You typed: {typed or '(nothing)'}", f"{label}: [b]{escape_markup(', '.join(accepted))}[/b]"


def result_typed_text(result: TypedResult) -> str:
    """The typed text as it was (the diff's parts other than the missing ones)."""
    return "".join(part.text for part in result.diff if part.kind is not DiffKind.MISSING)


def first_words(text: str, limit: int = 40) -> str:
    """The start of a card's text for a one-line mention: whole words up to `limit` characters,
    then "…"; one line, even from a text of several."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1].rsplit(" ", 1)[0] if " " in flat[:limit + 1] else flat[:limit]
    return cut.rstrip(" ,.;:") + ELLIPSIS


def describe_due(instant: datetime, now: datetime, tz: tzinfo) -> str:
    """"in 3h (15:20)" or "in 2d (Wed 05 Mar, 04:00)": how long, and the local clock time."""
    local = instant.astimezone(tz)
    same_day = local.date() == now.astimezone(tz).date()
    clock = local.strftime("%H:%M") if same_day else local.strftime("%a %d %b, %H:%M")
    return f"in {describe_interval(max(0.0, (instant - now).total_seconds()))} ({clock})"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def source_lines(sources: Iterable[Source]) -> str:
    return "\n".join(f"{source.title} — {source.publisher}" for source in sources)


def numbered(lines: Iterable[str]) -> str:
    return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, 1))


def counts_parts(counts: DueCounts, colour_hex: Callable[[str], str], current_queue: str | None = None) -> list[str]:
    """"12 new", "3 learning", "40 review", each in its queue's colour; the current card's queue
    underlined, as Anki marks it. A number and its word are joined by a no-break space, so a
    narrow screen never wraps between them."""
    parts = []
    for queue, count in (("new", counts.new), ("learning", counts.learning), ("review", counts.review)):
        text = f"{count}{NBSP}{queue}"
        if queue == current_queue:
            text = f"[u]{text}[/u]"
        parts.append(f"[color={colour_hex(queue)}][b]{text}[/b][/color]")
    return parts


def counts_markup(counts: DueCounts, colour_hex: Callable[[str], str], current_queue: str | None = None) -> str:
    """The counts on one line: "12 new · 3 learning · 40 review"."""
    return SEPARATOR.join(counts_parts(counts, colour_hex, current_queue))


def short_date(instant: datetime, now: datetime, tz: tzinfo) -> str:
    """"14 Mar", with the year only when it is not this year's: "14 Mar 2027"."""
    local = instant.astimezone(tz)
    return local.strftime("%d %b" if local.year == now.astimezone(tz).year else "%d %b %Y")
