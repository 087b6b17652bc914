"""Exporting decks as an Anki package (.apkg) that Anki imports, and re-imports as an update.

- Each card becomes one note whose guid is derived from (deck id, card id): exporting the deck
  again, after edits, updates the notes in Anki instead of adding copies.
- basic -> "Basic" (Front, Back; the explanation follows the answer in Back);
  reverse -> "Basic (and reversed card)" plus an Explain field, shown after either answer (Back
  is the reverse card's question, so the explanation cannot go there);
  cloze -> "Cloze" (Text, Back Extra = the card's back, then its explanation);
  choice, truefalse, typein, order, match -> readable "Basic" notes: the question and options
  on the front, the answer and explanation on the back.
- Note types have fixed ids and carry Anki's "original stock kind", so Anki (and our importer)
  know them for what they are; Anki adds '+' to their names when the collection has its own.
- Card tags become note tags; card images are packed as media.

The package is the legacy format (collection.anki2, written by genanki), which every Anki
version imports. The file appears only once complete.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import genanki

from quizapp.core.deck import Basic, Card, Choice, Cloze, Deck, Match, Order, Reverse, TrueFalse, TypeIn
from quizapp.core.errors import FormatError
from quizapp.sharing.anki_collection import STOCK_BASIC, STOCK_BASIC_AND_REVERSED, STOCK_CLOZE
from quizapp.sharing.anki_html import text_to_html

# Fixed forever: Anki recognises an updated note type by its id.
BASIC_MODEL_ID = 1_790_312_001
REVERSE_MODEL_ID = 1_790_312_002
CLOZE_MODEL_ID = 1_790_312_003

_ANSWER = "{{FrontSide}}\n\n<hr id=answer>\n\n"
_EXPLAIN = "{{#Explain}}<br><br>{{Explain}}{{/Explain}}"
_CSS = ".card { font-family: arial; font-size: 20px; line-height: 1.5; text-align: center; color: black; background-color: white; }\n"
_CLOZE_CSS = _CSS + ".cloze { font-weight: bold; color: blue; }\n.nightMode .cloze { color: lightblue; }\n"


class _StockModel(genanki.Model):  # type: ignore[misc]
    """A note type that tells Anki which of its stock types it is (genanki cannot say so)."""

    def __init__(self, stock_kind: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stock_kind = stock_kind

    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        data: dict[str, Any] = super().to_json(timestamp, deck_id)
        data["originalStockKind"] = self.stock_kind
        return data


BASIC_MODEL = _StockModel(
    STOCK_BASIC,
    model_id=BASIC_MODEL_ID,
    name="Basic",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": _ANSWER + "{{Back}}"}],
    css=_CSS,
)
REVERSE_MODEL = _StockModel(
    STOCK_BASIC_AND_REVERSED,
    model_id=REVERSE_MODEL_ID,
    name="Basic (and reversed card)",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Explain"}],
    templates=[
        {"name": "Card 1", "qfmt": "{{Front}}", "afmt": _ANSWER + "{{Back}}" + _EXPLAIN},
        {"name": "Card 2", "qfmt": "{{Back}}", "afmt": _ANSWER + "{{Front}}" + _EXPLAIN},
    ],
    css=_CSS,
)
CLOZE_MODEL = _StockModel(
    STOCK_CLOZE,
    model_id=CLOZE_MODEL_ID,
    name="Cloze",
    fields=[{"name": "Text"}, {"name": "Back Extra"}],
    templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>\n{{Back Extra}}"}],
    css=_CLOZE_CSS,
    model_type=genanki.Model.CLOZE,
)


def note_guid(deck_id: str, card_id: str) -> str:
    """The Anki guid of a card's note: the same for every export of that card."""
    return str(genanki.guid_for(deck_id, card_id))


def anki_deck_id(deck_id: str) -> int:
    """A stable Anki deck id for one of our decks (Anki matches decks by name; this keeps files reproducible)."""
    return (1 << 30) + int.from_bytes(hashlib.sha256(deck_id.encode("utf-8")).digest()[:4], "big") % (1 << 30)


def export_apkg(
    decks: Sequence[Deck],
    path: str | Path,
    media_dir: Path | None = None,
    *,
    exported_at: datetime | None = None,
) -> None:
    """Write `decks` as one .apkg. Card images are read from `media_dir` (the folder the image
    paths are relative to); without it, images are left out. `exported_at` becomes the notes'
    modification time: Anki's default import updates a note only if the file's copy is newer."""
    target = Path(path)
    media = _Media(media_dir)
    package_decks = []
    for deck in decks:
        anki_deck = genanki.Deck(anki_deck_id(deck.id), deck.info.title, text_to_html(deck.info.description))
        for card in deck.cards:
            anki_deck.add_note(_note(deck, card, media))
        package_decks.append(anki_deck)
    timestamp = (exported_at or datetime.now(timezone.utc)).timestamp()
    try:
        _write(genanki.Package(package_decks), media.files, target, timestamp)
    except (OSError, sqlite3.Error) as error:
        raise FormatError(f"cannot write '{target}': {error}") from None


def _note(deck: Deck, card: Card, media: _Media) -> genanki.Note:
    image = media.tag(card, deck)
    body = card.body
    explain = text_to_html(card.explain)
    model: genanki.Model
    if isinstance(body, Cloze):
        model, fields = CLOZE_MODEL, [text_to_html(body.text) + image, _join(text_to_html(body.back), explain)]
    elif isinstance(body, Reverse):
        model, fields = REVERSE_MODEL, [text_to_html(body.front) + image, text_to_html(body.back), explain]
    else:
        front, back = _readable(card)
        model, fields = BASIC_MODEL, [front + image, _join(back, explain)]
    return genanki.Note(model=model, fields=fields, tags=list(card.tags), guid=note_guid(deck.id, card.id))


def _readable(card: Card) -> tuple[str, str]:
    """Front and back HTML of a card shown as a Basic note."""
    body = card.body
    answer = text_to_html(card.face().answer)
    if isinstance(body, Basic):
        return text_to_html(body.front), text_to_html(body.back)
    if isinstance(body, Choice):
        options = _stable_shuffle(card.id, body.answers + body.distractors)
        letters = {option: chr(ord("A") + i) for i, option in enumerate(options)}
        listed = "<br>".join(f"{letters[o]}. {text_to_html(o)}" for o in options)
        right = "<br>".join(f"{letters[a]}. {text_to_html(a)}" for a in body.answers)
        return f"{text_to_html(body.question)}<br><br>{listed}", right
    if isinstance(body, TrueFalse):
        return f"{text_to_html(body.statement)}<br><br>True or false?", answer
    if isinstance(body, TypeIn):
        others = body.answers[1:]
        also = f"<br>(also accepted: {text_to_html(', '.join(others))})" if others else ""
        return text_to_html(body.question), answer + also
    if isinstance(body, Order):
        steps = "<br>".join(f"- {text_to_html(s)}" for s in _stable_shuffle(card.id, body.steps))
        return f"{text_to_html(body.question)}<br><br>Put in order:<br>{steps}", answer
    assert isinstance(body, Match)
    pairs = body.as_pairs()
    lefts = "<br>".join(f"- {text_to_html(left)}" for left, _ in pairs)
    rights = ", ".join(text_to_html(r) for r in _stable_shuffle(card.id, tuple(dict.fromkeys(r for _, r in pairs))))
    return f"{text_to_html(body.question)}<br><br>{lefts}<br><br>Match with: {rights}", answer


def _stable_shuffle(seed: str, items: tuple[str, ...]) -> list[str]:
    """An order fixed by the card id: the right answer is not always first, and exporting
    again gives identical notes."""
    return sorted(items, key=lambda item: hashlib.sha256(f"{seed}\x00{item}".encode()).digest())


def _join(*parts: str) -> str:
    return "<br><br>".join(p for p in parts if p)


class _Media:
    """The card images to pack, each under one plain, unique name."""

    def __init__(self, media_dir: Path | None) -> None:
        self.media_dir = media_dir
        self.files: dict[str, Path] = {}  # name in the package -> file on disk
        self._names: dict[Path, str] = {}

    def tag(self, card: Card, deck: Deck) -> str:
        if not card.image or self.media_dir is None:
            return ""
        source = self.media_dir / card.image
        if not source.is_file():
            raise FormatError(f"card '{card.id}' in deck '{deck.id}': image '{card.image}' was not found in '{self.media_dir}'")
        name = self._names.get(source)
        if name is None:
            name = source.name
            if name in self.files:  # another folder holds an image of the same name
                digest = hashlib.sha1(source.read_bytes()).hexdigest()[:8]
                name = f"{source.stem}-{digest}{source.suffix}"
            self._names[source] = name
            self.files[name] = source
        return f'<br><img src="{html.escape(name)}">'


def _write(package: genanki.Package, media: dict[str, Path], target: Path, timestamp: float) -> None:
    """genanki's writer, but with our media names, no stray temp files, and an atomic rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="quizapp-apkg-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        db = sqlite3.connect(db_path)
        try:
            package.write_to_db(db.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
            db.commit()
        finally:
            db.close()
        fd, staged = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        os.close(fd)
        try:
            with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.write(db_path, "collection.anki2")
                names = list(media)
                archive.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}))
                for i, name in enumerate(names):
                    archive.write(media[name], str(i))
            os.replace(staged, target)
        except BaseException:
            Path(staged).unlink(missing_ok=True)
            raise
