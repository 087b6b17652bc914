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
    feed_url: str | None = None  # the feed's index address when first subscribed (FEED)

    def __post_init__(self) -> None:
        if self.kind is OriginKind.SIGNED_FILE and self.key is None:
            raise ValueError("a signed file's origin needs its publisher key")
        if self.kind is OriginKind.FEED and self.feed_url is None:
            raise ValueError("a feed origin needs the feed's address")
        if self.kind not in (OriginKind.FEED, OriginKind.SIGNED_FILE) and self.key is not None:
            raise ValueError(f"an origin of kind {self.kind.value} has no publisher key")

    def describe(self) -> str:
        """The origin in words, for messages that name two origins side by side."""
        if self.kind is OriginKind.BUNDLED:
            return "bundled with the app"
        if self.kind is OriginKind.USER:
            return "written by you"
        if self.kind is OriginKind.UNSIGNED_FILE:
            return "an unsigned file"
        signer = f"publisher key {key_fingerprint(self.key)}" if self.key else "not signed yet"
        if self.kind is OriginKind.FEED:
            return f"the class feed at {self.feed_url} ({signer})"
        return f"a file signed by {signer}"

    def decide_update(self, incoming: Origin) -> UpdateDecision:
        """May a deck of this origin be replaced by one from `incoming`?

        A signed deck follows its key, whether it arrives by the feed or as a file. A bundled deck
        changes only with the app (a teacher's correction is a separate, declared adaptation, not
        an update). An unsigned deck has no key to match, so a second unsigned file asks first.
        """
        if self.kind is OriginKind.FEED and self.key is None:
            same_feed = incoming.kind is OriginKind.FEED and incoming.feed_url == self.feed_url
            return UpdateDecision.ALLOW if same_feed else UpdateDecision.REFUSE
        if self.kind in (OriginKind.FEED, OriginKind.SIGNED_FILE):
            same_key = incoming.kind in (OriginKind.FEED, OriginKind.SIGNED_FILE) and incoming.key == self.key
            return UpdateDecision.ALLOW if same_key else UpdateDecision.REFUSE
        if self.kind is OriginKind.UNSIGNED_FILE:
            return UpdateDecision.CONFIRM if incoming.kind is OriginKind.UNSIGNED_FILE else UpdateDecision.REFUSE
        return UpdateDecision.ALLOW if incoming.kind is self.kind else UpdateDecision.REFUSE

    def to_row(self) -> tuple[str, str | None, str | None]:
        """(kind, key, feed_url): the decks table's origin columns."""
        return self.kind.value, self.key, self.feed_url

    @classmethod
    def from_row(cls, kind: str, key: str | None, feed_url: str | None) -> Origin:
        return cls(OriginKind(kind), key, feed_url)


BUNDLED = Origin(OriginKind.BUNDLED)
UNSIGNED_FILE = Origin(OriginKind.UNSIGNED_FILE)
USER = Origin(OriginKind.USER)
