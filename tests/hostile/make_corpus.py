"""Builds the hostile corpus (see README.md in this folder).

The small files are committed next to this script; `python tests/hostile/make_corpus.py` writes
them again, byte for byte (fixed zip times, no randomness), and a test checks that the committed
copies still match. The big ones (50 MB strings, zip bombs) and the ones derived from the Anki
reference packages in ../shared/fixtures/anki are only ever made at test time, into a temporary
folder, by `make_generated`: never commit them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import sqlite3
import stat
import struct
import sys
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANKI_FIXTURES = HERE.parents[2] / "shared" / "fixtures" / "anki"
# The generated files made by editing those reference packages (the others need nothing beside the repo).
FROM_ANKI_FIXTURES = frozenset({"generated-column.apkg", "huge-field.apkg", "many-notes.apkg", "tag-soup.apkg", "empty-deck-name.apkg", "number-as-setting.apkg"})
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
PWNED_MARKER = "/tmp/quizapp-hostile-pwned"

DECK = """\
format: 1
deck: {id: small, version: 1, title: Small deck}
sources: [{id: m0, title: Page, publisher: Publisher}]
cards:
  - {id: b1, type: basic, front: Front one, back: Back one, source: m0}
  - {id: b2, type: basic, front: Front two, back: Back two, source: m0}
"""
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


# -- zip building -----------------------------------------------------------------------------------


def manifest_for(entries: dict[str, bytes], **changes: object) -> bytes:
    files = {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in entries.items()}
    document = {"format": 1, "deck_id": "small", "version": 1, "title": "Small deck", "created": "2025-03-01T09:00:00+00:00", "files": files, **changes}
    return json.dumps(document, indent=2).encode()  # ASCII: a lone surrogate stays a JSON escape


# Fixed keys, so the signed files come out byte for byte the same (Ed25519 signing is deterministic).
TEACHER_SEED = bytes(range(32))
FORGER_SEED = bytes(range(32, 64))


def signed_manifest(entries: dict[str, bytes], *, signer: bytes = TEACHER_SEED, claimed: bytes | None = None) -> dict[str, object]:
    """A format-2 manifest for `entries`, signed by `signer` but naming `claimed`'s key (default:
    the signer's), written here independently of quizapp: a cross-check of the wire format."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    public = Ed25519PrivateKey.from_private_bytes(claimed or signer).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    document = {**json.loads(manifest_for(entries, format=2)), "publisher_key": b64(public)}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    signature = Ed25519PrivateKey.from_private_bytes(signer).sign(b"quizapp signed bundle manifest\n" + canonical)
    return {**document, "signature": b64(signature)}


def tampered_bundle() -> bytes:
    """The teacher's signed bundle with false advice swapped in and the manifest's hashes fixed to
    match it: everything checks out except the signature."""
    deck = DECK.encode()
    forged = DECK.replace("Back one", "Let them sleep it off; do not call anyone").encode()
    manifest = signed_manifest({"small.yaml": deck})
    manifest["files"] = json.loads(manifest_for({"small.yaml": forged}))["files"]
    return bundle({"small.yaml": forged}, manifest=json.dumps(manifest, indent=2).encode())


def zip_bytes(entries: Sequence[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of some files
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in entries:
                info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name, ZIP_TIME)
                info.compress_type = method
                info.external_attr = info.external_attr or (0o100644 << 16)
                archive.writestr(info, data)
    return out.getvalue()


def bundle(entries: dict[str, bytes], *, manifest: bytes | None = None, extra: Sequence[tuple[str | zipfile.ZipInfo, bytes]] = ()) -> bytes:
    """A bundle whose manifest lists `entries` correctly (unless `manifest` is given)."""
    return zip_bytes([("manifest.json", manifest if manifest is not None else manifest_for(entries)), *entries.items(), *extra])


def deck_bundle(deck_yaml: bytes) -> bytes:
    """A correct bundle around a (hostile) deck file: only the deck loader stands in the way."""
    return bundle({"small.yaml": deck_yaml})


# A forged update of the bundled overdose deck: a version far higher than any bundled one, telling the learner to do
# the opposite of the first step. No file from outside may replace a bundled deck.
FORGED_OVERDOSE = """\
format: 1
deck: {id: overdose-response, version: 99, title: Overdose response}
sources: [{id: m0, title: Page, publisher: Publisher}]
cards:
  - {id: od-call-first, type: basic, front: Someone has overdosed. What is the first thing to do?, back: Let them sleep it off; do not call anyone., source: m0}
"""


def forged_bundle() -> bytes:
    deck = FORGED_OVERDOSE.encode()
    manifest = manifest_for({"overdose-response.yaml": deck}, deck_id="overdose-response", version=99, title="Overdose response")
    return bundle({"overdose-response.yaml": deck}, manifest=manifest)


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def with_method(data: bytes, name: str, method: int) -> bytes:
    """Rewrite the compression method of entry `name` in both of its headers."""
    out = bytearray(data)
    encoded = name.encode()
    for signature, name_len_at, name_at, method_at in ((b"PK\x03\x04", 26, 30, 8), (b"PK\x01\x02", 28, 46, 10)):
        start = out.find(signature)
        while start != -1:
            length = struct.unpack_from("<H", out, start + name_len_at)[0]
            if out[start + name_at : start + name_at + length] == encoded:
                struct.pack_into("<H", out, start + method_at, method)
            start = out.find(signature, start + 4)
    return bytes(out)


# An .apkg only needs to be a zip for these: each is refused at the zip layer, before the collection.
APKG_STUB = [("meta", b"\x08\x02"), ("collection.anki21", b"SQLite format 3\x00" + bytes(84)), ("media", b"{}")]


# -- the small, committed files ---------------------------------------------------------------------


def billion_laughs() -> bytes:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[level]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    lines += ["format: 1", "deck: {id: laughs, version: 1, title: *i}", "cards:", "  - {id: x1, type: basic, front: *i, back: *i}"]
    return ("\n".join(lines) + "\n").encode()


def python_tags() -> bytes:
    return f"""\
format: 1
deck: {{id: tags, version: 1, title: !!python/object/apply:os.system ["echo pwned > {PWNED_MARKER}"]}}
cards:
  - !!python/object/new:subprocess.Popen [["sh", "-c", "echo pwned > {PWNED_MARKER}"]]
  - {{id: x2, type: basic, front: !!python/name:os.system , back: !!binary aGVsbG8=}}
  - {{id: x3, type: basic, front: !custom thing, back: !!set {{a: null}}}}
""".encode()


def deep_yaml() -> bytes:
    # 30,000 nested flow sequences: 60 KB that overflowed the C composer's stack (killing the process).
    return b"format: 1\ndeck: {id: deep, version: 1, title: Deep}\ncards: " + b"[" * 30_000 + b"]" * 30_000 + b"\n"


def deep_block_yaml() -> bytes:
    # The same with compact block sequences ("- - - -"): two bytes per level.
    return b"format: 1\ndeck: {id: deep, version: 1, title: Deep}\ncards:\n  " + b"- " * 30_000 + b"x\n"


def invalid_utf8_text(kind: str) -> bytes:
    if kind == "yaml":
        return DECK.replace("Back two", "Back \udcff\udcfe two").encode("utf-8", "surrogateescape")
    if kind == "csv":
        return b"id,front,back\nq1,Opioids,Depressants\nq2,Caf\xe9,\xff\xfe stimulant\n"
    return b"Opioids\tDepressants\nCaf\xe9\t\xff\xfe stimulant\n"


def long_image_name_yaml() -> bytes:
    return DECK.replace("source: m0}\n  - {id: b2", "source: m0, image: " + "x" * 300 + ".png}\n  - {id: b2", 1).encode()


def deep_json() -> bytes:
    return b"[" * 30_000 + b"]" * 30_000


def small_files() -> dict[str, Callable[[], bytes]]:
    deck = DECK.encode()
    with_image = DECK.replace("source: m0}\n  - {id: b2", "source: m0, image: img/pic.png}\n  - {id: b2", 1)
    file_and_folder = with_image.replace("source: m0}\n", "source: m0, image: img/pic.png/x.png}\n", 1)
    long_name = "x" * 300 + ".png"
    long_image = DECK.replace("source: m0}\n  - {id: b2", f"source: m0, image: {long_name}}}\n  - {{id: b2", 1)
    good = bundle({"small.yaml": deck})
    lzma_entries = {"small.yaml": deck}
    return {
        # YAML decks (deck loader; also Quizlet/CSV text, and inside a bundle)
        "billion-laughs.yaml": billion_laughs,
        # Provenance: a file claiming a bundled deck's id
        "forged-overdose.quizdeck": forged_bundle,
        "python-tags.yaml": python_tags,
        "deep-nesting.yaml": deep_yaml,
        "deep-nesting-block.yaml": deep_block_yaml,
        "invalid-utf8.yaml": lambda: invalid_utf8_text("yaml"),
        "long-image-name.yaml": long_image_name_yaml,
        "lone-surrogate.yaml": lambda: DECK.replace("Back two", '"Back \\ud800 two"').encode(),
        "control-title.yaml": lambda: DECK.replace("title: Small deck}", 'title: "Small \\e[2J\\u202ekced"}').encode(),
        # Text for the spreadsheet importers
        "invalid-utf8.csv": lambda: invalid_utf8_text("csv"),
        "invalid-utf8.txt": lambda: invalid_utf8_text("txt"),
        "nul.csv": lambda: b"id,front,back\nq1,Naloxone,Reverses opioids\nq2,Fentanyl,A strong\x00opioid\n",
        "nul.txt": lambda: b"Naloxone\tReverses opioids\nFentanyl\tA strong\x00opioid\n",
        # JSON (feed index, class report, and a bundle's manifest)
        "deep-nesting.json": deep_json,
        "duplicate-keys.json": lambda: b'{"format": 1, "format": 1, "generated": "2025-03-01T09:00:00+00:00", "decks": []}',
        "lone-surrogate.json": lambda: b'{"format": 1, "deck_id": "small", "nickname": "\\ud800", "generated": "\\udfff", "decks": [], "cards": []}',
        "huge-number.json": lambda: b'{"format": ' + b"9" * 5000 + b"}",
        "report-bidi-nickname.json": lambda: b'{"format": 2, "deck_id": "small", "nickname": "\\u202eanA\\u001b[2J", "learner": "' + b"a" * 32 + b'", "cards": []}',
        "report-forged-counts.json": lambda: b'{"format": 2, "deck_id": "small", "nickname": "Ana", "learner": "' + b"a" * 32 + b'", "cards": [{"card": "b1", "sibling": 0, "reviews": 1, "lapses": 9, "retrievability": 0.5}]}',
        # Bundles (bundle import; the zip-level ones also as .apkg)
        "not-a-zip.quizdeck": lambda: b"this is a text file wearing a .quizdeck name\n" * 20,
        "truncated.quizdeck": lambda: good[: len(good) // 2],
        "zip-slip.quizdeck": lambda: bundle({"small.yaml": deck, "../../evil.png": PICTURE}),
        "absolute-path.quizdeck": lambda: bundle({"small.yaml": deck, "/tmp/evil.png": PICTURE}),
        "windows-path.quizdeck": lambda: bundle({"small.yaml": deck, "..\\..\\evil.png": PICTURE}),
        "drive-letter.quizdeck": lambda: bundle({"small.yaml": deck, "C:/Windows/evil.png": PICTURE}),
        "symlink.quizdeck": lambda: zip_bytes([("manifest.json", manifest_for({"small.yaml": deck, "img/pic.png": b"/etc/passwd"})), ("small.yaml", with_image.encode()), (symlink("img/pic.png"), b"/etc/passwd")]),
        "duplicate-entries.quizdeck": lambda: zip_bytes([("manifest.json", manifest_for({"small.yaml": deck})), ("small.yaml", deck), ("small.yaml", DECK.replace("Back one", "Evil").encode())]),
        "duplicate-manifest.quizdeck": lambda: zip_bytes([("manifest.json", manifest_for({"small.yaml": deck})), ("manifest.json", b"{}"), ("small.yaml", deck)]),
        "case-duplicate.quizdeck": lambda: zip_bytes([("manifest.json", manifest_for({"small.yaml": deck})), ("small.yaml", deck), ("SMALL.yaml", deck)]),
        "unicode-duplicate.quizdeck": lambda: zip_bytes([("manifest.json", manifest_for({"small.yaml": deck})), ("small.yaml", deck), ("caf\u00e9.png", PICTURE), ("cafe\u0301.png", PICTURE)]),
        "lzma-damaged.quizdeck": lambda: with_method(zip_bytes([("manifest.json", manifest_for(lzma_entries)), ("small.yaml", b"\x09\x14\x05\x00\xff\xff\xff\xff\xff" + deck)], zipfile.ZIP_STORED), "small.yaml", zipfile.ZIP_LZMA),
        "file-and-folder.quizdeck": lambda: bundle({"small.yaml": file_and_folder.encode(), "img/pic.png": PICTURE, "img/pic.png/x.png": PICTURE}),
        "long-image-name.quizdeck": lambda: bundle({"small.yaml": long_image.encode(), long_name: PICTURE}),
        "deep-manifest.quizdeck": lambda: bundle({"small.yaml": deck}, manifest=deep_json()),
        "surrogate-manifest.quizdeck": lambda: bundle({"small.yaml": deck}, manifest=manifest_for({"small.yaml": deck}, title="\ud800")),
        "tampered-manifest.quizdeck": tampered_bundle,
        "bad-signature.quizdeck": lambda: bundle({"small.yaml": deck}, manifest=json.dumps(signed_manifest({"small.yaml": deck}, signer=FORGER_SEED, claimed=TEACHER_SEED)).encode()),
        "malformed-signature.quizdeck": lambda: bundle({"small.yaml": deck}, manifest=json.dumps({**signed_manifest({"small.yaml": deck}), "signature": "c2lnbmVk"}).encode()),
        # Anki packages, refused at the zip layer
        "zip-slip.apkg": lambda: zip_bytes([*APKG_STUB, ("../../collection.anki21", b"x")]),
        "absolute-path.apkg": lambda: zip_bytes([*APKG_STUB, ("/tmp/0", b"x")]),
        "symlink.apkg": lambda: zip_bytes([*APKG_STUB, (symlink("0"), b"/etc/passwd")]),
        "duplicate-entries.apkg": lambda: zip_bytes([*APKG_STUB, ("collection.anki21", b"SQLite format 3\x00")]),
        "truncated.apkg": lambda: zip_bytes(APKG_STUB)[:-30],
    }


# -- the big and the derived ones, made at test time ------------------------------------------------


def _zeros_deflate(size: int, chunk: int = 2**20) -> tuple[bytes, int]:
    """Raw deflate data that inflates to `size` zero bytes, made in milliseconds: one chunk is
    compressed after a full flush (which resets the history), so every chunk compresses to the
    same bytes and the stream is that block repeated. Returns (data, CRC-32 of the output)."""
    assert size % chunk == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty final block
    crc = 0
    zeros = bytes(chunk)
    for _ in range(size // chunk):
        crc = zlib.crc32(zeros, crc)
    return block * (size // chunk) + tail, crc


def raw_zip(entries: list[tuple[str, bytes, int, int, int]], *, overlap: int = 0) -> bytes:
    """A zip written by hand: (name, stored data, method, declared size, CRC) per entry, so that
    sizes can lie. With `overlap` > 0, the central directory lists the first entry's data that many
    more times under other names (the overlapping-entries bomb)."""
    out = bytearray()
    central = bytearray()
    offsets = []
    for name, data, method, size, crc in entries:
        encoded = name.encode()
        offsets.append(len(out))
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0) + encoded + data
    listed = [(name, data, method, size, crc, offset) for (name, data, method, size, crc), offset in zip(entries, offsets)]
    first = listed[0]
    listed += [(f"copy-{n}.png", first[1], first[2], first[3], first[4], first[5]) for n in range(overlap)]
    for name, data, method, size, crc, offset in listed:
        encoded = name.encode()
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0x314, 20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0o100644 << 16, offset) + encoded
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(listed), len(listed), len(central), len(out), 0)
    return bytes(out + central + end)


def _bomb_entries(name: str, unpacked: int, declared: int | None = None) -> list[tuple[str, bytes, int, int, int]]:
    data, crc = _zeros_deflate(unpacked)
    return [(name, data, zipfile.ZIP_DEFLATED, unpacked if declared is None else declared, crc)]


def _anki_members(package: str) -> dict[str, bytes]:
    with zipfile.ZipFile(ANKI_FIXTURES / package) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _edited_anki(
    package: str,
    member: str,
    *statements: tuple[str, tuple[object, ...]],
    compress: Callable[[bytes], bytes] | None = None,
    decompress: Callable[[bytes], bytes] | None = None,
) -> bytes:
    """A reference package with SQL run on its collection."""
    members = _anki_members(package)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "collection"
        path.write_bytes(decompress(members[member]) if decompress else members[member])
        db = sqlite3.connect(path)
        db.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
        for sql, params in statements:
            db.execute(sql, params)
        db.commit()
        db.close()
        data = path.read_bytes()
    members[member] = compress(data) if compress else data
    return zip_bytes(list(members.items()))


@functools.cache
def _huge() -> str:
    return "a" * (50 * 10**6)


def _huge_deck() -> bytes:
    return DECK.replace("Back one", _huge()).encode()


@functools.cache
def _lying() -> tuple[bytes, int]:
    return _zeros_deflate(256 * 2**20)


def _meta(version: int) -> tuple[str, bytes, int, int, int]:
    data = bytes([0x08, version])
    return ("meta", data, 0, len(data), zlib.crc32(data))


def _zstd_bomb() -> bytes:
    import zstandard

    zeros = bytes(2**20)
    compressor = zstandard.ZstdCompressor(level=3).compressobj()
    parts = [compressor.compress(b"SQLite format 3\x00" + zeros[16:])]
    parts += [compressor.compress(zeros) for _ in range(255)]  # 256 MB in all
    return b"".join(parts) + compressor.flush()


def _zstd_members(package: str) -> dict[str, Callable[[bytes], bytes]]:
    import zstandard

    return {"compress": zstandard.compress, "decompress": lambda data: zstandard.ZstdDecompressor().decompress(data, max_output_size=2**26)}


def _generated_column() -> bytes:
    """The legacy reference package whose `notes.flds` is a generated column: an expression SQLite
    evaluates on every read of it (a 200 MB string per note here)."""
    columns = "id, guid, mid, mod, usn, tags, sfld, csum, flags, data"
    return _edited_anki(
        "reference-legacy.apkg",
        "collection.anki21",
        ("ALTER TABLE notes RENAME TO old_notes", ()),
        (
            ("CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL, mod integer NOT NULL, usn integer NOT NULL, "
            "tags text NOT NULL, flds text GENERATED ALWAYS AS (hex(zeroblob(100000000))) VIRTUAL, sfld integer NOT NULL, "
            "csum integer NOT NULL, flags integer NOT NULL, data text NOT NULL)"),
            (),
        ),
        (f"INSERT INTO notes ({columns}) SELECT {columns} FROM old_notes", ()),
        ("DROP TABLE old_notes", ()),
    )


def empty_notes(count: int) -> bytes:
    """The legacy reference package with `count` more notes, each empty, and no cards."""
    return _edited_anki(
        "reference-legacy.apkg",
        "collection.anki21",
        (
            ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO notes SELECT 2000000000000 + i, 'g' || i, (SELECT mid FROM notes LIMIT 1), 0, 0, '', '', '', 0, 0, '' FROM n"),
            (count,),
        ),
    )


def many_cards_yaml(cards: int) -> bytes:
    """A deck file of `cards` tiny basic cards, one per line (120,000 make 7 MB)."""
    head = "format: 1\ndeck: {id: many, version: 1, title: Many cards}\ncards:\n"
    return (head + "".join(f"- {{id: c{n}, type: basic, front: f{n}, back: b{n}}}\n" for n in range(cards))).encode()


def one_line_yaml(cards: int) -> bytes:
    """A deck file written as one flow mapping on a single line (170,000 cards make 7 MB)."""
    items = ",".join(f"{{id: c{n}, type: basic, front: f, back: b}}" for n in range(cards))
    return ("{format: 1, deck: {id: one-line, version: 1, title: One line}, cards: [" + items + "]}").encode()


def many_rows_txt(rows: int) -> bytes:
    """Quizlet text of `rows` term/definition rows."""
    return "".join(f"term {n}\tmeaning {n}\n" for n in range(rows)).encode()


def generated_files() -> dict[str, Callable[[], bytes]]:
    """Made at test time (big, or derived from the Anki reference packages)."""
    first_note = "UPDATE notes SET flds = ? || char(31) || 'back' WHERE id = (SELECT min(id) FROM notes)"
    return {
        # 50 MB strings: a deck file, spreadsheet text, a deck inside a bundle, an Anki note field
        "huge-string.yaml": _huge_deck,
        "huge-string.csv": lambda: b"id,front,back\nq1,Front," + _huge().encode() + b"\n",
        "huge-string.txt": lambda: b"Front\t" + _huge().encode() + b"\n",
        "huge-string.quizdeck": lambda: deck_bundle(_huge_deck()),
        "huge-field.apkg": lambda: _edited_anki("reference-legacy.apkg", "collection.anki21", (first_note, (_huge(),))),
        # 2 MB of HTML tags in one field: 20 KB of package, and seconds of parsing
        "tag-soup.apkg": lambda: _edited_anki("reference-legacy.apkg", "collection.anki21", (first_note, ("<b>x</b>" * 250_000,))),
        # Odd but harmless: a blank deck name; a setting stored as a number (was bytes(2**40))
        "empty-deck-name.apkg": lambda: _edited_anki(
            "reference-legacy.apkg", "collection.anki21", ("UPDATE col SET decks = replace(decks, '\"name\":\"Reference::Basics\"', '\"name\":\"  \"')", ())
        ),
        "number-as-setting.apkg": lambda: _edited_anki(
            "reference-modern.apkg", "collection.anki21b", ("UPDATE config SET val = ? WHERE KEY = 'rollover'", (2**40,)), **_zstd_members("modern")
        ),
        # Zip bombs: small files, huge unpacked
        "zip-bomb.quizdeck": lambda: raw_zip([("manifest.json", b"{}", 0, 2, zlib.crc32(b"{}")), *_bomb_entries("img/zeros.png", 1024 * 2**20)]),
        "zip-bomb-overlap.quizdeck": lambda: raw_zip(_bomb_entries("img/zeros.png", 32 * 2**20), overlap=40),
        "zip-bomb-lying.quizdeck": lambda: _lying_bundle(*_lying()),
        "zip-bomb.apkg": lambda: raw_zip([_meta(2), *_bomb_entries("collection.anki21", 1024 * 2**20)]),
        "zip-bomb-overlap.apkg": lambda: raw_zip([*_bomb_entries("0", 400 * 2**20), _meta(2), ("collection.anki21", b"x", 0, 1, zlib.crc32(b"x"))], overlap=6),
        "zip-bomb-lying.apkg": lambda: raw_zip([_meta(2), ("collection.anki21", _lying()[0], zipfile.ZIP_DEFLATED, 4096, _lying()[1])]),
        "zstd-bomb.apkg": lambda: zip_bytes([("meta", b"\x08\x03"), ("collection.anki21b", _zstd_bomb())], zipfile.ZIP_STORED),
        # Costly to read, small to send: a generated column; more rows or values than we hold
        "generated-column.apkg": _generated_column,
        "many-notes.apkg": lambda: empty_notes(150_000),
        "many-cards.yaml": lambda: many_cards_yaml(120_000),
        "one-line.yaml": lambda: one_line_yaml(170_000),
        "many-rows.txt": lambda: many_rows_txt(300_000),
        "many-columns.csv": lambda: ",".join(f"c{n}" for n in range(100_000)).encode() + b"\nq1,Front,Back\n",
    }


def _lying_bundle(data: bytes, crc: int) -> bytes:
    """A bundle whose image entry says (in both headers and the manifest) 4 KB, and is 256 MB."""
    deck = DECK.replace("source: m0}\n  - {id: b2", "source: m0, image: zeros.png}\n  - {id: b2", 1).encode()
    manifest = json.dumps({
        "format": 1, "deck_id": "small", "version": 1, "title": "Small deck", "created": "2025-03-01T09:00:00+00:00",
        "files": {"small.yaml": {"size": len(deck), "sha256": hashlib.sha256(deck).hexdigest()}, "zeros.png": {"size": 4096, "sha256": hashlib.sha256(bytes(4096)).hexdigest()}},
    }).encode()
    return raw_zip([
        ("manifest.json", manifest, 0, len(manifest), zlib.crc32(manifest)),
        ("small.yaml", deck, 0, len(deck), zlib.crc32(deck)),
        ("zeros.png", data, zipfile.ZIP_DEFLATED, 4096, crc),
    ])


def write_small(folder: Path = HERE) -> list[Path]:
    written = []
    for name, build in small_files().items():
        path = folder / name
        path.write_bytes(build())
        written.append(path)
    return written


def make_generated(folder: Path, names: list[str] | None = None) -> dict[str, Path]:
    builders = generated_files()
    paths = {}
    for name in names or builders:
        path = folder / name
        path.write_bytes(builders[name]())
        paths[name] = path
    return paths


if __name__ == "__main__":
    for path in write_small(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(f"{path.stat().st_size:>9,}  {path.name}")
