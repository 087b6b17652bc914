"""HTTP requests for feeds and class reports: urllib with a timeout, a cap on what is read, and
failures turned into plain words (offline, timed out, refused, the server's own message)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from quizapp import __version__
from quizapp.core.errors import QuizappError

TIMEOUT_SECONDS = 15.0
USER_AGENT = f"quizapp/{__version__}"
CHUNK_BYTES = 64 * 1024
MAX_ERROR_BYTES = 4096


class NetworkError(QuizappError):
    """A web address cannot be reached, answered with an error, or sent too much."""


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
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https", "file"):
        raise NetworkError(f"'{url}' is not a web address (http:// or https://)")
    headers = {"User-Agent": USER_AGENT}
    if body is not None:
        headers["Content-Type"] = content_type
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=timeout) as response:
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
            return bytes(received)
    except urllib.error.HTTPError as error:
        raise NetworkError(f"{url}: the server answered {error.code} {error.reason}{_server_says(error)}") from None
    except urllib.error.URLError as error:
        raise NetworkError(f"cannot reach {url}: {_reason(error.reason)}") from None
    except TimeoutError:
        raise NetworkError(f"{url} did not answer within {timeout:g} seconds; check the network and try again") from None
    except (OSError, ValueError) as error:
        # A connection cut mid-download (ConnectionResetError, IncompleteRead) or a malformed URL.
        raise NetworkError(f"talking to {url} failed: {error}") from None


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
