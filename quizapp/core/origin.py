"""Where a deck came from, and who may therefore replace it.

Every deck in a collection records its origin when it is first installed. An update is applied
only when it comes from the same origin: for a harm-reduction app, a file or a feed that merely
claims a deck's id must never change what the app teaches about an emergency. Publishers are
identified by their Ed25519 public key (see quizapp.sharing.signing), not by an address: a
teacher's laptop gets a new address on every classroom network, but keeps its key.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from enum import Enum


class OriginKind(str, Enum):
    BUNDLED = "bundled"  # shipped inside the app; only a new version of the app changes it
    FEED = "feed"  # a subscribed class feed, pinned to its publisher's key
    SIGNED_FILE = "signed_file"  # a .quizdeck signed by a publisher key, trusted on first use
    UNSIGNED_FILE = "unsigned_file"  # an unsigned .quizdeck, or a converted CSV / Quizlet / Anki file
    USER = "user"  # written by this learner in the app


class UpdateDecision(str, Enum):
    ALLOW = "allow"  # same origin: apply (subject to the update's own safety checks)
    CONFIRM = "confirm"  # the learner must say yes after seeing what changes
    REFUSE = "refuse"  # another origin: never replaces the deck; it may be installed under a new id


def key_fingerprint(public_key: str) -> str:
    """A short, stable fingerprint of a publisher key (base64url, as quizapp.sharing.signing
    writes keys): the first 16 hex digits of the SHA-256 of the raw key, in groups of four."""
    raw = base64.urlsafe_b64decode(public_key + "=" * (-len(public_key) % 4))
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class Origin:
    kind: OriginKind
    # The publisher's Ed25519 public key (FEED, SIGNED_FILE). A FEED origin without one is a deck
    # installed from a feed before feeds were signed: the first signed update from the same feed
    # address pins its key (trust on first use, once).
    key: str | None = None
    # The feed's index address when first subscribed (FEED). None only for a deck installed from
    # one of several class feeds before origins were recorded: the first update from any
    # subscribed feed records which one it is.
    feed_url: str | None = None
    # The name of the file the deck was first installed from (SIGNED_FILE, UNSIGNED_FILE): named
    # in messages, and a converted import (CSV, Quizlet, Anki) of the same file updates the deck
    # it made instead of taking another deck's id.
    file_name: str | None = None

    def __post_init__(self) -> None:
        if self.kind is OriginKind.SIGNED_FILE and self.key is None:
            raise ValueError("a signed file's origin needs its publisher key")
        if self.kind is not OriginKind.FEED and self.feed_url is not None:
            raise ValueError(f"an origin of kind {self.kind.value} has no feed address")
        if self.kind not in (OriginKind.FEED, OriginKind.SIGNED_FILE) and self.key is not None:
            raise ValueError(f"an origin of kind {self.kind.value} has no publisher key")
        if self.kind not in (OriginKind.SIGNED_FILE, OriginKind.UNSIGNED_FILE) and self.file_name is not None:
            raise ValueError(f"an origin of kind {self.kind.value} has no file name")

    def describe(self) -> str:
        """The origin in words, for messages that name two origins side by side."""
        if self.kind is OriginKind.BUNDLED:
            return "bundled with the app"
        if self.kind is OriginKind.USER:
            return "written by you"
        named = f" ({self.file_name})" if self.file_name else ""
        if self.kind is OriginKind.UNSIGNED_FILE:
            return f"an unsigned file{named}"
        signer = f"publisher key {key_fingerprint(self.key)}" if self.key else "not signed yet"
        if self.kind is OriginKind.FEED:
            where = f"the class feed at {self.feed_url}" if self.feed_url else "one of your class feeds"
            return f"{where} ({signer})"
        return f"a file signed by {signer}{named}"

    def decide_update(self, incoming: Origin) -> UpdateDecision:
        """May a deck of this origin be replaced by one from `incoming`?

        A signed deck follows its key, whether it arrives by the feed or as a file. A bundled deck
        changes only with the app (a teacher's correction is a separate, declared adaptation, not
        an update). An unsigned deck has no key to match, so a second unsigned file asks first.
        """
        if self.kind is OriginKind.FEED and self.key is None:
            same_feed = incoming.kind is OriginKind.FEED and self.feed_url in (None, incoming.feed_url)
            if same_feed:
                return UpdateDecision.ALLOW
            # Which of several feeds it came from was not recorded: it may have been a file.
            unknown = self.feed_url is None and incoming.kind is OriginKind.UNSIGNED_FILE
            return UpdateDecision.CONFIRM if unknown else UpdateDecision.REFUSE
        if self.kind in (OriginKind.FEED, OriginKind.SIGNED_FILE):
            same_key = incoming.kind in (OriginKind.FEED, OriginKind.SIGNED_FILE) and incoming.key == self.key
            return UpdateDecision.ALLOW if same_key else UpdateDecision.REFUSE
        if self.kind is OriginKind.UNSIGNED_FILE:
            return UpdateDecision.CONFIRM if incoming.kind is OriginKind.UNSIGNED_FILE else UpdateDecision.REFUSE
        return UpdateDecision.ALLOW if incoming.kind is self.kind else UpdateDecision.REFUSE

    def after_update(self, incoming: Origin) -> Origin:
        """The origin a deck keeps after an update from `incoming` was applied: what was not
        known yet is learnt once (a feed's address, then its key: trust on first use), and
        never changes after that."""
        if self.kind is OriginKind.FEED and incoming.kind is OriginKind.FEED and (self.key is None or self.feed_url is None):
            return Origin(OriginKind.FEED, self.key or incoming.key, self.feed_url or incoming.feed_url)
        return self

    def to_row(self) -> tuple[str, str | None, str | None, str | None]:
        """(kind, key, feed_url, file_name): the decks table's origin columns."""
        return self.kind.value, self.key, self.feed_url, self.file_name

    @classmethod
    def from_row(cls, kind: str, key: str | None, feed_url: str | None, file_name: str | None) -> Origin:
        return cls(OriginKind(kind), key, feed_url, file_name)


def file_origin(file_name: str, signer: str | None = None) -> Origin:
    """The origin of a deck file: signed by `signer` (a verified publisher key), or unsigned."""
    if signer is None:
        return Origin(OriginKind.UNSIGNED_FILE, file_name=file_name)
    return Origin(OriginKind.SIGNED_FILE, key=signer, file_name=file_name)


def feed_origin(index_url: str, signer: str | None = None) -> Origin:
    """The origin of a deck from the class feed at `index_url`, whose index `signer` signed."""
    return Origin(OriginKind.FEED, key=signer, feed_url=index_url)


BUNDLED = Origin(OriginKind.BUNDLED)
UNSIGNED_FILE = Origin(OriginKind.UNSIGNED_FILE)
USER = Origin(OriginKind.USER)
