""".quizdeck bundles: round trips, updates that keep progress, and every kind of refusal writing nothing."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import SMALL_DECK

from quizapp.core.card_state import Rating, State
from quizapp.core.collection import Collection
from quizapp.core.datadir import imported_decks_dir
from quizapp.core.errors import ArchiveError, DeckFileError
from quizapp.sharing import bundle as bundle_module
from quizapp.sharing.bundle import (
    MANIFEST_NAME,
    SIGNATURE_PURPOSE,
    Manifest,
    bundle_deck_file,
    export_bundle,
    import_bundle,
    read_bundle,
)
from quizapp.sharing.install import ConfirmReason
from quizapp.sharing.signing import PublisherKey, create_key

CREATED = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
# The smallest valid PNG is not needed: the loader checks only that the file exists.
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
WITH_IMAGE = SMALL_DECK.replace("tags: [t1]}\n  - {id: b2", "tags: [t1], image: img/pic.png}\n  - {id: b2")
# v2: b1 reworded, b2 removed on purpose, n1 new.
V2 = (
    SMALL_DECK.replace("version: 1", "version: 2")
    .replace("front: Front one", "front: Front one reworded")
    .replace("  - {id: b2, type: basic, front: Front two, back: Back two, source: m0, tags: [t1]}\n", "")
    .replace("cards:\n", "retired: [b2]\ncards:\n  - {id: n1, type: basic, front: New front, back: New back, source: m0}\n")
)


def write_deck(folder: Path, text: str = SMALL_DECK, name: str = "small.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def make_bundle(tmp_path: Path, text: str = SMALL_DECK, name: str = "small.quizdeck") -> Path:
    deck_file = write_deck(tmp_path / f"src-{name}", text)
    if "img/pic.png" in text:
        (deck_file.parent / "img").mkdir()
        (deck_file.parent / "img" / "pic.png").write_bytes(PICTURE)
    target = tmp_path / name
    bundle_deck_file(deck_file, target, created=CREATED)
    return target


def written_files(collection: Collection) -> list[Path]:
    folder = imported_decks_dir(collection.data_dir)
    return sorted(folder.rglob("*")) if folder.exists() else []


# -- round trips ------------------------------------------------------------------------------------


def test_a_bundle_holds_the_deck_its_images_and_a_manifest_with_every_hash(tmp_path: Path) -> None:
    path = make_bundle(tmp_path, WITH_IMAGE)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [MANIFEST_NAME, "small.yaml", "img/pic.png"]
        manifest = json.loads(archive.read(MANIFEST_NAME))
        assert manifest["files"]["img/pic.png"] == {"size": len(PICTURE), "sha256": hashlib.sha256(PICTURE).hexdigest()}
        assert manifest["files"]["small.yaml"]["sha256"] == hashlib.sha256(archive.read("small.yaml")).hexdigest()
    assert {k: manifest[k] for k in ("format", "deck_id", "version", "title", "created")} == {
        "format": 1, "deck_id": "small", "version": 1, "title": "Small deck", "created": "2025-03-01T09:00:00+00:00"
    }
    assert Manifest.from_dict(manifest).to_dict() == manifest


def test_bundling_the_same_deck_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    assert make_bundle(tmp_path, name="a.quizdeck").read_bytes() == make_bundle(tmp_path, name="b.quizdeck").read_bytes()


def test_import_writes_a_deck_folder_and_export_gives_the_bundle_back(tmp_path: Path, collection: Collection) -> None:
    original = make_bundle(tmp_path, WITH_IMAGE)
    result = import_bundle(collection, original)
    assert result.changed and result.message() == "small v1: added with 5 cards"
    folder = imported_decks_dir(collection.data_dir) / "small"
    assert (folder / "img" / "pic.png").read_bytes() == PICTURE
    assert collection.deck_source_path("small") == (folder / "small.yaml").resolve()
    # The app's next start finds the deck folder already registered.
    report = collection.sync_default_decks()
    assert "small" in report.unchanged and not report.problems
    again = tmp_path / "again.quizdeck"
    export_bundle(collection, "small", again, created=CREATED)
    assert again.read_bytes() == original.read_bytes()


# -- updates ----------------------------------------------------------------------------------------


def test_a_newer_version_updates_by_card_id_and_keeps_progress(tmp_path: Path, collection: Collection) -> None:
    import_bundle(collection, make_bundle(tmp_path))
    collection.answer(("small", "b1", 0), Rating.GOOD)
    collection.answer(("small", "r1", 0), Rating.AGAIN)
    collection.answer(("small", "b2", 0), Rating.EASY)
    kept = {key: collection.card_state(key) for key in [("small", "b1", 0), ("small", "r1", 0)]}

    v2 = make_bundle(tmp_path, V2, "small-v2.quizdeck")
    asked = import_bundle(collection, v2)  # an unsigned file has no key to match: the learner decides
    assert asked.update is None and asked.confirmation is not None
    assert asked.confirmation.reasons == (ConfirmReason.REPLACES_UNSIGNED,)
    assert asked.confirmation.changes.summary() == "small v1 → v2: 1 new, 1 changed, 1 retired, 3 unchanged"
    assert collection.deck_info("small")[0].version == 1

    result = import_bundle(collection, v2, confirmed=True)
    update = result.update
    assert update is not None
    assert (update.added, update.changed, update.retired) == (("n1",), ("b1",), ("b2",))
    assert result.message() == "small v1 → v2: 1 new, 1 changed, 1 retired, 3 unchanged"
    assert {key: collection.card_state(key) for key in kept} == kept
    assert collection.card_state(("small", "n1", 0)).state is State.NEW
    assert [c.id for c in collection.deck("small").cards] == ["n1", "b1", "r1", "c1", "t1"]
    assert len(collection.history(("small", "b2", 0))) == 1  # retired, history kept


def test_the_same_or_an_older_version_changes_nothing_and_says_so(tmp_path: Path, collection: Collection) -> None:
    v1 = make_bundle(tmp_path)
    import_bundle(collection, make_bundle(tmp_path, V2, "small-v2.quizdeck"))
    deck_file = imported_decks_dir(collection.data_dir) / "small" / "small.yaml"
    before = deck_file.read_bytes()

    same = import_bundle(collection, tmp_path / "small-v2.quizdeck")
    older = import_bundle(collection, v1)

    assert not same.changed and same.message() == "small: you already have v2; nothing changed"
    assert not older.changed and older.message() == "small: you have v2, newer than this v1; nothing changed"
    assert deck_file.read_bytes() == before


# -- refusals ---------------------------------------------------------------------------------------


def zip_of(entries: dict[str, bytes], *, manifest: dict[str, object] | None = None, links: tuple[str, ...] = ()) -> bytes:
    """A bundle built by hand: a correct manifest for `entries` unless one is given."""
    listed = {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in entries.items()}
    manifest = manifest or {
        "format": 1, "deck_id": "small", "version": 1, "title": "Small deck", "created": CREATED.isoformat(), "files": listed
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_NAME, json.dumps(manifest))
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data)
    return out.getvalue()


GOOD = {"small.yaml": SMALL_DECK.encode()}


def _manifest_with(**changes: object) -> dict[str, object]:
    listed = {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in GOOD.items()}
    return {"format": 1, "deck_id": "small", "version": 1, "title": "Small deck", "created": CREATED.isoformat(), "files": listed, **changes}


def _valid_bundle_bytes() -> bytes:
    return zip_of(GOOD)


def _no_manifest() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("small.yaml", SMALL_DECK)
    return out.getvalue()


HOSTILE: dict[str, tuple[bytes, str]] = {
    "not a zip": (b"this is not a zip file at all" * 10, "not a zip archive"),
    "truncated": (_valid_bundle_bytes()[:-40], "not a zip archive, or it is truncated"),
    "dot-dot entry": (zip_of({**GOOD, "../evil.txt": b"x"}), "uses '..'"),
    "absolute entry": (zip_of({**GOOD, "/etc/evil": b"x"}), "absolute path"),
    "symlink entry": (zip_of({**GOOD, "img/link.png": b"/etc/passwd"}, links=("img/link.png",)), "symbolic link"),
    "hash mismatch": (
        zip_of({"small.yaml": SMALL_DECK.replace("Back one", "Back 1!!").encode()}, manifest=_manifest_with()),
        "does not match its SHA-256",
    ),
    "unknown format": (zip_of(GOOD, manifest=_manifest_with(format=3)), "bundle format 3 is not one this app reads (it reads 1 and 2); update quizapp"),
    "signed format without a signature": (zip_of(GOOD, manifest=_manifest_with(format=2)), "manifest.json: the key 'publisher_key' is missing"),
    "unlisted entry": (zip_of({**GOOD, "extra.png": b"x"}, manifest=_manifest_with()), "'extra.png' is not listed in the manifest"),
    "listed but missing": (zip_of({}, manifest=_manifest_with()), "lists 'small.yaml' but the bundle does not hold it"),
    "no manifest": (_no_manifest(), "has no manifest.json, so it is not a quizapp bundle"),
    "malformed manifest": (zip_of(GOOD, manifest=_manifest_with(version="two")), "manifest.json: version: must be a whole number"),
    "manifest names another deck": (zip_of(GOOD, manifest=_manifest_with(version=3)), "the manifest says deck 'small' v3 but the deck file is 'small' v1"),
    "unused file": (zip_of({**GOOD, "img/x.png": b"x"}), "'img/x.png' is not an image any card uses"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_or_broken_bundle_is_refused_and_nothing_is_written(kind: str, tmp_path: Path, collection: Collection) -> None:
    data, message = HOSTILE[kind]
    path = tmp_path / "bad.quizdeck"
    path.write_bytes(data)
    with pytest.raises(ArchiveError) as error:
        import_bundle(collection, path)
    assert message in str(error.value)
    assert written_files(collection) == []
    assert "small" not in collection.deck_ids()


def test_a_bundle_that_unpacks_past_the_limit_is_refused(tmp_path: Path, collection: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle_module, "MAX_BUNDLE_BYTES", 50_000)
    # 200 KB of zeros compress to a few hundred bytes: a small zip bomb.
    path = tmp_path / "bomb.quizdeck"
    path.write_bytes(zip_of({**GOOD, "img/zeros.png": bytes(200_000)}))
    assert path.stat().st_size < 5_000
    with pytest.raises(ArchiveError, match="unpacks to"):
        import_bundle(collection, path)
    assert written_files(collection) == []


def test_a_deck_that_does_not_validate_is_refused_with_its_positions(tmp_path: Path, collection: Collection) -> None:
    broken = SMALL_DECK.replace("back: Back one", "bak: Back one")
    path = tmp_path / "broken.quizdeck"
    path.write_bytes(zip_of({"small.yaml": broken.encode()}))
    with pytest.raises(DeckFileError) as error:
        import_bundle(collection, path)
    assert [str(p).split(": ")[0] for p in error.value.problems] == ["broken.quizdeck/small.yaml:5:5", "broken.quizdeck/small.yaml:5:45"]
    assert written_files(collection) == []


def test_read_bundle_takes_bytes_as_well_as_files(tmp_path: Path) -> None:
    data = make_bundle(tmp_path).read_bytes()
    bundle = read_bundle(data, name="download.quizdeck")
    assert (bundle.deck.id, bundle.manifest.version, bundle.media) == ("small", 1, {})


# -- signed bundles ---------------------------------------------------------------------------------


def _signed_bundle(tmp_path: Path, signer: PublisherKey) -> Path:
    deck_file = write_deck(tmp_path / "signed-src")
    target = tmp_path / "signed.quizdeck"
    bundle_deck_file(deck_file, target, created=CREATED, signer=signer)
    return target


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_signed_bundle_names_its_signer_and_an_unsigned_one_stays_format_1(tmp_path: Path) -> None:
    key = PublisherKey.generate()
    signed = read_bundle(_signed_bundle(tmp_path, key))
    assert signed.signer == key.public_key and signed.manifest.format == 2
    manifest = json.loads(_entries(tmp_path / "signed.quizdeck")[MANIFEST_NAME])
    assert manifest["publisher_key"] == key.public_key and len(manifest["signature"]) == 86
    # Unsigned bundles are written as before, so older apps still read them.
    unsigned = read_bundle(make_bundle(tmp_path))
    assert unsigned.signer is None and unsigned.manifest.format == 1
    assert "signature" not in json.loads(_entries(tmp_path / "small.quizdeck")[MANIFEST_NAME])


def test_a_forged_signed_bundle_is_refused_and_nothing_is_written(tmp_path: Path, collection: Collection) -> None:
    """The forger swaps in false advice and fixes the manifest's hashes, but cannot sign them."""
    key = PublisherKey.generate()
    entries = _entries(_signed_bundle(tmp_path, key))
    forged_deck = SMALL_DECK.replace("Back one", "Let them sleep it off").encode()
    manifest = json.loads(entries[MANIFEST_NAME])
    manifest["files"]["small.yaml"] = {"size": len(forged_deck), "sha256": hashlib.sha256(forged_deck).hexdigest()}
    path = tmp_path / "forged.quizdeck"
    path.write_bytes(zip_of({"small.yaml": forged_deck}, manifest=manifest))
    with pytest.raises(ArchiveError, match=r"forged.quizdeck/manifest.json: signature: does not match: it was altered after publisher key [0-9a-f ]{19} signed it"):
        import_bundle(collection, path)
    # Re-signed with the forger's own key it reads, but names the forger: no longer the teacher's.
    resigned = PublisherKey.generate().sign({k: v for k, v in manifest.items() if k != "signature"}, SIGNATURE_PURPOSE)
    assert read_bundle(zip_of({"small.yaml": forged_deck}, manifest=resigned)).signer not in (None, key.public_key)
    assert written_files(collection) == [] and "small" not in collection.deck_ids()


def test_a_teachers_export_is_signed_with_their_key(tmp_path: Path, collection: Collection) -> None:
    collection.sync_files([write_deck(tmp_path / "decks")])
    export_bundle(collection, "small", tmp_path / "plain.quizdeck", created=CREATED)
    assert read_bundle(tmp_path / "plain.quizdeck").signer is None  # a learner has no key: unsigned
    key = create_key(collection.data_dir)
    export_bundle(collection, "small", tmp_path / "signed.quizdeck", created=CREATED)
    assert read_bundle(tmp_path / "signed.quizdeck").signer == key.public_key
