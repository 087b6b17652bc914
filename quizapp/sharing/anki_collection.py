"""Reading an Anki collection (SQLite) taken out of a package, in either schema.

- Schema 11 (`collection.anki2`, `collection.anki21`): note types and decks are JSON in `col`.
- Schema 18 (`collection.anki21b`): tables `notetypes`, `fields`, `templates`, `decks`,
  `config`, with settings as protobuf blobs and deck names split by U+001F.

The file comes from somebody else, so it is opened read-only and immutable, with untrusted
schema features off (no functions run from views or triggers), and every value is type-checked:
anything odd becomes a FormatError, never a library exception. Before anything is read, the
schema is checked (only the tables Anki writes, as plain tables: no generated or hidden columns,
whose expressions SQLite would evaluate on every read), then the row counts and the bytes of text
the tables hold; a progress handler ends any query that still runs too long.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizapp.core.errors import FormatError
from quizapp.sharing import protowire

SQLITE_HEADER = b"SQLite format 3\x00"
# Fields are HTML that is parsed note by note: 2 MB of tags took 5 s to convert, and a package of
# a few hundred KB can hold hundreds of MB of them. No deck we could write (8 MB of YAML at most)
# needs more note text than this, so a package holding more is refused before anything is parsed.
MAX_NOTES_CHARS = 16 * 2**20
# Everything read is held in memory at once; these keep a package's collection to what a phone can
# hold (3 million empty notes, a 28 MB package, took 933 MB). The largest shared Anki decks have
# tens of thousands of notes; a heavy user's whole history is some hundreds of thousands of reviews.
MAX_ROWS = {"notes": 100_000, "cards": 200_000, "revlog": 500_000}
MAX_TEXT_BYTES = 64 * 2**20  # text and blobs across every column of every table
# A backstop for whatever the checks above miss: reading the largest collection they allow takes
# a few seconds.
MAX_READ_SECONDS = 30.0
_PROGRESS_STEPS = 100_000  # SQLite instructions between two looks at the clock
# The tables of every Anki schema (11 to 18), the one Android's SQLite adds to every database
# (older AnkiDroid exported its collection as it was), and SQLite's own.
ANKI_TABLES = frozenset({
    "col", "notes", "cards", "revlog", "graves",
    "deck_config", "config", "fields", "templates", "notetypes", "decks", "tags",
    "android_metadata", "sqlite_stat1", "sqlite_stat4", "sqlite_sequence",
})  # fmt: skip
DEFAULT_ROLLOVER_HOUR = 4

# Anki's original stock kinds (notetypes.proto OriginalStockKind), also "originalStockKind" in JSON.
STOCK_BASIC = 1
STOCK_BASIC_AND_REVERSED = 2
STOCK_BASIC_OPTIONAL_REVERSED = 3
STOCK_BASIC_TYPING = 4
STOCK_CLOZE = 5

# Anki revlog kinds.
REVIEW_KINDS = {0: "learning", 1: "review", 2: "relearning", 3: "filtered", 4: "manual", 5: "rescheduled"}


@dataclass(frozen=True)
class Notetype:
    id: int
    name: str
    is_cloze: bool
    stock_kind: int  # 0 when unknown (custom, or written by a tool that does not set it)
    fields: tuple[str, ...]
    templates: tuple[str, ...]


@dataclass(frozen=True)
class AnkiDeck:
    id: int
    name: str  # full name, levels joined by '::'
    description: str = ""


@dataclass(frozen=True)
class Note:
    id: int
    guid: str
    notetype_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class CardRow:
    """A card row, with the home deck and due of cards sitting in a filtered deck."""

    id: int
    note_id: int
    deck_id: int
    ord: int
    type: int
    queue: int
    due: int
    interval: int
    factor: int
    reps: int
    lapses: int
    left: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Review:
    id: int  # milliseconds since the epoch: when the answer was given
    card_id: int
    ease: int  # 1-4, 0 for manual entries
    interval: int  # days if positive, seconds if negative
    factor: int
    kind: int


@dataclass(frozen=True)
class AnkiCollection:
    crt: int  # epoch seconds: the start (rollover) of the collection's first day
    rollover_hour: int
    creation_offset_minutes: int  # minutes west of UTC where the collection was made
    notetypes: dict[int, Notetype]
    decks: dict[int, AnkiDeck]
    notes: list[Note]
    cards: list[CardRow]
    reviews: list[Review]


def read_collection(path: Path, what: str, *, with_reviews: bool) -> AnkiCollection:
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise FormatError(f"{what} is not an SQLite database")
    with _connect(path, what) as db:
        tables = _checked_tables(db, what)
        missing = {"col", "notes", "cards", "revlog"} - tables
        if missing:
            raise FormatError(f"{what} is not an Anki collection (no table {', '.join(sorted(missing))})")
        _check_sizes(db, tables, what)
        try:
            return _read(db, tables, with_reviews)
        except FormatError as error:  # a damaged protobuf setting names its note type or deck
            raise FormatError(f"{what}: {error}") from None
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as error:
            raise FormatError(f"{what} holds data Anki would not write ({type(error).__name__}: {error})") from None


@contextmanager
def _connect(path: Path, what: str) -> Iterator[sqlite3.Connection]:
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as error:
        raise FormatError(f"{what} cannot be opened: {error}") from None
    deadline = time.monotonic() + MAX_READ_SECONDS
    try:
        db.execute("PRAGMA trusted_schema = OFF")
        db.execute("PRAGMA query_only = ON")
        # A non-zero return ends the running query with "interrupted".
        db.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
        # Anki's own collation; comparisons on names need it registered to run at all.
        db.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
        yield db
    except sqlite3.Error as error:
        if time.monotonic() > deadline:
            raise FormatError(f"{what} took over {MAX_READ_SECONDS:.0f} s to read; Anki would not write such a collection") from None
        raise FormatError(f"{what} is damaged: {error}") from None
    finally:
        db.close()


def _checked_tables(db: sqlite3.Connection, what: str) -> set[str]:
    """The collection's tables, after refusing anything Anki never writes: other tables, virtual
    tables, views, triggers, and generated or hidden columns (an expression SQLite evaluates on
    every read: one in `notes` took 89 s and 4.6 GB before it was refused)."""
    tables = set()
    for kind, name, sql in db.execute("SELECT type, name, sql FROM sqlite_master"):
        if kind == "index":
            continue
        if kind != "table" or name not in ANKI_TABLES:
            raise FormatError(f"{what} holds a {kind} '{name:.60}', which Anki does not write; quizapp reads only Anki's own tables")
        if not isinstance(sql, str) or not sql.lstrip().upper().startswith("CREATE TABLE"):
            raise FormatError(f"{what}: table '{name}' is not a plain table")
        for column in db.execute("SELECT name, hidden FROM pragma_table_xinfo(?)", (name,)):
            if column[1] != 0:
                raise FormatError(f"{what}: column '{column[0]:.60}' of table '{name}' is generated or hidden, which Anki never writes")
        tables.add(name)
    return tables


def _check_sizes(db: sqlite3.Connection, tables: set[str], what: str) -> None:
    """Refuse a collection with more rows or text than quizapp reads, before reading any of it."""
    for table, limit in MAX_ROWS.items():  # table names are ours, and those of the checked schema below
        (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
        if count > limit:
            raise FormatError(f"{what} holds {count:,} {_ROW_NAMES[table]}; quizapp imports at most {limit:,} from one package")
    (notes_chars,) = db.execute("SELECT total(length(flds)) FROM notes").fetchone()
    if notes_chars > MAX_NOTES_CHARS:
        raise FormatError(f"{what} holds {notes_chars / 2**20:.0f} MB of note text; quizapp imports at most {MAX_NOTES_CHARS // 2**20} MB from one package")
    total = 0.0
    for table in sorted(tables):
        columns = [row[0] for row in db.execute("SELECT name FROM pragma_table_xinfo(?)", (table,))]
        if not columns:
            continue
        # Bytes, not characters; numbers count as nothing.
        sizes = ", ".join(f'total(CASE WHEN typeof("{c}") IN (\'text\', \'blob\') THEN length(CAST("{c}" AS BLOB)) END)' for c in (c.replace('"', '""') for c in columns))
        total += sum(db.execute(f'SELECT {sizes} FROM "{table}"').fetchone())
        if total > MAX_TEXT_BYTES:
            raise FormatError(f"{what} holds over {MAX_TEXT_BYTES // 2**20} MB of text; quizapp imports at most that from one package")


_ROW_NAMES = {"notes": "notes", "cards": "cards", "revlog": "review log entries"}


def _read(db: sqlite3.Connection, tables: set[str], with_reviews: bool) -> AnkiCollection:
    crt, conf_json, models_json, decks_json = db.execute("SELECT crt, conf, models, decks FROM col").fetchone()
    modern = "notetypes" in tables
    config = _modern_config(db) if "config" in tables else _json_object(conf_json)
    notetypes = _modern_notetypes(db) if modern else _legacy_notetypes(_json_object(models_json))
    decks = _modern_decks(db) if "decks" in tables else _legacy_decks(_json_object(decks_json))
    notes = [
        Note(_int(nid), _str(guid), _int(mid), tuple(_str(flds).split("\x1f")), tuple(_str(tags).split()))
        for nid, guid, mid, tags, flds in db.execute("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id")
    ]
    cards = [
        CardRow(
            id=_int(row[0]),
            note_id=_int(row[1]),
            # A card in a filtered deck keeps its home deck in odid and its own due in odue.
            deck_id=_int(row[13] or row[2]),
            ord=_int(row[3]),
            type=_int(row[4]),
            queue=_int(row[5]),
            due=_int(row[14] if row[13] else row[6]),
            interval=_int(row[7]),
            factor=_int(row[8]),
            reps=_int(row[9]),
            lapses=_int(row[10]),
            left=_int(row[11]),
            data=_json_object(row[12]),
        )
        for row in db.execute(
            "SELECT id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, left, data, odid, odue "
            "FROM cards ORDER BY nid, ord, id"
        )
    ]
    reviews = []
    if with_reviews:
        reviews = [
            Review(_int(rid), _int(cid), _int(ease), _int(ivl), _int(factor), _int(kind))
            for rid, cid, ease, ivl, factor, kind in db.execute(
                "SELECT id, cid, ease, ivl, factor, type FROM revlog ORDER BY id"
            )
        ]
    # Settings a collection may lack or hold oddly fall back to Anki's defaults.
    rollover = config.get("rollover")
    offset = config.get("creationOffset")
    return AnkiCollection(
        crt=_int(crt),
        rollover_hour=rollover if isinstance(rollover, int) and 0 <= rollover <= 23 else DEFAULT_ROLLOVER_HOUR,
        creation_offset_minutes=offset if isinstance(offset, int) and abs(offset) <= 24 * 60 else 0,
        notetypes=notetypes,
        decks=decks,
        notes=notes,
        cards=cards,
        reviews=reviews,
    )


def _modern_config(db: sqlite3.Connection) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key, value in db.execute("SELECT KEY, val FROM config WHERE KEY IN ('rollover', 'creationOffset')"):
        # Not bytes(value): for a number that makes a zero-filled buffer that large (2**40 bytes...).
        if not isinstance(value, bytes):
            continue  # an unreadable setting falls back to Anki's default
        try:
            config[_str(key)] = json.loads(value)
        except (TypeError, ValueError, RecursionError):
            continue
    return config


def _modern_notetypes(db: sqlite3.Connection) -> dict[int, Notetype]:
    fields: dict[int, list[tuple[int, str]]] = {}
    for ntid, ord_, name in db.execute("SELECT ntid, ord, name FROM fields"):
        fields.setdefault(_int(ntid), []).append((_int(ord_), _str(name)))
    templates: dict[int, list[tuple[int, str]]] = {}
    for ntid, ord_, name in db.execute("SELECT ntid, ord, name FROM templates"):
        templates.setdefault(_int(ntid), []).append((_int(ord_), _str(name)))
    notetypes = {}
    for raw_id, name, config in db.execute("SELECT id, name, config FROM notetypes"):
        ntid = _int(raw_id)
        # Notetype.Config: kind = 1 (0 normal, 1 cloze), original_stock_kind = 9.
        settings = dict(protowire.fields(_blob(config), f"note type '{name}'"))
        notetypes[ntid] = Notetype(
            id=ntid,
            name=_str(name),
            is_cloze=settings.get(1) == 1,
            stock_kind=_int(settings.get(9, 0)),
            fields=tuple(n for _, n in sorted(fields.get(ntid, []))),
            templates=tuple(n for _, n in sorted(templates.get(ntid, []))),
        )
    return notetypes


def _legacy_notetypes(models: dict[str, Any]) -> dict[int, Notetype]:
    notetypes = {}
    for model in models.values():
        ntid = _json_int(model["id"])
        notetypes[ntid] = Notetype(
            id=ntid,
            name=_str(model["name"]),
            is_cloze=_json_int(model.get("type", 0)) == 1,
            stock_kind=_json_int(model.get("originalStockKind") or 0),
            fields=tuple(_str(f["name"]) for f in sorted(model["flds"], key=lambda f: _json_int(f["ord"]))),
            templates=tuple(_str(t["name"]) for t in sorted(model["tmpls"], key=lambda t: _json_int(t["ord"]))),
        )
    return notetypes


def _modern_decks(db: sqlite3.Connection) -> dict[int, AnkiDeck]:
    decks = {}
    for did, name, kind in db.execute("SELECT id, name, kind FROM decks"):
        # DeckKind { Normal normal = 1; Filtered filtered = 2 }; Normal.description = 4.
        normal = protowire.first(_blob(kind), 1, f"deck '{name}'")
        description = protowire.first(normal, 4, f"deck '{name}'") if isinstance(normal, bytes) else None
        decks[_int(did)] = AnkiDeck(
            _int(did),
            _str(name).replace("\x1f", "::"),
            description.decode("utf-8", "replace") if isinstance(description, bytes) else "",
        )
    return decks


def _legacy_decks(decks: dict[str, Any]) -> dict[int, AnkiDeck]:
    return {
        _json_int(deck["id"]): AnkiDeck(_json_int(deck["id"]), _str(deck["name"]), _str(deck.get("desc") or ""))
        for deck in decks.values()
    }


def _json_object(value: Any) -> dict[str, Any]:
    """A JSON object stored as text or blob; empty when the column is empty."""
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if not value:
        return {}
    data = json.loads(_str(value))
    if not isinstance(data, dict):
        raise TypeError("expected a JSON object")
    return data


def _json_int(value: Any) -> int:
    """A number in Anki's JSON, where some writers (genanki) put ids as strings."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return _int(value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, found {value!r:.40}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {value!r:.40}")
    return value


def _blob(value: Any) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError(f"expected bytes, found {value!r:.40}")
    return value
