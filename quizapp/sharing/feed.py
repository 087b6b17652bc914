"""Class feeds: a folder of bundles plus an `index.json`, served by any static web host.

A teacher publishes (`publish`) a folder of deck files; learners subscribe to the index's URL and
check for updates (`check_for_updates`), which downloads only the decks whose version is higher
than theirs, verifies each download's size and SHA-256 against the index, and imports it like a
bundle file, so progress is kept card by card.

The index (format 2; format 1 had neither the descriptions, the card counts nor the signature):

    {"format": 2, "generated": "2025-03-03T12:00:00+00:00", "decks": [
      {"id": "overdose-response", "version": 2, "title": "Overdose response",
       "description": "What to do ...", "cards": 28, "language": "en",
       "url": "overdose-response-v2.quizdeck", "size": 5120, "sha256": "..."}],
     "app": {"version": "0.2.0", "url": "quizapp-0.2.0.apk", "size": 31457280, "sha256": "..."},
     "publisher_key": "...", "signature": "..."}

`app` is there only when the share also serves an Android package of quizapp (`serve --app`), for
a class with no internet; an app following the feed is told when it is newer than itself.

Bundle URLs are relative to the index and may only name files below it, so a feed cannot send
the app to another host. Every download has an overall deadline and a size cap.

Trust: a subscription pins the publisher key its address carries (`#key=…`, see signing). An
index or a bundle that is unsigned, or signed by another key, is then refused. A subscription
made before feeds were signed pins the key of the first signed index it reads (trust on first
use, once); until then, an unsigned feed is read as before.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from quizapp import __version__
from quizapp.core.appversion import APP_VERSION, is_newer_app
from quizapp.core.collection import Collection
from quizapp.core.deck import Deck
from quizapp.core.deckfile import DECK_ID, LANGUAGE, load_deck
from quizapp.core.decksync import bundled_deck_ids
from quizapp.core.errors import DeckFileError, Problem, QuizappError
from quizapp.core.origin import Origin, feed_origin
from quizapp.sharing.atomic import atomic_output, write_atomically
from quizapp.sharing.bundle import (
    BUNDLE_SUFFIX,
    MAX_BUNDLE_BYTES,
    bundle_deck_file,
    deck_file_of,
    read_bundle,
)
from quizapp.sharing.install import ImportResult, install_versioned, installed_version
from quizapp.sharing.jsonshape import JsonReader
from quizapp.sharing.signing import (
    KEY_FIELD,
    SIGNATURE_FIELD,
    PublisherKey,
    address_key,
    describe_key,
    load_or_create_key,
    verify_document,
)
from quizapp.sharing.web import TIMEOUT_SECONDS, request

FEED_FORMAT = 2
READABLE_FEED_FORMATS = (1, FEED_FORMAT)
SIGNATURE_PURPOSE = "feed index"
INDEX_NAME = "index.json"
MAX_INDEX_BYTES = 1 * 2**20
MAX_FEED_DECKS = 1000
APP_SUFFIX = ".apk"
MAX_APP_BYTES = 300 * 2**20
SETTINGS_KEY = "sharing.feeds"

_RELATIVE_URL = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*\Z")
_VERSION_IN_NAME = re.compile(r"-([0-9]{1,6}(?:\.[0-9]{1,6}){1,3})(?=[-_.])")


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
    description: str = ""
    cards: int | None = None  # None in a format-1 index, which did not say
    language: str = "en"
    adapts: str | None = None  # a teacher's version of the bundled deck with this id (the same id)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "id": self.deck_id,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "cards": self.cards,
            "language": self.language,
            "url": self.url,
            "size": self.size,
            "sha256": self.sha256,
        }
        return {**data, "adapts": self.adapts} if self.adapts else data


@dataclass(frozen=True)
class AppPackage:
    """An Android package of quizapp that the share serves beside its decks."""

    version: str
    url: str  # relative to the index
    size: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "url": self.url, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class FeedIndex:
    decks: tuple[FeedEntry, ...]
    generated: datetime
    format: int = FEED_FORMAT
    signer: str | None = None  # the publisher key whose signature was checked; None if unsigned
    app: AppPackage | None = None

    def to_dict(self) -> dict[str, Any]:
        """The index without its signature (PublisherKey.sign adds it)."""
        document = {"format": self.format, "generated": self.generated.isoformat(), "decks": [d.to_dict() for d in self.decks]}
        return document | {"app": self.app.to_dict()} if self.app else document

    def to_json(self, signer: PublisherKey | None = None) -> bytes:
        document = signer.sign(self.to_dict(), SIGNATURE_PURPOSE) if signer else self.to_dict()
        return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"

    @classmethod
    def from_dict(cls, data: Any, source: str = INDEX_NAME) -> FeedIndex:
        """Check a parsed index strictly; FeedError says where it is wrong (`decks[2].sha256: ...`)."""
        read = JsonReader(source, FeedError)
        if isinstance(data, dict) and "format" in data and data["format"] not in READABLE_FEED_FORMATS:
            raise FeedError(
                f"{source}: feed format {data['format']!r} is not one this app reads (it reads {' and '.join(map(str, READABLE_FEED_FORMATS))}); update quizapp"
            )
        current = isinstance(data, dict) and data.get("format") == FEED_FORMAT
        fields = read.object(data, "", ("format", "generated", "decks"), ("app", KEY_FIELD, SIGNATURE_FIELD) if current else ())
        generated_text = read.text(fields["generated"], "generated", max_length=64)
        try:
            generated = datetime.fromisoformat(generated_text)
        except ValueError:
            read.fail("generated", f"'{generated_text}' is not an ISO 8601 date and time")
        entries: list[FeedEntry] = []
        seen: set[str] = set()
        for number, item in enumerate(read.array(fields["decks"], "decks", max_items=MAX_FEED_DECKS)):
            where = f"decks[{number}]"
            entry = read.object(
                item,
                where,
                ("id", "version", "title", "url", "size", "sha256", *(("description", "cards") if current else ())),
                ("adapts", *(("language",) if current else ())),
            )
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
                    # Bounded by the index's own size: whatever a deck file allows, publish can list.
                    description=read.optional_text(entry["description"], f"{where}.description", max_length=MAX_INDEX_BYTES) if current else "",
                    cards=read.integer(entry["cards"], f"{where}.cards") if current else None,
                    language=read.text(entry["language"], f"{where}.language", max_length=35, pattern=LANGUAGE, rule="a language tag such as 'en' or 'en-GB'")
                    if "language" in entry
                    else "en",
                    adapts=read.text(entry["adapts"], f"{where}.adapts", max_length=64, pattern=DECK_ID, rule="a deck id") if "adapts" in entry else None,
                )
            )
        app = _read_app(read, fields["app"]) if "app" in fields else None
        signer = verify_document(fields, SIGNATURE_PURPOSE, read) if current else None
        return cls(tuple(entries), generated, fields["format"], signer, app)


def _read_app(read: JsonReader, value: Any) -> AppPackage:
    fields = read.object(value, "app", ("version", "url", "size", "sha256"))
    url = read.text(fields["url"], "app.url", max_length=300, pattern=_RELATIVE_URL, rule="a file name relative to the index")
    if ".." in url.split("/") or not url.endswith(APP_SUFFIX):
        read.fail("app.url", f"'{url}' must name an {APP_SUFFIX} file below the index")
    return AppPackage(
        version=read.text(fields["version"], "app.version", max_length=40, pattern=APP_VERSION, rule="an app version such as 0.3.1"),
        url=url,
        size=read.integer(fields["size"], "app.size", minimum=1, maximum=MAX_APP_BYTES),
        sha256=read.sha256(fields["sha256"], "app.sha256"),
    )


def parse_index(data: bytes, source: str = INDEX_NAME) -> FeedIndex:
    """Parse index.json bytes; FeedError names the line and column, or the key, that is wrong."""
    read = JsonReader(source, FeedError)
    return FeedIndex.from_dict(read.load(data), source)


# -- publishing -----------------------------------------------------------------------------------


def publish(decks_dir: Path, out_dir: Path, *, generated: datetime | None = None, signer: PublisherKey | None = None) -> FeedIndex:
    """Publish every deck file in `decks_dir` (*.yaml, and one level of deck folders); see publish_files."""
    files = _deck_files(Path(decks_dir))
    if not files:
        raise QuizappError(f"no deck files (*.yaml) in '{decks_dir}'")
    return publish_files(files, out_dir, generated=generated, signer=signer)


def publish_collection_decks(collection: Collection, deck_ids: Iterable[str], out_dir: Path, *, generated: datetime | None = None) -> FeedIndex:
    """Publish decks the collection holds, from their deck files (the app's "Share with class"),
    signed with this device's publisher key (made now if it has none)."""
    signer, _ = load_or_create_key(collection.data_dir)
    return publish_files([deck_file_of(collection, deck_id) for deck_id in deck_ids], out_dir, generated=generated, signer=signer)


def publish_files(files: Iterable[Path], out_dir: Path, *, generated: datetime | None = None, signer: PublisherKey | None = None) -> FeedIndex:
    """Bundle deck files into `out_dir` and write its index.json last, so a learner never sees an
    index naming a missing bundle. With `signer`, the index and every manifest are signed.

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
        bundle_deck_file(file, out / name, created=when, signer=signer)
        data = (out / name).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        # A deck under a bundled deck's id is a teacher's version of it: the index says so, and
        # each learner is asked once whether to use it.
        adapts = deck_id if deck_id in bundled_deck_ids() else None
        entries.append(
            FeedEntry(deck_id, deck.info.version, deck.info.title, name, len(data), digest, deck.info.description, len(deck.cards), deck.info.language, adapts)
        )
    index = FeedIndex(tuple(entries), when, signer=signer.public_key if signer else None)
    write_atomically(out / INDEX_NAME, index.to_json(signer))
    return index


def app_package_version(package: Path) -> str:
    """The version in an Android package's file name, as buildozer names it
    (`quizapp-0.3.1-arm64-v8a-debug.apk`); QuizappError when the name carries none."""
    found = _VERSION_IN_NAME.search(Path(package).name)
    if found is None:
        raise QuizappError(f"'{Path(package).name}' does not say which version of quizapp it is; give it with --app-version (such as 0.3.1)")
    return found.group(1)


def add_app_package(out_dir: Path, package: Path, *, version: str | None = None, signer: PublisherKey | None = None) -> AppPackage:
    """Serve an Android package of quizapp from a published folder: copy it in as
    `quizapp-<version>.apk` and list its version, size and SHA-256 in index.json, signed again
    with `signer`, the key the folder was published with (an unsigned folder stays unsigned).

    The package is checked to be an Android package (a zip holding AndroidManifest.xml) of at
    most MAX_APP_BYTES; the index is written last, so it never names a package not yet copied.
    """
    folder, package = Path(out_dir), Path(package)
    index_path = folder / INDEX_NAME
    try:
        index = parse_index(index_path.read_bytes(), str(index_path))
    except OSError as error:
        raise QuizappError(f"cannot read {index_path}: {error.strerror or error}; publish the decks first") from None
    if index.signer is not None and (signer is None or signer.public_key != index.signer):
        raise QuizappError(
            f"{index_path} is signed by publisher key {describe_key(index.signer)}, which this computer does not hold; publish the decks again here, then serve"
        )
    version = version if version is not None else app_package_version(package)
    if not APP_VERSION.match(version):
        raise QuizappError(f"'{version[:40]}' is not an app version (numbers separated by dots, such as 0.3.1)")
    _check_app_package(package)
    name = f"quizapp-{version}{APP_SUFFIX}"
    digest = hashlib.sha256()
    with package.open("rb") as source, atomic_output(folder / name) as out:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
        size = out.tell()
    listed = AppPackage(version, name, size, digest.hexdigest())
    index = FeedIndex(index.decks, index.generated, index.format, index.signer, listed)
    write_atomically(index_path, index.to_json(signer if index.signer else None))
    return listed


def _check_app_package(package: Path) -> None:
    try:
        size = package.stat().st_size
    except OSError as error:
        raise QuizappError(f"cannot read {package}: {error.strerror or error}") from None
    if not package.is_file() or size == 0 or size > MAX_APP_BYTES:
        raise QuizappError(f"{package} is not an app package of at most {MAX_APP_BYTES // 2**20} MB")
    try:
        with zipfile.ZipFile(package) as archive:
            is_android_package = "AndroidManifest.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        is_android_package = False
    if not is_android_package:
        raise QuizappError(f"{package} is not an Android package (.apk): it has no AndroidManifest.xml")


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
        return urllib.parse.urlunsplit((*parts[:4], ""))  # the key in the fragment is pinned, not part of the address
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path + INDEX_NAME, "", ""))


def fetch_index(url: str, *, timeout: float = TIMEOUT_SECONDS) -> FeedIndex:
    return parse_index(request(url, max_bytes=MAX_INDEX_BYTES, timeout=timeout), source=url)


# -- subscriptions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    url: str  # of the index
    key: str | None = None  # the publisher key this feed is pinned to; None for an unsigned feed

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "key": self.key} if self.key else {"url": self.url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subscription:
        return cls(url=data["url"], key=data.get("key"))


def subscriptions(collection: Collection) -> list[Subscription]:
    return [Subscription.from_dict(item) for item in collection.store.get_setting(SETTINGS_KEY, [])]


def _save_subscription(collection: Collection, subscription: Subscription) -> None:
    """Add a subscription, or replace the one for the same feed (keeping its place)."""
    current = subscriptions(collection)
    kept = [subscription if s.url == subscription.url else s for s in current]
    if subscription.url not in {s.url for s in current}:
        kept.append(subscription)
    collection.store.set_setting(SETTINGS_KEY, [s.to_dict() for s in kept])


def subscribe(collection: Collection, address: str, *, timeout: float = TIMEOUT_SECONDS) -> tuple[Subscription, FeedIndex]:
    """Add a class feed after checking that its index can be fetched and read (so a typo fails now,
    not at the next update). Subscribing twice to one feed keeps one subscription.

    The feed is pinned to the key the address carries (`#key=…`): an index that is unsigned or
    signed by another key is refused. An address without a key (typed by hand, or from an older
    app) pins the key the index is signed with now, or, for an unsigned feed, none; a feed already
    pinned keeps its key unless the address names a new one.
    """
    url, given = index_url(address), address_key(address)
    index = fetch_index(url, timeout=timeout)
    earlier = next((s.key for s in subscriptions(collection) if s.url == url), None)
    pinned = given or earlier
    check_signer(index.signer, pinned, url)
    subscription = Subscription(url, pinned or index.signer)
    _save_subscription(collection, subscription)
    return subscription, index


def check_signer(signer: str | None, pinned: str | None, what: str) -> None:
    """Refuse a document (`what` names it) that is unsigned or signed by another key than the
    pinned one; with no pinned key, anything goes."""
    if pinned is None or signer == pinned:
        return
    if signer is None:
        raise FeedError(
            f"{what} is not signed, but this feed is pinned to publisher key {describe_key(pinned)}; it was not used "
            "(someone other than your teacher may be serving it)"
        )
    raise FeedError(
        f"{what} is signed by publisher key {describe_key(signer)}, not by {describe_key(pinned)}, the key this feed is pinned to; "
        "it was not used. If your teacher has a new key, subscribe again with the address their screen shows now"
    )


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
    notes: list[str] = field(default_factory=list)  # things the learner should know (a key pinned, a newer app)
    newer_app: AppPackage | None = None  # the share offers a later quizapp than this one

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed_url": self.feed_url,
            "results": [r.to_dict() for r in self.results],
            "up_to_date": list(self.up_to_date),
            "errors": list(self.errors),
            "notes": list(self.notes),
            "newer_app": self.newer_app.to_dict() if self.newer_app else None,
        }


def check_for_updates(
    collection: Collection,
    urls: Iterable[str] | None = None,
    *,
    progress: Progress | None = None,
    timeout: float = TIMEOUT_SECONDS,
    confirmed: bool | AbstractSet[str] = False,
) -> list[FeedUpdate]:
    """Check each feed (default: every subscription) and import the decks that are newer there.

    A feed that cannot be reached, or a deck that fails its checks or comes from another origin,
    is reported in its FeedUpdate's `errors` and does not stop the others. A deck that needs the
    learner's yes (a teacher's version of a bundled deck, or an update that changes safety cards
    or retires most of a deck) comes back as a result with a confirmation; `confirmed` applies
    those: all of them (True), or those of the deck ids given (the app asks deck by deck).
    `progress` is called from this thread.
    """
    subscribed = {s.url: s for s in subscriptions(collection)}
    feeds = list(subscribed.values()) if urls is None else [subscribed.get(index_url(u)) or Subscription(index_url(u), address_key(u)) for u in urls]
    return [_update_feed(collection, feed, feed.url in subscribed, progress or (lambda _: None), timeout, confirmed) for feed in feeds]


def _update_feed(
    collection: Collection, feed: Subscription, subscribed: bool, progress: Progress, timeout: float, confirmed: bool | AbstractSet[str]
) -> FeedUpdate:
    url = feed.url
    report = FeedUpdate(url)
    progress(UpdateProgress(url, "index"))
    try:
        index = fetch_index(url, timeout=timeout)
        check_signer(index.signer, feed.key, url)
    except QuizappError as error:
        report.errors.append(str(error))
        return report
    if feed.key is None and index.signer is not None:
        # Subscribed before the feed was signed: its first signed index pins its key, once.
        feed = Subscription(url, index.signer)
        if subscribed:
            _save_subscription(collection, feed)
        report.notes.append(
            f"this feed is now signed: it is pinned to publisher key {describe_key(index.signer)} from now on; check those words with your teacher"
        )
    if index.app is not None and is_newer_app(index.app.version, __version__):
        report.newer_app = index.app
        report.notes.append(
            f"this share offers quizapp {index.app.version} (you have {__version__}): open its page in your browser to install it; "
            "content fixes and the rules for bundled decks come with app updates"
        )
    for entry in index.decks:
        have = installed_version(collection, entry.deck_id)
        if have is not None and have >= entry.version:
            report.up_to_date.append(entry.deck_id)
            continue
        try:
            data = _download(url, entry, progress, timeout)
            progress(UpdateProgress(url, "import", entry.deck_id, entry.size, entry.size))
            # Decks from this feed belong to its publisher's key (checked against the pinned one).
            said_yes = confirmed is True or (not isinstance(confirmed, bool) and entry.deck_id in confirmed)
            result = _import_listed(collection, data, entry, feed, feed_origin(url, signer=index.signer), said_yes)
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


def _import_listed(
    collection: Collection, data: bytes, entry: FeedEntry, feed: Subscription, origin: Origin, confirmed: bool = False
) -> ImportResult:
    """Install a downloaded bundle of `feed` (its `key` is the one pinned, if any)."""
    bundle_url = urllib.parse.urljoin(feed.url, entry.url)
    bundle = read_bundle(data, name=entry.url)
    check_signer(bundle.signer, feed.key, bundle_url)
    if (bundle.deck.id, bundle.deck.info.version) != (entry.deck_id, entry.version):
        raise FeedError(f"{bundle_url} holds '{bundle.deck.id}' v{bundle.deck.info.version}, not '{entry.deck_id}' v{entry.version} as the index says")
    return install_versioned(collection, bundle.deck, bundle.deck_yaml, bundle.media, origin, confirmed=confirmed, adapts=entry.adapts)
