"""The sharing commands: import/export in every format, publish/subscribe/update, serve (with a
real Ctrl+C), send-report and class-report, each on data folders of their own."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import REPO, SHARED, SMALL_DECK, needs_shared, small_deck
from PIL import Image

from quizapp.cli import main
from quizapp.core.collection import Collection
from quizapp.sharing.bundle import bundle_deck_file
from quizapp.sharing.feed import publish
from quizapp.sharing.reports import (
    CardReport,
    ClassReport,
    ReportBox,
    load_reports,
    reports_dir_for,
)
from quizapp.sharing.server import ShareServer
from quizapp.sharing.signing import describe_key, key_path, keyed_address, load_key

ANKI = SHARED / "fixtures" / "anki"
V2 = SMALL_DECK.replace("version: 1", "version: 2").replace("cards:\n", "cards:\n  - {id: n1, type: basic, front: New, back: Card, source: m0}\n")


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    folder = tmp_path / "authoring"
    folder.mkdir()
    path = folder / "small.yaml"
    path.write_text(SMALL_DECK)
    return path


def test_import_a_bundle_then_a_newer_one_then_the_same_again(tmp_path: Path, deck_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    bundle_deck_file(deck_file, tmp_path / "v1.quizdeck")
    deck_file.write_text(V2)
    bundle_deck_file(deck_file, tmp_path / "v2.quizdeck")

    assert run(capsys, data, "import", tmp_path / "v1.quizdeck") == (0, "small v1: added with 5 cards\n", "")
    code, out, err = run(capsys, data, "import", tmp_path / "v2.quizdeck")
    assert (code, err) == (3, "nothing changed: run the command again with --yes to apply this\n")
    assert out == (
        "Replace your deck 'Small deck' (small, from an unsigned file (v1.quizdeck)) with this version from an unsigned file (v2.quizdeck)?\n"
        "small v1 → v2: 1 new, 0 changed, 0 retired, 5 unchanged\n  new: n1\n"
    )
    assert run(capsys, data, "import", tmp_path / "v2.quizdeck", "--yes") == (0, "small v1 → v2: 1 new, 0 changed, 0 retired, 5 unchanged\n  new: n1\n", "")
    assert run(capsys, data, "import", tmp_path / "v2.quizdeck") == (0, "small: you already have v2; nothing changed\n", "")


def test_a_refused_bundle_is_an_error_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.quizdeck"
    bad.write_bytes(b"not a zip")
    assert run(capsys, tmp_path / "data", "import", bad) == (1, "", "error: 'bad.quizdeck' is not a zip archive, or it is truncated or damaged\n")
    assert not (tmp_path / "data" / "decks").exists()


def test_an_unknown_file_type_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.docx").write_bytes(b"x")
    code, _, err = run(capsys, tmp_path / "data", "import", tmp_path / "notes.docx")
    assert code == 1 and err == "error: cannot import 'notes.docx': quizapp imports .quizdeck, .apkg, .txt, .tsv, .csv files\n"


@pytest.mark.parametrize("suffix", [".quizdeck", ".apkg", ".txt", ".gift"])
def test_export_writes_every_format(tmp_path: Path, deck_file: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    data = tmp_path / "data"
    bundle_deck_file(deck_file, tmp_path / "in.quizdeck")
    run(capsys, data, "import", tmp_path / "in.quizdeck")
    target = tmp_path / f"out{suffix}"
    assert run(capsys, data, "export", "small", "--to", target) == (0, f"wrote {target}\n", "")
    text = target.read_bytes()
    expected_start = {".quizdeck": b"PK", ".apkg": b"PK", ".txt": b"Front one\tBack one\n", ".gift": b"$CATEGORY"}[suffix]
    assert text.startswith(expected_start)


def test_quizlet_text_and_csv_import_as_deck_folders_and_reimport_updates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    quizlet = tmp_path / "Opioid Terms.txt"
    quizlet.write_text("Naloxone,reverses an opioid overdose\nTolerance,needing more for the same effect\n")
    assert run(capsys, data, "import", quizlet, "--term-sep", "comma") == (0, "opioid-terms v1: added with 2 cards\n", "")
    assert (data / "decks" / "opioid-terms" / "opioid-terms.yaml").is_file()
    assert run(capsys, data, "import", quizlet, "--term-sep", "comma")[1] == "opioid-terms: you already have v1; nothing changed\n"
    quizlet.write_text("Naloxone,reverses an opioid overdose for a short time\nTolerance,needing more for the same effect\n")
    assert run(capsys, data, "import", quizlet, "--term-sep", "comma")[0] == 3  # the same file, changed: asks first
    assert run(capsys, data, "import", quizlet, "--term-sep", "comma", "--yes")[1] == "opioid-terms v1 → v2: 0 new, 1 changed, 0 retired, 1 unchanged\n  changed: q-0001\n"

    table = tmp_path / "quick.csv"
    table.write_text("id,front,back\nq1,Upper,Stimulant\nq2,Downer,Depressant\n")
    assert run(capsys, data, "import", table, "--deck-id", "quick-deck", "--title", "Quick") == (0, "quick-deck v1: added with 2 cards\n", "")
    with Collection.open(data) as collection:
        assert collection.deck_info("quick-deck")[0].title == "Quick"


@needs_shared
def test_anki_packages_import_with_their_review_history_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, tmp_path / "plain", "import", ANKI / "reference-modern.apkg")
    assert code == 0 and "reference-basics v1: added with" in out and "review history" not in out
    code, out, _ = run(capsys, tmp_path / "history", "import", ANKI / "reference-modern.apkg", "--with-scheduling")
    assert code == 0 and "cards took their Anki review history" in out
    with Collection.open(tmp_path / "history") as collection:
        studied = [k for k in collection.all_card_keys() if collection.card_state(k).reps]
        assert studied and all(e.kind == "import" for k in studied for e in collection.history(k))


# -- feeds ------------------------------------------------------------------------------------------


@pytest.fixture
def published(tmp_path: Path, deck_file: Path) -> Path:
    out = tmp_path / "out"
    publish(deck_file.parent, out, generated=datetime(2025, 3, 1, tzinfo=timezone.utc))
    return out


@pytest.fixture
def share(published: Path) -> Iterator[ShareServer]:
    with ShareServer(published, host="127.0.0.1", port=0) as running:
        yield running


def test_publish_makes_a_key_on_first_use_signs_and_prints_each_bundle(tmp_path: Path, deck_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    teacher = tmp_path / "teacher"
    code, out, _ = run(capsys, teacher, "publish", deck_file.parent, tmp_path / "site")
    key = load_key(teacher)
    assert code == 0 and key is not None and stat.S_IMODE(key_path(teacher).stat().st_mode) == 0o600
    lines = out.splitlines()
    assert lines[0] == f"made your publisher key, kept in {key_path(teacher)} (readable by you only); back it up with `quizapp key export FILE`"
    assert lines[1].startswith("small-v1.quizdeck: 'small' v1, ")
    assert lines[2] == f"wrote {tmp_path / 'site' / 'index.json'} with 1 decks, signed by publisher key {describe_key(key.public_key)}"
    assert lines[3] == f"learners subscribe to the address you upload it to, followed by #key={key.public_key}"
    code, out, _ = run(capsys, teacher, "publish", deck_file.parent, tmp_path / "site")
    assert code == 0 and "made your publisher key" not in out and load_key(teacher).public_key == key.public_key  # type: ignore[union-attr]  # the same key from then on


def test_keygen_makes_an_owner_only_key_and_never_replaces_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, tmp_path / "teacher", "keygen")
    key = load_key(tmp_path / "teacher")
    assert code == 0 and key is not None and out.splitlines()[1] == f"publisher key {describe_key(key.public_key)}"
    assert stat.S_IMODE(key_path(tmp_path / "teacher").stat().st_mode) == 0o600
    code, _, err = run(capsys, tmp_path / "teacher", "keygen")
    assert code == 1 and "already has publisher key" in err and load_key(tmp_path / "teacher").public_key == key.public_key  # type: ignore[union-attr]
    assert run(capsys, tmp_path / "teacher", "key", "show")[1].startswith(f"publisher key {describe_key(key.public_key)}\n")


def test_key_export_and_import_move_the_key_to_a_new_laptop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pass").write_text("a long classroom passphrase\n")
    (tmp_path / "wrong").write_text("not the passphrase\n")
    run(capsys, tmp_path / "old", "keygen")
    exported = tmp_path / "teacher.key"
    code, out, _ = run(capsys, tmp_path / "old", "key", "export", exported, "--passphrase-file", tmp_path / "pass")
    assert code == 0 and out.startswith(f"wrote {exported}: publisher key ")
    code, _, err = run(capsys, tmp_path / "new", "key", "import", exported, "--passphrase-file", tmp_path / "wrong")
    assert code == 1 and err == "error: teacher.key: wrong passphrase (or the file was altered); the key was not imported\n"
    assert load_key(tmp_path / "new") is None
    code, out, _ = run(capsys, tmp_path / "new", "key", "import", exported, "--passphrase-file", tmp_path / "pass")
    assert code == 0 and out.startswith("imported publisher key ")
    assert load_key(tmp_path / "new").public_key == load_key(tmp_path / "old").public_key  # type: ignore[union-attr]


@pytest.fixture
def signed_share(tmp_path: Path, deck_file: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[ShareServer]:
    run(capsys, tmp_path / "teacher", "publish", deck_file.parent, tmp_path / "signed-out")
    with ShareServer(tmp_path / "signed-out", host="127.0.0.1", port=0) as running:
        yield running


def test_subscribe_pins_the_key_the_share_address_carries(tmp_path: Path, signed_share: ShareServer, capsys: pytest.CaptureFixture[str]) -> None:
    key = load_key(tmp_path / "teacher")
    assert key is not None and signed_share.url.endswith(f"/#key={key.public_key}")
    code, out, _ = run(capsys, tmp_path / "learner", "subscribe", signed_share.url)
    feed = signed_share.url.split("#")[0] + "index.json"
    assert code == 0 and out.splitlines()[1] == f"pinned to publisher key {describe_key(key.public_key)}; your teacher's screen shows the same words"
    assert run(capsys, tmp_path / "learner", "update") == (0, f"{feed}:\n  small v1: added with 5 cards\n", "")
    # Typed without its key, the address pins the key the feed is signed with, and says so.
    code, out, _ = run(capsys, tmp_path / "other-learner", "subscribe", feed)
    assert code == 0 and out.splitlines()[1] == f"the address carried no key: this feed is now pinned to the key it is signed with, {describe_key(key.public_key)}"
    # An address carrying another key is refused, naming both.
    code, _, err = run(capsys, tmp_path / "third", "subscribe", keyed_address(feed, "A" * 43))
    assert code == 1 and f"is signed by publisher key {describe_key(key.public_key)}, not by {describe_key('A' * 43)}" in err


def test_a_feed_followed_before_signing_warns_then_says_when_it_pins_the_first_key(
    tmp_path: Path, deck_file: Path, share: ShareServer, capsys: pytest.CaptureFixture[str]
) -> None:
    learner = tmp_path / "learner"
    code, _, err = run(capsys, learner, "subscribe", share.url)
    assert code == 0 and err.startswith("warning: this feed is not signed")
    run(capsys, tmp_path / "teacher", "publish", deck_file.parent, share.root)  # the teacher updates quizapp
    key = load_key(tmp_path / "teacher")
    assert key is not None
    code, out, _ = run(capsys, learner, "update")
    assert code == 0 and out.splitlines()[1] == (
        f"  note: this feed is now signed: it is pinned to publisher key {describe_key(key.public_key)} from now on; check those words with your teacher"
    )


@pytest.mark.slow
def test_subscribe_with_a_server_that_drips_bytes_gives_up_at_its_timeout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The attack test's case: one byte every 2 s used to hold `subscribe --timeout 3` for over 100 s."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def drip() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            for byte in b"HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n" + b" " * 100:
                if stop.wait(0.5):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        code, _, err = run(capsys, tmp_path / "learner", "subscribe", f"http://127.0.0.1:{listener.getsockname()[1]}/", "--timeout", "2")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert code == 1 and "did not answer within 2 seconds" in err
    assert elapsed < 2 + 2  # the timeout plus a margin for a busy machine


def test_subscribe_update_and_update_again(tmp_path: Path, share: ShareServer, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "learner"
    assert run(capsys, data, "update") == (0, "no class feeds yet; add one with `quizapp subscribe URL`\n", "")
    assert run(capsys, data, "subscribe", share.url)[1] == f"subscribed to {share.url}index.json (1 decks); run `quizapp update` to get them\n"
    assert run(capsys, data, "update") == (0, f"{share.url}index.json:\n  small v1: added with 5 cards\n", "")
    assert run(capsys, data, "update") == (0, f"{share.url}index.json:\n  up to date: small\n", "")
    assert run(capsys, data, "unsubscribe", share.url) == (0, "unsubscribed; decks already imported stay\n", "")


def test_update_when_the_share_is_gone_fails_clearly(tmp_path: Path, published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "learner"
    with ShareServer(published, host="127.0.0.1", port=0) as share:
        run(capsys, data, "subscribe", share.url)
        url = share.url
    code, out, err = run(capsys, data, "update", "--timeout", "2")
    assert code == 1 and out == f"{url}index.json:\n"
    assert err == f"  error: cannot reach {url}index.json: nothing is listening there (is the teacher's share still running?)\n"


# -- reports ----------------------------------------------------------------------------------------


def test_send_report_then_class_report_shows_the_table_and_draws_the_chart(tmp_path: Path, share: ShareServer, published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    learner = tmp_path / "learner"
    run(capsys, learner, "subscribe", share.url)
    run(capsys, learner, "update")
    assert run(capsys, learner, "send-report", "small", "--name", "Ana", "--to", share.url) == (0, "Your report for 'small' reached the teacher.\n", "")
    ReportBox(reports_dir_for(published)).submit(ClassReport("small", "Bo", (CardReport("t1", 0, 4, 3, 0.4), CardReport("b1", 0, 2, 0, 0.9)), "b" * 32))

    chart = tmp_path / "chart.png"
    code, out, _ = run(capsys, tmp_path / "teacher", "class-report", "--served", published, "--png", chart)

    lines = out.splitlines()
    assert code == 0 and lines[0] == "Small deck (small): 2 learners, hardest cards first"
    assert lines[1].split() == ["card", "front", "learners", "mean", "R", "lapses"]
    assert lines[2].split()[0] == "t1" and lines[3].split()[0] == "b1"  # hardest first; unreviewed cards follow
    assert lines[-1] == f"wrote {chart}"
    with Image.open(chart) as image:
        assert image.format == "PNG"


def test_a_nickname_is_refused_to_another_learner_until_the_teacher_releases_it(tmp_path: Path, share: ShareServer, published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ana, impostor = tmp_path / "ana", tmp_path / "impostor"
    for learner in (ana, impostor):
        run(capsys, learner, "subscribe", share.url)
        run(capsys, learner, "update")
    assert run(capsys, ana, "send-report", "small", "--name", "Ana", "--to", share.url)[0] == 0
    code, out, err = run(capsys, impostor, "send-report", "small", "--name", "ANA", "--to", share.url)
    assert code == 1 and out == ""
    assert err == (
        f"error: {share.url}reports: the server answered 409 Conflict: the name 'ANA' is already used by another learner; "
        "choose another name (if it is yours from another device, ask your teacher to release it)\n"
    )
    teacher = tmp_path / "teacher"
    assert run(capsys, teacher, "class-report", "--served", published, "--release", "ana") == (
        0, "released the name 'ana': the next learner to send a report under it keeps it\n", "")
    assert run(capsys, teacher, "class-report", "--served", published, "--release", "ana") == (1, "no learner holds the name 'ana'\n", "")
    assert run(capsys, impostor, "send-report", "small", "--name", "ANA", "--to", share.url)[1] == "Your report for 'small' reached the teacher (it replaces your earlier one).\n"


def test_the_teacher_deletes_a_report_and_a_learner_withdraws_their_own(tmp_path: Path, share: ShareServer, published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ana, bo, teacher = tmp_path / "ana", tmp_path / "bo", tmp_path / "teacher"
    for learner, name in ((ana, "Ana"), (bo, "Bo")):
        run(capsys, learner, "subscribe", share.url)
        run(capsys, learner, "update")
        run(capsys, learner, "send-report", "small", "--name", name, "--to", share.url)
    assert run(capsys, teacher, "class-report", "small", "--served", published, "--delete", "BO") == (0, "deleted the report from 'BO' for small\n", "")
    assert run(capsys, teacher, "class-report", "--served", published, "--delete", "BO") == (1, "no report from 'BO'\n", "")
    code, _, err = run(capsys, bo, "send-report", "small", "--name", "Ana", "--to", share.url, "--withdraw")
    assert code == 1 and "409 Conflict: no report under 'Ana' was sent from this app" in err
    assert [r.nickname for r in load_reports(reports_dir_for(published), "small")] == ["Ana"]
    assert run(capsys, ana, "send-report", "small", "--name", "ana", "--to", share.url, "--withdraw") == (
        0, "Your report for 'small' was withdrawn; the teacher no longer has it.\n", "")
    assert load_reports(reports_dir_for(published), "small") == []


def test_class_report_finds_the_last_served_folder_and_says_when_there_is_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "teacher"
    code, _, err = run(capsys, data, "class-report")
    assert code == 1 and "give --served DIR" in err
    with Collection.open(data) as collection:
        collection.store.set_setting("sharing.served_dir", str(tmp_path / "out"))
    assert run(capsys, data, "class-report") == (0, f"no class reports yet in {tmp_path / 'out-reports'}\n", "")


def test_serve_prints_its_address_with_the_key_its_words_and_a_qr_code_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path, deck_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    published = tmp_path / "signed-out"
    run(capsys, tmp_path / "teacher", "publish", deck_file.parent, published)
    key = load_key(tmp_path / "teacher")
    assert key is not None
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "quizapp.cli", "--data-dir", str(tmp_path / "teacher"), "serve", str(published), "--port", "0", "--host", "127.0.0.1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[0] == f"Sharing 1 decks from {published.resolve()}\n"
        url = lines[1].rsplit(" ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith(f"/#key={key.public_key}")
        assert lines[2] == f"Publisher key words, for students to compare aloud: {describe_key(key.public_key)}\n"
        with urllib.request.urlopen(url.split("#")[0] + "index.json", timeout=5) as response:
            assert response.status == 200
        rest = []
        while not (line := process.stdout.readline()).startswith("Press Ctrl+C"):
            rest.append(line)
        assert any("█" in line or "▀" in line for line in rest)  # the QR code
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and out == "stopped\n" and err == ""


# -- printing ---------------------------------------------------------------------------------------


def test_text_from_outside_is_never_printed_raw_to_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A deck installed before titles were checked: it clears the screen, retitles the terminal
    # window, and reads backwards from the override on.
    data = tmp_path / "data"
    deck = small_deck()
    hostile = replace(deck, info=replace(deck.info, title="\x1b[2J\x1b]0;pwned\x07Red\u202eevil\x9b1m"))
    with Collection.open(data) as collection:
        collection.apply_deck(hostile, source_path=None, content_hash="x")
    code, out, _ = run(capsys, data, "decks")
    assert code == 0 and "\\x1b[2J\\x1b]0;pwned\\x07Red\\u202eevil\\x9b1m" in out
    assert not any(char in out for char in "\x1b\x07\u202e\x9b")
    # Messages too, to stderr: here a file name.
    code, _, err = run(capsys, data, "import", tmp_path / "cards\x1b[31m\u2067.csv")
    assert code == 1 and "cards\\x1b[31m\\u2067.csv" in err and "\x1b" not in err


def test_a_converted_import_holding_a_control_or_override_character_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    quizlet = tmp_path / "terms.txt"
    quizlet.write_text("Naloxone\tReverses opioid overdose\nCall\tFirst \u202eevird\n", encoding="utf-8")
    code, out, err = run(capsys, data, "import", quizlet)
    assert code == 1 and out == ""
    assert "'back' in card 'q-0002' holds U+202E (RIGHT-TO-LEFT OVERRIDE); deck text may not hold control or text-direction override characters" in err
    csv = tmp_path / "cards.csv"
    csv.write_text('id,type,front,back\nb1,basic,"Call\x1b[8m",B\n', encoding="utf-8")
    code, _, err = run(capsys, data, "import", csv)
    assert code == 1 and f"{csv}:2:3: 'front' in card 'b1' holds U+001B (control character ^[)" in err
    with Collection.open(data) as collection:
        assert not {"terms", "cards"} & set(collection.deck_ids())
