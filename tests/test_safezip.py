"""SafeZip refuses every unsafe or damaged archive with an ArchiveError naming the problem."""

from __future__ import annotations

import io
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from quizapp.core.errors import ArchiveError
from quizapp.sharing.safezip import SafeZip


def make_zip(entries: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    items = entries.items() if isinstance(entries, dict) else entries
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names some tests write
        with zipfile.ZipFile(buffer, "w", method) as archive:
            for name, data in items:
                archive.writestr(name, data)
    return buffer.getvalue()


def patch_headers(data: bytes, name: str, local_offset: int, central_offset: int, fmt: str, value: int) -> bytes:
    """Overwrite one field in both headers (local and central) of entry `name`."""
    out = bytearray(data)
    encoded = name.encode()
    for signature, name_len_at, name_at, offset in ((b"PK\x03\x04", 26, 30, local_offset), (b"PK\x01\x02", 28, 46, central_offset)):
        start = out.find(signature)
        while start != -1:
            name_len = struct.unpack_from("<H", out, start + name_len_at)[0]
            if out[start + name_at : start + name_at + name_len] == encoded:
                struct.pack_into(fmt, out, start + offset, value)
            start = out.find(signature, start + 4)
    return bytes(out)


def patch_sizes(data: bytes, name: str, size: int) -> bytes:
    """Make entry `name` declare `size` unpacked bytes (a lying header)."""
    return patch_headers(data, name, 22, 24, "<I", size)


def test_lists_and_reads_a_good_archive(tmp_path: Path) -> None:
    data = make_zip({"deck.yaml": b"format: 1\n", "media/pic.png": b"\x89PNG" * 100, "empty/": b""})
    path = tmp_path / "good.zip"
    path.write_bytes(data)
    with SafeZip(path) as archive:
        assert archive.names() == ["deck.yaml", "media/pic.png"]  # folders are not files
        assert "deck.yaml" in archive and "nope" not in archive
        assert archive.size("media/pic.png") == 400
        assert archive.read("deck.yaml") == b"format: 1\n"
        assert archive.open("media/pic.png").read() == b"\x89PNG" * 100
        out = io.BytesIO()
        assert archive.copy_to("media/pic.png", out) == 400
    with pytest.raises(ArchiveError, match="no entry 'nope'"):
        SafeZip(data).read("nope")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "not a zip archive"),
        (b"just some text, not a zip", "not a zip archive"),
        (make_zip({"a.txt": b"x" * 1000})[:-30], "not a zip archive"),  # truncated: no end record
    ],
)
def test_refuses_what_is_not_a_zip(data: bytes, message: str) -> None:
    with pytest.raises(ArchiveError, match=message):
        SafeZip(data)


def test_refuses_missing_files_and_folders(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="does not exist"):
        SafeZip(tmp_path / "missing.zip")
    with pytest.raises(ArchiveError, match="is a folder"):
        SafeZip(tmp_path)


@pytest.mark.parametrize(
    "name",
    ["../evil.txt", "media/../../evil.txt", "/etc/passwd", "C:/Windows/evil.dll", "c:evil", "media\\evil.txt", "./a.txt", "a//b.txt",
     "deck.yaml:stream", "new\nline.txt"],
)
def test_refuses_unsafe_entry_names(name: str) -> None:
    data = make_zip({"ok.txt": b"fine", name: b"bad"})
    with pytest.raises(ArchiveError) as caught:
        SafeZip(data)
    assert repr(name) in str(caught.value)


def test_refuses_symbolic_links() -> None:
    link = zipfile.ZipInfo("media/link.png")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(ArchiveError, match="'media/link.png' is a symbolic link"):
        SafeZip(make_zip([(link, b"/etc/passwd")]))


@pytest.mark.parametrize("second", ["a.txt", "A.TXT"])
def test_refuses_duplicate_names(second: str) -> None:
    with pytest.raises(ArchiveError, match=f"entry '{second}' appears twice"):
        SafeZip(make_zip([("a.txt", b"1"), (second, b"2")]))


def test_refuses_encrypted_entries() -> None:
    encrypted = patch_headers(make_zip({"secret.txt": b"x"}, zipfile.ZIP_STORED), "secret.txt", 6, 8, "<H", 0x1)
    with pytest.raises(ArchiveError, match="'secret.txt' is encrypted"):
        SafeZip(encrypted)


def test_refuses_too_many_entries() -> None:
    data = make_zip({f"{i}.txt": b"x" for i in range(5)})
    assert len(SafeZip(data, max_entries=5).names()) == 5
    with pytest.raises(ArchiveError, match="has 5 entries; at most 4"):
        SafeZip(data, max_entries=4)


def test_refuses_declared_sizes_over_the_limits() -> None:
    data = make_zip({"a.bin": bytes(600), "b.bin": bytes(600)})
    with pytest.raises(ArchiveError, match=r"limit reached at entry 'b.bin'"):
        SafeZip(data, max_total_bytes=1000)
    with pytest.raises(ArchiveError, match=r"'a.bin' unpacks to 600 bytes; at most 500 bytes per entry"):
        SafeZip(data, max_entry_bytes=500)


def test_a_lying_header_cannot_unpack_more_than_it_declares() -> None:
    # 4 MB of zeros deflate to a few KB; the headers claim 100 bytes.
    bomb = patch_sizes(make_zip({"bomb.bin": bytes(4 * 2**20)}), "bomb.bin", 100)
    archive = SafeZip(bomb, max_entry_bytes=1000, max_total_bytes=1000)
    assert archive.size("bomb.bin") == 100
    with pytest.raises(ArchiveError, match="'bomb.bin' is damaged"):
        archive.read("bomb.bin")


def test_a_header_claiming_more_than_the_data_is_damage() -> None:
    short = patch_sizes(make_zip({"a.txt": b"hello"}, zipfile.ZIP_STORED), "a.txt", 50)
    with pytest.raises(ArchiveError, match="'a.txt'"):
        SafeZip(short).read("a.txt")


def test_counts_the_bytes_actually_read_against_the_total() -> None:
    archive = SafeZip(make_zip({"a.bin": bytes(600)}), max_total_bytes=1000)
    assert len(archive.read("a.bin")) == 600
    with pytest.raises(ArchiveError, match="more than 1000 bytes"):
        archive.read("a.bin")


def test_damaged_data_is_an_archive_error() -> None:
    data = bytearray(make_zip({"a.txt": b"some text that deflates" * 50}))
    start = data.find(b"PK\x03\x04") + 30 + len("a.txt")
    data[start : start + 20] = bytes(20)
    with pytest.raises(ArchiveError, match="'a.txt' is damaged"):
        SafeZip(bytes(data)).read("a.txt")
