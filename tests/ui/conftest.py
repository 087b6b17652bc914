"""UI tests: the real app in an offscreen window, driven by taps and key presses.

Kivy reads its environment on first import, so the window is configured here, before any test
module (or ui_driver.py, the helpers that drive the app) imports kivy. Each test gets a fresh app
on a temporary data folder, with a fixed clock, UTC days and small decks written for the test.
"""

from __future__ import annotations

from quizapp.ui.headless import pump, run_until, use_offscreen_window

use_offscreen_window(412, 915)

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from platform_fakes import FakeReminders, FakeSpeech
from ui_driver import Driver

from quizapp.core.collection import Collection
from quizapp.core.days import FixedClock
from quizapp.ui.app import QuizApp
from quizapp.ui.system_locale import FixedLocale

UI_TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, so `-m "not ui"` sees the mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `ui`: each one drives the real app's widgets."""
    for item in items:
        if UI_TESTS in item.path.parents:
            item.add_marker(pytest.mark.ui)


# Noon UTC, far from the 04:00 rollover.
START = datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc)

ALL_TYPES_DECK = """\
format: 1
deck: {id: all-types, version: 1, title: All card types}
sources: [{id: m0, title: Test page, publisher: Test publisher}]
cards:
  - {id: basic1, type: basic, front: What reverses an opioid overdose?, back: Naloxone, explain: It blocks opioid receptors., source: m0, tags: [response]}
  - {id: rev1, type: reverse, front: Cocaine, back: Stimulant, source: m0, tags: [classes]}
  - {id: cloze1, type: cloze, text: "{{c1::Naloxone::a medicine}} reverses an opioid overdose.", back: It works for a short time., source: m0}
  - {id: choice1, type: choice, question: Which is a depressant?, answers: [Alcohol], distractors: [Cocaine, Caffeine], source: m0, tags: [classes]}
  - {id: tf1, type: truefalse, statement: Heroin is a stimulant., truth: false, explain: Heroin is an opioid., source: m0}
  - {id: typein1, type: typein, question: Name the overdose antidote., answers: [naloxone, Narcan], source: m0}
  - {id: order1, type: order, question: Put the steps in order., steps: [Check breathing, Call for help, Give naloxone], source: m0}
  - {id: match1, type: match, question: Sort each drug., categories: {Stimulant: [Cocaine, Caffeine], Depressant: [Alcohol]}, source: m0}
"""

BASIC_DECK = """\
format: 1
deck: {id: basics, version: 1, title: Basic facts}
sources: [{id: m0, title: Test page, publisher: Test publisher}]
cards:
  - {id: b1, type: basic, front: Front one, back: Back one, explain: Why one., source: m0, tags: [one]}
  - {id: b2, type: basic, front: Front two, back: Back two, source: m0, tags: [two]}
  - {id: b3, type: basic, front: Front three, back: Back three, source: m0, tags: [two]}
"""


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "all-types.yaml").write_text(ALL_TYPES_DECK, encoding="utf-8")
    (folder / "basics.yaml").write_text(BASIC_DECK, encoding="utf-8")
    return folder


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def start_app(data_dir: Path, deck_dir: Path, clock: FixedClock) -> Iterator[Callable[..., Driver]]:
    """Start the app; a second call quits the first app and starts it again (a restart).
    `deck_folders=None` reads the decks from where the app does by default. The system locale is
    en_US.UTF-8 whatever the machine's, unless a test gives `locale`; the voice and the reminders
    are fakes (tests/platform_fakes.py) unless a test gives `speech` or `reminders`. The
    introduction a first start shows is skipped, unless `keep_intro`."""
    drivers: list[Driver] = []

    def start(wait_for_opening: bool = True, keep_intro: bool = False, **kwargs: Any) -> Driver:
        for driver in drivers:
            driver.stop()
        app = QuizApp(
            data_dir=data_dir,
            collection_factory=lambda directory: Collection.open(directory, clock=clock, tz=timezone.utc),
            **{"deck_folders": [deck_dir], "locale": FixedLocale("en_US.UTF-8"), "speech": FakeSpeech(), "reminders": FakeReminders(), **kwargs},
        )
        app._run_prepare()
        if wait_for_opening:  # a loaded machine may take over OPENING_PATIENCE_S to open the database
            run_until(lambda: getattr(app.current_screen(), "mode", None) != "opening")
        run_until(lambda: not app.loading)
        pump(3)
        if not keep_intro and app.manager.current == "intro":  # the first start's introduction, skipped
            app.go_back()
            pump(1)
        drivers.append(Driver(app))
        return drivers[-1]

    yield start
    for driver in drivers:
        driver.stop()


@pytest.fixture
def ui(start_app: Callable[..., Driver]) -> Driver:
    return start_app()
