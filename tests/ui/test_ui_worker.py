"""Work on worker threads: an error nobody foresaw is logged and reaches the person as a notice
(on Home, or under the button that started it), never a thread that dies silently."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.logger import Logger
from ui_driver import Driver, finish, status, texts

from quizapp.core.errors import QuizappError
from quizapp.ui import app as app_module
from quizapp.ui.android_share import IncomingDeck
from quizapp.ui.headless import run_until
from quizapp.ui.screens import import_decks
from quizapp.ui.worker import Job, run_in_background


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def log() -> Iterator[Records]:
    """What the app logs meanwhile."""
    handler = Records()
    Logger.addHandler(handler)
    yield handler
    Logger.removeHandler(handler)


def fail_unexpectedly(*_args: object) -> str:
    raise RuntimeError("the provider went away")


def test_an_unexpected_error_is_logged_and_handed_back_in_words(ui: Driver, log: Records) -> None:
    outcomes: list[str] = []
    run_in_background("test-work", fail_unexpectedly, outcomes.append, outcomes.append)
    run_until(lambda: bool(outcomes))
    assert outcomes == ["something unexpected went wrong (RuntimeError: the provider went away)"]
    [record] = [record for record in log.records if record.exc_info]
    assert "test-work" in record.getMessage() and record.exc_info[0] is RuntimeError


def test_an_expected_error_is_handed_back_in_its_own_words_without_a_traceback(ui: Driver, log: Records) -> None:
    def refuse() -> str:
        raise QuizappError("deck.quizdeck: not a zip archive")

    outcomes: list[str] = []
    run_in_background("test-work", refuse, lambda result: outcomes.append(f"done {result}"), outcomes.append)
    run_until(lambda: bool(outcomes))
    assert outcomes == ["deck.quizdeck: not a zip archive"]
    assert not [record for record in log.records if record.exc_info]


def test_a_job_keeps_its_result_for_a_caller_that_waits_without_the_clock() -> None:
    job = Job("test-work", lambda: 42)
    assert job.done.wait(5) and job.result == 42 and job.error is None
    failed = Job("test-work", fail_unexpectedly)
    assert failed.done.wait(5) and failed.result is None and isinstance(failed.error, RuntimeError)


def test_an_unexpected_error_installing_a_handed_deck_becomes_a_notice_on_home(ui: Driver, monkeypatch: pytest.MonkeyPatch, log: Records) -> None:
    monkeypatch.setattr(app_module, "import_incoming", fail_unexpectedly)
    ui.app.receive_deck(IncomingDeck(uri="content://test/extra", name="extra.quizdeck", data=b"PK"))
    run_until(lambda: bool(ui.app.notices))
    expected = "extra.quizdeck was not imported: something unexpected went wrong (RuntimeError: the provider went away)"
    assert ui.app.notices == [expected]
    run_until(lambda: expected in texts(ui.screen))  # Home shows it
    assert any(record.exc_info for record in log.records)


def test_an_unexpected_error_importing_a_file_shows_under_the_button_and_frees_it(ui: Driver, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(import_decks, "import_file", fail_unexpectedly)
    ui.tap(ui.screen.ids.import_button)
    screen = ui.screen
    screen.import_path(tmp_path / "extra.quizdeck")  # what the chooser's Import does
    finish(screen, "import")
    assert status(screen, "import") == ("extra.quizdeck was not imported: something unexpected went wrong (RuntimeError: the provider went away)", True)
    assert not screen.ids.choose_file_button.disabled
