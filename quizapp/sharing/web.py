"""HTTP requests for feeds and class reports: urllib with an overall deadline, a cap on what is
read, redirects kept to the same site, and failures turned into plain words (offline, timed out,
refused, the server's own message).

The deadline covers the whole request (connecting, the headers, the body), not each read: a server
that sends a byte every second would otherwise hold a download for as long as it liked. A watchdog
timer shuts the connection's socket when the time is up, which wakes a read blocked on it.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from quizapp import __version__
from quizapp.core.errors import QuizappError

TIMEOUT_SECONDS = 15.0
USER_AGENT = f"quizapp/{__version__}"
CHUNK_BYTES = 64 * 1024
MAX_ERROR_BYTES = 4096
MAX_REDIRECTS = 3


class NetworkError(QuizappError):
    """A web address cannot be reached, answered with an error, or sent too much. `status` is the
    HTTP status of an error answer (409: a class report's nickname is taken), else None."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def request(
    url: str,
    *,
    max_bytes: int,
    body: bytes | None = None,
    content_type: str = "application/json",
    timeout: float = TIMEOUT_SECONDS,
    on_bytes: Callable[[int], None] | None = None,
) -> bytes:
    """GET `url` (or POST `body` to it) and return the response, refusing more than `max_bytes`.

    http, https and file addresses are accepted; `on_bytes` is told how many bytes have arrived.
    The whole request must be done within `timeout` seconds. A GET follows at most 3 redirects,
    and only to the same scheme, host and port; a POST follows none.
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https", "file"):
        raise NetworkError(f"'{url}' is not a web address (http:// or https://)")
    headers = {"User-Agent": USER_AGENT}
    if body is not None:
        headers["Content-Type"] = content_type
    deadline = _Deadline(timeout)
    opener = urllib.request.build_opener(_WatchedHTTPHandler(deadline), _WatchedHTTPSHandler(deadline), _SameSiteRedirects())
    try:
        return _read(opener, urllib.request.Request(url, data=body, headers=headers), url, max_bytes, timeout, on_bytes, deadline)
    except (OSError, ValueError, http.client.HTTPException) as error:
        if deadline.expired:
            raise _timed_out(url, timeout) from None
        # A connection cut mid-download (ConnectionResetError, IncompleteRead) or a malformed URL.
        raise NetworkError(f"talking to {url} failed: {error}") from None
    finally:
        deadline.cancel()


def _read(
    opener: urllib.request.OpenerDirector,
    req: urllib.request.Request,
    url: str,
    max_bytes: int,
    timeout: float,
    on_bytes: Callable[[int], None] | None,
    deadline: _Deadline,
) -> bytes:
    try:
        with opener.open(req, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise NetworkError(f"{url} is {int(declared):,} bytes; at most {max_bytes:,} are accepted")
            received = bytearray()
            while chunk := response.read(CHUNK_BYTES):
                received += chunk
                if len(received) > max_bytes:
                    raise NetworkError(f"{url} sent more than {max_bytes:,} bytes; stopped")
                if on_bytes:
                    on_bytes(len(received))
            if deadline.expired:  # the watchdog's shutdown reads as the end of the body
                raise _timed_out(url, timeout)
            return bytes(received)
    except urllib.error.HTTPError as error:
        if deadline.expired:
            raise _timed_out(url, timeout) from None
        raise NetworkError(f"{url}: the server answered {error.code} {error.reason}{_server_says(error)}", error.code) from None
    except urllib.error.URLError as error:
        if deadline.expired or isinstance(error.reason, TimeoutError):
            raise _timed_out(url, timeout) from None
        raise NetworkError(f"cannot reach {url}: {_reason(error.reason)}") from None
    except TimeoutError:
        raise _timed_out(url, timeout) from None


def _timed_out(url: str, timeout: float) -> NetworkError:
    return NetworkError(f"{url} did not answer within {timeout:g} seconds; check the network and try again")


class _Deadline:
    """One request's time limit: when it passes, every socket the request opened is shut down."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        # The plain socket's shutdown, even for TLS: it wakes a read blocked in another thread
        # (close() does not), and leaves the TLS object to fail that read as a closed connection.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _watched(connection_class: type[http.client.HTTPConnection], deadline: _Deadline) -> type[http.client.HTTPConnection]:
    """`connection_class`, handing each socket it opens to `deadline`."""

    class Watched(connection_class):  # type: ignore[valid-type,misc]
        def connect(self) -> None:
            super().connect()
            deadline.watch(self.sock)

    return Watched


class _WatchedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_watched(http.client.HTTPConnection, self.deadline), req)


class _WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_watched(http.client.HTTPSConnection, self.deadline), req, context=self._context)  # type: ignore[attr-defined]


class _SameSiteRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the same scheme, host and port, at most MAX_REDIRECTS times, and
    never for a POST: a feed on a teacher's laptop has no reason to send the app anywhere else."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> urllib.request.Request | None:
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if req.data is not None:
            raise NetworkError(f"{req.full_url}: the server redirected to {newurl[:200]}; a report is never redirected, so it was not sent there")
        if (new.scheme, new.netloc.lower()) != (old.scheme, old.netloc.lower()):
            raise NetworkError(f"{req.full_url}: the server redirected to {newurl[:200]}, another site (or port); quizapp follows redirects only within the same site")
        if sum(getattr(req, "redirect_dict", {}).values()) >= MAX_REDIRECTS:
            raise NetworkError(f"{req.full_url}: the server redirected more than {MAX_REDIRECTS} times; stopped")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _server_says(error: urllib.error.HTTPError) -> str:
    """Our own server explains a refusal as {"error": "..."}; other servers' pages are left out."""
    try:
        message = json.loads(error.read(MAX_ERROR_BYTES))["error"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    return f": {message}" if isinstance(message, str) else ""


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "it did not answer in time; check the network and try again"
    if isinstance(reason, socket.gaierror):
        return "the address cannot be looked up (are you offline?)"
    if isinstance(reason, ConnectionRefusedError):
        return "nothing is listening there (is the teacher's share still running?)"
    if isinstance(reason, OSError) and reason.strerror:
        return f"{reason.strerror} (are you offline?)"
    return str(reason)
