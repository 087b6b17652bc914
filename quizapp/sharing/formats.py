"""Importing and exporting decks by file type: the entry point of `quizapp import` / `quizapp
export` and of the app's file chooser.

Every import ends the same way: a checked deck written as a YAML deck folder under the imported
decks folder and applied to the collection by card id (see install.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from quizapp.core.collection import Collection
from quizapp.core.deck import Deck
from quizapp.core.deckfile import MAX_FILE_BYTES
from quizapp.core.errors import DeckFileError, FormatError, QuizappError
from quizapp.core.origin import file_origin
from quizapp.sharing.anki_export import export_apkg
from quizapp.sharing.anki_import import import_apkg
from quizapp.sharing.atomic import write_atomically
from quizapp.sharing.bundle import BUNDLE_SUFFIX, export_bundle, import_bundle
from quizapp.sharing.csv_import import import_csv
from quizapp.sharing.gift import export_gift
from quizapp.sharing.install import ImportResult, install_converted
from quizapp.sharing.quizlet import export_quizlet, import_quizlet

EXPORT_SUFFIXES = (BUNDLE_SUFFIX, ".apkg", ".txt", ".gift")


@dataclass(frozen=True)
class ImportOptions:
    with_scheduling: bool = False  # .apkg: turn each card's Anki review history into FSRS state
    deck_id: str | None = None  # .txt/.tsv/.csv: the new deck's id (default: from the file name)
    title: str | None = None  # .txt/.tsv/.csv: its title (default: the file name)
    term_sep: str = "\t"  # .txt/.tsv (Quizlet): between term and definition
    card_sep: str = "\n"  # .txt/.tsv (Quizlet): between cards
    confirmed: bool = False  # the learner said yes to what a first import asked (see install.Confirmation)
    as_new: bool = False  # install beside a deck of another origin under a new id, leaving it as it was


@dataclass
class FileImport:
    """What importing one file did: a result per deck, and what the file held that was left out."""

    results: list[ImportResult]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"results": [r.to_dict() for r in self.results], "warnings": list(self.warnings)}


def import_file(collection: Collection, path: Path, options: ImportOptions = ImportOptions()) -> FileImport:
    """Import a .quizdeck bundle, an Anki .apkg, Quizlet text (.txt/.tsv) or a .csv deck.

    A deck that would replace one of another origin is refused (OriginRefusedError) unless
    `options.as_new`; one that needs the learner's yes comes back with a confirmation, and
    importing again with `options.confirmed` applies it (see install.py)."""
    path = Path(path)
    importer = _IMPORTERS.get(path.suffix.lower())
    if importer is None:
        raise QuizappError(f"cannot import '{path.name}': quizapp imports {', '.join(IMPORT_SUFFIXES)} files")
    return importer(collection, path, options)


def _import_quizdeck(collection: Collection, path: Path, options: ImportOptions) -> FileImport:
    return FileImport([import_bundle(collection, path, confirmed=options.confirmed, as_new=options.as_new)])


def _import_quizlet(collection: Collection, path: Path, options: ImportOptions) -> FileImport:
    deck_id, title = _new_deck_names(path, options)
    data = _read_limited(path, MAX_FILE_BYTES)
    deck = import_quizlet(data, deck_id=deck_id, title=title, term_sep=options.term_sep, card_sep=options.card_sep, path=str(path))
    return FileImport([_install_converted(collection, path, deck, {}, options, derived_id=options.deck_id is None)])


def _import_csv(collection: Collection, path: Path, options: ImportOptions) -> FileImport:
    deck_id, title = _new_deck_names(path, options)
    deck = import_csv(_read_limited(path, MAX_FILE_BYTES), deck_id=deck_id, title=title, path=str(path))
    return FileImport([_install_converted(collection, path, deck, {}, options, derived_id=options.deck_id is None)])


def _new_deck_names(path: Path, options: ImportOptions) -> tuple[str, str]:
    """The id and title of a deck made from a file that names neither: the learner's, else the file's."""
    return options.deck_id or deck_id_from_name(path.stem), options.title or path.stem


def _install_converted(
    collection: Collection, path: Path, deck: Deck, media: dict[str, bytes], options: ImportOptions, *, derived_id: bool = True
) -> ImportResult:
    """Install a deck converted from the file at `path` (an unsigned file's origin); a deck file
    rule it breaks (too many cards, too large) is told about the file the learner chose, not the
    deck file it would have become."""
    try:
        return install_converted(
            collection, deck, media, file_origin(path.name), derived_id=derived_id, confirmed=options.confirmed, as_new=options.as_new
        )
    except DeckFileError as error:
        raise FormatError(f"'{path.name}': the deck '{deck.info.title}' made from it cannot be kept: {error.problems[0].message}") from None


def _import_apkg(collection: Collection, path: Path, options: ImportOptions) -> FileImport:
    package = import_apkg(path, with_scheduling=options.with_scheduling)
    results = []
    for deck in package.decks:
        result = _install_converted(collection, path, deck, {name: package.media[name] for name in deck.media()}, options)
        if result.confirmation is not None:  # history waits with the deck for the learner's yes
            results.append(result)
            continue
        histories = {
            (card_id, sibling): [(review.rating, review.at) for review in schedule.revlog]
            for (deck_id, card_id, sibling), schedule in package.scheduling.items()
            if deck_id == deck.id
        }
        if histories:
            taken = collection.import_history(result.deck_id, histories)  # the id the deck got here
            result = replace(result, notes=(*result.notes, f"{len(taken)} cards took their Anki review history"))
        results.append(result)
    return FileImport(results, list(package.warnings))


# Which importer reads each file type, by suffix (lower case): the one list of what can be imported.
_IMPORTERS: dict[str, Callable[[Collection, Path, ImportOptions], FileImport]] = {
    BUNDLE_SUFFIX: _import_quizdeck,
    ".apkg": _import_apkg,
    ".txt": _import_quizlet,
    ".tsv": _import_quizlet,
    ".csv": _import_csv,
}
IMPORT_SUFFIXES = tuple(_IMPORTERS)


def _read_limited(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise QuizappError(f"'{path.name}' is {size / 2**20:.1f} MB; at most {limit // 2**20} MB can be imported")
        return path.read_bytes()
    except OSError as error:
        raise QuizappError(f"cannot read '{path}': {error.strerror or error}") from None


def deck_id_from_name(name: str) -> str:
    """A deck id from a file name: `Opioid Basics (v2)` -> `opioid-basics-v2`."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return slug if len(slug) >= 2 else f"deck-{slug}".strip("-")


def export_deck(
    collection: Collection,
    deck_id: str,
    target: Path,
    *,
    term_sep: str = "\t",
    card_sep: str = "\n",
    exported_at: datetime | None = None,
) -> Path:
    """Write a deck as a .quizdeck bundle, an Anki .apkg, Quizlet text (.txt) or Moodle GIFT (.gift)."""
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise QuizappError(f"cannot export to '{target.name}': quizapp writes {', '.join(EXPORT_SUFFIXES)} files")
    if suffix == BUNDLE_SUFFIX:
        export_bundle(collection, deck_id, target, created=exported_at)
        return target
    deck = collection.deck(deck_id)
    if suffix == ".apkg":
        source = collection.deck_source_path(deck_id)  # card images are relative to the deck file
        export_apkg([deck], target, source.parent if source else None, exported_at=exported_at)
    elif suffix == ".txt":
        write_atomically(target, export_quizlet(deck, term_sep=term_sep, card_sep=card_sep).encode("utf-8"))
    else:
        write_atomically(target, export_gift([deck]).encode("utf-8"))
    return target
