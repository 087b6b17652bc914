"""Publisher keys: the key file (owner-only, never replaced), moving it with a passphrase, the
fingerprint in words, signed documents and feed addresses that carry the key."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from quizapp.core.errors import QuizappError
from quizapp.sharing.jsonshape import JsonReader
from quizapp.sharing.signing import (
    WORDS,
    PublisherKey,
    SignatureError,
    address_key,
    create_key,
    export_key,
    fingerprint_words,
    import_key,
    key_path,
    keyed_address,
    load_key,
    load_or_create_key,
    read_exported_key,
    verify_document,
)

PASSPHRASE = "correct horse battery staple"
# A fixed key, so the words below are a known answer: changing the list would change every
# teacher's words, and learners compare them aloud.
FIXED = PublisherKey.from_raw(bytes(range(32)))
READ = JsonReader("doc.json", QuizappError)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_key_file_is_made_readable_by_its_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    # Root reads any file anyway, so the bits themselves are checked. A umask of 0 would leave a
    # file written the ordinary way world-readable; the key is created with mode 0600 instead.
    previous = os.umask(0)
    try:
        key, made = load_or_create_key(tmp_path / "data")
    finally:
        os.umask(previous)
    assert made and _mode(key_path(tmp_path / "data")) == 0o600
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["publisher-key.pem"]  # no temporary left
    again, made_again = load_or_create_key(tmp_path / "data")
    assert not made_again and again.public_key == key.public_key


def test_a_key_is_never_replaced_by_keygen(tmp_path: Path) -> None:
    key = create_key(tmp_path)
    with pytest.raises(SignatureError, match="already has publisher key"):
        create_key(tmp_path)
    assert load_key(tmp_path).public_key == key.public_key  # type: ignore[union-attr]


def test_a_key_file_copied_in_with_loose_rights_is_tightened(tmp_path: Path) -> None:
    create_key(tmp_path)
    key_path(tmp_path).chmod(0o644)
    load_key(tmp_path)
    assert _mode(key_path(tmp_path)) == 0o600


def test_a_damaged_key_file_says_what_to_do(tmp_path: Path) -> None:
    key_path(tmp_path).write_text("not a key")
    with pytest.raises(SignatureError, match="is not a quizapp publisher key; move it away and run `quizapp keygen`"):
        load_key(tmp_path)


def test_export_then_import_on_another_computer_gives_the_same_key(tmp_path: Path) -> None:
    key = create_key(tmp_path / "old-laptop")
    exported = export_key(key, tmp_path / "key.export", PASSPHRASE)
    assert _mode(exported) == 0o600
    assert key.raw().hex() not in exported.read_text() and PASSPHRASE not in exported.read_text()
    imported, changed = import_key(tmp_path / "new-laptop", exported, PASSPHRASE)
    assert changed and imported.public_key == key.public_key
    assert load_key(tmp_path / "new-laptop").public_key == key.public_key  # type: ignore[union-attr]
    assert _mode(key_path(tmp_path / "new-laptop")) == 0o600
    assert import_key(tmp_path / "new-laptop", exported, PASSPHRASE)[1] is False  # again: nothing changes


def test_a_wrong_passphrase_or_an_altered_file_is_refused(tmp_path: Path) -> None:
    exported = export_key(create_key(tmp_path / "old"), tmp_path / "key.export", PASSPHRASE)
    with pytest.raises(SignatureError, match="key.export: wrong passphrase"):
        import_key(tmp_path / "new", exported, PASSPHRASE + "!")
    assert load_key(tmp_path / "new") is None
    document = json.loads(exported.read_text())
    document["publisher_key"] = PublisherKey.generate().public_key  # claims another key
    exported.write_text(json.dumps(document))
    with pytest.raises(SignatureError, match="wrong passphrase \\(or the file was altered\\)"):
        read_exported_key(exported, PASSPHRASE)
    document["scrypt"]["n"] = 2**30  # a memory bomb
    exported.write_text(json.dumps(document))
    with pytest.raises(SignatureError, match="scrypt.n: must be between"):
        read_exported_key(exported, PASSPHRASE)


def test_importing_over_another_key_is_refused(tmp_path: Path) -> None:
    exported = export_key(PublisherKey.generate(), tmp_path / "key.export", PASSPHRASE)
    mine = create_key(tmp_path / "data")
    with pytest.raises(SignatureError, match="already has another publisher key"):
        import_key(tmp_path / "data", exported, PASSPHRASE)
    assert load_key(tmp_path / "data").public_key == mine.public_key  # type: ignore[union-attr]


def test_a_short_passphrase_or_an_existing_file_is_refused(tmp_path: Path) -> None:
    key = PublisherKey.generate()
    with pytest.raises(SignatureError, match="at least 8 characters"):
        export_key(key, tmp_path / "key.export", "short")
    (tmp_path / "taken").write_text("keep me")
    with pytest.raises(SignatureError, match="already exists"):
        export_key(key, tmp_path / "taken", PASSPHRASE)
    assert (tmp_path / "taken").read_text() == "keep me"


def test_the_fingerprint_is_six_words_from_a_fixed_list() -> None:
    assert len(WORDS) == len(set(WORDS)) == 256
    assert fingerprint_words(FIXED.public_key) == "elk delta falcon oasis eel fox"
    assert fingerprint_words(PublisherKey.generate().public_key) != fingerprint_words(FIXED.public_key)


def test_a_signed_document_verifies_and_any_change_is_refused() -> None:
    signed = FIXED.sign({"format": 2, "title": "Overdose response", "decks": [1, 2]}, "feed index")
    assert verify_document(signed, "feed index", READ) == FIXED.public_key
    assert verify_document({"format": 2}, "feed index", READ) is None  # unsigned
    for altered, message in [
        ({**signed, "title": "Overdose response (edited)"}, "signature: does not match"),
        ({**signed, "publisher_key": PublisherKey.generate().public_key}, "signature: does not match"),
        ({k: v for k, v in signed.items() if k != "signature"}, "has a publisher_key but no signature"),
        ({**signed, "signature": "x" * 10}, "signature: is not an Ed25519 signature"),
        ({**signed, "publisher_key": "not a key"}, "publisher_key: is not a publisher key"),
    ]:
        with pytest.raises(QuizappError, match=message):
            verify_document(altered, "feed index", READ)
    with pytest.raises(QuizappError, match="does not match"):
        verify_document(signed, "bundle manifest", READ)  # an index's signature never passes for a manifest


def test_a_feed_address_carries_the_key_in_its_fragment() -> None:
    address = keyed_address("http://10.0.0.5:8765/", FIXED.public_key)
    assert address == f"http://10.0.0.5:8765/#key={FIXED.public_key}"
    assert address_key(address) == FIXED.public_key
    assert address_key("http://10.0.0.5:8765/") is None and keyed_address("http://x/", None) == "http://x/"
    with pytest.raises(SignatureError, match="is damaged"):
        address_key("http://10.0.0.5:8765/#key=" + FIXED.public_key[:-1])
