"""The LAN share server: read-only files, no way out of the folder, class reports taken safely,
a classroom of concurrent students, idle and surplus connections refused, a clean stop."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import SMALL_DECK

from quizapp.core.errors import QuizappError
from quizapp.sharing import server as server_module
from quizapp.sharing.feed import publish
from quizapp.sharing.reports import (
    MAX_REPORT_BYTES,
    CardReport,
    ClassReport,
    ReportBox,
    Withdrawal,
    load_reports,
    reports_dir_for,
    send_report,
)
from quizapp.sharing.server import RateLimit, ShareServer, qr_matrix, qr_text
from quizapp.sharing.web import NetworkError

GENERATED = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def served(tmp_path: Path) -> Path:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "small.yaml").write_text(SMALL_DECK.replace("Small deck", "Small <deck>"))
    out = tmp_path / "out"
    publish(decks, out, generated=GENERATED)
    (tmp_path / "secret.txt").write_text("teacher's private notes")
    return out


@pytest.fixture
def share(served: Path) -> Iterator[ShareServer]:
    with ShareServer(served, host="127.0.0.1", port=0, idle_timeout=0.5) as running:
        yield running


def connect(share: ShareServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", int(share.url.rsplit(":", 1)[1].strip("/")), timeout=5)


def ask(share: ShareServer, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
    connection = connect(share)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data, response


# -- reading ----------------------------------------------------------------------------------------


def test_files_are_served_with_their_length_and_head_sends_no_body(share: ShareServer, served: Path) -> None:
    status, body, response = ask(share, "GET", "/index.json")
    assert status == 200 and body == (served / "index.json").read_bytes()
    assert response.getheader("Cache-Control") == "no-cache"
    status, body, response = ask(share, "HEAD", "/small-v1.quizdeck")
    assert status == 200 and body == b""
    assert response.getheader("Content-Length") == str((served / "small-v1.quizdeck").stat().st_size)
    assert response.getheader("Content-Type") == "application/zip"


def test_the_front_page_lists_the_decks_for_a_phone_browser(share: ShareServer) -> None:
    status, body, _ = ask(share, "GET", "/")
    page = body.decode()
    assert status == 200 and "<h3>Small &lt;deck&gt;</h3>" in page and 'href="small-v1.quizdeck" download' in page
    assert share.url.split("#")[0] not in page  # the page builds the app's link from its own address


@pytest.mark.parametrize(
    "path",
    ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2E%2E%2Fsecret.txt", "//..//secret.txt", "/.%2e/secret.txt",
     "/outside-link", "/.hidden", "/sub", "/nothing-here", "/index.json%00", "/..\\secret.txt", "/%ff"],
)
def test_nothing_outside_the_folder_or_hidden_is_served(share: ShareServer, served: Path, path: str) -> None:
    (served / "outside-link").symlink_to(served.parent / "secret.txt")
    (served / ".hidden").write_text("a temporary file")
    (served / "sub").mkdir()
    status, body, _ = ask(share, "GET", path)
    assert status == 404 and b"teacher's private notes" not in body


def test_a_hard_link_to_a_file_outside_the_folder_is_not_served(share: ShareServer, served: Path) -> None:
    os.link(served.parent / "secret.txt", served / "notes.json")
    status, body, _ = ask(share, "GET", "/notes.json")
    assert status == 404 and b"teacher's private notes" not in body
    assert ask(share, "HEAD", "/notes.json")[0] == 404
    # A file of the folder itself is refused too once it has a second link anywhere.
    os.link(served / "small-v1.quizdeck", served.parent / "copy.quizdeck")
    assert ask(share, "GET", "/small-v1.quizdeck")[0] == 404
    assert ask(share, "GET", "/index.json")[0] == 200


def test_methods_other_than_get_head_and_post_are_refused(share: ShareServer) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        assert ask(share, method, "/index.json", body=b"x")[0] == 501


# -- class reports ----------------------------------------------------------------------------------


ANA_KEY = "ana-".ljust(32, "k")
BO_KEY = "bo-".ljust(32, "k")


def report(nickname: str = "Ana", deck_id: str = "small", lapses: int = 1, learner: str | None = None) -> ClassReport:
    name = nickname.strip().casefold()
    key = learner or {"ana": ANA_KEY, "bo": BO_KEY}.get(name, hashlib.sha256(name.encode()).hexdigest()[:32])
    return ClassReport(deck_id, nickname, (CardReport("b1", 0, 5, lapses, 0.8), CardReport("r1", 1, 0, 0, None)), key)


def post(share: ShareServer, data: bytes, path: str = "/reports", headers: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    status, body, _ = ask(share, "POST", path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    return status, json.loads(body)


def test_a_report_is_stored_beside_the_folder_and_a_resend_replaces_it(share: ShareServer, served: Path) -> None:
    first = post(share, report("Ana", lapses=1).to_json())
    second = post(share, report("  ana ", lapses=4).to_json())
    third = post(share, report("Bo").to_json())
    assert first == (201, {"message": "Your report for 'small' reached the teacher.", "replaced": False})
    assert second[0] == 200 and second[1]["replaced"] is True
    assert third[0] == 201
    reports_dir = reports_dir_for(served)
    assert reports_dir == served.parent / "out-reports"
    stored = load_reports(reports_dir, "small")
    assert [(r.nickname, r.cards[0].lapses) for r in stored] == [("ana", 4), ("Bo", 1)]
    assert not any(p.suffix == ".json" and p.name != "index.json" for p in served.rglob("*"))


@pytest.mark.parametrize(
    ("data", "path", "status", "message"),
    [
        (report(deck_id="not-served").to_json(), "/reports", 404, "this share does not serve deck 'not-served'"),
        (b'{"format": 1, "deck_id": "small", "nickname": "Ana", "cards": [{"card": "b1"}]}', "/reports", 400, "cards[0]: the key 'sibling' is missing"),
        (ClassReport("small", "Ana", (CardReport("b9", 0, 1, 0, 0.5),), ANA_KEY).to_json(), "/reports", 400, "card 'b9' is not in the deck 'small' v1 that this share serves"),
        (ClassReport("small", "Ana", (CardReport("t1", 1, 1, 0, 0.5),), ANA_KEY).to_json(), "/reports", 400, "card 't1' sibling 1 is not in the deck"),
        (ClassReport("small", "Ana", (CardReport("b1", 0, 1, 2, 0.5),), ANA_KEY).to_json(), "/reports", 400, "lapses may not exceed reviews"),
        (json.dumps({**report().to_dict(), "nickname": "Ana\u202e"}).encode(), "/reports", 400, "nickname: holds U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        (json.dumps({**report().to_dict(), "nickname": "Ana\u009b2J"}).encode(), "/reports", 400, "nickname: holds U+009B"),
        (json.dumps({**report().to_dict(), "nickname": "\u2066Ana"}).encode(), "/reports", 400, "nickname: holds U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        (b"not json", "/reports", 400, "not valid JSON"),
        (report().to_json(), "/index.json", 404, "reports are taken at /reports only"),
        (json.dumps({**report().to_dict(), "device": "Pixel 7"}).encode(), "/reports", 400, "device: is not a known key"),
        (json.dumps({**report().to_dict(), "nickname": "x" * 41}).encode(), "/reports", 400, "nickname: is 41 characters long"),
    ],
)
def test_a_bad_report_is_refused_with_the_reason(share: ShareServer, served: Path, data: bytes, path: str, status: int, message: str) -> None:
    answer = post(share, data, path)
    assert answer[0] == status and message in str(answer[1]["error"])
    assert not reports_dir_for(served).exists()


def test_a_nickname_stays_with_the_learner_who_first_used_it(share: ShareServer, served: Path) -> None:
    assert post(share, report("Ana", lapses=1).to_json())[0] == 201
    status, answer = post(share, report("ANA", lapses=4, learner=BO_KEY).to_json())
    assert status == 409 and "the name 'ANA' is already used by another learner" in str(answer["error"])
    assert [(r.nickname, r.cards[0].lapses) for r in load_reports(reports_dir_for(served), "small")] == [("Ana", 1)]
    assert share.notices()[0].kind == "nickname" and "the name 'ANA'" in share.notices()[0].message
    assert post(share, report("ana", lapses=2).to_json())[0] == 200  # Ana herself, typed differently


def test_an_older_app_s_report_is_taken_under_a_free_name_only(share: ShareServer) -> None:
    old = json.dumps({**report("Cy").to_dict(), "format": 1})
    old_report = json.loads(old)
    del old_report["learner"]
    assert post(share, json.dumps(old_report).encode())[0] == 201
    assert post(share, report("Cy").to_json())[0] == 200  # the first key takes the name
    status, answer = post(share, json.dumps(old_report).encode())
    assert status == 409 and "this app is too old" in str(answer["error"])


def test_a_learner_withdraws_their_report_with_their_key(share: ShareServer, served: Path) -> None:
    post(share, report("Ana").to_json())
    status, answer = post(share, Withdrawal("small", "ana", BO_KEY).to_json(), "/reports/withdraw")
    assert status == 409 and "only the learner who sent it (or the teacher) can withdraw it" in str(answer["error"])
    assert load_reports(reports_dir_for(served), "small")
    assert post(share, Withdrawal("small", "Ana", ANA_KEY).to_json(), "/reports/withdraw") == (
        200, {"message": "Your report for 'small' was withdrawn; the teacher no longer has it.", "withdrawn": True})
    assert load_reports(reports_dir_for(served), "small") == []
    status, answer = post(share, Withdrawal("small", "Ana", ANA_KEY).to_json(), "/reports/withdraw")
    assert status == 404 and answer["error"] == "the teacher has no report from you for 'small'"
    assert post(share, b'{"format": 2}', "/reports/withdraw")[0] == 400


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_device_posting_too_fast_gets_429_with_a_wait_and_the_teacher_a_notice(served: Path) -> None:
    clock = FakeClock()
    with ShareServer(served, host="127.0.0.1", port=0, idle_timeout=0.5, post_burst=3, posts_per_minute=6, clock=clock) as share:
        assert [post(share, report(f"learner {n}").to_json())[0] for n in range(3)] == [201, 201, 201]
        status, body, response = ask(share, "POST", "/reports", body=report("learner 3").to_json())
        assert status == 429 and response.getheader("Retry-After") == "10"
        assert json.loads(body)["error"] == "too many reports from this device; wait 10 seconds and send again"
        assert ask(share, "GET", "/index.json")[0] == 200  # downloads are not limited
        with pytest.raises(NetworkError, match="429 Too Many Requests: too many reports from this device; wait 10 seconds"):
            send_report(share.url, report("learner 3"))  # what the learner's app shows
        (notice,) = share.notices()
        assert notice.kind == "rate" and notice.count == 2 and notice.message == "127.0.0.1 sent reports faster than 6 a minute and was asked to wait"
        clock.now += 10
        assert post(share, report("learner 3").to_json())[0] == 201
        share.clear_notices()
        assert share.notices() == []
    assert len(load_reports(reports_dir_for(served), "small")) == 4


def test_the_rate_limit_forgets_quiet_addresses_so_its_table_stays_small() -> None:
    clock = FakeClock()
    limit = RateLimit(2, 60, clock)
    for number in range(RateLimit.MAX_ADDRESSES + 500):
        assert limit.wait(f"10.{number // 65536}.{number // 256 % 256}.{number % 256}") == 0
    assert len(limit._buckets) <= RateLimit.MAX_ADDRESSES
    assert limit.wait("a") == 0 and limit.wait("a") == 0 and limit.wait("a") == pytest.approx(1.0)
    clock.now += 1
    assert limit.wait("a") == 0


def test_a_full_report_box_gets_507_and_the_teacher_a_notice(served: Path) -> None:
    box = ReportBox(reports_dir_for(served), max_reports=2)
    with ShareServer(served, host="127.0.0.1", port=0, idle_timeout=0.5, report_box=box) as share:
        assert [post(share, report(name).to_json())[0] for name in ("Ana", "Bo")] == [201, 201]
        status, answer = post(share, report("Cy").to_json())
        assert status == 507 and "already holds 2 reports for 'small', as many as it keeps; tell your teacher" in str(answer["error"])
        assert post(share, report("Ana", lapses=2).to_json())[0] == 200  # a learner already in still updates
        (notice,) = share.notices()
        assert notice.kind == "full" and "already holds 2 reports for 'small'" in notice.message


def test_a_flood_from_one_client_stores_a_bounded_number_of_reports_quickly(served: Path) -> None:
    with ShareServer(served, host="127.0.0.1", port=0, idle_timeout=0.5) as share:
        connection = connect(share)
        statuses: dict[int, int] = {}
        started = time.monotonic()
        for number in range(300):
            connection.request("POST", "/reports", body=report(f"flood {number}").to_json(), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.getheader("Connection") == "close":
                connection.close()
                connection = connect(share)
        connection.close()
        assert time.monotonic() - started < 20
    assert statuses[201] <= 12 and statuses[429] >= 288, statuses
    assert len(load_reports(reports_dir_for(served), "small")) == statuses[201]
    assert sum(p.stat().st_size for p in reports_dir_for(served).rglob("*") if p.is_file()) < 64 * 1024


def test_an_oversized_report_is_refused_before_it_is_read(share: ShareServer) -> None:
    connection = connect(share)
    connection.putrequest("POST", "/reports")
    connection.putheader("Content-Length", str(MAX_REPORT_BYTES + 1))
    connection.endheaders()  # no body is sent: the server must answer from the header alone
    response = connection.getresponse()
    assert response.status == 413 and response.getheader("Connection") == "close"
    connection.close()


def test_a_report_without_a_length_is_refused(share: ShareServer) -> None:
    connection = connect(share)
    connection.putrequest("POST", "/reports")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    assert connection.getresponse().status == 411
    connection.close()


def raw_exchange(share: ShareServer, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", connect(share).port), timeout=5) as raw:
        raw.sendall(request)
        return raw.recv(200)


def test_an_oversized_request_line_or_head_is_refused(share: ShareServer) -> None:
    assert raw_exchange(share, b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 414")
    many_headers = b"".join(b"X-Filler-%d: %s\r\n" % (n, b"b" * 300) for n in range(99))  # under http.server's own 100-line limit
    assert raw_exchange(share, b"GET /index.json HTTP/1.1\r\n" + many_headers + b"\r\n").startswith(b"HTTP/1.1 431")
    assert ask(share, "GET", "/index.json")[0] == 200


# -- load -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_thirty_students_downloading_at_once_all_get_every_file_intact(share: ShareServer, served: Path) -> None:
    expected = {name: hashlib.sha256((served / name).read_bytes()).hexdigest() for name in ("index.json", "small-v1.quizdeck")}
    errors: list[str] = []
    done = []

    def student() -> None:
        connection = connect(share)  # one keep-alive connection per student, as the app uses
        try:
            for number in range(100):
                name = "index.json" if number % 2 else "small-v1.quizdeck"
                connection.request("GET", "/" + name)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200 or hashlib.sha256(body).hexdigest() != expected[name]:
                    errors.append(f"{name}: {response.status}")
            done.append(1)
        except OSError as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=student) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(done) == 30


def test_an_idle_connection_is_closed_without_holding_up_others(share: ShareServer) -> None:
    idle = socket.create_connection(("127.0.0.1", connect(share).port), timeout=5)
    idle.sendall(b"GET /index.json HTTP/1.1\r\nHost: x\r\n")  # headers never finished
    assert ask(share, "GET", "/index.json")[0] == 200
    started = time.monotonic()
    assert idle.recv(1024) == b""  # closed by the server after its idle timeout
    assert time.monotonic() - started < 3
    idle.close()


def test_connections_past_the_limit_get_503_at_once(served: Path) -> None:
    with ShareServer(served, host="127.0.0.1", port=0, idle_timeout=5, max_connections=2) as share:
        port = connect(share).port
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        time.sleep(0.2)
        status, _, _ = ask(share, "GET", "/index.json")
        assert status == 503
        for connection in held:
            connection.close()


def test_stop_closes_open_connections_and_the_port(served: Path) -> None:
    share = ShareServer(served, host="127.0.0.1", port=0, idle_timeout=30)
    share.start()
    port = connect(share).port
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    time.sleep(0.1)
    started = time.monotonic()
    share.stop()
    assert time.monotonic() - started < 2
    assert idle.recv(1024) == b""
    idle.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
    assert not share.running


# -- setup ------------------------------------------------------------------------------------------


def test_a_folder_that_was_not_published_is_refused(tmp_path: Path) -> None:
    with pytest.raises(QuizappError, match="has no index.json; make it with `quizapp publish"):
        ShareServer(tmp_path)


def test_reports_may_not_be_kept_inside_the_served_folder(served: Path) -> None:
    with pytest.raises(QuizappError, match="outside the served folder"):
        ShareServer(served, reports_dir=served / "reports")


def test_the_address_students_get_is_the_lan_address(served: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "lan_address", lambda: "192.168.1.23")
    with ShareServer(served, host="0.0.0.0", port=0) as share:
        assert share.url.startswith("http://192.168.1.23:") and share.url.endswith("/")


def test_the_qr_code_is_a_square_matrix_the_ui_can_draw_and_text_for_a_terminal() -> None:
    matrix = qr_matrix("http://192.168.1.23:8765/")
    assert len(matrix) == len(matrix[0]) == 29  # version 2 (25 modules) and a quiet zone of 2
    assert all(isinstance(cell, bool) for row in matrix for cell in row)
    assert not any(matrix[0]) and matrix[2][2]  # quiet zone, then a finder pattern's corner
    lines = qr_text("http://192.168.1.23:8765/").splitlines()
    assert len(lines) == (len(matrix) + 1) // 2  # two modules per character cell
