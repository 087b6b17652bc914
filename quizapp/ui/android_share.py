"""Android glue for `.quizdeck` files: open one that another app hands over, and send one through
the Android share sheet.

Two kinds of code live here:

- Pure functions that decide what to do, tested on a desktop with fakes: which addresses an
  intent hands the app (`deck_uris`), what the file is called (`deck_file_name`), and reading it
  into memory with a size limit (`read_incoming`). The bytes then go to `import_bundle`, which
  checks the whole bundle before writing anything.
- Thin Android wrappers (`DeckReceiver`, `AndroidUris`, `share_quizdeck`) that import `jnius`,
  `android` and `androidstorage4kivy` inside their methods, so a desktop never needs them.

How a deck arrives: `android-manifest/intent_filters.xml` makes the app a target for opening
(VIEW) and sharing (SEND) `.quizdeck` files. With `android.manifest.launch_mode = singleTask` a
file opened while the app runs reaches the running activity as a new intent, not a second copy.
The UI starts a `DeckReceiver` once; it reads the launch intent and every new intent, and hands
each deck to the UI on the Kivy thread. Reading needs no storage permission: the sending app
grants read access to that one address.

How a deck leaves: the deck is bundled into the app's cache, copied into Download/<app title>/
through MediaStore (androidstorage4kivy's SharedStorage; no permission needed on Android 10 and
later) and offered with the share sheet (its ShareSheet). Android 7 to 9 would need the storage
permission, which the app does not ask for, so sharing a file there raises `ShareUnavailable`
(the classroom Wi-Fi share works on every version).
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from quizapp.core.collection import Collection
from quizapp.core.errors import ArchiveError, QuizappError
from quizapp.sharing.bundle import (
    BUNDLE_SUFFIX,
    MAX_BUNDLE_BYTES,
    export_bundle,
    import_bundle,
)
from quizapp.sharing.formats import ImportOptions
from quizapp.sharing.install import ImportResult
from quizapp.sharing.links import is_subscribe_link

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

ACTION_VIEW = "android.intent.action.VIEW"
ACTION_SEND = "android.intent.action.SEND"
ACTION_SEND_MULTIPLE = "android.intent.action.SEND_MULTIPLE"
# Set when Android relaunches the app from Recents with the intent it was first started with.
FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY = 0x00100000

QUIZDECK_MIME = "application/vnd.quizapp.quizdeck+zip"
# The MIME types android-manifest/intent_filters.xml accepts (tests/test_android.py keeps them equal).
# Other apps rarely know a .quizdeck: mail and chat apps send it as zip or octet-stream, and a
# copy made by share_quizdeck is typed "application/quizdeck" (Android's fallback for an unknown
# extension). Whatever arrives, import_bundle refuses anything that is not a valid bundle.
ACCEPTED_MIME_TYPES = (
    QUIZDECK_MIME,
    "application/quizdeck",
    "application/zip",
    "application/x-zip-compressed",
    "application/octet-stream",
)
LOCAL_SCHEMES = ("content", "file")  # web links go through a class feed instead
MAX_NAME_CHARS = 120
ANDROID_10 = 29  # MediaStore.Downloads: sharing a file needs no permission from this API level


class ShareUnavailable(QuizappError):
    """A deck file cannot be sent through the share sheet on this device."""


@dataclass(frozen=True)
class IntentData:
    """What an Android intent says, as plain strings (built from a real intent by `intent_data`)."""

    action: str | None
    data: str | None = None  # Intent.getData(): the file to open (VIEW)
    streams: tuple[str, ...] = ()  # EXTRA_STREAM and ClipData addresses: the files shared (SEND)
    mime_type: str | None = None
    flags: int = 0


@dataclass(frozen=True)
class IncomingDeck:
    """A deck file read into memory, ready for `import_incoming`."""

    uri: str
    name: str
    data: bytes


class UriSource(Protocol):
    """Opens the addresses an intent names: `AndroidUris` on a phone, fakes in tests."""

    def display_name(self, uri: str) -> str | None: ...

    def open(self, uri: str) -> BinaryIO: ...


# -- pure decisions ---------------------------------------------------------------------------------


def on_android() -> bool:
    """True inside a python-for-android build (it sets ANDROID_ARGUMENT), without importing kivy."""
    return "ANDROID_ARGUMENT" in os.environ


def deck_uris(intent: IntentData) -> list[str]:
    """The local (content:// or file://) addresses of the deck files an intent hands the app, in
    order and without repeats; [] for any other intent: the launcher's, a relaunch from Recents
    (the same file must not be imported again on every relaunch), a web link."""
    if intent.flags & FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY:
        return []
    if intent.action == ACTION_VIEW:
        candidates: Iterable[str | None] = (intent.data, *intent.streams)
    elif intent.action in (ACTION_SEND, ACTION_SEND_MULTIPLE):
        candidates = intent.streams
    else:
        return []
    uris: list[str] = []
    for uri in candidates:
        if uri and urllib.parse.urlsplit(uri).scheme.lower() in LOCAL_SCHEMES and uri not in uris:
            uris.append(uri)
    return uris


def subscribe_link_of(intent: IntentData) -> str | None:
    """The quizapp://subscribe link an intent opens (a class page's "Open in quizapp"), or None.
    Only picked out here: quizapp.sharing.links checks it, and the app asks before subscribing."""
    if intent.action != ACTION_VIEW or intent.flags & FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY or not intent.data:
        return None
    return intent.data if is_subscribe_link(intent.data) else None


def deck_file_name(display_name: str | None, uri: str) -> str:
    """A safe file name for messages: the sender's display name, else the last part of the
    address, without folders or control characters, ending in .quizdeck."""
    raw = display_name or urllib.parse.unquote(urllib.parse.urlsplit(uri).path)
    name = re.split(r"[/\\]", raw)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if not name:
        name = "shared"
    if not name.lower().endswith(BUNDLE_SUFFIX):
        name += BUNDLE_SUFFIX
    if len(name) > MAX_NAME_CHARS:
        name = name[: MAX_NAME_CHARS - len(BUNDLE_SUFFIX)] + BUNDLE_SUFFIX
    return name


def file_uri_path(uri: str) -> Path:
    """The local path of a file:// address."""
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme.lower() != "file":
        raise ValueError(f"not a file:// address: {uri}")
    return Path(urllib.parse.unquote(parts.path))


def read_limited(stream: BinaryIO, limit: int, name: str) -> bytes:
    """All of a stream, refusing (without reading on) one longer than `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise ArchiveError(f"{name} is larger than {limit // 2**20} MiB; it was not imported")


def read_incoming(uri: str, source: UriSource, *, max_bytes: int = MAX_BUNDLE_BYTES) -> IncomingDeck:
    """Read one handed-over file into memory. Raises ArchiveError when it is too large and
    OSError when it cannot be read (the sender withdrew it, a provider failed)."""
    try:
        display_name = source.display_name(uri)
    except Exception:  # noqa: BLE001 - a provider without a name column still gives the bytes
        display_name = None
    name = deck_file_name(display_name, uri)
    with source.open(uri) as stream:
        data = read_limited(stream, max_bytes, name)
    return IncomingDeck(uri=uri, name=name, data=data)


def import_incoming(collection: Collection, deck: IncomingDeck, options: ImportOptions | None = None) -> ImportResult:
    """Install a received deck like any bundle: checked as a whole, a newer version updates the
    deck by card id (progress kept), the same or an older one changes nothing. As for a file from
    the chooser, `options.confirmed` is the learner's yes to what the first try asked, and
    `options.as_new` keeps it beside a deck of another origin (see install.py)."""
    options = options or ImportOptions()
    return import_bundle(collection, deck.data, name=deck.name, confirmed=options.confirmed, as_new=options.as_new)


def share_file_name(deck_id: str, version: int) -> str:
    """The name a shared deck file gets: the same `<id>-v<version>.quizdeck` as in a class feed."""
    return f"{deck_id}-v{version}{BUNDLE_SUFFIX}"


def export_for_sharing(collection: Collection, deck_id: str, folder: Path) -> Path:
    """Bundle a deck into `folder` under its share name and return the file."""
    info, _sources = collection.deck_info(deck_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / share_file_name(deck_id, info.version)
    export_bundle(collection, deck_id, target)
    return target


class LocalFiles:
    """A UriSource for file:// addresses (a desktop, tests, and old Android file managers)."""

    def display_name(self, uri: str) -> str | None:
        return file_uri_path(uri).name

    def open(self, uri: str) -> BinaryIO:
        return file_uri_path(uri).open("rb")


# -- Android only: everything below imports jnius / android inside its methods -----------------------


def _java_activity() -> Any:
    from jnius import autoclass  # in every p4a build

    return autoclass("org.kivy.android.PythonActivity").mActivity


def intent_data(intent: Any) -> IntentData:
    """An android.content.Intent (a jnius object) as IntentData."""
    from jnius import autoclass, cast

    intent_class = autoclass("android.content.Intent")
    action = intent.getAction()
    data = intent.getData()
    streams: list[str] = []
    if action == ACTION_SEND:
        stream = intent.getParcelableExtra(intent_class.EXTRA_STREAM)
        if stream is not None:
            streams.append(cast("android.net.Uri", stream).toString())
    elif action == ACTION_SEND_MULTIPLE:
        stream_list = intent.getParcelableArrayListExtra(intent_class.EXTRA_STREAM)
        for index in range(stream_list.size() if stream_list is not None else 0):
            streams.append(cast("android.net.Uri", stream_list.get(index)).toString())
    clip = intent.getClipData()
    for index in range(clip.getItemCount() if clip is not None else 0):
        uri = clip.getItemAt(index).getUri()
        if uri is not None:
            streams.append(uri.toString())
    return IntentData(
        action=action,
        data=data.toString() if data is not None else None,
        streams=tuple(streams),
        mime_type=intent.getType(),
        flags=int(intent.getFlags()),
    )


class _JavaInputStream:
    """A java.io.InputStream read like a Python binary file (fallback when a provider gives no
    file descriptor)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._buffer = bytearray(1 << 16)

    def read(self, size: int = -1) -> bytes:
        wanted = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        count = self._stream.read(self._buffer, 0, wanted)
        return b"" if count <= 0 else bytes(self._buffer[:count])

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stream.close()


class AndroidUris:
    """A UriSource for content:// addresses, through the ContentResolver."""

    def __init__(self) -> None:
        from jnius import autoclass

        self._resolver = _java_activity().getContentResolver()
        self._uri_class = autoclass("android.net.Uri")
        self._display_name_column = autoclass("android.provider.OpenableColumns").DISPLAY_NAME

    def display_name(self, uri: str) -> str | None:
        if uri.lower().startswith("file:"):
            return LocalFiles().display_name(uri)
        cursor = self._resolver.query(self._uri_class.parse(uri), [self._display_name_column], None, None, None)
        if cursor is None:
            return None
        try:
            if cursor.moveToFirst():
                column = cursor.getColumnIndex(self._display_name_column)
                if column >= 0:
                    return str(cursor.getString(column) or "") or None
        finally:
            cursor.close()
        return None

    def open(self, uri: str) -> BinaryIO:
        if uri.lower().startswith("file:"):
            return LocalFiles().open(uri)
        parsed = self._uri_class.parse(uri)
        try:
            descriptor = self._resolver.openFileDescriptor(parsed, "r")
        except Exception:  # noqa: BLE001 - some providers only stream (a pipe); fall back below
            descriptor = None
        if descriptor is not None:
            return os.fdopen(descriptor.detachFd(), "rb")  # we own the descriptor now
        stream = self._resolver.openInputStream(parsed)
        if stream is None:
            raise OSError(f"{uri} could not be opened")
        return _JavaInputStream(stream)  # type: ignore[return-value]


class DeckReceiver:
    """Hands every .quizdeck opened with or shared to the app to `on_deck`, and every
    quizapp://subscribe link opened with it to `on_link`, on the Kivy thread.

    The UI starts one when the app starts (`DeckReceiver(on_deck, on_error).start()`); on a
    desktop `start()` does nothing and returns False. Files are read on a worker thread so a large
    deck never freezes the screen; `on_error(name, message)` reports one that could not be read.
    """

    def __init__(
        self,
        on_deck: Callable[[IncomingDeck], object],
        on_error: Callable[[str, str], None],
        source_factory: Callable[[], UriSource] | None = None,
        schedule: Callable[[Callable[[], None]], None] | None = None,
        on_link: Callable[[str], None] | None = None,
    ) -> None:
        """`source_factory` and `schedule` (run a callable on the UI thread; Kivy's Clock by
        default) let tests run it without a phone."""
        self.on_deck = on_deck
        self.on_error = on_error
        self.on_link = on_link
        self._source_factory = source_factory or AndroidUris
        self._schedule = schedule or _on_kivy_thread
        self._started = False

    def start(self) -> bool:
        if not on_android() or self._started:
            return False
        from android import activity

        activity.bind(on_new_intent=self._on_new_intent)
        self._started = True
        self._on_new_intent(_java_activity().getIntent())
        return True

    def stop(self) -> None:
        if self._started:
            from android import activity

            activity.unbind(on_new_intent=self._on_new_intent)
            self._started = False

    def _on_new_intent(self, intent: Any) -> None:
        # Called on Android's UI thread: read the intent now (it is not ours to keep), the files later.
        if intent is None:
            return
        self.receive(intent_data(intent))

    def receive(self, intent: IntentData) -> threading.Thread | None:
        """Read the intent's deck files on a worker thread; None when it carries none. A
        subscribe link goes to `on_link` as it is (the app checks it and asks the learner)."""
        link = subscribe_link_of(intent)
        if link is not None and self.on_link is not None:
            self._deliver(self.on_link, link)
            return None
        uris = deck_uris(intent)
        if not uris:
            return None
        worker = threading.Thread(target=self._read_all, args=(uris,), name="deck-receiver", daemon=True)
        worker.start()
        return worker

    def _read_all(self, uris: list[str]) -> None:
        source = self._source_factory()
        for uri in uris:
            try:
                deck = read_incoming(uri, source)
            except (OSError, QuizappError) as error:
                self._deliver(self.on_error, deck_file_name(None, uri), str(error))
            except Exception as error:  # noqa: BLE001 - a Java exception from the provider
                self._deliver(self.on_error, deck_file_name(None, uri), f"could not be read: {error}")
            else:
                self._deliver(self.on_deck, deck)

    def _deliver(self, callback: Callable[..., object], *args: Any) -> None:
        def call() -> None:
            callback(*args)

        self._schedule(call)


def _on_kivy_thread(function: Callable[[], None]) -> None:
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: function())


_share_sheet: Any = None  # kept alive: the share sheet reads the file after share_quizdeck returns


def share_quizdeck(path: Path) -> None:
    """Offer a .quizdeck file through the Android share sheet (mail, chat, Nearby Share, Drive).

    A copy goes to Download/<app title>/ first, where the receiving app can read it and the
    teacher can find it again. Raises ShareUnavailable off Android, before Android 10, or when the
    copy fails."""
    global _share_sheet
    if not on_android():
        raise ShareUnavailable("sharing a deck file through the share sheet needs Android")
    from android import api_version

    if api_version < ANDROID_10:
        raise ShareUnavailable("sharing a deck file needs Android 10 or later; share it over Wi-Fi instead")
    from androidstorage4kivy import SharedStorage, ShareSheet
    from jnius import autoclass

    downloads = autoclass("android.os.Environment").DIRECTORY_DOWNLOADS
    shared = SharedStorage().copy_to_shared(str(path), collection=downloads)
    if shared is None:
        raise ShareUnavailable(f"{path.name} could not be copied to Downloads for sharing")
    if _share_sheet is None:
        _share_sheet = ShareSheet()
    _share_sheet.share_file(shared)


def share_deck(collection: Collection, deck_id: str) -> Path:
    """Bundle a deck into the app's cache and offer it through the share sheet; the bundle's path."""
    if not on_android():
        raise ShareUnavailable("sharing a deck file through the share sheet needs Android")
    cache = Path(str(_java_activity().getCacheDir().getAbsolutePath())) / "share"
    path = export_for_sharing(collection, deck_id, cache)
    share_quizdeck(path)
    return path
