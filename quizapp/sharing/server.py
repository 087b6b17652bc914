"""Sharing a published feed folder on the classroom network, and taking class reports.

The server is stdlib `http.server` with a thread per connection, made safe for a room of
students and for whoever else is on the network:

- GET and HEAD only serve regular files inside the folder: no `..`, no hidden files, no symlink
  that leads outside; `/` is a small page listing the decks, for a phone's browser.
- POST is taken at `/reports` only: a class report, size-limited, for a deck the folder serves;
  one per learner and deck, stored beside the folder (never inside it, so never served back).
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
import os
import shutil
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import qrcode  # type: ignore[import-untyped]

from quizapp import __version__
from quizapp.core.errors import QuizappError
from quizapp.sharing.class_page import bundled_emergency_steps, render_class_page
from quizapp.sharing.feed import INDEX_NAME, MAX_INDEX_BYTES, FeedIndex, parse_index
from quizapp.sharing.reports import (
    MAX_REPORT_BYTES,
    REPORTS_PATH,
    ReportError,
    parse_report,
    reports_dir_for,
    store_report,
)
from quizapp.sharing.signing import keyed_address

DEFAULT_PORT = 8765
IDLE_TIMEOUT_SECONDS = 20.0
MAX_CONNECTIONS = 128
CHUNK_BYTES = 64 * 1024
MAX_HEAD_BYTES = 16 * 1024  # request line and headers together
_CONTENT_TYPES = {".json": "application/json", ".quizdeck": "application/zip", ".html": "text/html; charset=utf-8", ".apk": "application/vnd.android.package-archive"}

Log = Callable[[str], None]


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

    def __enter__(self) -> ShareServer:
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
        self.report_lock = threading.Lock()
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
        self.head = _HeadLimit(io.BufferedReader(self.deadline))  # type: ignore[arg-type]
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
            size = os.fstat(stream.fileno()).st_size
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
        if urllib.parse.urlsplit(self.path).path != f"/{REPORTS_PATH}":
            self._refuse(HTTPStatus.NOT_FOUND, f"reports are taken at /{REPORTS_PATH} only")
            return
        if self.headers.get("Transfer-Encoding"):
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "send the report with a Content-Length")
            return
        length_text = self.headers.get("Content-Length", "").strip()
        # isdigit() alone takes '²' and other digits int() refuses; and int() refuses more than
        # 4300 digits: a length longer than 12 digits is too large anyway.
        if not (length_text.isascii() and length_text.isdigit()):
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "send the report with a Content-Length")
            return
        if len(length_text) > 12 or int(length_text) > MAX_REPORT_BYTES:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a report may be at most {MAX_REPORT_BYTES // 1024} KB")
            return
        length = int(length_text)
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return
        try:
            report = parse_report(body)
            served = {entry.deck_id for entry in self.server.share.index().decks}
        except (ReportError, OSError, QuizappError) as error:
            self._send_error(HTTPStatus.BAD_REQUEST, str(error))
            return
        if report.deck_id not in served:
            self._send_error(HTTPStatus.NOT_FOUND, f"this share does not serve deck '{report.deck_id}'")
            return
        with self.server.report_lock:
            replaced = store_report(self.server.share.reports_dir, report)
        self.server.share.log(f"report for {report.deck_id} from {report.nickname}" + (" (replaces the earlier one)" if replaced else ""))
        message = f"Your report for '{report.deck_id}' reached the teacher" + (" (it replaces your earlier one)." if replaced else ".")
        self._send_json(HTTPStatus.OK if replaced else HTTPStatus.CREATED, {"message": message, "replaced": replaced})

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        # The body was not read, so the connection cannot carry another request.
        self.close_connection = True
        self._send_error(status, message)

    # -- answers --------------------------------------------------------------------------------

    def _send_error(self, status: HTTPStatus, message: str, *, send_body: bool = True) -> None:
        self._send_json(status, {"error": message}, send_body=send_body)

    def _send_json(self, status: HTTPStatus, payload: dict[str, Any], *, send_body: bool = True) -> None:
        self._send(status, _CONTENT_TYPES[".json"], json.dumps(payload).encode("utf-8"), send_body=send_body)

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, *, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if send_body:
            self.wfile.write(body)
