"""Class feeds: a folder of bundles plus an `index.json`, served by any static web host.

A teacher publishes (`publish`) a folder of deck files; learners subscribe to the index's URL and
check for updates (`check_for_updates`), which downloads only the decks whose version is higher
than theirs, verifies each download's size and SHA-256 against the index, and imports it like a
bundle file, so progress is kept card by card.

The index:

    {"format": 1, "generated": "2025-03-03T12:00:00+00:00", "decks": [
      {"id": "overdose-response", "version": 2, "title": "Overdose response",
       "url": "overdose-response-v2.quizdeck", "size": 5120, "sha256": "..."}]}

Bundle URLs are relative to the index and may only name files below it, so a feed cannot send
the app to another host. Every download has a timeout and a size cap.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from quizapp.core.collection import Collection
from quizapp.core.deck import Deck
from quizapp.core.deckfile import DECK_ID, load_deck
from quizapp.core.decksync import bundled_deck_ids
from quizapp.core.errors import DeckFileError, Problem, QuizappError
from quizapp.core.origin import Origin, feed_origin
from quizapp.sharing.atomic import write_atomically
from quizapp.sharing.bundle import (
    BUNDLE_SUFFIX,
    MAX_BUNDLE_BYTES,
    bundle_deck_file,
    deck_file_of,
    read_bundle,
)
from quizapp.sharing.install import ImportResult, install_versioned, installed_version
from quizapp.sharing.jsonshape import JsonReader
from quizapp.sharing.web import TIMEOUT_SECONDS, request

FEED_FORMAT = 1
INDEX_NAME = "index.json"
MAX_INDEX_BYTES = 1 * 2**20
MAX_FEED_DECKS = 1000
SETTINGS_KEY = "sharing.feeds"

_RELATIVE_URL = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*\Z")


class FeedError(QuizappError):
    """A feed cannot be reached, or what it serves is malformed or does not match its index."""


# -- the index ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    deck_id: str
    version: int
    title: str
    url: str  # relative to the index
    size: int
    sha256: str
    adapts: str | None = None  # a teacher's version of the bundled deck with this id (the same id)

    def to_dict(self) -> dict[str, Any]:
        data = {"id": self.deck_id, "version": self.version, "title": self.title, "url": self.url, "size": self.size, "sha256": self.sha256}
        return {**data, "adapts": self.adapts} if self.adapts else data


@dataclass(frozen=True)
class FeedIndex:
    decks: tuple[FeedEntry, ...]
    generated: datetime
    format: int = FEED_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "generated": self.generated.isoformat(), "decks": [d.to_dict() for d in self.decks]}

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False).encode("utf-8") + b"\n"

    @classmethod
    def from_dict(cls, data: Any, source: str = INDEX_NAME) -> FeedIndex:
        """Check a parsed index strictly; FeedError says where it is wrong (`decks[2].sha256: ...`)."""
        read = JsonReader(source, FeedError)
        if isinstance(data, dict) and "format" in data and data["format"] != FEED_FORMAT:
            raise FeedError(f"{source}: feed format {data['format']!r} is not one this app reads (it reads {FEED_FORMAT}); update quizapp")
        fields = read.object(data, "", ("format", "generated", "decks"))
        generated_text = read.text(fields["generated"], "generated", max_length=64)
        try:
            generated = datetime.fromisoformat(generated_text)
        except ValueError:
            read.fail("generated", f"'{generated_text}' is not an ISO 8601 date and time")
        entries: list[FeedEntry] = []
        seen: set[str] = set()
        for number, item in enumerate(read.array(fields["decks"], "decks", max_items=MAX_FEED_DECKS)):
            where = f"decks[{number}]"
            entry = read.object(item, where, ("id", "version", "title", "url", "size", "sha256"), ("adapts",))
            deck_id = read.text(entry["id"], f"{where}.id", max_length=64, pattern=DECK_ID, rule="a deck id")
            if deck_id in seen:
                read.fail(f"{where}.id", f"deck '{deck_id}' is listed twice")
            seen.add(deck_id)
            url = read.text(entry["url"], f"{where}.url", max_length=300, pattern=_RELATIVE_URL, rule="a file name relative to the index")
            if ".." in url.split("/") or not url.endswith(BUNDLE_SUFFIX):
                read.fail(f"{where}.url", f"'{url}' must name a {BUNDLE_SUFFIX} file below the index")
            entries.append(
                FeedEntry(
                    deck_id=deck_id,
                    version=read.integer(entry["version"], f"{where}.version", minimum=1),
                    title=read.text(entry["title"], f"{where}.title"),
                    url=url,
                    size=read.integer(entry["size"], f"{where}.size", minimum=1, maximum=MAX_BUNDLE_BYTES),
                    sha256=read.sha256(entry["sha256"], f"{where}.sha256"),
                    adapts=read.text(entry["adapts"], f"{where}.adapts", max_length=64, pattern=DECK_ID, rule="a deck id") if "adapts" in entry else None,
                )
            )
        return cls(tuple(entries), generated)


def parse_index(data: bytes, source: str = INDEX_NAME) -> FeedIndex:
    """Parse index.json bytes; FeedError names the line and column, or the key, that is wrong."""
    read = JsonReader(source, FeedError)
    return FeedIndex.from_dict(read.load(data), source)


# -- publishing -----------------------------------------------------------------------------------


def publish(decks_dir: Path, out_dir: Path, *, generated: datetime | None = None) -> FeedIndex:
    """Publish every deck file in `decks_dir` (*.yaml, and one level of deck folders); see publish_files."""
    files = _deck_files(Path(decks_dir))
    if not files:
        raise QuizappError(f"no deck files (*.yaml) in '{decks_dir}'")
    return publish_files(files, out_dir, generated=generated)


def publish_collection_decks(collection: Collection, deck_ids: Iterable[str], out_dir: Path, *, generated: datetime | None = None) -> FeedIndex:
    """Publish decks the collection holds, from their deck files (the app's "Share with class")."""
    return publish_files([deck_file_of(collection, deck_id) for deck_id in deck_ids], out_dir, generated=generated)


def publish_files(files: Iterable[Path], out_dir: Path, *, generated: datetime | None = None) -> FeedIndex:
    """Bundle deck files into `out_dir` and write its index.json last, so a learner never sees an
    index naming a missing bundle.

    Every deck is checked first; if any has problems, DeckFileError lists them all and nothing is
    written. Bundles are named `<id>-v<version>.quizdeck`: a new version never overwrites a file
    a learner may be downloading, and caches never serve an old bundle under a new hash.
    """
    problems: list[Problem] = []
    by_id: dict[str, tuple[Path, Deck]] = {}
    for file in files:
        try:
            deck = load_deck(file)
        except DeckFileError as error:
            problems.extend(error.problems)
            continue
        if deck.id in by_id:
            raise QuizappError(f"'{file}' and '{by_id[deck.id][0]}' both hold deck '{deck.id}'")
        by_id[deck.id] = (file, deck)
    if problems:
        raise DeckFileError(problems)
    out = Path(out_dir)
    when = (generated or datetime.now(timezone.utc)).replace(microsecond=0)
    entries = []
    for deck_id, (file, deck) in sorted(by_id.items()):
        name = f"{deck_id}-v{deck.info.version}{BUNDLE_SUFFIX}"
        bundle_deck_file(file, out / name, created=when)
        data = (out / name).read_bytes()
        # A deck under a bundled deck's id is a teacher's version of it: the index says so, and
        # each learner is asked once whether to use it.
        adapts = deck_id if deck_id in bundled_deck_ids() else None
        entries.append(FeedEntry(deck_id, deck.info.version, deck.info.title, name, len(data), hashlib.sha256(data).hexdigest(), adapts))
    index = FeedIndex(tuple(entries), when)
    write_atomically(out / INDEX_NAME, index.to_json())
    return index


def published_deck(out_dir: Path, deck_id: str) -> Deck | None:
    """The deck a published folder serves under `deck_id` (as learners get it), or None."""
    folder = Path(out_dir)
    try:
        index = parse_index((folder / INDEX_NAME).read_bytes(), str(folder / INDEX_NAME))
    except OSError:
        return None
    entry = next((e for e in index.decks if e.deck_id == deck_id), None)
    return read_bundle(folder / entry.url).deck if entry else None


def _deck_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise QuizappError(f"'{folder}' is not a folder")
    candidates = [*folder.glob("*.yaml"), *folder.glob("*/*.yaml")]
    return sorted(path for path in candidates if path.is_file() and not path.name.startswith("."))


# -- downloading ----------------------------------------------------------------------------------


Progress = Callable[["UpdateProgress"], None]


@dataclass(frozen=True)
class UpdateProgress:
    """Where a check for updates is, for a progress bar: `done` of `total` bytes of the current step."""

    feed_url: str
    step: str  # "index", "download" or "import"
    deck_id: str | None = None
    done: int = 0
    total: int = 0


def index_url(url: str) -> str:
    """The index address for what a learner typed: a folder address gets `index.json` added."""
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https", "file") or (parts.scheme != "file" and not parts.netloc):
        raise FeedError(f"'{url}' is not a web address; it should look like http://192.168.1.20:8765/")
    if parts.path.endswith(".json"):
        return url
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path + INDEX_NAME, "", ""))


def fetch_index(url: str, *, timeout: float = TIMEOUT_SECONDS) -> FeedIndex:
    return parse_index(request(url, max_bytes=MAX_INDEX_BYTES, timeout=timeout), source=url)


# -- subscriptions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    url: str  # of the index

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subscription:
        return cls(url=data["url"])


def subscriptions(collection: Collection) -> list[Subscription]:
    return [Subscription.from_dict(item) for item in collection.store.get_setting(SETTINGS_KEY, [])]


def subscribe(collection: Collection, url: str, *, timeout: float = TIMEOUT_SECONDS) -> tuple[Subscription, FeedIndex]:
    """Add a class feed after checking that its index can be fetched and read (so a typo fails now,
    not at the next update). Subscribing twice to one feed keeps one subscription."""
    subscription = Subscription(index_url(url))
    index = fetch_index(subscription.url, timeout=timeout)
    current = subscriptions(collection)
    if subscription not in current:
        collection.store.set_setting(SETTINGS_KEY, [s.to_dict() for s in [*current, subscription]])
    return subscription, index


def unsubscribe(collection: Collection, url: str) -> bool:
    """Remove a feed (decks already imported stay). Returns whether it was subscribed."""
    target = index_url(url)
    current = subscriptions(collection)
    kept = [s for s in current if s.url != target]
    collection.store.set_setting(SETTINGS_KEY, [s.to_dict() for s in kept])
    return len(kept) != len(current)


@dataclass
class FeedUpdate:
    """What checking one feed did: a result per deck downloaded, and what went wrong."""

    feed_url: str
    results: list[ImportResult] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed_url": self.feed_url,
            "results": [r.to_dict() for r in self.results],
            "up_to_date": list(self.up_to_date),
            "errors": list(self.errors),
        }


def check_for_updates(
    collection: Collection,
    urls: Iterable[str] | None = None,
    *,
    progress: Progress | None = None,
    timeout: float = TIMEOUT_SECONDS,
    confirmed: bool = False,
) -> list[FeedUpdate]:
    """Check each feed (default: every subscription) and import the decks that are newer there.

    A feed that cannot be reached, or a deck that fails its checks or comes from another origin,
    is reported in its FeedUpdate's `errors` and does not stop the others. A deck that needs the
    learner's yes (a teacher's version of a bundled deck, or an update that changes safety cards
    or retires most of a deck) comes back as a result with a confirmation; `confirmed` applies
    those. `progress` is called from this thread.
    """
    feed_urls = [index_url(u) for u in urls] if urls is not None else [s.url for s in subscriptions(collection)]
    return [_update_feed(collection, url, progress or (lambda _: None), timeout, confirmed) for url in feed_urls]


def _update_feed(collection: Collection, url: str, progress: Progress, timeout: float, confirmed: bool) -> FeedUpdate:
    report = FeedUpdate(url)
    progress(UpdateProgress(url, "index"))
    try:
        index = fetch_index(url, timeout=timeout)
    except QuizappError as error:
        report.errors.append(str(error))
        return report
    for entry in index.decks:
        have = installed_version(collection, entry.deck_id)
        if have is not None and have >= entry.version:
            report.up_to_date.append(entry.deck_id)
            continue
        try:
            data = _download(url, entry, progress, timeout)
            progress(UpdateProgress(url, "import", entry.deck_id, entry.size, entry.size))
            # The index's verified signer becomes the key once feeds are signed.
            origin = feed_origin(url, signer=None)
            result = _import_listed(collection, data, entry, urllib.parse.urljoin(url, entry.url), origin, confirmed)
        except QuizappError as error:
            report.errors.append(str(error))
            continue
        report.results.append(result)
    return report


def _download(feed_url: str, entry: FeedEntry, progress: Progress, timeout: float) -> bytes:
    """A bundle's bytes, verified against the index (at most its listed size is read)."""
    bundle_url = urllib.parse.urljoin(feed_url, entry.url)

    def downloaded(done: int) -> None:
        progress(UpdateProgress(feed_url, "download", entry.deck_id, done, entry.size))

    downloaded(0)
    data = request(bundle_url, max_bytes=entry.size, timeout=timeout, on_bytes=downloaded)
    if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
        raise FeedError(f"{bundle_url} does not match the size and SHA-256 in the index; it was not imported")
    return data


def _import_listed(collection: Collection, data: bytes, entry: FeedEntry, bundle_url: str, origin: Origin, confirmed: bool = False) -> ImportResult:
    bundle = read_bundle(data, name=entry.url)
    if (bundle.deck.id, bundle.deck.info.version) != (entry.deck_id, entry.version):
        raise FeedError(f"{bundle_url} holds '{bundle.deck.id}' v{bundle.deck.info.version}, not '{entry.deck_id}' v{entry.version} as the index says")
    return install_versioned(collection, bundle.deck, bundle.deck_yaml, bundle.media, origin, confirmed=confirmed, adapts=entry.adapts)
