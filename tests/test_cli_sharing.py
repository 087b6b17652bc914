"""The sharing commands: import/export in every format, publish/subscribe/update, serve (with a
real Ctrl+C), send-report and class-report, each on data folders of their own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import REPO, SHARED, SMALL_DECK
from PIL import Image

from quizapp.cli import main
from quizapp.core.collection import Collection
from quizapp.sharing.bundle import bundle_deck_file
from quizapp.sharing.feed import publish
from quizapp.sharing.reports import (
    CardReport,
    ClassReport,
    reports_dir_for,
    store_report,
)
from quizapp.sharing.server import ShareServer

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


def test_publish_prints_each_bundle(tmp_path: Path, deck_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, tmp_path / "data", "publish", deck_file.parent, tmp_path / "site")
    assert code == 0 and out.startswith("small-v1.quizdeck: 'small' v1, ") and out.endswith(f"wrote {tmp_path / 'site' / 'index.json'} with 1 decks\n")


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
    store_report(reports_dir_for(published), ClassReport("small", "Bo", (CardReport("t1", 0, 4, 3, 0.4), CardReport("b1", 0, 2, 0, 0.9))))

    chart = tmp_path / "chart.png"
    code, out, _ = run(capsys, tmp_path / "teacher", "class-report", "--served", published, "--png", chart)

    lines = out.splitlines()
    assert code == 0 and lines[0] == "Small deck (small): 2 learners, hardest cards first"
    assert lines[1].split() == ["card", "front", "learners", "mean", "R", "lapses"]
    assert lines[2].split()[0] == "t1" and lines[3].split()[0] == "b1"  # hardest first; unreviewed cards follow
    assert lines[-1] == f"wrote {chart}"
    with Image.open(chart) as image:
        assert image.format == "PNG"


def test_class_report_finds_the_last_served_folder_and_says_when_there_is_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "teacher"
    code, _, err = run(capsys, data, "class-report")
    assert code == 1 and "give --served DIR" in err
    with Collection.open(data) as collection:
        collection.store.set_setting("sharing.served_dir", str(tmp_path / "out"))
    assert run(capsys, data, "class-report") == (0, f"no class reports yet in {tmp_path / 'out-reports'}\n", "")


def test_serve_prints_its_address_and_a_qr_code_and_stops_cleanly_on_ctrl_c(tmp_path: Path, published: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "quizapp.cli", "--data-dir", str(tmp_path / "teacher"), "serve", str(published), "--port", "0", "--host", "127.0.0.1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        assert lines[0] == f"Sharing 1 decks from {published.resolve()}\n"
        url = lines[1].rsplit(" ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "index.json", timeout=5) as response:
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
