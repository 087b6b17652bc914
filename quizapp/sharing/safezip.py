"""Reading zip archives that came from somebody else (.apkg packages, .quizdeck bundles).

Everything about an archive is checked before any entry is read: that it is a zip at all, that
every entry name is a plain relative path (no `..`, no absolute path, drive letter or backslash),
that there are no links, duplicate names or encrypted entries, and that the declared sizes stay
within limits. Headers can lie, so the bytes actually decompressed are counted too, and reading
stops as soon as an entry or the whole archive goes over its limit: a zip bomb costs at most the
limit, never the machine. Nothing is ever extracted to a path taken from the archive.
"""

from __future__ import annotations

import io
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

from quizapp.core.errors import ArchiveError

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_ENTRY_BYTES = 256 * 1024 * 1024
CHUNK_BYTES = 64 * 1024

try:
    from lzma import LZMAError
except ImportError:  # a Python built without lzma (as python-for-android may be) cannot raise it

    class LZMAError(Exception):  # type: ignore[no-redef]
        pass


# zipfile raises these (besides BadZipFile) on damaged data: zlib/bz2/lzma errors, short reads.
# (bz2 reports damage as OSError; lzma has its own LZMAError, which is no OSError.)
_DAMAGE = (zipfile.BadZipFile, zlib.error, LZMAError, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)


class SafeZip:
    """A zip archive whose entries can be listed and read within limits.

    `source` is a path or the archive's bytes; `name` is how messages call it (default: the file's
    name, or "the archive" for bytes). Limits: `max_entries` entries, `max_entry_bytes`
    unpacked bytes per entry, `max_total_bytes` unpacked bytes for everything read through this
    object (declared sizes are checked at opening; actual bytes while reading).
    """

    def __init__(
        self,
        source: str | Path | bytes,
        *,
        max_entries: int = MAX_ENTRIES,
        max_total_bytes: int = MAX_TOTAL_BYTES,
        max_entry_bytes: int = MAX_ENTRY_BYTES,
        name: str | None = None,
    ) -> None:
        if name is not None:
            self.label = f"'{name}'"
        else:
            self.label = "the archive" if isinstance(source, bytes) else f"'{Path(source).name}'"
        self.max_total_bytes = max_total_bytes
        self.max_entry_bytes = max_entry_bytes
        self._bytes_read = 0
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except FileNotFoundError:
            raise ArchiveError(f"{self.label} does not exist") from None
        except IsADirectoryError:
            raise ArchiveError(f"{self.label} is a folder, not a file") from None
        except PermissionError:
            raise ArchiveError(f"{self.label} cannot be read (permission denied)") from None
        except _DAMAGE:
            raise ArchiveError(f"{self.label} is not a zip archive, or it is truncated or damaged") from None
        try:
            self._entries = self._check(self._zip.infolist(), max_entries)
        except ArchiveError:
            self._zip.close()
            raise

    def _check(self, infos: list[zipfile.ZipInfo], max_entries: int) -> dict[str, zipfile.ZipInfo]:
        if len(infos) > max_entries:
            raise ArchiveError(f"{self.label} has {len(infos)} entries; at most {max_entries} are allowed")
        entries: dict[str, zipfile.ZipInfo] = {}
        folded: dict[str, str] = {}
        declared_total = 0
        for info in infos:
            name = info.filename
            _check_name(name, self.label)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ArchiveError(f"{self.label}: entry '{name}' is a symbolic link; links are not allowed")
            if info.flag_bits & 0x1:
                raise ArchiveError(f"{self.label}: entry '{name}' is encrypted")
            # Two names that differ only in case or Unicode form would overwrite each other on
            # Windows, macOS or a phone's shared storage.
            key = unicodedata.normalize("NFC", name.rstrip("/")).casefold()
            if key in folded:
                raise ArchiveError(f"{self.label}: entry '{name}' appears twice (as '{folded[key]}')")
            folded[key] = name
            if info.is_dir():
                continue
            if info.file_size > self.max_entry_bytes:
                raise ArchiveError(
                    f"{self.label}: entry '{name}' unpacks to {_mb(info.file_size)}; at most {_mb(self.max_entry_bytes)} per entry"
                )
            declared_total += info.file_size
            if declared_total > self.max_total_bytes:
                raise ArchiveError(
                    f"{self.label} unpacks to more than {_mb(self.max_total_bytes)} (limit reached at entry '{name}')"
                )
            entries[name] = info
        return entries

    def names(self) -> list[str]:
        """The file entries (folders left out), in archive order."""
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def size(self, name: str) -> int:
        """The unpacked size the archive declares for an entry."""
        return self._info(name).file_size

    def read(self, name: str) -> bytes:
        """The whole entry, within the limits."""
        return b"".join(self.chunks(name))

    def open(self, name: str) -> BinaryIO:
        """The entry as a readable binary stream, for readers that pull (such as a decompressor)."""
        return io.BufferedReader(_ChunkReader(self.chunks(name)), CHUNK_BYTES)

    def copy_to(self, name: str, out: BinaryIO) -> int:
        """Stream an entry into an open binary file; returns the number of bytes written."""
        written = 0
        for chunk in self.chunks(name):
            out.write(chunk)
            written += len(chunk)
        return written

    def chunks(self, name: str) -> Iterator[bytes]:
        """The entry's bytes in pieces, counting every byte against the limits as it comes."""
        info = self._info(name)
        entry_bytes = 0
        try:
            with self._zip.open(info) as stream:
                while chunk := stream.read(CHUNK_BYTES):
                    entry_bytes += len(chunk)
                    self._bytes_read += len(chunk)
                    if entry_bytes > info.file_size:
                        raise ArchiveError(f"{self.label}: entry '{name}' is larger than its header says")
                    if self._bytes_read > self.max_total_bytes:
                        raise ArchiveError(
                            f"{self.label} unpacks to more than {_mb(self.max_total_bytes)} (limit reached at entry '{name}')"
                        )
                    yield chunk
        except _DAMAGE as error:
            raise ArchiveError(f"{self.label}: entry '{name}' is damaged ({error})") from None
        if entry_bytes != info.file_size:
            raise ArchiveError(f"{self.label}: entry '{name}' is shorter than its header says")

    def _info(self, name: str) -> zipfile.ZipInfo:
        try:
            return self._entries[name]
        except KeyError:
            raise ArchiveError(f"{self.label} has no entry '{name}'") from None

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _check_name(name: str, label: str) -> None:
    """Refuse any entry name that is not a plain relative path made of ordinary parts."""
    problem = None
    if not name or any(ord(char) < 32 for char in name):
        problem = "has an empty name or control characters in it"
    elif "\\" in name:
        problem = "uses a backslash in its name"
    elif name.startswith("/"):
        problem = "has an absolute path"
    elif ":" in name:
        problem = "uses ':' (a drive letter, or an NTFS stream) in its name"
    elif any(part in ("..", ".") for part in name.rstrip("/").split("/")):
        problem = "uses '..' or '.' in its path"
    elif "//" in name.rstrip("/"):
        problem = "has an empty path part"
    if problem:
        raise ArchiveError(f"{label}: entry {name!r} {problem}; refusing the archive")


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size} bytes"
