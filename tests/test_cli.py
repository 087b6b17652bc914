"""The `quizapp` command: validate, decks and stats, on a data folder of its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import SMALL_DECK

from quizapp.cli import main
from quizapp.core import store


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "small.yaml").write_text(SMALL_DECK)
    return folder


def test_validate_prints_a_summary_per_good_file_and_exits_0(deck_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(deck_dir)]) == 0
    out = capsys.readouterr().out
    assert out == f"{deck_dir / 'small.yaml'}: ok: 'small' v1, 5 cards (7 to study): 2 basic, 1 cloze, 1 reverse, 1 truefalse\n"


def test_validate_prints_every_problem_and_exits_1(deck_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = deck_dir / "bad.yaml"
    bad.write_text(SMALL_DECK.replace("id: small", "id: bad").replace("back: Back one", "bak: Back one").replace("source: m0, tags: [t1]}\n  - {id: b2", "source: m9, tags: [t1]}\n  - {id: b2"))
    assert main(["validate", str(deck_dir)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{bad}:5:5: card 'b1' is missing the required key 'back'")
    assert out[1].startswith(f"{bad}:5:45: unknown key 'bak'")
    assert out[2].startswith(f"{bad}:5:68: source 'm9' is not declared")
    assert out[3].endswith("small.yaml: ok: 'small' v1, 5 cards (7 to study): 2 basic, 1 cloze, 1 reverse, 1 truefalse")


def test_validate_with_no_arguments_checks_the_bundled_decks(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate"])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err


def test_decks_lists_todays_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZAPP_DATA_DIR", str(tmp_path / "data"))
    assert main(["decks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["deck", "new", "learn", "due"]
    assert len(lines) > 1
    assert (tmp_path / "data" / "progress.sqlite3").exists()


def test_stats_prints_the_three_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "stats"]) == 0
    assert capsys.readouterr().out == "reviews today: 0\ntrue retention, last 30 days: no reviews yet\ncards due tomorrow: 0\n"


def test_an_unknown_deck_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "stats", "--deck", "nope"]) == 1
    assert capsys.readouterr().err == "error: no deck with id 'nope'\n"


def test_a_locked_database_is_reported_in_use_not_damaged(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "decks"]) == 0
    other = sqlite3.connect(data / "progress.sqlite3", isolation_level=None)  # the app, in another process
    other.execute("PRAGMA journal_mode = delete")
    other.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 50)
    capsys.readouterr()
    assert main(["--data-dir", str(data), "decks"]) == 1
    err = capsys.readouterr().err
    assert "in use by another program" in err and "damaged" not in err and "restore" not in err
    other.execute("COMMIT")
    other.close()


def test_backup_then_restore_after_damage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "backup"]) == 0
    assert "backup written:" in capsys.readouterr().out
    (data / "progress.sqlite3").write_bytes(b"damaged" * 500)
    assert main(["--data-dir", str(data), "decks"]) == 1
    err = capsys.readouterr().err
    assert "damaged" in err and "`quizapp restore`" in err
    assert main(["--data-dir", str(data), "restore"]) == 0
    out = capsys.readouterr().out
    assert "restored from" in out and "kept as" in out
    assert main(["--data-dir", str(data), "decks"]) == 0
