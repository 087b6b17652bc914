"""Fuzzing everything that arrives from somebody else: .quizdeck bundles, feed indexes (and a whole
update from a feed), Anki packages and the Anki collections inside them, and class reports.

Every test states the same contract: the input is either accepted, or refused with one of the
project's own errors (QuizappError) whose message names where the problem is (the file, and the
entry, key or position inside it) and can be shown to a user (it encodes as UTF-8). Nothing
else may escape. A refused bundle or feed update leaves the learner's deck folders and progress
database exactly as they were.

Runs derandomized and small by default (a few seconds per test); `HYPOTHESIS_PROFILE=fuzz`
gives every test the profile's example count with random seeds (see docs/reliability.md).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
import sqlite3
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import zstandard
from conftest import SHARED, SMALL_DECK, needs_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core.collection import Collection
from quizapp.core.datadir import imported_decks_dir
from quizapp.core.deckfile import dump_deck, parse_deck
from quizapp.core.errors import DeckFileError, ProblemsError, QuizappError
from quizapp.core.store import DB_NAME
from quizapp.sharing.anki_import import AnkiImport, import_apkg
from quizapp.sharing.bundle import MANIFEST_NAME, import_bundle, write_bundle
from quizapp.sharing.feed import FeedIndex, check_for_updates, parse_index, publish
from quizapp.sharing.reports import ClassReport, parse_report

FIXTURES = SHARED / "fixtures" / "anki"
CREATED = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
DECK_WITH_IMAGE = SMALL_DECK.replace("tags: [t1]}\n  - {id: b2", "tags: [t1], image: img/pic.png}\n  - {id: b2")


class Blob(bytes):
    """Bytes that print as their size and hash: failing examples stay readable (the bytes are
    rebuilt from the seed hypothesis prints)."""

    def __repr__(self) -> str:
        return f"<{len(self)} bytes, sha256 {hashlib.sha256(self).hexdigest()[:12]}>"


def examples(n: int) -> int:
    """`n` examples normally; the fuzz profile's (much larger) count under HYPOTHESIS_PROFILE=fuzz."""
    profile = settings.default
    return profile.max_examples if profile is not None and os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else n


FUZZ: dict[str, Any] = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}


# -- the contract -----------------------------------------------------------------------------------


def assert_names_where(error: QuizappError, where: str) -> None:
    """`error` is shown to a user: it must say which file (`where`) and be printable."""
    message = str(error)
    assert message.strip(), repr(error)
    message.encode("utf-8")  # a lone surrogate here would crash whoever prints it
    if isinstance(error, ProblemsError):
        assert error.problems
        for problem in error.problems:
            assert problem.path.startswith(where), problem
            assert problem.line >= 1 and problem.col >= 1 and problem.message, problem
    else:
        assert where in message, message


def snapshot(collection: Collection) -> tuple[dict[str, str], list[str]]:
    """What a learner has: every file under the imported decks folder, and the whole database."""
    folder = imported_decks_dir(collection.data_dir)
    files = {
        str(path.relative_to(folder)): (hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir")
        for path in sorted(folder.rglob("*"))
    } if folder.exists() else {}
    reader = sqlite3.connect(f"file:{collection.data_dir / DB_NAME}?mode=ro", uri=True)
    try:
        dump = list(reader.iterdump())
    finally:
        reader.close()
    return files, dump


class Learner:
    """One collection reused across examples (opening one per example would cost most of the budget)."""

    def __repr__(self) -> str:
        return "Learner()"

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="quizapp-fuzz-")
        self.root = Path(self._tmp.name)
        self._generation = 0
        self.collection = Collection.open(self.root / "data-0", tz=timezone.utc)

    def reset(self) -> None:
        """A fresh, empty collection, after an example installed a deck (so the next bundle of the
        same version is not skipped as already installed)."""
        self.collection.close()
        self._generation += 1
        self.collection = Collection.open(self.root / f"data-{self._generation}", tz=timezone.utc)

    def close(self) -> None:
        self.collection.close()
        self._tmp.cleanup()


@pytest.fixture(scope="module")
def learner() -> Iterator[Learner]:
    state = Learner()
    yield state
    state.close()


# -- mutations --------------------------------------------------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=12) | st.sampled_from(
    ["", " ", "\ud800", "a" * 2000, "../x.quizdeck", "small", "0" * 64, "2025-03-01T09:00:00+00:00", "x.quizdeck", "b1"]
)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@st.composite
def mutated_json(draw: st.DrawFn, document: Any, keys: list[str]) -> Any:
    """`document` (parsed JSON) with 1-3 changes: a value replaced, a key removed or added."""
    doc = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(doc))))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if not path:
            if action == "replace":
                doc = draw(JSON_VALUES)
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if action == "replace":
            parent[last] = draw(JSON_VALUES)
        elif action == "remove":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(keys) | st.text(max_size=6))] = draw(JSON_VALUES)
        else:
            parent.insert(last, draw(JSON_VALUES))
    return doc


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes, max_changes: int = 4) -> bytes:
    """`data` with a few bytes flipped, set, inserted or deleted, or cut short."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, max_changes))):
        if not out:
            break
        position = draw(st.integers(0, len(out) - 1))
        action = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        if action == "flip":
            out[position] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            out[position] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80, ord("."), ord("/"), ord("\\"), 0x0E, 0x0C]))
        elif action == "insert":
            out[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del out[position : position + draw(st.integers(1, 16))]
        else:
            del out[position:]
    return bytes(out)


# -- bundles ----------------------------------------------------------------------------------------

BUNDLE_NAME = "fuzz.quizdeck"
ENTRY_NAMES = [
    "../evil.png", "img/../../evil.png", "/etc/evil.png", "C:/evil.png", "c:evil.png", "img\\pic.png", "./small.yaml",
    "img//pic.png", "IMG/PIC.PNG", "Small.yaml", "manifest.json", "small.yaml", "img/pic.png", "img/pic.png/x.png",
    "img", "img/", "x" * 300 + ".png", "e\u0301.png", "\u00e9.png", "new\nline.png", "img/other.png", "other.yaml",
]
# Image names that pass the zip checks but not every file system: a file that is also a folder,
# a name longer than a file name may be, a path longer than a path may be, Unicode forms.
IMAGE_NAMES = ["img/pic.png/x.png", "x" * 300 + ".png", "d/" * 2100 + "x.png", "e\u0301.png", "\u00e9.png", "img/other.png", "IMG/PIC.PNG", "img"]


@functools.cache
def bundle_entries() -> list[tuple[str, bytes]]:
    """The entries of a valid bundle holding the small deck and one image, as `write_bundle` makes it."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "small.quizdeck"
        write_bundle(parse_deck(DECK_WITH_IMAGE, "small.yaml"), DECK_WITH_IMAGE.encode(), {"img/pic.png": PICTURE}, target, created=CREATED)
        with zipfile.ZipFile(target) as archive:
            return [(name, archive.read(name)) for name in archive.namelist()]


def _listed(entries: list[tuple[str, bytes, int, int]]) -> dict[str, dict[str, Any]]:
    return {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data, _, _ in entries if name != MANIFEST_NAME}


@st.composite
def mutated_bundles(draw: st.DrawFn) -> bytes:
    # (name, data, compression, unix mode)
    entries = [(name, data, zipfile.ZIP_DEFLATED, 0o100644) for name, data in bundle_entries()]
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["remove", "rename", "add", "duplicate", "symlink", "method", "manifest", "deck", "rehash", "image", "image"]))
        index = draw(st.integers(0, max(0, len(entries) - 1)))
        if not entries and action not in ("add", "rehash"):
            continue
        if action == "image":
            # A second card uses an image under a name from the pool, which the bundle holds and
            # the manifest lists: names that pass the zip checks must still be safe to write.
            name = draw(st.sampled_from(IMAGE_NAMES))
            entries = [
                (entry, data.replace(b"source: m0, tags: [t1]}\n  - {id: r1", f"source: m0, tags: [t1], image: '{name}'}}\n  - {{id: r1".encode()) if entry == "small.yaml" else data, method, mode)
                for entry, data, method, mode in entries
            ]
            entries.append((name, PICTURE, zipfile.ZIP_DEFLATED, 0o100644))
            action = "rehash"
        if action == "remove":
            del entries[index]
        elif action == "rename":
            name, data, method, mode = entries[index]
            entries[index] = (draw(st.sampled_from(ENTRY_NAMES)), data, method, mode)
        elif action == "add":
            entries.append((draw(st.sampled_from(ENTRY_NAMES)), draw(st.sampled_from([PICTURE, b"", b"x" * 100])), zipfile.ZIP_DEFLATED, 0o100644))
        elif action == "duplicate":
            entries.append(entries[index])
        elif action == "symlink":
            name, data, method, _ = entries[index]
            entries[index] = (name, data, method, stat.S_IFLNK | 0o777)
        elif action == "method":
            name, data, _, mode = entries[index]
            entries[index] = (name, data, draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])), mode)
        elif action in ("manifest", "deck", "rehash"):
            slot = next((i for i, entry in enumerate(entries) if entry[0] == (MANIFEST_NAME if action != "deck" else "small.yaml")), None)
            if slot is None:
                continue
            name, data, method, mode = entries[slot]
            if action == "manifest":
                keys = ["format", "deck_id", "version", "title", "created", "files", "author", "license", "size", "sha256"]
                try:
                    document = json.loads(data)
                except ValueError:
                    continue  # already broken by an earlier step
                data = json.dumps(draw(mutated_json(document, keys)), ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
            elif action == "deck":
                old, new = draw(st.sampled_from([
                    (b"version: 1", b"version: 2"), (b"img/pic.png", b"img/gone.png"), (b"img/pic.png", b"../pic.png"),
                    (b"id: small", b"id: other"), (b"Back one", b'"\\0"'), (b"Front one", b"&a x"), (b"Back two", b"*a"), (b"", b""),
                ]))
                data = data.replace(old, new, 1) if old else draw(mutated_bytes(data))
            else:
                try:
                    manifest = json.loads(data)
                except ValueError:
                    continue
                if isinstance(manifest, dict):
                    manifest["files"] = _listed(entries)
                data = json.dumps(manifest).encode()
            entries[slot] = (name, data, method, mode)
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names
        with zipfile.ZipFile(out, "w") as archive:
            for name, data, method, mode in entries:
                info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                info.compress_type = method
                info.external_attr = mode << 16
                archive.writestr(info, data)
    data = out.getvalue()
    return Blob(draw(mutated_bytes(data)) if draw(st.integers(0, 2)) == 0 else data)


def _import_bundle_checked(learner: Learner, data: bytes) -> None:
    path = learner.root / BUNDLE_NAME
    path.write_bytes(data)
    before = snapshot(learner.collection)
    try:
        result = import_bundle(learner.collection, path)
    except QuizappError as error:
        assert_names_where(error, BUNDLE_NAME)
        assert snapshot(learner.collection) == before, "a refused bundle changed the learner's decks or progress"
        return
    if result.changed:
        learner.reset()


@settings(max_examples=examples(300), **FUZZ)
@given(data=st.data())
def test_mutated_bundles_import_or_are_refused_with_our_error_and_nothing_written(learner: Learner, data: st.DataObject) -> None:
    _import_bundle_checked(learner, data.draw(mutated_bundles()))


@settings(max_examples=examples(150), **FUZZ)
@given(st.binary(max_size=600) | st.binary(max_size=40).map(lambda tail: b"PK\x03\x04" + tail + b"PK\x05\x06" + bytes(18)))
def test_random_bytes_as_a_bundle_are_refused_with_our_error(learner: Learner, data: bytes) -> None:
    _import_bundle_checked(learner, data)


# -- feed indexes and updates -----------------------------------------------------------------------

INDEX_KEYS = ["format", "generated", "decks", "id", "version", "title", "url", "size", "sha256"]
VALID_INDEX = {
    "format": 1,
    "generated": CREATED.isoformat(),
    "decks": [
        {"id": "small", "version": 1, "title": "Small", "url": "small-v1.quizdeck", "size": 10, "sha256": "a" * 64},
        {"id": "second", "version": 3, "title": "Second", "url": "sub/second-v3.quizdeck", "size": 99, "sha256": "b" * 64},
    ],
}


def _parse_index_checked(data: bytes) -> None:
    try:
        index = parse_index(data, "index.json")
    except QuizappError as error:
        assert_names_where(error, "index.json")
        assert str(error).startswith("index.json"), str(error)
        return
    assert isinstance(index, FeedIndex)
    index.to_json()  # what was accepted can be written back out


@settings(max_examples=examples(300), **FUZZ)
@given(st.one_of(
    mutated_json(VALID_INDEX, INDEX_KEYS).map(lambda doc: json.dumps(doc).encode("utf-8", "surrogatepass")),
    st.builds(lambda doc, ascii_: json.dumps(doc, ensure_ascii=ascii_).encode("utf-8", "surrogatepass"), mutated_json(VALID_INDEX, INDEX_KEYS), st.booleans()),
))
def test_mutated_feed_indexes_parse_or_fail_naming_where(data: bytes) -> None:
    _parse_index_checked(data)


@settings(max_examples=examples(200), **FUZZ)
@given(st.one_of(
    JSON_VALUES.map(lambda value: json.dumps(value).encode("utf-8", "surrogatepass")),
    st.just(json.dumps(VALID_INDEX, indent=1).encode()).flatmap(lambda data: mutated_bytes(data, 6)),
    st.binary(max_size=200),
))
def test_any_json_or_bytes_as_a_feed_index_fail_only_with_feed_errors(data: bytes) -> None:
    _parse_index_checked(data)


@functools.cache
def published_feed() -> dict[str, bytes]:
    """The files `publish` writes for the small deck: index.json and small-v1.quizdeck."""
    with tempfile.TemporaryDirectory() as folder:
        decks = Path(folder) / "decks"
        decks.mkdir()
        (decks / "small.yaml").write_text(SMALL_DECK)
        publish(decks, Path(folder) / "out", generated=CREATED)
        return {path.name: path.read_bytes() for path in (Path(folder) / "out").iterdir()}


@settings(max_examples=examples(120), **FUZZ)
@given(data=st.data())
def test_a_feed_update_from_a_mutated_feed_reports_errors_and_writes_nothing(learner: Learner, data: st.DataObject) -> None:
    files = dict(published_feed())
    target = data.draw(st.sampled_from(["index.json", "small-v1.quizdeck", "both"]))
    if target in ("index.json", "both"):
        index = json.loads(files["index.json"])
        files["index.json"] = (
            json.dumps(data.draw(mutated_json(index, INDEX_KEYS))).encode("utf-8", "surrogatepass")
            if data.draw(st.booleans())
            else data.draw(mutated_bytes(files["index.json"]))
        )
    if target in ("small-v1.quizdeck", "both"):
        files["small-v1.quizdeck"] = bundle = data.draw(mutated_bytes(files["small-v1.quizdeck"]))
        if target == "small-v1.quizdeck" and data.draw(st.booleans()):
            # A teacher's own broken bundle, listed with its true size and hash: past the
            # download check, into the bundle importer.
            index = json.loads(files["index.json"])
            index["decks"][0].update(size=len(bundle), sha256=hashlib.sha256(bundle).hexdigest())
            files["index.json"] = json.dumps(index).encode()
    feed = learner.root / "served"
    feed.mkdir(exist_ok=True)
    for path in feed.iterdir():
        path.unlink()
    for name, content in files.items():
        (feed / name).write_bytes(content)
    url = (feed / "index.json").as_uri()
    before = snapshot(learner.collection)
    (report,) = check_for_updates(learner.collection, [url], timeout=5)
    for error in report.errors:
        # Each error names the feed's folder, its index or the bundle it was about.
        assert error.strip() and (feed.as_uri() in error or "index.json" in error or re.search(r"[\w.-]+\.quizdeck", error)), error
        error.encode("utf-8")
    if not report.results:
        assert snapshot(learner.collection) == before, "a failed feed update changed the learner's decks or progress"
    else:
        learner.reset()


# -- Anki packages ----------------------------------------------------------------------------------

APKG_NAME = "fuzz.apkg"
PACKAGES = ["reference-modern.apkg", "reference-legacy.apkg", "reference-noscheduling.apkg"]


def _collection_member(members: dict[str, bytes]) -> str:
    return next(name for name in ("collection.anki21b", "collection.anki21", "collection.anki2") if name in members)


@functools.cache
def anki_members() -> dict[str, dict[str, bytes]]:
    """The members of each reference package (read once)."""
    packages = {}
    for package in PACKAGES:
        path = FIXTURES / package
        if not path.is_file():
            pytest.fail(f"the Anki reference fixtures are missing: {path}")
        with zipfile.ZipFile(path) as archive:
            packages[package] = {name: archive.read(name) for name in archive.namelist()}
    return packages


def _sqlite_of(members: dict[str, bytes]) -> tuple[str, bytes, bool]:
    """(member name, SQLite bytes, whether the member is zstd-compressed)."""
    name = _collection_member(members)
    data = members[name]
    if name.endswith("b"):
        try:
            return name, zstandard.ZstdDecompressor().decompress(data, max_output_size=2**26), True
        except zstandard.ZstdError:
            return name, data, False  # already replaced by an earlier step
    return name, data, False


def _zip(members: dict[str, bytes] | list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    items = members.items() if isinstance(members, dict) else members
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in items:
                archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def _import_apkg_checked(root: Path, data: bytes) -> AnkiImport | None:
    path = root / APKG_NAME
    path.write_bytes(data)
    try:
        result = import_apkg(path, with_scheduling=True)
    except QuizappError as error:
        assert_names_where(error, f"'{APKG_NAME}'")
        return None
    # Whatever was accepted must be a deck our own loader accepts, with media under plain names.
    for deck in result.decks:
        assert parse_deck(dump_deck(deck), f"{deck.id}.yaml") == deck
    for name in result.media:
        assert "/" not in name and "\\" not in name and not name.startswith(".")
    for warning in result.warnings:
        warning.encode("utf-8")
    return result


MEMBER_NAMES = ["meta", "media", "0", "1", "collection.anki2", "collection.anki21", "collection.anki21b", "../0", "/abs", "Collection.anki21"]


@st.composite
def mutated_packages(draw: st.DrawFn) -> bytes:
    members = dict(anki_members()[draw(st.sampled_from(PACKAGES))])
    order = list(members)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["remove", "rename", "add", "meta", "media", "collection", "media-file"]))
        name = draw(st.sampled_from(order)) if order else None
        if action == "remove" and name:
            members.pop(name, None)
        elif action == "rename" and name and name in members:
            members[draw(st.sampled_from(MEMBER_NAMES))] = members.pop(name)
        elif action == "add":
            members[draw(st.sampled_from(MEMBER_NAMES))] = draw(st.binary(max_size=64))
        elif action == "meta":
            members["meta"] = draw(st.sampled_from([b"\x08\x01", b"\x08\x02", b"\x08\x03", b"\x08\x04", b"\x08", b"", b"\x12\x01x", b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"]) | st.binary(max_size=12))
        elif action == "media":
            if draw(st.booleans()):
                value = draw(JSON_VALUES | st.dictionaries(st.sampled_from(["0", "1", "../0"]), st.sampled_from(["pic.png", "../../evil.png", "", "a.svg"]), max_size=2))
                raw = json.dumps(value).encode("utf-8", "surrogatepass")
            else:
                raw = draw(st.binary(max_size=40))
            members["media"] = zstandard.compress(raw) if draw(st.booleans()) else raw
        elif action == "collection":
            member, sqlite_bytes, compressed = _sqlite_of(members) if any(n.startswith("collection.") for n in members) else ("collection.anki21", b"", False)
            broken = draw(mutated_bytes(sqlite_bytes, 8))
            members[member] = zstandard.compress(broken) if compressed else broken
        elif action == "media-file" and "0" in members:
            members["0"] = draw(mutated_bytes(members["0"]))
    data = _zip(members)
    return Blob(draw(mutated_bytes(data)) if draw(st.integers(0, 4)) == 0 else data)


@needs_shared
@settings(max_examples=examples(250), **FUZZ)
@given(data=st.data())
def test_mutated_anki_packages_import_or_fail_with_our_errors(learner: Learner, data: st.DataObject) -> None:
    _import_apkg_checked(learner.root, data.draw(mutated_packages()))


# Columns of the reference collections and values Anki would never write there.
ODD_VALUES = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, -1, 1, 2, 3, 4, 5, 9, 2**31, -(2**40), 99999999999999]),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["", "\x1f", "{}", "[]", "{\"1\": {}}", "[" * 3000, "\x1f\x1f\x1f", "<img src=\"../../x.png\">", "{{c1::x}}", "\ud800"]),
    st.binary(max_size=20),
    st.sampled_from([b"\xff\xfe", b"\x08\x01", b"\x0a\x03\x22\x01\x78", b"\x08\xff"]),
)
TABLE_COLUMNS = {
    "col": ["crt", "conf", "models", "decks"],
    "notes": ["id", "guid", "mid", "tags", "flds"],
    "cards": ["id", "nid", "did", "ord", "type", "queue", "due", "ivl", "factor", "reps", "lapses", "left", "data", "odid", "odue"],
    "revlog": ["id", "cid", "ease", "ivl", "factor", "type"],
    "notetypes": ["id", "name", "config"],
    "fields": ["ntid", "ord", "name"],
    "templates": ["ntid", "ord", "name"],
    "decks": ["id", "name", "kind"],
    "config": ["KEY", "val"],
}


@st.composite
def mutated_collections(draw: st.DrawFn, workdir: Path) -> bytes:
    members = dict(anki_members()[draw(st.sampled_from(PACKAGES))])
    member, sqlite_bytes, compressed = _sqlite_of(members)
    db_path = workdir / "edit.sqlite"
    db_path.write_bytes(sqlite_bytes)
    db = sqlite3.connect(db_path)
    db.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for _ in range(draw(st.integers(1, 3))):
            table = draw(st.sampled_from(sorted(tables & set(TABLE_COLUMNS))))
            column = draw(st.sampled_from(TABLE_COLUMNS[table]))
            value = draw(ODD_VALUES)
            if isinstance(value, str):
                value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            try:
                rowids = [row[0] for row in db.execute(f"SELECT rowid FROM {table}")]
            except sqlite3.OperationalError:
                rowids = []  # a WITHOUT ROWID table: change every row
            where = draw(st.sampled_from(["all", "one"]))
            try:
                if where == "all" or not rowids:
                    db.execute(f"UPDATE {table} SET {column} = ?", (value,))
                else:
                    db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (value, draw(st.sampled_from(rowids))))
            except sqlite3.IntegrityError:
                pass  # a primary key collision: this mutation cannot be stored
            if draw(st.integers(0, 5)) == 0:
                db.execute(f"DELETE FROM {table}")
        db.commit()
    finally:
        db.close()
    edited = db_path.read_bytes()
    members[member] = zstandard.compress(edited) if compressed else edited
    return Blob(_zip(members))


@needs_shared
@settings(max_examples=examples(200), **FUZZ)
@given(data=st.data())
def test_mutated_anki_collections_import_or_fail_with_our_errors(learner: Learner, data: st.DataObject) -> None:
    _import_apkg_checked(learner.root, data.draw(mutated_collections(learner.root)))


# -- class reports ----------------------------------------------------------------------------------

REPORT_KEYS = ["format", "deck_id", "nickname", "cards", "card", "sibling", "reviews", "lapses", "retrievability"]
VALID_REPORT = {
    "format": 1,
    "deck_id": "small",
    "nickname": "Ana",
    "cards": [
        {"card": "b1", "sibling": 0, "reviews": 3, "lapses": 1, "retrievability": 0.8},
        {"card": "r1", "sibling": 1, "reviews": 0, "lapses": 0, "retrievability": None},
    ],
}


def _parse_report_checked(data: bytes) -> None:
    try:
        report = parse_report(data, "report")
    except QuizappError as error:
        assert_names_where(error, "report")
        return
    assert isinstance(report, ClassReport)
    # The server stores what it accepted: it must serialize and read back the same.
    assert parse_report(report.to_json(), "stored") == report


@settings(max_examples=examples(300), **FUZZ)
@given(st.one_of(
    st.builds(lambda doc, ascii_: json.dumps(doc, ensure_ascii=ascii_).encode("utf-8", "surrogatepass"), mutated_json(VALID_REPORT, REPORT_KEYS), st.booleans()),
    JSON_VALUES.map(lambda value: json.dumps(value).encode("utf-8", "surrogatepass")),
    st.just(json.dumps(VALID_REPORT).encode()).flatmap(lambda data: mutated_bytes(data, 6)),
))
def test_mutated_class_reports_parse_or_fail_naming_where(data: bytes) -> None:
    _parse_report_checked(data)


# -- what the fuzzers found, pinned ------------------------------------------------------------------
# (The hostile files these became are in tests/hostile/ and test_hostile_corpus.py.)


def test_a_downloaded_bundle_that_is_damaged_is_named_in_the_error() -> None:
    """A feed hands the bundle's bytes to the reader: its zip errors said "the archive"."""
    from quizapp.sharing.bundle import read_bundle

    with pytest.raises(QuizappError) as caught:
        read_bundle(b"PK\x03\x04 damaged download", name="overdose-response-v2.quizdeck")
    assert "'overdose-response-v2.quizdeck' is not a zip archive" in str(caught.value)


def _edited_package(tmp_path: Path, fixture: str, sql: str, name: str) -> Path:
    """A copy of a fixture package whose collection had `sql` run on it, compressed as before."""
    members = dict(anki_members()[fixture])
    member, sqlite_bytes, compressed = _sqlite_of(members)
    db_path = tmp_path / "edit.sqlite"
    db_path.write_bytes(sqlite_bytes)
    db = sqlite3.connect(db_path)
    # Modern collections index names with Anki's own collation.
    db.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
    db.execute(sql)
    db.commit()
    db.close()
    edited = db_path.read_bytes()
    members[member] = zstandard.compress(edited) if compressed else edited
    path = tmp_path / name
    path.write_bytes(_zip(members))
    return path


@needs_shared
def test_a_damaged_anki_setting_names_the_package(tmp_path: Path) -> None:
    """Protobuf settings of a note type or deck said "note type 'Basic' is damaged", no file."""
    path = _edited_package(tmp_path, "reference-modern.apkg", "UPDATE notetypes SET config = x'08ff'", "damaged.apkg")
    with pytest.raises(QuizappError, match=r"the collection in 'damaged.apkg': note type '.*' is damaged \(bad protobuf varint\)"):
        import_apkg(path)


@needs_shared
def test_impossible_anki_scheduling_names_the_package(tmp_path: Path) -> None:
    path = _edited_package(tmp_path, "reference-legacy.apkg", "UPDATE cards SET type = -1", "odd.apkg")
    with pytest.raises(QuizappError, match=r"'odd.apkg': Anki card \d+ has impossible scheduling data \(unknown card type -1\)"):
        import_apkg(path, with_scheduling=True)


def test_a_deck_that_cannot_be_written_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk (or a name the file system refuses) while installing: an OSError escaped and
    the new deck's folder stayed, half written."""
    import errno

    from quizapp.sharing import install

    collection = Collection.open(tmp_path / "data", tz=timezone.utc)
    try:
        bundle_path = tmp_path / "with-image.quizdeck"
        write_bundle(parse_deck(DECK_WITH_IMAGE, "small.yaml"), DECK_WITH_IMAGE.encode(), {"img/pic.png": PICTURE}, bundle_path, created=CREATED)
        real_write = install.write_atomically
        calls = []

        def disk_full_on_second_file(path: Path, data: bytes) -> None:
            calls.append(path)
            if len(calls) == 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            real_write(path, data)

        monkeypatch.setattr(install, "write_atomically", disk_full_on_second_file)
        before = snapshot(collection)
        with pytest.raises(QuizappError, match=r"cannot write deck 'small' into .*: No space left on device"):
            import_bundle(collection, bundle_path)
        assert len(calls) == 2 and snapshot(collection) == before
        assert not (imported_decks_dir(collection.data_dir) / "small").exists()
    finally:
        collection.close()


def test_an_image_the_system_cannot_look_up_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Path.is_file raises for errors other than "not found" (permission denied, name too long)."""
    from quizapp.core.deckfile import load_deck

    deck_file = tmp_path / "small.yaml"
    deck_file.write_text(DECK_WITH_IMAGE)

    def denied(self: Path) -> bool:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "is_file", denied)
    with pytest.raises(DeckFileError, match="image 'img/pic.png' was not found next to the deck file"):
        load_deck(deck_file)


def test_a_lone_surrogate_in_a_deck_is_refused_by_the_pure_python_loader_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a phone PyYAML is pure Python: it reads "\\ud800" as half of a UTF-16 pair, which
    libyaml refuses; the bundle was installed and storing it failed with a UnicodeEncodeError."""
    import yaml

    from quizapp.core import deckfile

    monkeypatch.setattr(deckfile, "_Loader", yaml.SafeLoader)
    deck_yaml = SMALL_DECK.replace("Back one", '"Back \\ud800 one"').encode()
    path = tmp_path / "surrogate.quizdeck"
    path.write_bytes(bundle_of({"small.yaml": deck_yaml}))
    collection = Collection.open(tmp_path / "data", tz=timezone.utc)
    try:
        before = snapshot(collection)
        with pytest.raises(DeckFileError, match=r"surrogate.quizdeck/small.yaml:5:\d+: invalid Unicode character escape"):
            import_bundle(collection, path)
        assert snapshot(collection) == before
    finally:
        collection.close()


def bundle_of(entries: dict[str, bytes]) -> bytes:
    listed = {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in entries.items()}
    manifest = {"format": 1, "deck_id": "small", "version": 1, "title": "Small deck", "created": CREATED.isoformat(), "files": listed}
    return _zip({MANIFEST_NAME: json.dumps(manifest).encode(), **entries})
