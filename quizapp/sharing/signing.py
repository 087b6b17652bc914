"""Publisher keys: who made a feed or a bundle, checked with Ed25519 signatures.

A teacher's app holds one Ed25519 key, made on the first `quizapp publish` (or by `quizapp keygen`)
and kept in the data folder, readable by its owner only. Publishing signs `index.json` and every
bundle's `manifest.json`; a learner's app pins the key of each feed it follows, so a rogue host or
a man in the middle who serves other decks, even with hashes that match an index of their own, is
refused. The key is named three ways, for three audiences:

- the key itself, base64url of its 32 raw bytes (43 characters), in feed addresses
  (`http://10.0.0.5:8765/#key=…`), in signed documents and in the progress store;
- a hex fingerprint (`quizapp.core.origin.key_fingerprint`), in messages;
- six words from a fixed list of 256, to compare aloud between the teacher's screen and the
  learner's ("cobra velvet pine …").

A signed JSON document carries `publisher_key` and `signature`; the signature covers the document's
canonical form (keys sorted, no spaces, UTF-8) without `signature`, after a line naming what the
document is, so a signed manifest can never pass for a signed index.

The key moves to a new laptop as a passphrase-protected file (`quizapp key export` / `import`):
the raw key sealed with AES-256-GCM under a key derived from the passphrase with scrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from quizapp.core.errors import QuizappError
from quizapp.core.origin import key_fingerprint
from quizapp.sharing.jsonshape import JsonReader

KEY_FILE_NAME = "publisher-key.pem"
PUBLIC_KEY = re.compile(r"[A-Za-z0-9_-]{43}\Z")
SIGNATURE = re.compile(r"[A-Za-z0-9_-]{86}\Z")
KEY_FIELD = "publisher_key"
SIGNATURE_FIELD = "signature"
ADDRESS_KEY = "key"  # the feed address's fragment: `#key=<public key>`
MIN_PASSPHRASE_LENGTH = 8
EXPORT_FORMAT = 1
EXPORT_KIND = "quizapp publisher key"
MAX_EXPORT_BYTES = 4096
# scrypt's cost: 2**15 takes about 0.1 s and 32 MB, affordable on a phone, costly to guess at.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_SCRYPT_N_RANGE = (2**14, 2**20)  # what an imported file may ask for: never a memory bomb

# 256 short words, one per byte of the key's SHA-256: easy to say, none a homophone of another.
# Fixed for good: changing one would change every teacher's words.
_WORD_LIST = """
acorn actor agent alarm album alley amber angle ankle apple apron arena arrow atlas attic audio
award bacon badge bagel baker banjo barn basil beach bell bench berry bison blade block bloom
boat boots brain brick brush bucket buddy cabin cactus camel candy canoe cargo cedar chalk
cherry chess chief cider cinema circus clay cliff clock clown coach cobra cocoa comet coral
cotton couch crayon cricket crown cube curry daisy dance delta denim desert diary dingo dolphin
donkey dragon drum duck eagle easel echo eel elbow elk ember engine fabric falcon farm fern
fiddle flag flute foam fork fossil fox frost fudge galaxy garlic gecko ginger glove goat gold
gorilla grape guitar gull hammer harp hawk hazel helmet heron hippo honey hotel husky igloo ink
iris island ivory jacket jaguar jazz jelly jewel juice kayak kettle kiwi koala ladder lagoon
lamp lemon lentil lion lizard llama lobster lotus magnet mango maple marble meadow melon mint
mirror monkey moose mosaic motor muffin museum nectar needle nest noodle nutmeg oasis ocean
olive onion opal orbit otter owl oyster paddle palace panda paper parrot pasta peach pebble
pepper piano pickle pilot pine pizza planet plum pony poppy potato puzzle quartz quill rabbit
radar raft raven reef rhino ribbon river robin rocket rose ruby saddle salmon sandal satin scarf
seal shark shell silver skate sloth snail sofa spider spoon squid stamp stove sugar sunset swan
table tiger toast tomato topaz tractor trumpet tulip tuna turtle unicorn velvet violin volcano
waffle walnut whale wheat willow window wizard wolf yacht yogurt zebra
"""
WORDS = tuple(_WORD_LIST.split())
FINGERPRINT_WORDS = 6


class SignatureError(QuizappError):
    """A key or a key file is malformed, protected by another passphrase, or cannot be kept."""


# -- naming keys ------------------------------------------------------------------------------------


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_public_key(text: object) -> TypeGuard[str]:
    """Whether `text` is a publisher key as quizapp writes it (one spelling per key)."""
    return isinstance(text, str) and bool(PUBLIC_KEY.match(text)) and _encode(_decode(text)) == text


def fingerprint_words(public_key: str) -> str:
    """The key as six words, for a teacher and a learner to compare aloud."""
    digest = hashlib.sha256(_decode(public_key)).digest()
    return " ".join(WORDS[byte] for byte in digest[:FINGERPRINT_WORDS])


def describe_key(public_key: str) -> str:
    """A key in messages: its hex fingerprint and its words."""
    return f"{key_fingerprint(public_key)} ({fingerprint_words(public_key)})"


def keyed_address(url: str, public_key: str | None) -> str:
    """A feed address that carries its publisher key in the fragment (which is never sent to the
    server): what the share screen shows and its QR code holds."""
    if public_key is None:
        return url
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((*parts[:4], f"{ADDRESS_KEY}={public_key}"))


def address_key(url: str) -> str | None:
    """The publisher key a feed address carries (`#key=…`), or None; a damaged one is refused."""
    fragment = urllib.parse.urlsplit(url.strip()).fragment
    if not fragment:
        return None
    values = urllib.parse.parse_qs(fragment, keep_blank_values=True).get(ADDRESS_KEY)
    if not values:
        return None
    if len(values) != 1 or not is_public_key(values[0]):
        raise SignatureError(f"the key in the address '{url.strip()[:200]}' is damaged (it should be 43 letters, digits, - or _); copy the whole address again")
    return values[0]


# -- signing and checking documents -----------------------------------------------------------------


def _message(document: dict[str, Any], purpose: str) -> bytes:
    """What is signed: a line naming the kind of document, then its canonical JSON (no signature)."""
    unsigned = {key: value for key, value in document.items() if key != SIGNATURE_FIELD}
    canonical = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return f"quizapp signed {purpose}\n".encode() + canonical.encode("utf-8")


def verify_document(document: dict[str, Any], purpose: str, read: JsonReader) -> str | None:
    """The key that signed a parsed document, after checking its signature; None if unsigned.

    A document with a key but no signature, or a signature that does not verify, is refused
    through `read` (so the message names the file): it was altered, or signed by someone else.
    """
    key, signature = document.get(KEY_FIELD), document.get(SIGNATURE_FIELD)
    if key is None and signature is None:
        return None
    if key is None or signature is None:
        read.fail("", f"has a {KEY_FIELD if key is not None else SIGNATURE_FIELD} but no {SIGNATURE_FIELD if key is not None else KEY_FIELD}; a signed document needs both")
    if not is_public_key(key):
        read.fail(KEY_FIELD, "is not a publisher key (43 letters, digits, - or _)")
    if not isinstance(signature, str) or not SIGNATURE.match(signature):
        read.fail(SIGNATURE_FIELD, "is not an Ed25519 signature (86 letters, digits, - or _)")
    try:
        Ed25519PublicKey.from_public_bytes(_decode(key)).verify(_decode(signature), _message(document, purpose))
    except (InvalidSignature, ValueError, binascii.Error):
        read.fail(SIGNATURE_FIELD, f"does not match: it was altered after publisher key {key_fingerprint(key)} signed it, or that key never signed it")
    return key


@dataclass(frozen=True)
class PublisherKey:
    """A publisher's private signing key."""

    private: Ed25519PrivateKey

    @property
    def public_key(self) -> str:
        return _encode(self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    @property
    def words(self) -> str:
        return fingerprint_words(self.public_key)

    def sign(self, document: dict[str, Any], purpose: str) -> dict[str, Any]:
        """The document with this key and its signature added (see verify_document)."""
        unsigned = {**{k: v for k, v in document.items() if k != SIGNATURE_FIELD}, KEY_FIELD: self.public_key}
        return {**unsigned, SIGNATURE_FIELD: _encode(self.private.sign(_message(unsigned, purpose)))}

    def raw(self) -> bytes:
        return self.private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())

    @classmethod
    def generate(cls) -> PublisherKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, raw: bytes) -> PublisherKey:
        """The key whose 32 raw private bytes these are."""
        return cls(Ed25519PrivateKey.from_private_bytes(raw))


# -- the key file in the data folder ----------------------------------------------------------------


def key_path(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_FILE_NAME


def load_key(data_dir: Path) -> PublisherKey | None:
    """This device's publisher key, or None if it has none yet."""
    path = key_path(data_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SignatureError(f"cannot read the publisher key {path}: {error.strerror or error}") from None
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o600)  # copied in by hand with looser rights: only its owner may read it
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        private = None
    if not isinstance(private, Ed25519PrivateKey):
        raise SignatureError(f"{path} is not a quizapp publisher key; move it away and run `quizapp keygen`, or `quizapp key import` your exported key")
    return PublisherKey(private)


def create_key(data_dir: Path) -> PublisherKey:
    """Make this device's publisher key; refuses to replace one (every pinned feed would break)."""
    if (existing := load_key(data_dir)) is not None:
        raise SignatureError(f"this data folder already has publisher key {describe_key(existing.public_key)} in {key_path(data_dir)}")
    key = PublisherKey.generate()
    _store_key(data_dir, key)
    return key


def load_or_create_key(data_dir: Path) -> tuple[PublisherKey, bool]:
    """This device's publisher key, made now if it has none; and whether it was made now."""
    key = load_key(data_dir)
    return (key, False) if key is not None else (create_key(data_dir), True)


def _store_key(data_dir: Path, key: PublisherKey) -> None:
    pem = key.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _write_secret(key_path(data_dir), pem)


def _write_secret(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, atomically. It is created with mode 0600 (never
    briefly readable by others, as a write-then-chmod would be) under a temporary name, then
    renamed into place; an existing file is never replaced."""
    if path.exists():
        raise SignatureError(f"{path} already exists; choose another name, or move it away first")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise SignatureError(f"cannot write {path}: {error.strerror or error}") from None


# -- moving the key to another device ---------------------------------------------------------------


def _check_passphrase(passphrase: str) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise SignatureError(f"the passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long")
    return passphrase.encode("utf-8")


def _sealing_key(passphrase: bytes, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase)


def export_key(key: PublisherKey, target: Path, passphrase: str) -> Path:
    """Write the key, sealed with the passphrase, to a new file readable by its owner only."""
    secret = _check_passphrase(passphrase)
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    header = {"format": EXPORT_FORMAT, "kind": EXPORT_KIND, KEY_FIELD: key.public_key, "scrypt": {"n": SCRYPT_N, "salt": _encode(salt)}, "nonce": _encode(nonce)}
    # The header is authenticated with the key: a file whose public key was swapped does not open.
    sealed = AESGCM(_sealing_key(secret, salt, SCRYPT_N)).encrypt(nonce, key.raw(), _message(header, "key export"))
    document = {**header, "sealed": _encode(sealed)}
    _write_secret(Path(target), json.dumps(document, indent=2).encode("utf-8") + b"\n")
    return Path(target)


def read_exported_key(source: Path, passphrase: str) -> PublisherKey:
    """Open a file written by export_key; a wrong passphrase or an altered file is refused."""
    source = Path(source)
    try:
        with source.open("rb") as file:
            data = file.read(MAX_EXPORT_BYTES + 1)
    except OSError as error:
        raise SignatureError(f"cannot read {source}: {error.strerror or error}") from None
    read = JsonReader(source.name, SignatureError)
    if len(data) > MAX_EXPORT_BYTES:
        read.fail("", "is too large to be an exported publisher key")
    document = read.load(data)
    fields = read.object(document, "", ("format", "kind", KEY_FIELD, "scrypt", "nonce", "sealed"))
    if fields["format"] != EXPORT_FORMAT or fields["kind"] != EXPORT_KIND:
        read.fail("", "is not a publisher key exported by `quizapp key export` (or it is from a newer quizapp)")
    scrypt = read.object(fields["scrypt"], "scrypt", ("n", "salt"))
    n = read.integer(scrypt["n"], "scrypt.n", minimum=_SCRYPT_N_RANGE[0], maximum=_SCRYPT_N_RANGE[1])
    if n & (n - 1):
        read.fail("scrypt.n", "must be a power of two")
    if not is_public_key(fields[KEY_FIELD]):
        read.fail(KEY_FIELD, "is not a publisher key")
    encoded = {"scrypt.salt": scrypt["salt"], "nonce": fields["nonce"], "sealed": fields["sealed"]}
    try:
        salt, nonce, sealed = (_decode(read.text(value, where, max_length=200)) for where, value in encoded.items())
    except (binascii.Error, ValueError):
        read.fail("", "holds a value that is not base64url")
    if len(nonce) != 12:
        read.fail("nonce", "must be 12 bytes")
    header = {name: fields[name] for name in ("format", "kind", KEY_FIELD, "scrypt", "nonce")}
    try:
        raw = AESGCM(_sealing_key(passphrase.encode("utf-8"), salt, n)).decrypt(nonce, sealed, _message(header, "key export"))
    except InvalidTag:
        raise SignatureError(f"{source.name}: wrong passphrase (or the file was altered); the key was not imported") from None
    key = PublisherKey.from_raw(raw)
    if key.public_key != fields[KEY_FIELD]:
        read.fail(KEY_FIELD, "does not belong to the sealed key")
    return key


def import_key(data_dir: Path, source: Path, passphrase: str) -> tuple[PublisherKey, bool]:
    """Make an exported key this device's publisher key; returns it and whether anything changed
    (importing the key the device already has changes nothing). A device with another key keeps
    it: replacing it silently would break every feed its learners follow."""
    key = read_exported_key(source, passphrase)
    existing = load_key(data_dir)
    if existing is not None:
        if existing.public_key == key.public_key:
            return existing, False
        raise SignatureError(
            f"this data folder already has another publisher key, {describe_key(existing.public_key)}; "
            f"to use {describe_key(key.public_key)} instead, move {key_path(data_dir)} away first (learners following the old key would have to subscribe again)"
        )
    _store_key(data_dir, key)
    return key, True
