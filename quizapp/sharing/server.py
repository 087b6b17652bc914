"""Sharing a published feed folder on the classroom network, and taking class reports.

The server is stdlib `http.server` with a thread per connection, made safe for a room of
students and for whoever else is on the network:

- GET and HEAD only serve regular files inside the folder: no `..`, no hidden files, no symlink
  that leads outside; `/` is a small page listing the decks, for a phone's browser.
- Only regular files with a single link are served, so a hard link to a file elsewhere on the
  disk, made inside the folder, is not.
- POST is taken at `/reports` (a class report, size-limited, checked against the deck the folder
  serves) and `/reports/withdraw` (a learner takes theirs back): one report per learner and deck,
  kept in a `ReportBox` beside the folder (never inside it, so never served back). Each address
  may post a few times a minute (429 past that) and the box keeps a bounded number of reports
  (507 past that); each refusal of that kind is also a notice for the teacher (`notices()`).
- Each request must arrive whole (request line, headers and body) within the idle timeout of
  the server starting to wait for it, so neither an idle client nor one that trickles a byte at a
  time (slowloris) holds a connection for long; request lines and headers are bounded, and at most
  `max_connections` are served at once; past that a client gets 503 at once instead of queueing,
  so memory stays bounded.
- `stop()` closes the listening socket and every open connection.
"""

from __future__ import annotations

import http.client
import io
import json
import math
import os
import shutil
import socket
import stat
import sys
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qrcode

from quizapp import __version__
from quizapp.core.errors import QuizappError
from quizapp.sharing.bundle import read_bundle
from quizapp.sharing.class_page import bundled_emergency_steps, render_class_page
from quizapp.sharing.feed import INDEX_NAME, MAX_INDEX_BYTES, FeedIndex, parse_index
from quizapp.sharing.reports import (
    MAX_REPORT_BYTES,
    REPORTS_PATH,
    WITHDRAW_PATH,
    NicknameTaken,
    ReportBox,
    ReportError,
    ReportsFull,
    check_against_deck,
    parse_report,
    parse_withdrawal,
    reports_dir_for,
    studied_cards,
)
from quizapp.sharing.signing import keyed_address

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

DEFAULT_PORT = 8765
IDLE_TIMEOUT_SECONDS = 20.0
MAX_CONNECTIONS = 128
CHUNK_BYTES = 64 * 1024
MAX_HEAD_BYTES = 16 * 1024  # request line and headers together
_CONTENT_TYPES = {".json": "application/json", ".quizdeck": "application/zip", ".html": "text/html; charset=utf-8", ".apk": "application/vnd.android.package-archive"}
# Reports and withdrawals from one address: a learner sends a few; a flood is cut off at once.
POST_BURST = 10
POSTS_PER_MINUTE = 20
MAX_NOTICES = 20

Log = Callable[[str], None]


@dataclass(frozen=True)
class Notice:
    """Something the teacher should know about the share, for their screen: a limit was hit, or
    a nickname was refused. The same notice again only counts up."""

    kind: str  # "rate" (an address posted too often), "full" (the reports limit), "nickname"
    message: str
    count: int
    last_seen: float  # time.time() of the latest occurrence


class ShareServer:
    """Serves `root` (a folder written by `feed.publish`) read-only, in a background thread.

    `host` "0.0.0.0" listens on every interface and the URL uses the machine's LAN address;
    port 0 picks a free port. `log` receives one line per report taken and per server error.
    """

    def __init__(
        self,
        root: Path,
        *,
        host: str = "0.0.0.0",
        port: int = DEFAULT_PORT,
        reports_dir: Path | None = None,
        log: Log | None = None,
        idle_timeout: float = IDLE_TIMEOUT_SECONDS,
        max_connections: int = MAX_CONNECTIONS,
        post_burst: int = POST_BURST,
        posts_per_minute: float = POSTS_PER_MINUTE,
        report_box: ReportBox | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = Path(root).resolve()
        if not (self.root / INDEX_NAME).is_file():
            raise QuizappError(f"'{root}' has no {INDEX_NAME}; make it with `quizapp publish DECKS_DIR {root}` first")
        self.reports_dir = Path(reports_dir).resolve() if reports_dir else reports_dir_for(self.root)
        if self.reports_dir.is_relative_to(self.root):
            raise QuizappError("reports must be kept outside the served folder, or they would be served to everyone")
        self.host = host
        self.port = port
        self.log = log or (lambda _line: None)
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self.reports = report_box or ReportBox(self.reports_dir)
        self.post_limit = RateLimit(post_burst, posts_per_minute, clock)
        self._notices: OrderedDict[tuple[str, str], Notice] = OrderedDict()
        self._notices_lock = threading.Lock()
        self._served_decks: dict[str, tuple[str, frozenset[tuple[str, int]]]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Start serving in a background thread; returns the URL to give students."""
        if self._server is not None:
            return self.url
        try:
            self._server = _Server((self.host, self.port), self)
        except OSError as error:
            raise QuizappError(f"cannot listen on port {self.port}: {error.strerror or error}; choose another port") from None
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="quizapp-share", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop listening and close every open connection; returns when the server thread is done."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_all()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        if self._server is None:
            raise QuizappError("the share server is not running")
        port = self._server.server_address[1]
        address = self.host if self.host not in ("", "0.0.0.0") else (lan_address() or "127.0.0.1")
        return keyed_address(f"http://{address}:{port}/", self.index().signer)  # the key travels in the QR code

    def index(self) -> FeedIndex:
        """The feed being served, read afresh (a teacher may publish again while serving)."""
        path = self.root / INDEX_NAME
        with path.open("rb") as file:
            return parse_index(file.read(MAX_INDEX_BYTES + 1), str(path))

    def notices(self) -> list[Notice]:
        """What the teacher should know, newest first: limits hit, nicknames refused."""
        with self._notices_lock:
            return sorted(self._notices.values(), key=lambda notice: notice.last_seen, reverse=True)

    def clear_notices(self) -> None:
        with self._notices_lock:
            self._notices.clear()

    def notify(self, kind: str, message: str) -> None:
        """Record a notice (logged the first time it is seen); at most MAX_NOTICES are kept."""
        with self._notices_lock:
            earlier = self._notices.pop((kind, message), None)
            self._notices[(kind, message)] = Notice(kind, message, earlier.count + 1 if earlier else 1, time.time())
            while len(self._notices) > MAX_NOTICES:
                self._notices.popitem(last=False)
        if earlier is None:
            self.log(message)

    def served_cards(self, deck_id: str) -> tuple[str, frozenset[tuple[str, int]]] | None:
        """How to name the deck served under `deck_id`, and its (card id, sibling) pairs; None
        if the folder does not serve it. Read from its bundle once per published version."""
        entry = next((e for e in self.index().decks if e.deck_id == deck_id), None)
        if entry is None:
            return None
        cached = self._served_decks.get(deck_id)
        if cached is None or cached[0] != entry.sha256:
            cached = (entry.sha256, studied_cards(read_bundle(self.root / entry.url).deck))
            self._served_decks[deck_id] = cached
        return f"the deck '{deck_id}' v{entry.version} that this share serves", cached[1]


class RateLimit:
    """At most `burst` requests at once from one address, then `per_minute` (a token bucket).
    Addresses whose bucket has refilled are forgotten, so the table stays small."""

    MAX_ADDRESSES = 4096

    def __init__(self, burst: int, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.per_second = per_minute / 60
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when counted)
        self._lock = threading.Lock()

    def wait(self, address: str) -> float:
        """0 when `address` may go ahead now (and counts it), else the seconds until it may."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(address, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.per_second)
            if tokens < 1:
                self._buckets[address] = (tokens, now)
                return (1 - tokens) / self.per_second
            self._buckets[address] = (tokens - 1, now)
            if len(self._buckets) > self.MAX_ADDRESSES:
                self._forget_refilled(now)
            return 0.0

    def _forget_refilled(self, now: float) -> None:
        full = [a for a, (tokens, then) in self._buckets.items() if tokens + (now - then) * self.per_second >= self.burst]
        for address in full:
            del self._buckets[address]
        # Still too many (a flood from many addresses): forget the longest quiet half.
        if len(self._buckets) > self.MAX_ADDRESSES:
            for address, _ in sorted(self._buckets.items(), key=lambda item: item[1][1])[: len(self._buckets) // 2]:
                del self._buckets[address]


def lan_address() -> str | None:
    """This machine's address on the local network, or None when it has only loopback."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            # Connecting a UDP socket sends nothing; it only picks the interface a packet would use.
            probe.connect(("10.255.255.255", 1))
            address = str(probe.getsockname()[0])
    except OSError:
        address = ""
    if address and not address.startswith("127.") and address != "0.0.0.0":
        return address
    try:
        candidates = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return None
    return next((a for a in candidates if not a.startswith("127.")), None)


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of `text` as rows of dark (True) and light modules, quiet zone included,
    for the app to draw."""
    code = qrcode.QRCode(border=2)
    code.add_data(text)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def qr_text(text: str) -> str:
    """The QR code of `text` drawn with block characters, for a terminal (dark text on light)."""
    code = qrcode.QRCode(border=2)
    code.add_data(text)
    code.make(fit=True)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # socketserver's default listen backlog is 5: a class of 30 connecting at the same moment
    # overflowed it, and the kernel reset some of their connections. The connection limit
    # (max_connections, answered with 503) is what bounds the work, not the backlog.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], share: ShareServer) -> None:
        self.share = share
        self._slots = threading.BoundedSemaphore(share.max_connections)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            # Full: answer at once rather than queue, so a flood cannot hold memory or threads.
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 2\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        # A student closing the app mid-download, or a stopped server, is not worth a traceback.
        if not isinstance(error, (ConnectionError, TimeoutError)):
            self.share.log(f"{client_address[0]}: {error!r}")

    def close_all(self) -> None:
        self.server_close()
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _DeadlineReader(io.RawIOBase):
    """The connection's incoming bytes under one deadline per request. A socket timeout alone
    restarts with every byte, so a client sending one byte a second could keep a connection (and
    its thread) for hours; here every read waits at most until the request's deadline."""

    def __init__(self, connection: socket.socket, idle_timeout: float) -> None:
        self._connection = connection
        self._idle_timeout = idle_timeout
        self.deadline = time.monotonic() + idle_timeout

    def start_request(self) -> None:
        self.deadline = time.monotonic() + self._idle_timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request did not arrive within the time allowed")
        self._connection.settimeout(min(remaining, self._idle_timeout))
        try:
            return self._connection.recv_into(buffer)
        finally:
            # Writing the answer (a bundle, perhaps) gets the whole idle timeout per write again.
            self._connection.settimeout(self._idle_timeout)


class _HeadLimit:
    """The request stream, refusing a request line and headers longer than MAX_HEAD_BYTES in all
    (http.server alone accepts 100 header lines of 64 KB each: 6 MB per connection)."""

    def __init__(self, stream: io.BufferedIOBase) -> None:
        self._stream = stream
        self.remaining = MAX_HEAD_BYTES

    def readline(self, limit: int = -1) -> bytes:
        allowed = self.remaining + 1 if limit < 0 else min(limit, self.remaining + 1)
        line = self._stream.readline(allowed)
        self.remaining -= len(line)
        if self.remaining < 0:
            raise http.client.LineTooLong("request head")
        return line

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def close(self) -> None:
        self._stream.close()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Keep-alive: a student's app fetches the index and several bundles over one connection.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each response waits for a delayed ACK.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return f"quizapp-share/{__version__}"

    def setup(self) -> None:
        super().setup()
        # Every read waits at most this long, so an idle or stalled client frees its thread.
        self.connection.settimeout(self.server.share.idle_timeout)
        # Reads go through the deadline reader instead of the socket's own file, which is closed
        # here so that it holds no reference keeping the socket open.
        self.rfile.close()
        self.deadline = _DeadlineReader(self.connection, self.server.share.idle_timeout)
        self.head = _HeadLimit(io.BufferedReader(self.deadline))
        self.rfile = self.head  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        self.head.remaining = MAX_HEAD_BYTES  # each request on a kept-alive connection gets its own allowance
        self.deadline.start_request()
        try:
            super().handle_one_request()
        except http.client.LineTooLong:
            # Only an over-long request line gets here; http.server answers long headers with 431.
            self.requestline = self.request_version = self.command = ""
            self.close_connection = True
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Downloads are not logged: thirty students times several files would drown the reports."""

    def log_message(self, format: str, *args: Any) -> None:
        self.server.share.log(f"{self.address_string()}: {format % args}")

    # -- reading --------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path == "/":
            self._send(HTTPStatus.OK, _CONTENT_TYPES[".html"], self._landing_page(), send_body=send_body)
            return
        file = self._file_for(path)
        if file is None:
            self._send_error(HTTPStatus.NOT_FOUND, "no such file", send_body=send_body)
            return
        try:
            stream = file.open("rb")
        except OSError:
            self._send_error(HTTPStatus.NOT_FOUND, "no such file", send_body=send_body)
            return
        with stream:
            status = os.fstat(stream.fileno())
            # Checked on the open file, so nothing can swap it in between. A hard link made inside
            # the folder to a file elsewhere looks like any file there but for its link count.
            if not stat.S_ISREG(status.st_mode) or status.st_nlink != 1:
                self._send_error(HTTPStatus.NOT_FOUND, "no such file", send_body=send_body)
                return
            size = status.st_size
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", _CONTENT_TYPES.get(file.suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(size))
            # The index changes when the teacher publishes again; bundles never change (versioned names).
            self.send_header("Cache-Control", "no-cache" if file.name == INDEX_NAME else "max-age=3600")
            self.end_headers()
            if send_body:
                shutil.copyfileobj(stream, self.wfile, CHUNK_BYTES)

    def _file_for(self, url_path: str) -> Path | None:
        """The regular file a URL path names inside the served folder, or None."""
        path = urllib.parse.unquote(url_path, errors="replace")
        if "\x00" in path or "\\" in path or "\ufffd" in path:
            return None
        parts = [part for part in path.split("/") if part]
        # Hidden names also cover the temporary files of an atomic write in progress.
        if not parts or any(part.startswith(".") for part in parts):
            return None
        root = self.server.share.root
        try:
            file = root.joinpath(*parts).resolve()
        except (OSError, RuntimeError):
            return None
        # resolve() follows symlinks, so a link leading outside the folder ends up outside it.
        if not file.is_relative_to(root) or not file.is_file():
            return None
        return file

    def _landing_page(self) -> bytes:
        try:
            index = self.server.share.index()
        except (OSError, QuizappError):
            index = None
        return render_class_page(index, bundled_emergency_steps())

    # -- reports --------------------------------------------------------------------------------

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path not in (f"/{REPORTS_PATH}", f"/{WITHDRAW_PATH}"):
            self._refuse(HTTPStatus.NOT_FOUND, f"reports are taken at /{REPORTS_PATH} only")
            return
        body = self._post_body()
        if body is None:
            return
        share = self.server.share
        try:
            if path == f"/{WITHDRAW_PATH}":
                self._withdraw(body)
            else:
                self._take_report(body)
        except NicknameTaken as error:
            share.notify("nickname", f"{self.client_address[0]}: {error}")
            self._send_error(HTTPStatus.CONFLICT, str(error))
        except ReportsFull as error:
            share.notify("full", f"A report was refused: {error}")
            self._send_error(HTTPStatus.INSUFFICIENT_STORAGE, str(error))
        except (ReportError, OSError, QuizappError) as error:
            self._send_error(HTTPStatus.BAD_REQUEST, str(error))

    def _post_body(self) -> bytes | None:
        """The request's body, or None once the client has been answered (no length, too big,
        cut short, too many from this address)."""
        if self.headers.get("Transfer-Encoding"):
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "send the report with a Content-Length")
            return None
        length_text = self.headers.get("Content-Length", "").strip()
        # isdigit() alone takes '²' and other digits int() refuses; and int() refuses more than
        # 4300 digits: a length longer than 12 digits is too large anyway.
        if not (length_text.isascii() and length_text.isdigit()):
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "send the report with a Content-Length")
            return None
        if len(length_text) > 12 or int(length_text) > MAX_REPORT_BYTES:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a report may be at most {MAX_REPORT_BYTES // 1024} KB")
            return None
        length = int(length_text)
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return None
        # Checked once the body is read (at most MAX_REPORT_BYTES), so that the answer reaches the
        # learner's app in words rather than as a connection reset over an unread body.
        share = self.server.share
        wait = share.post_limit.wait(self.client_address[0])
        if wait > 0:
            share.notify("rate", f"{self.client_address[0]} sent reports faster than {share.post_limit.per_second * 60:g} a minute and was asked to wait")
            self._send_json(
                HTTPStatus.TOO_MANY_REQUESTS,
                {"error": f"too many reports from this device; wait {math.ceil(wait)} seconds and send again"},
                headers={"Retry-After": str(math.ceil(wait))},
            )
            return None
        return body

    def _take_report(self, body: bytes) -> None:
        share = self.server.share
        report = parse_report(body)
        served = share.served_cards(report.deck_id)
        if served is None:
            self._send_error(HTTPStatus.NOT_FOUND, f"this share does not serve deck '{report.deck_id}'")
            return
        check_against_deck(report, served[1], served[0])
        replaced = share.reports.submit(report)
        share.log(f"report for {report.deck_id} from {report.nickname}" + (" (replaces the earlier one)" if replaced else ""))
        message = f"Your report for '{report.deck_id}' reached the teacher" + (" (it replaces your earlier one)." if replaced else ".")
        self._send_json(HTTPStatus.OK if replaced else HTTPStatus.CREATED, {"message": message, "replaced": replaced})

    def _withdraw(self, body: bytes) -> None:
        share = self.server.share
        withdrawal = parse_withdrawal(body)
        if not share.reports.withdraw(withdrawal):
            self._send_error(HTTPStatus.NOT_FOUND, f"the teacher has no report from you for '{withdrawal.deck_id}'")
            return
        share.log(f"report for {withdrawal.deck_id} from {withdrawal.nickname} withdrawn")
        self._send_json(HTTPStatus.OK, {"message": f"Your report for '{withdrawal.deck_id}' was withdrawn; the teacher no longer has it.", "withdrawn": True})

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        # The body was not read, so the connection cannot carry another request.
        self.close_connection = True
        self._send_error(status, message)

    # -- answers --------------------------------------------------------------------------------

    def _send_error(self, status: HTTPStatus, message: str, *, send_body: bool = True) -> None:
        self._send_json(status, {"error": message}, send_body=send_body)

    def _send_json(self, status: HTTPStatus, payload: dict[str, Any], *, send_body: bool = True, headers: dict[str, str] | None = None) -> None:
        self._send(status, _CONTENT_TYPES[".json"], json.dumps(payload).encode("utf-8"), send_body=send_body, headers=headers)

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, *, send_body: bool, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if send_body:
            self.wfile.write(body)
