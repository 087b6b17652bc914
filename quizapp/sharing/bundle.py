"""`.quizdeck` bundles: one deck as a zip of its YAML, its images and a `manifest.json`.

The manifest names the deck (id, version, title, author, license), when the bundle was made, the
bundle format number, and the size and SHA-256 of every other file. A bundle is read entirely in
memory and checked as a whole before anything is written: a safe zip (see safezip), a known
format, exactly the files the manifest lists with matching hashes, a deck that passes the deck
loader, and images that are all there and all used. Only then is the deck installed.

A bundle made with a publisher key (see signing) is format 2: its manifest also carries the key
and an Ed25519 signature over the manifest, and so, through the hashes, over every file. Reading
one checks the signature and tells who signed it (`Bundle.signer`); a signature that does not
match refuses the bundle. An unsigned bundle is written as format 1, which older apps read too.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from quizapp.core.collection import Collection
from quizapp.core.deck import Deck
from quizapp.core.deckfile import DECK_ID, parse_deck
from quizapp.core.errors import ArchiveError, QuizappError
from quizapp.core.origin import file_origin
from quizapp.sharing.atomic import atomic_output
from quizapp.sharing.install import ImportResult, install_versioned
from quizapp.sharing.jsonshape import JsonReader
from quizapp.sharing.safezip import SafeZip
from quizapp.sharing.signing import (
    KEY_FIELD,
    SIGNATURE_FIELD,
    PublisherKey,
    load_key,
    verify_document,
)

UNSIGNED_FORMAT = 1
SIGNED_FORMAT = 2  # format 1 plus `publisher_key` and `signature`
READABLE_FORMATS = (UNSIGNED_FORMAT, SIGNED_FORMAT)
SIGNATURE_PURPOSE = "bundle manifest"
BUNDLE_SUFFIX = ".quizdeck"
MANIFEST_NAME = "manifest.json"
MAX_BUNDLE_BYTES = 64 * 2**20  # the file itself, and everything it unpacks to
MAX_ENTRIES = 2000
MAX_MANIFEST_BYTES = 1 * 2**20
# Fixed entry times make the same deck give the same bytes, whenever it is bundled.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BundleFile:
    size: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "sha256": self.sha256}

    @classmethod
    def of(cls, data: bytes) -> BundleFile:
        return cls(len(data), hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class Manifest:
    deck_id: str
    version: int
    title: str
    created: datetime
    files: dict[str, BundleFile]
    author: str = ""
    license: str = ""
    format: int = UNSIGNED_FORMAT
    signer: str | None = None  # the publisher key whose signature was checked; None if unsigned

    @property
    def deck_file(self) -> str:
        return f"{self.deck_id}.yaml"

    def to_dict(self) -> dict[str, Any]:
        """The manifest without its signature (PublisherKey.sign adds it)."""
        return {
            "format": self.format,
            "deck_id": self.deck_id,
            "version": self.version,
            "title": self.title,
            "author": self.author,
            "license": self.license,
            "created": self.created.isoformat(),
            "files": {name: entry.to_dict() for name, entry in sorted(self.files.items())},
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = MANIFEST_NAME) -> Manifest:
        """Check a parsed manifest strictly; ArchiveError names the key that is wrong."""
        read = JsonReader(source, ArchiveError)
        if isinstance(data, dict) and "format" in data and data["format"] not in READABLE_FORMATS:
            # Checked first: a newer app may have changed everything else too.
            raise ArchiveError(
                f"{source}: bundle format {data['format']!r} is not one this app reads (it reads {' and '.join(map(str, READABLE_FORMATS))}); update quizapp"
            )
        signed = (KEY_FIELD, SIGNATURE_FIELD) if isinstance(data, dict) and data.get("format") == SIGNED_FORMAT else ()
        fields = read.object(data, "", ("format", "deck_id", "version", "title", "created", "files", *signed), ("author", "license"))
        files = read.mapping(fields["files"], "files", max_items=MAX_ENTRIES)
        created_text = read.text(fields["created"], "created", max_length=64)
        try:
            created = datetime.fromisoformat(created_text)
        except ValueError:
            read.fail("created", f"'{created_text}' is not an ISO 8601 date and time")
        return cls(
            deck_id=read.text(fields["deck_id"], "deck_id", max_length=64, pattern=DECK_ID, rule="a deck id"),
            version=read.integer(fields["version"], "version", minimum=1),
            title=read.text(fields["title"], "title"),
            created=created,
            files={
                name: BundleFile(
                    size=read.integer(read.object(entry, f"files.{name}", ("size", "sha256"))["size"], f"files.{name}.size", maximum=MAX_BUNDLE_BYTES),
                    sha256=read.sha256(entry["sha256"], f"files.{name}.sha256"),
                )
                for name, entry in files.items()
            },
            author=read.optional_text(fields.get("author", ""), "author"),
            license=read.optional_text(fields.get("license", ""), "license"),
            format=fields["format"],
            signer=verify_document(fields, SIGNATURE_PURPOSE, read) if signed else None,
        )


@dataclass(frozen=True)
class Bundle:
    """A bundle that passed every check, ready to install."""

    manifest: Manifest
    deck: Deck
    deck_yaml: bytes
    media: dict[str, bytes] = field(default_factory=dict)

    @property
    def signer(self) -> str | None:
        """The publisher key that signed this bundle (checked), or None for an unsigned one."""
        return self.manifest.signer


# -- writing ----------------------------------------------------------------------------------------


def bundle_deck_file(deck_file: Path, target: Path, *, created: datetime | None = None, signer: PublisherKey | None = None) -> Manifest:
    """Check a deck file (images included) and write it as a bundle, signed by `signer` if given;
    returns the manifest."""
    deck_file = Path(deck_file)
    try:
        deck_yaml = deck_file.read_bytes()
    except OSError as error:
        raise QuizappError(f"cannot read '{deck_file}': {error.strerror or error}") from None
    deck = parse_deck(deck_yaml, str(deck_file), base_dir=deck_file.parent)
    media = {name: (deck_file.parent / name).read_bytes() for name in deck.media()}
    return write_bundle(deck, deck_yaml, media, target, created=created, signer=signer)


def write_bundle(
    deck: Deck,
    deck_yaml: bytes,
    media: Mapping[str, bytes],
    target: Path,
    *,
    created: datetime | None = None,
    signer: PublisherKey | None = None,
) -> Manifest:
    """Write a bundle atomically. Refuses one that `read_bundle` would refuse for its size."""
    contents = {f"{deck.id}.yaml": deck_yaml, **media}
    total = sum(len(data) for data in contents.values())
    if total > MAX_BUNDLE_BYTES:
        raise ArchiveError(f"deck '{deck.id}' with its images is {total / 2**20:.1f} MB; a bundle may hold at most {MAX_BUNDLE_BYTES // 2**20} MB")
    manifest = Manifest(
        deck_id=deck.id,
        version=deck.info.version,
        title=deck.info.title,
        created=(created or datetime.now(timezone.utc)).replace(microsecond=0),
        files={name: BundleFile.of(data) for name, data in contents.items()},
        author=deck.info.author,
        license=deck.info.license,
        format=SIGNED_FORMAT if signer else UNSIGNED_FORMAT,
        signer=signer.public_key if signer else None,
    )
    document = signer.sign(manifest.to_dict(), SIGNATURE_PURPOSE) if signer else manifest.to_dict()
    entries = {MANIFEST_NAME: json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8"), **contents}
    with atomic_output(Path(target)) as out, zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return manifest


def export_bundle(collection: Collection, deck_id: str, target: Path, *, created: datetime | None = None) -> Manifest:
    """Bundle a deck the collection holds, from the deck file it was registered from; signed when
    this device has a publisher key (a teacher's), so learners can tell who made the file."""
    return bundle_deck_file(deck_file_of(collection, deck_id), target, created=created, signer=load_key(collection.data_dir))


def deck_file_of(collection: Collection, deck_id: str) -> Path:
    """The file a deck in the collection was registered from (bundles are made from files, so an
    author's comments and layout travel with the deck)."""
    collection.deck_info(deck_id)  # a clear error for an unknown deck
    source = collection.deck_source_path(deck_id)
    if source is None or not source.is_file():
        raise QuizappError(f"deck '{deck_id}' has no deck file to share (it was at {source})")
    return source


# -- reading ----------------------------------------------------------------------------------------


def read_bundle(source: Path | bytes, *, name: str | None = None) -> Bundle:
    """Read and check a whole bundle in memory; raise ArchiveError or DeckFileError if anything is wrong.

    `name` is how messages call the bundle (default: the file's name).
    """
    label = name or (Path(source).name if not isinstance(source, bytes) else "the bundle")
    if not isinstance(source, bytes):
        _check_file_size(Path(source), label)
    with SafeZip(source, max_entries=MAX_ENTRIES, max_total_bytes=MAX_BUNDLE_BYTES, max_entry_bytes=MAX_BUNDLE_BYTES, name=label) as archive:
        if MANIFEST_NAME not in archive:
            raise ArchiveError(f"{label} has no {MANIFEST_NAME}, so it is not a quizapp bundle")
        if archive.size(MANIFEST_NAME) > MAX_MANIFEST_BYTES:
            raise ArchiveError(f"{label}: {MANIFEST_NAME} is larger than {MAX_MANIFEST_BYTES // 2**20} MB")
        read = JsonReader(f"{label}/{MANIFEST_NAME}", ArchiveError)
        manifest = Manifest.from_dict(read.load(archive.read(MANIFEST_NAME)), read.source)
        present = set(archive.names()) - {MANIFEST_NAME}
        if unlisted := sorted(present - set(manifest.files)):
            raise ArchiveError(f"{label}: '{unlisted[0]}' is not listed in the manifest, so it cannot be verified")
        if absent := sorted(set(manifest.files) - present):
            raise ArchiveError(f"{label}: the manifest lists '{absent[0]}' but the bundle does not hold it")
        if manifest.deck_file not in manifest.files:
            raise ArchiveError(f"{label}: the deck file '{manifest.deck_file}' is missing")
        contents = {entry: _verified(archive.read(entry), expected, f"{label}: '{entry}'") for entry, expected in manifest.files.items()}
    deck_yaml = contents.pop(manifest.deck_file)
    deck = parse_deck(deck_yaml, f"{label}/{manifest.deck_file}")
    if (deck.id, deck.info.version) != (manifest.deck_id, manifest.version):
        raise ArchiveError(
            f"{label}: the manifest says deck '{manifest.deck_id}' v{manifest.version} but the deck file is '{deck.id}' v{deck.info.version}"
        )
    used = set(deck.media())
    if missing := sorted(used - set(contents)):
        raise ArchiveError(f"{label}: image '{missing[0]}' used by the deck is not in the bundle")
    if unused := sorted(set(contents) - used):
        raise ArchiveError(f"{label}: '{unused[0]}' is not an image any card uses")
    if clash := _file_and_folder([manifest.deck_file, *contents]):
        raise ArchiveError(f"{label}: '{clash[0]}' is a file, so '{clash[1]}' cannot be written below it")
    return Bundle(manifest, deck, deck_yaml, contents)


def _file_and_folder(names: list[str]) -> tuple[str, str] | None:
    """Two names of which the first would have to be a file and a folder at once (`a.png` and
    `a.png/b.png`), compared as case-insensitive file systems would; None if there are none."""
    folded = {name.casefold(): name for name in names}
    for name in sorted(names):
        parts = name.casefold().split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in folded:
                return folded[folder], name
    return None


def _check_file_size(path: Path, label: str) -> None:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ArchiveError(f"cannot read {label}: {error.strerror or error}") from None
    if size > MAX_BUNDLE_BYTES:
        raise ArchiveError(f"{label} is {size / 2**20:.1f} MB; a bundle may be at most {MAX_BUNDLE_BYTES // 2**20} MB")


def _verified(data: bytes, expected: BundleFile, what: str) -> bytes:
    actual = BundleFile.of(data)
    if actual.size != expected.size:
        raise ArchiveError(f"{what} is {actual.size} bytes but the manifest says {expected.size}")
    if actual.sha256 != expected.sha256:
        raise ArchiveError(f"{what} does not match its SHA-256 in the manifest; the bundle was damaged or altered")
    return data


def import_bundle(
    collection: Collection, source: Path | bytes, *, name: str | None = None, confirmed: bool = False, as_new: bool = False
) -> ImportResult:
    """Check a bundle and install it: a newer version updates the deck by card id; the same or an
    older version changes nothing. Nothing is written unless the whole bundle is valid. Who may
    replace a deck, and when the learner is asked first: see install.install_versioned."""
    bundle = read_bundle(source, name=name)
    origin = file_origin(name or (Path(source).name if not isinstance(source, bytes) else "a bundle"), signer=bundle.signer)
    return install_versioned(collection, bundle.deck, bundle.deck_yaml, bundle.media, origin, confirmed=confirmed, as_new=as_new)
