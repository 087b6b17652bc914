"""The LAN share server under a classroom's load and a hostile network, on loopback.

The server runs in a child process, so its memory is measured on its own (resident set size and
its peak, from /proc): 30 students x 100 requests get every file intact with 0 errors while
hostile clients try path traversal, oversized and lying bodies, garbage, idle connections and
slowloris trickles; those are refused or cut off, and the students never notice. Memory growth
over the run is bounded.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import SMALL_DECK

from quizapp.sharing.feed import publish
from quizapp.sharing.reports import MAX_REPORT_BYTES, CardReport, ClassReport

GENERATED = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
IDLE_TIMEOUT = 1.0
STUDENTS = 30
REQUESTS = 100
# Growth of the server's resident memory allowed over the whole load (measured: a few MB).
MEMORY_BOUND_BYTES = 32 * 2**20

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="memory is read from /proc (Linux)")

SERVER_CHILD = textwrap.dedent(
    """
    import json, sys, threading
    from pathlib import Path
    from quizapp.sharing.server import ShareServer

    def memory():
        fields = {}
        for line in Path("/proc/self/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "Threads"):
                fields[name] = int(value.split()[0]) * (1024 if name != "Threads" else 1)
        return fields

    root, idle, limit = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    log = []
    # Every student here is 127.0.0.1: the per-address limit on reports (tested on its own in
    # test_server.py) is lifted so that thirty of them can share one address.
    share = ShareServer(Path(root), host="127.0.0.1", port=0, idle_timeout=idle, max_connections=limit, log=log.append,
                        post_burst=10**6, posts_per_minute=10**6)
    url = share.start()
    print(json.dumps({"port": int(url.rsplit(":", 1)[1].strip("/"))}), flush=True)
    for command in sys.stdin:
        command = command.strip()
        if command == "reset-peak":
            try:
                Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
            except OSError:
                pass
        elif command == "memory":
            print(json.dumps(memory()), flush=True)
        elif command == "errors":
            # What the server logged as an exception in a handler (timeouts are expected here).
            print(json.dumps([line for line in log if "Error" in line and "timed out" not in line][:50]), flush=True)
        elif command == "stop":
            share.stop()
            print(json.dumps({"stopped": True}), flush=True)
            break
    """
)


class ServerProcess:
    def __init__(self, root: Path, *, idle_timeout: float = IDLE_TIMEOUT, max_connections: int = 128) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER_CHILD, str(root), str(idle_timeout), str(max_connections)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first = self.process.stdout.readline()  # type: ignore[union-attr]
        if not first:
            raise RuntimeError(f"the server child did not start: {self.process.stderr.read()}")  # type: ignore[union-attr]
        self.port = json.loads(first)["port"]

    def ask(self, command: str) -> object:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline()) if command != "reset-peak" else None

    def memory(self) -> dict[str, int]:
        answer = self.ask("memory")
        assert isinstance(answer, dict)
        return answer

    def close(self) -> None:
        try:
            self.ask("stop")
        finally:
            self.process.wait(timeout=10)


@pytest.fixture
def served(tmp_path: Path) -> Path:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "small.yaml").write_text(SMALL_DECK)
    out = tmp_path / "out"
    publish(decks, out, generated=GENERATED)
    (tmp_path / "secret.txt").write_text("teacher's private notes")
    (out / "outside-link").symlink_to(tmp_path / "secret.txt")
    return out


@pytest.fixture
def server(served: Path) -> Iterator[ServerProcess]:
    child = ServerProcess(served)
    yield child
    child.close()


def connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def report(nickname: str) -> bytes:
    learner = hashlib.sha256(nickname.encode()).hexdigest()[:32]  # one key per learner
    return ClassReport("small", nickname, (CardReport("b1", 0, 3, 1, 0.8), CardReport("r1", 1, 0, 0, None)), learner).to_json()


# -- hostile clients --------------------------------------------------------------------------------


@dataclass
class Hostile:
    """What the hostile clients saw: every answer, and how long the server let each trickle last."""

    answers: list[bytes] = field(default_factory=list)
    held_seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: bytes) -> None:
        with self.lock:
            self.answers.append(answer)


def raw(port: int, data: bytes, *, read: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        if not read:
            return b""
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


TRAVERSALS = ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2E%2E%2Fsecret.txt", "/.%2e/secret.txt",
              "/outside-link", "/..\\secret.txt", "/index.json%00", "//..//..//secret.txt", "/%c0%ae%c0%ae/secret.txt"]


def traversal_client(port: int, seen: Hostile, stop: threading.Event) -> None:
    while not stop.is_set():
        for path in TRAVERSALS:
            seen.add(raw(port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()))


def oversized_client(port: int, seen: Hostile, stop: threading.Event) -> None:
    bodies = [
        # Declared too large: refused from the header alone.
        b"POST /reports HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (MAX_REPORT_BYTES + 1),
        b"POST /reports HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",
        b"POST /reports HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n\r\n",
        b"POST /reports HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + b"ffffff\r\n" + b"x" * 4096,
        # Sent too large: far more than the limit, declared or not.
        b"POST /reports HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"{" * (MAX_REPORT_BYTES + 10),
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
        b"GET /index.json HTTP/1.1\r\n" + b"X-Filler: " + b"b" * 20_000 + b"\r\n\r\n",
        # A report whose nickname is half a UTF-16 pair: refused in words, not a dropped connection.
        b'POST /reports HTTP/1.1\r\nHost: x\r\nContent-Length: 64\r\n\r\n{"format":1,"deck_id":"small","nickname":"\\ud800","cards":[]}  ',
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),  # a TLS hello
        b"BREW /coffee HTCPCP/1.0\r\n\r\n",
    ]
    while not stop.is_set():
        for body in bodies:
            try:
                seen.add(raw(port, body))
            except ConnectionError:
                pass  # the server may close while a too-large body is still being sent


def idle_client(port: int, seen: Hostile, stop: threading.Event) -> None:
    while not stop.is_set():
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            answer = sock.recv(1024)  # nothing is sent; the server must hang up
        with seen.lock:
            seen.held_seconds.append(time.monotonic() - started)
        seen.add(answer)


def slowloris_client(port: int, seen: Hostile, stop: threading.Event, *, body: bool = False) -> None:
    """Send a request a byte every 50 ms, forever: well inside any per-read timeout."""
    request = (
        b"POST /reports HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b" " * 1000
        if body
        else b"GET /index.json HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"z" * 10_000 + b"\r\n\r\n"
    )
    while not stop.is_set():
        started = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            for byte in request:
                sock.sendall(bytes([byte]))
                time.sleep(0.05)
                if stop.is_set():
                    return
        except OSError:
            pass  # cut off by the server: what should happen
        else:
            with seen.lock:
                seen.errors.append("a slowloris client sent a whole request; the server never cut it off")
        finally:
            with seen.lock:
                seen.held_seconds.append(time.monotonic() - started)
            sock.close()


# -- the load test ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_thirty_students_get_every_file_while_hostile_clients_are_refused_and_memory_stays_bounded(server: ServerProcess, served: Path) -> None:
    port = server.port
    files = {name: (served / name).read_bytes() for name in ("index.json", "small-v1.quizdeck")}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    errors: list[str] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def student(number: int, requests: int) -> None:
        rng = random.Random(number)
        connection = connect(port)  # one keep-alive connection per student, as the app uses
        try:
            for request in range(requests):
                kind = rng.choice(["index", "bundle", "bundle", "head", "page", "report"])
                if kind == "report":
                    connection.request("POST", "/reports", body=report(f"student {number}"), headers={"Content-Type": "application/json"})
                elif kind == "head":
                    connection.request("HEAD", "/small-v1.quizdeck")
                else:
                    connection.request("GET", {"index": "/index.json", "bundle": "/small-v1.quizdeck", "page": "/"}[kind])
                response = connection.getresponse()
                body = response.read()
                with lock:
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                ok = {
                    "index": response.status == 200 and hashlib.sha256(body).hexdigest() == digests["index.json"],
                    "bundle": response.status == 200 and hashlib.sha256(body).hexdigest() == digests["small-v1.quizdeck"],
                    "head": response.status == 200 and body == b"" and response.getheader("Content-Length") == str(len(files["small-v1.quizdeck"])),
                    "page": response.status == 200 and b"Class decks" in body,
                    "report": response.status in (200, 201) and b"reached the teacher" in body,
                }[kind]
                if not ok:
                    with lock:
                        errors.append(f"student {number} request {request} ({kind}): {response.status} {body[:100]!r}")
        except (OSError, http.client.HTTPException) as error:
            with lock:
                errors.append(f"student {number}: {error!r}")
        finally:
            connection.close()

    def run_students(requests: int) -> float:
        started = time.monotonic()
        threads = [threading.Thread(target=student, args=(n, requests)) for n in range(STUDENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        return time.monotonic() - started

    # Warm up (imports, caches, the first threads), then measure from there.
    run_students(5)
    assert errors == []
    server.ask("reset-peak")
    before = server.memory()

    hostile = Hostile()
    stop = threading.Event()
    attackers = [
        threading.Thread(target=target, args=(port, hostile, stop), kwargs=kwargs, daemon=True)
        for target, kwargs in [
            (traversal_client, {}), (traversal_client, {}), (oversized_client, {}), (oversized_client, {}),
            (idle_client, {}), (idle_client, {}), (idle_client, {}),
            (slowloris_client, {}), (slowloris_client, {}), (slowloris_client, {"body": True}), (slowloris_client, {"body": True}),
        ]
    ]
    for thread in attackers:
        thread.start()
    statuses.clear()
    elapsed = run_students(REQUESTS)
    # Let every slowloris client run into the deadline at least once.
    time.sleep(max(0.0, 2.5 * IDLE_TIMEOUT - elapsed))
    stop.set()
    for thread in attackers:
        thread.join(15)
    after = server.memory()

    # The students: every request answered correctly, none refused.
    assert errors == [], errors[:10]
    assert sum(statuses.values()) == STUDENTS * REQUESTS and set(statuses) <= {200, 201}, statuses

    # The attackers: nothing outside the folder, no crash, every trickle cut off near the timeout.
    assert hostile.errors == [], hostile.errors[:5]
    assert hostile.answers, "the hostile clients got no answers at all"
    for answer in hostile.answers:
        assert b"teacher's private notes" not in answer
        assert not answer.startswith(b"HTTP/1.1 200") and not answer.startswith(b"HTTP/1.1 201"), answer[:200]
        if answer.startswith(b"HTTP/"):
            assert answer.split(b" ", 2)[1] in (b"400", b"404", b"411", b"413", b"414", b"431", b"501", b"505"), answer[:200]
        else:  # closed without a word, or http.server's bare error page for a line that is not HTTP at all
            assert answer == b"" or b"Error code: 400" in answer, answer[:200]
    assert hostile.held_seconds and max(hostile.held_seconds) < IDLE_TIMEOUT + 1.5, sorted(hostile.held_seconds)[-5:]
    assert server.ask("errors") == []

    # Memory: the peak during the load and what is left after it stay within a fixed bound.
    growth = after["VmHWM"] - before["VmRSS"]
    assert growth < MEMORY_BOUND_BYTES, f"the server grew by {growth / 2**20:.1f} MB under load (peak {after['VmHWM'] / 2**20:.1f} MB)"
    assert after["VmRSS"] - before["VmRSS"] < MEMORY_BOUND_BYTES
    assert after["Threads"] <= before["Threads"] + 2, (before, after)  # every connection's thread has ended


def test_a_class_connecting_at_the_same_moment_is_not_reset(server: ServerProcess) -> None:
    """Sixty apps sending their reports on the teacher's "now": every connection is answered."""
    barrier = threading.Barrier(60)
    failures: list[str] = []

    def send(number: int) -> None:
        barrier.wait()
        connection = connect(server.port)
        try:
            connection.request("POST", "/reports", body=report(f"learner {number}"), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status not in (200, 201):
                failures.append(f"{number}: {response.status}")
        except (OSError, http.client.HTTPException) as error:
            failures.append(f"{number}: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []


def test_slowloris_clients_filling_every_slot_free_them_within_the_timeout(served: Path) -> None:
    """With the server's whole connection limit taken by trickling clients, a student is refused
    (503, at once) only until the request deadline cuts the trickles off."""
    child = ServerProcess(served, max_connections=8)
    stop = threading.Event()
    hostile = Hostile()
    try:
        trickles = [threading.Thread(target=slowloris_client, args=(child.port, hostile, stop), daemon=True) for _ in range(8)]
        for thread in trickles:
            thread.start()
        time.sleep(0.3)
        started = time.monotonic()
        statuses = []
        while time.monotonic() - started < 10:
            connection = connect(child.port)
            try:
                connection.request("GET", "/index.json")
                statuses.append(connection.getresponse().status)
            except (OSError, http.client.HTTPException):
                statuses.append(0)
            finally:
                connection.close()
            if statuses[-1] == 200:
                break
            time.sleep(0.05)
        waited = time.monotonic() - started
    finally:
        stop.set()
        child.close()
    assert statuses[-1] == 200 and set(statuses) <= {200, 503}, statuses
    assert waited < IDLE_TIMEOUT + 1.5, f"a student waited {waited:.1f} s for a slot"


def test_a_report_with_a_lone_surrogate_gets_a_400_in_words(server: ServerProcess) -> None:
    body = b'{"format":1,"deck_id":"small","nickname":"\\ud800","cards":[]}'
    connection = connect(server.port)
    connection.request("POST", "/reports", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    assert response.status == 400 and "nickname: holds an unpaired surrogate" in answer["error"]


def test_a_malformed_content_length_is_refused_not_a_dropped_connection(server: ServerProcess) -> None:
    # 5000 digits made int() raise inside the handler, and '²' passes isdigit() but not int():
    # both dropped the connection without an answer.
    for length, status in [("9" * 5000, 413), ("\xb2", 411), ("1e3", 411), ("-5", 411), ("12abc", 411), ("", 411)]:
        answer = raw(server.port, b"POST /reports HTTP/1.1\r\nHost: x\r\nContent-Length: " + length.encode("latin-1") + b"\r\n\r\n")
        assert answer.startswith(f"HTTP/1.1 {status}".encode()), (length[:10], answer[:200])
