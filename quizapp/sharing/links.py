"""`quizapp://subscribe?url=…&key=…` links: what the "Open in quizapp" button of a share's page
opens, on a phone (an Android intent filter) or a desktop (an `x-scheme-handler/quizapp` entry).

The page that builds the link may be served by anyone on the network, so a link is checked
strictly and is never acted on by itself: the app (or `quizapp open-link`) shows the feed's
address and the publisher key's six words, and subscribes only when the learner says yes. The
words come from the key in the link, which the page took from the QR code on the teacher's screen.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from quizapp.core.errors import QuizappError
from quizapp.sharing.signing import fingerprint_words, is_public_key, keyed_address

SCHEME = "quizapp"
SUBSCRIBE = "subscribe"
MAX_LINK_CHARS = 2048


class LinkError(QuizappError):
    """A quizapp link is malformed, or asks for something quizapp does not do."""


@dataclass(frozen=True)
class SubscribeLink:
    """What the subscribe dialog shows and does, from a checked link."""

    feed_url: str  # the share's address, http(s), without a key
    key: str | None  # the publisher key to pin; None when the page's address carried none
    words: str | None  # the key's six words, for the learner to compare with the teacher's screen

    @property
    def address(self) -> str:
        """The address to give `feed.subscribe` (the key in its fragment, so it is pinned)."""
        return keyed_address(self.feed_url, self.key)


def subscribe_link(feed_url: str, key: str | None) -> str:
    """The link for a feed address and its key (the page's inline script builds the same)."""
    query = {"url": feed_url} | ({"key": key} if key else {})
    return f"{SCHEME}://{SUBSCRIBE}?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe='')}"


def is_subscribe_link(text: str) -> bool:
    """Whether `text` is meant as a quizapp link (then parse_subscribe_link says if it is good)."""
    return text.strip().lower().startswith(f"{SCHEME}:")


def parse_subscribe_link(text: str) -> SubscribeLink:
    """Check a `quizapp://subscribe?url=…&key=…` link; LinkError says what is wrong with it.

    The feed address must be http or https with a host and no user name, password or fragment;
    the key, when there is one, must be a publisher key as quizapp writes it. Each parameter may
    appear once, and no other is accepted.
    """
    text = text.strip()
    shown = text[:200]
    if len(text) > MAX_LINK_CHARS:
        raise LinkError(f"the link is {len(text)} characters long; a quizapp link is at most {MAX_LINK_CHARS}")
    if any(ord(character) < 0x21 or ord(character) == 0x7F for character in text):
        raise LinkError(f"the link '{shown}' holds spaces or control characters; copy it again")
    parts = urllib.parse.urlsplit(text)
    if parts.scheme.lower() != SCHEME or parts.netloc.lower() != SUBSCRIBE or parts.path not in ("", "/") or parts.fragment:
        raise LinkError(f"'{shown}' is not a quizapp subscribe link (quizapp://subscribe?url=…&key=…)")
    try:
        pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True, errors="strict", max_num_fields=3)
    except ValueError:
        raise LinkError(f"the link '{shown}' is damaged; copy it again") from None
    names = [name for name, _ in pairs]
    unknown = sorted(set(names) - {"url", "key"})
    if unknown:
        raise LinkError(f"the link has '{unknown[0]}', which quizapp does not know; it takes url and key only")
    if len(set(names)) != len(names):
        raise LinkError("the link names the url or the key twice; copy it again from the page")
    values = dict(pairs)
    if "url" not in values:
        raise LinkError("the link names no feed address (url=…)")
    key = values.get("key")
    if key is not None and not is_public_key(key):
        raise LinkError("the key in the link is damaged (it should be 43 letters, digits, - or _); scan the QR code again")
    return SubscribeLink(_feed_url(values["url"]), key, fingerprint_words(key) if key else None)


def _feed_url(url: str) -> str:
    shown = url[:200]
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # a port that is not a number in range raises ValueError
    except ValueError:
        raise LinkError(f"the feed address '{shown}' in the link is not a web address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LinkError(f"the feed address '{shown}' in the link is not an http or https address")
    if parts.username is not None or parts.password is not None:
        # `http://teacher@evil.example/` reads like a teacher's address but goes to evil.example.
        raise LinkError(f"the feed address '{shown}' in the link holds a user name; quizapp does not follow such addresses")
    if parts.fragment or any(ord(character) < 0x21 or ord(character) == 0x7F for character in url):
        raise LinkError(f"the feed address '{shown}' in the link is damaged; copy it again")
    return url
