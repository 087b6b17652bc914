"""Exporting .apkg: stable guids and note types, readable notes for every card type, media, and
proof with real Anki (the `anki` package, test-only) that the file imports, and that exporting
again updates the notes instead of duplicating them."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from quizapp.core.deck import CardType, Deck
from quizapp.core.deckfile import parse_deck
from quizapp.core.errors import FormatError
from quizapp.sharing.anki_export import (
    BASIC_MODEL_ID,
    CLOZE_MODEL_ID,
    REVERSE_MODEL_ID,
    export_apkg,
    note_guid,
)
from quizapp.sharing.anki_import import import_apkg

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
FIRST = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
LATER = datetime(2025, 3, 2, 12, 0, tzinfo=timezone.utc)

DECK_YAML = """
format: 1
deck: {id: overdose-basics, version: 1, title: "Harm reduction::Overdose", description: "Signs & response"}
cards:
  - {id: od-call, type: basic, front: "Someone is unresponsive. First step?", back: "Call emergency services.",
     explain: "Help must be on the way <now>.", tags: [response, "topic::overdose"], image: img/recovery.png}
  - {id: nal-term, type: reverse, front: naloxone, back: naloxona, explain: "Spanish name."}
  - {id: nal-cloze, type: cloze, text: "{{c1::Naloxone::drug}} can reverse an {{c2::opioid}} overdose.", back: "For a short time.",
     explain: "It can wear off."}
  - {id: od-choice, type: choice, question: "Which reverses an opioid overdose?", answers: [Naloxone], distractors: [Caffeine, Alcohol]}
  - {id: od-myth, type: truefalse, statement: "A cold shower reverses an overdose.", truth: false, explain: "It does not."}
  - {id: od-typein, type: typein, question: "Name the antidote.", answers: [naloxone, Narcan]}
  - {id: od-steps, type: order, question: "Put the steps in order.", steps: [Check, Call, Give naloxone]}
  - {id: od-match, type: match, question: "Match the class.", categories: {Stimulant: [Cocaine], Depressant: [Alcohol]}}
"""


def make_deck(tmp_path: Path, yaml_text: str = DECK_YAML) -> Deck:
    (tmp_path / "img").mkdir(exist_ok=True)
    (tmp_path / "img" / "recovery.png").write_bytes(PNG)
    return parse_deck(yaml_text, base_dir=tmp_path)


def notes_in(path: Path) -> dict[str, tuple[int, list[str], str]]:
    """guid -> (note type id, fields, tags) read straight from the package's SQLite."""
    with zipfile.ZipFile(path) as archive:
        db_path = path.with_suffix(".sqlite")
        db_path.write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(db_path)
    try:
        return {guid: (mid, flds.split("\x1f"), tags.strip()) for guid, mid, flds, tags in db.execute("SELECT guid, mid, flds, tags FROM notes")}
    finally:
        db.close()


def test_notes_use_anki_stock_note_types_and_stable_guids(tmp_path: Path) -> None:
    deck = make_deck(tmp_path)
    export_apkg([deck], tmp_path / "a.apkg", tmp_path, exported_at=FIRST)
    notes = notes_in(tmp_path / "a.apkg")
    assert set(notes) == {note_guid(deck.id, card.id) for card in deck.cards}
    model_of = {card.id: notes[note_guid(deck.id, card.id)][0] for card in deck.cards}
    assert model_of["od-call"] == BASIC_MODEL_ID and model_of["nal-term"] == REVERSE_MODEL_ID
    assert model_of["nal-cloze"] == CLOZE_MODEL_ID
    assert all(model_of[c] == BASIC_MODEL_ID for c in ("od-choice", "od-myth", "od-typein", "od-steps", "od-match"))

    fields = {card.id: notes[note_guid(deck.id, card.id)][1] for card in deck.cards}
    assert fields["od-call"] == [
        'Someone is unresponsive. First step?<br><img src="recovery.png">',
        "Call emergency services.<br><br>Help must be on the way &lt;now&gt;.",
    ]
    assert fields["nal-term"] == ["naloxone", "naloxona", "Spanish name."]
    assert fields["nal-cloze"] == [
        "{{c1::Naloxone::drug}} can reverse an {{c2::opioid}} overdose.",
        "For a short time.<br><br>It can wear off.",
    ]
    front, back = fields["od-choice"]
    assert all(option in front for option in ("Naloxone", "Caffeine", "Alcohol")) and "Naloxone" in back
    assert fields["od-myth"] == ["A cold shower reverses an overdose.<br><br>True or false?", "False<br><br>It does not."]
    assert fields["od-typein"] == ["Name the antidote.", "naloxone<br>(also accepted: Narcan)"]
    assert fields["od-steps"][1] == "1. Check<br>2. Call<br>3. Give naloxone"
    assert fields["od-match"][1] == "Cocaine → Stimulant<br>Alcohol → Depressant"
    assert notes[note_guid(deck.id, "od-call")][2] == "response topic::overdose"

    # Rewording keeps every guid; the same content gives the same fields every time.
    reworded = make_deck(tmp_path, DECK_YAML.replace("First step?", "What comes first?"))
    export_apkg([reworded], tmp_path / "b.apkg", tmp_path, exported_at=LATER)
    again = notes_in(tmp_path / "b.apkg")
    assert set(again) == set(notes)
    assert {g: n for g, n in again.items() if g != note_guid(deck.id, "od-call")} == {
        g: n for g, n in notes.items() if g != note_guid(deck.id, "od-call")
    }


def test_media_is_packed_and_our_importer_reads_the_export_back(tmp_path: Path) -> None:
    deck = make_deck(tmp_path)
    export_apkg([deck], tmp_path / "out" / "deck.apkg", tmp_path)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["deck.apkg"]  # no stray temp files
    with zipfile.ZipFile(tmp_path / "out" / "deck.apkg") as archive:
        assert archive.read("media") == b'{"0": "recovery.png"}' and archive.read("0") == PNG
    result = import_apkg(tmp_path / "out" / "deck.apkg")
    (back,) = result.decks
    assert back.info.title == "Harm reduction::Overdose" and back.info.description == "Signs & response"
    kinds = [card.type for card in back.cards]
    assert kinds.count(CardType.REVERSE) == 1 and kinds.count(CardType.CLOZE) == 1 and kinds.count(CardType.BASIC) == 6
    reverse = next(card for card in back.cards if card.type is CardType.REVERSE)
    assert reverse.explain == "Spanish name."  # the Explain field comes back as the explanation
    assert list(result.media.values()) == [PNG] and result.warnings == []


def test_without_media_dir_images_are_left_out_and_missing_images_are_errors(tmp_path: Path) -> None:
    deck = make_deck(tmp_path)
    export_apkg([deck], tmp_path / "a.apkg")
    with zipfile.ZipFile(tmp_path / "a.apkg") as archive:
        assert archive.read("media") == b"{}"
    assert "<img" not in str(notes_in(tmp_path / "a.apkg"))
    (tmp_path / "img" / "recovery.png").unlink()
    with pytest.raises(FormatError, match="card 'od-call' in deck 'overdose-basics': image 'img/recovery.png' was not found"):
        export_apkg([deck], tmp_path / "b.apkg", tmp_path)
    assert not (tmp_path / "b.apkg").exists()


def test_write_failures_are_format_errors(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(FormatError, match="cannot write"):
        export_apkg([make_deck(tmp_path)], tmp_path / "taken" / "deck.apkg")


# -- the real thing ---------------------------------------------------------------------------


def test_real_anki_imports_the_export_and_updates_it_on_reimport(tmp_path: Path) -> None:
    anki_collection = pytest.importorskip("anki.collection")
    deck = make_deck(tmp_path)
    export_apkg([deck], tmp_path / "first.apkg", tmp_path, exported_at=FIRST)

    (tmp_path / "anki").mkdir()
    col = anki_collection.Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:

        def import_package(path: Path) -> None:
            request = anki_collection.ImportAnkiPackageRequest(
                package_path=str(path), options=anki_collection.ImportAnkiPackageOptions()
            )  # Anki's defaults: update notes and note types if the file's copy is newer
            col.import_anki_package(request)

        def note(card_id: str) -> object:
            nid = col.db.scalar("SELECT id FROM notes WHERE guid = ?", note_guid(deck.id, card_id))
            return col.get_note(nid)

        import_package(tmp_path / "first.apkg")
        assert col.note_count() == 8
        assert col.card_count() == 10  # reverse gives 2, the cloze one per deletion (2), others 1
        assert "Harm reduction::Overdose" in [d.name for d in col.decks.all_names_and_ids()]
        cards_per_note = {card.id: len(col.card_ids_of_note(note(card.id).id)) for card in deck.cards}  # type: ignore[attr-defined]
        assert cards_per_note == {
            "od-call": 1, "nal-term": 2, "nal-cloze": 2, "od-choice": 1, "od-myth": 1, "od-typein": 1, "od-steps": 1, "od-match": 1,
        }
        call = note("od-call")
        assert call.note_type()["name"].startswith("Basic")  # type: ignore[attr-defined]
        assert call["Front"] == 'Someone is unresponsive. First step?<br><img src="recovery.png">'  # type: ignore[index]
        assert call["Back"] == "Call emergency services.<br><br>Help must be on the way &lt;now&gt;."  # type: ignore[index]
        assert sorted(call.tags) == ["response", "topic::overdose"]  # type: ignore[attr-defined]
        reverse = note("nal-term")
        assert reverse.note_type()["name"].startswith("Basic (and reversed card)")  # type: ignore[attr-defined]
        assert [reverse["Front"], reverse["Back"], reverse["Explain"]] == ["naloxone", "naloxona", "Spanish name."]  # type: ignore[index]
        cloze_note = note("nal-cloze")
        assert cloze_note.note_type()["type"] == 1  # type: ignore[attr-defined]  # Anki's cloze kind
        assert cloze_note["Back Extra"] == "For a short time.<br><br>It can wear off."  # type: ignore[index]
        decks_of_cards = {col.decks.name(col.get_card(cid).did) for cid in col.find_cards("")}
        assert decks_of_cards == {"Harm reduction::Overdose"}
        assert (Path(col.media.dir()) / "recovery.png").read_bytes() == PNG

        # A corrected deck, exported later: one card reworded, one added.
        corrected = make_deck(
            tmp_path,
            DECK_YAML.replace("First step?", "What comes first?")
            + '  - {id: od-new, type: basic, front: "Stay with the person?", back: "Yes."}\n',
        )
        export_apkg([corrected], tmp_path / "second.apkg", tmp_path, exported_at=LATER)
        import_package(tmp_path / "second.apkg")
        assert col.note_count() == 9 and col.card_count() == 11
        assert note("od-call")["Front"].startswith("Someone is unresponsive. What comes first?")  # type: ignore[index]
        assert len(col.models.all_names_and_ids()) == len({m.name for m in col.models.all_names_and_ids()})
    finally:
        col.close()
