"""Moodle's GIFT question format: export for a Moodle question bank.

Written to Moodle's own reader (question/format/gift/format.php), not only to its documentation:

- Each deck starts with `$CATEGORY: <title>`; each studied card is one question named
  `::<card id>::` (a reverse card's second side `::<id> reverse::`, a cloze deletion
  `::<id> c<n>::`), with the card's tags as a `// [tag:...]` comment line (recent Moodle reads it).
- Texts are marked `[plain]` (ours are plain text, not HTML) and escaped as Moodle's exporter
  does: `\\ ~ = # { } :` get a backslash and a line break becomes `\\n`.
- Moodle cannot escape `->`, `%n%` or `[format]`, so: `->` inside a short answer or a matching
  item's left side is written `→` (it would turn the question into a matching one or split the
  pair); an answer starting with `%` gets an explicit weight first; a text starting with `[`
  gets an explicit `[plain]` first.
- choice: one right answer `=right ~wrong`; several `~%50%right ~%-100%wrong` (right answers share
  100%; a wrong pick cancels the grade, as the learner must pick all and only the right ones).
  truefalse: `{T#explain#explain}`. typein: short answer `{=a =b}`. match: `{=left -> right}`,
  categories as item -> category. order: matching, each step -> its position. basic and
  reverse: short answer whose accepted answer is the back (the front for the reverse side).
  cloze: short answer per deletion number, the blanked sentence asking for the hidden text.
  The card's explanation (and a cloze's extra `back`) is the general feedback `####...`.

See docs/formats.md for what Moodle's import dialog needs.
"""

from __future__ import annotations

from collections.abc import Iterable

from quizapp.core import cloze
from quizapp.core.deck import Basic, Card, Choice, Cloze, Deck, Match, Order, Reverse, TrueFalse, TypeIn
from quizapp.core.errors import FormatError

# Moodle's import only takes grades from its own list; 1/n is there for n <= 10.
MAX_WEIGHTED_ANSWERS = 10

_ESCAPES = str.maketrans({"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:", "\n": "\\n"})


def export_gift(decks: Iterable[Deck]) -> str:
    """The decks as one GIFT file: a category per deck, one question per studied card."""
    blocks = []
    for deck in decks:
        blocks.append(f"$CATEGORY: {_category(deck.info.title)}")
        for card in deck.cards:
            for sibling in card.siblings():
                blocks.append(_question(deck, card, sibling))
    return "\n\n".join(blocks) + "\n"


def escape(text: str) -> str:
    """Text with GIFT's special characters backslashed and line breaks as `\\n`, as Moodle writes it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_ESCAPES)


def _category(title: str) -> str:
    # Moodle reads the category line unescaped except for `\\`, and splits paths at single `/`:
    # a title's own slashes are doubled (with spaces at the ends, as Moodle's exporter does).
    name = " ".join(title.split()).replace("\\", "\\\\").replace("/", "//")
    if name.startswith("/"):
        name = " " + name
    if name.endswith("/"):
        name += " "
    return name


def _text(text: str) -> str:
    """A piece of question text, answer or feedback; `[` first would be read as a format name."""
    return ("[plain]" if text.startswith("[") else "") + escape(text)


def _no_arrow(text: str) -> str:
    return text.replace("->", "→")


def _question(deck: Deck, card: Card, sibling: int) -> str:
    body = card.body
    name = card.id
    if isinstance(body, Reverse) and sibling == 1:
        name += " reverse"
    elif isinstance(body, Cloze):
        name += f" c{sibling + 1}"
    feedback = card.explain
    if isinstance(body, TrueFalse):
        answer = "T" if body.truth else "F"
        right_and_wrong = f"#{_text(feedback)}#{_text(feedback)}" if feedback else ""
        return _header(card, name, body.statement) + f"{{{answer}{right_and_wrong}}}"
    if isinstance(body, Choice):
        prompt, lines = body.question, _choice_lines(deck, card, body)
    elif isinstance(body, TypeIn):
        prompt, lines = body.question, [_short_answer(a) for a in body.answers]
    elif isinstance(body, (Basic, Reverse)):
        face = card.face(sibling)
        prompt, lines = face.prompt, [_short_answer(face.answer)]
    elif isinstance(body, Cloze):
        number = sibling + 1
        prompt = cloze.render(body.text, number, reveal=False)
        lines = [_short_answer(", ".join(cloze.answers(body.text, number)))]
        feedback = "\n".join(part for part in (body.back, card.explain) if part)
    elif isinstance(body, Order):
        prompt, lines = body.question, [_pair(step, str(n)) for n, step in enumerate(body.steps, 1)]
    else:
        assert isinstance(body, Match)
        prompt, lines = body.question, [_pair(left, right) for left, right in body.as_pairs()]
    if feedback:
        lines.append("####" + _text(feedback))
    return _header(card, name, prompt) + "{\n" + "".join(f"\t{line}\n" for line in lines) + "}"


def _header(card: Card, name: str, prompt: str) -> str:
    tags = "// " + " ".join(f"[tag:{tag}]" for tag in card.tags) + "\n" if card.tags else ""
    return f"{tags}::{escape(name)}::[plain]{escape(prompt)}"


def _weighted(mark: str, weight: str, text: str) -> str:
    return f"{mark}%{weight}%{_text(text)}"


def _short_answer(answer: str) -> str:
    answer = _no_arrow(answer)
    # "=%5% off" would be read as a 5% answer " off": an explicit weight goes first.
    return _weighted("=", "100", answer) if answer.startswith("%") else "=" + _text(answer)


def _choice_lines(deck: Deck, card: Card, body: Choice) -> list[str]:
    if len(body.answers) == 1:
        wrong = [_weighted("~", "0", d) if d.startswith("%") else "~" + _text(d) for d in body.distractors]
        return ["=" + _text(body.answers[0]), *wrong]
    if len(body.answers) > MAX_WEIGHTED_ANSWERS:
        raise FormatError(
            f"card '{card.id}' in deck '{deck.id}' has {len(body.answers)} right answers; "
            f"Moodle can share a question's grade among at most {MAX_WEIGHTED_ANSWERS}"
        )
    share = f"{100 / len(body.answers):.5f}".rstrip("0").rstrip(".")
    return [_weighted("~", share, a) for a in body.answers] + [_weighted("~", "-100", d) for d in body.distractors]


def _pair(left: str, right: str) -> str:
    # Moodle splits a pair at its first "->" and reads the right side without a format name.
    return f"={_text(_no_arrow(left))} -> {escape(right)}"
