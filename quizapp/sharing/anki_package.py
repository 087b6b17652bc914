"""The zip layer of an Anki package (.apkg): which collection to read, the media map, media files.

Three generations exist. Each package written by Anki 2.1.50+ holds a stub `collection.anki2`
whose only note asks the user to update Anki, so the newest collection in the package wins:

| meta version | collection           | media map                        | files       |
|--------------|----------------------|----------------------------------|-------------|
| 3 (latest)   | `collection.anki21b` | zstd-compressed protobuf         | zstd        |
| 2            | `collection.anki21`  | JSON `{"0": "name"}`             | as is       |
| 1, or none   | `collection.anki2`   | JSON                             | as is       |

Packages without a `meta` entry (older Anki, genanki) are judged by the collections they hold.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from quizapp.core.errors import ArchiveError, FormatError
from quizapp.sharing import protowire
from quizapp.sharing.safezip import CHUNK_BYTES, SafeZip

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

# Anki decks with many pictures are big; these bound the work without refusing real decks.
MAX_ENTRIES = 100_000
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_ENTRY_BYTES = 512 * 1024**2
MAX_COLLECTION_BYTES = 1024**3
MAX_MEDIA_FILE_BYTES = 64 * 1024**2

LATEST = 3
_COLLECTIONS = {3: "collection.anki21b", 2: "collection.anki21", 1: "collection.anki2"}


@dataclass(frozen=True)
class MediaEntry:
    """A media file of the package: its Anki name, the zip member holding it, its SHA-1 if given."""

    name: str
    member: str
    sha1: bytes | None = None


class AnkiPackage:
    """An opened .apkg. Use as a context manager."""

    def __init__(self, path: str | Path) -> None:
        self.label = f"'{Path(path).name}'"
        self.zip = SafeZip(path, max_entries=MAX_ENTRIES, max_total_bytes=MAX_TOTAL_BYTES, max_entry_bytes=MAX_ENTRY_BYTES)
        try:
            self.version = self._version()
            self.collection_member = _COLLECTIONS[self.version]
            if self.collection_member not in self.zip:
                raise ArchiveError(f"{self.label} is not a complete Anki package: '{self.collection_member}' is missing")
        except BaseException:
            self.zip.close()
            raise

    def _version(self) -> int:
        if "meta" in self.zip:
            version = protowire.first(self.zip.read("meta"), 1, f"the 'meta' entry of {self.label}")
            if not isinstance(version, int) or version < 1:
                raise FormatError(f"{self.label}: the package's 'meta' entry is damaged")
            if version > LATEST:
                raise FormatError(f"{self.label} was made by a newer Anki (package version {version}); export it again with 'Support older Anki versions' ticked")
            return version
        for version in (3, 2, 1):
            if _COLLECTIONS[version] in self.zip:
                return version
        raise ArchiveError(f"{self.label} is not an Anki package: it holds no collection.anki2, .anki21 or .anki21b")

    def extract_collection(self, out: BinaryIO) -> None:
        """Write the collection's SQLite bytes to `out`, decompressing the newest format."""
        if self.version < LATEST:
            self.zip.copy_to(self.collection_member, out)
            return
        with self.zip.open(self.collection_member) as source:
            _unzstd_stream(source, out, MAX_COLLECTION_BYTES, f"'{self.collection_member}' in {self.label}")

    def media(self) -> dict[str, MediaEntry]:
        """The package's media files by Anki file name."""
        if "media" not in self.zip:
            return {}
        what = f"the media list of {self.label}"
        data = self.zip.read("media")
        entries = self._media_protobuf(_unzstd(data, MAX_ENTRY_BYTES, what), what) if self.version >= LATEST else self._media_json(data, what)
        return {entry.name: entry for entry in entries if entry.member in self.zip}

    @staticmethod
    def _media_json(data: bytes, what: str) -> list[MediaEntry]:
        try:
            mapping: Any = json.loads(data.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise FormatError(f"{what} is damaged (not JSON)") from None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise FormatError(f"{what} is damaged (not a mapping of names)")
        return [MediaEntry(name, str(member)) for member, name in mapping.items()]

    @staticmethod
    def _media_protobuf(data: bytes, what: str) -> list[MediaEntry]:
        # MediaEntries { repeated MediaEntry entries = 1 }; MediaEntry { string name = 1;
        # uint32 size = 2; bytes sha1 = 3; optional uint32 legacy_zip_filename = 255 }.
        # The zip member of entry i is "i" unless legacy_zip_filename says otherwise.
        entries = []
        index = 0
        for number, value in protowire.fields(data, what):
            if number != 1 or not isinstance(value, bytes):
                continue
            entry = dict(protowire.fields(value, what))
            name, sha1, member = entry.get(1, b""), entry.get(3), entry.get(255, index)
            if not isinstance(name, bytes) or not isinstance(member, int):
                raise FormatError(f"{what} is damaged")
            try:
                decoded = name.decode("utf-8")
            except UnicodeDecodeError:
                raise FormatError(f"{what} is damaged (a name is not UTF-8)") from None
            entries.append(MediaEntry(decoded, str(member), sha1 if isinstance(sha1, bytes) else None))
            index += 1
        return entries

    def read_media(self, entry: MediaEntry) -> bytes:
        """A media file's bytes, decompressed and checked against its SHA-1 when the package gives one."""
        what = f"media file '{entry.name}' in {self.label}"
        if self.zip.size(entry.member) > MAX_MEDIA_FILE_BYTES:
            raise ArchiveError(f"{what} is larger than {MAX_MEDIA_FILE_BYTES // 2**20} MB")
        data = self.zip.read(entry.member)
        if self.version >= LATEST:
            data = _unzstd(data, MAX_MEDIA_FILE_BYTES, what)
        if entry.sha1 and hashlib.sha1(data).digest() != entry.sha1:
            raise ArchiveError(f"{what} does not match its checksum; the package is damaged")
        return data

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _zstd() -> Any:
    try:
        import zstandard
    except ImportError:
        raise FormatError("this Anki package is compressed with zstd; install the 'zstandard' package to read it") from None
    return zstandard


def _unzstd_stream(source: BinaryIO, out: BinaryIO, limit: int, what: str) -> int:
    """Decompress in bounded pieces, so a small bomb cannot allocate more than `limit`."""
    zstandard = _zstd()
    written = 0
    try:
        with zstandard.ZstdDecompressor().stream_reader(source, read_size=CHUNK_BYTES, closefd=False) as reader:
            while chunk := reader.read(CHUNK_BYTES):
                written += len(chunk)
                if written > limit:
                    raise ArchiveError(f"{what} unpacks to more than {limit // 2**20} MB")
                out.write(chunk)
    except zstandard.ZstdError as error:
        raise ArchiveError(f"{what} is not valid zstd data ({error})") from None
    return written


def _unzstd(data: bytes, limit: int, what: str) -> bytes:
    out = io.BytesIO()
    _unzstd_stream(io.BytesIO(data), out, limit, what)
    return out.getvalue()
