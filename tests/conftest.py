"""Shared fixtures: a collection in a temporary folder with an injected clock and UTC days."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import settings

# Deterministic by default, so CI runs the same examples every time; explore further with
# HYPOTHESIS_PROFILE=fuzz (random seeds, many more examples).
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("fuzz", max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from quizapp.core.card_state import CardState, Rating
from quizapp.core.collection import Collection, fuzz_key
from quizapp.core.days import FixedClock
from quizapp.core.deck import Deck
from quizapp.core.deckfile import parse_deck
from quizapp.core.scheduler import Scheduler

REPO = Path(__file__).resolve().parents[1]
# The source material and the reference fixtures (Anki's own results), a checkout beside this one.
SHARED = REPO.parent / "shared"
SHARED_MISSING = f"needs ../shared (source material, Anki reference fixtures), which is not at {SHARED}; CI has it"
# For a test that reads ../shared: skipped, saying why, when it is absent.
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=SHARED_MISSING)

def run_repo_script(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a script of the repository in a fresh Python process (`args` after the interpreter)
    and fail with the end of its error output unless it succeeded."""
    completed = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, check=False, text=True, timeout=timeout)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


def replay(scheduler: Scheduler, reviews: Iterable[tuple[Rating, datetime]], key: int) -> CardState:
    """The state a new card reaches through these answers, oldest first (`key`: its fuzz key)."""
    card = CardState()
    for rating, at in reviews:
        card = scheduler.answer(card, rating, at, key)
    return card


def replayed_state(collection: Collection, key: tuple[str, str, int]) -> CardState:
    """A card's state rebuilt from its review log alone (a manual reset restarts it): what the
    log must be able to reproduce."""
    scheduler = collection.scheduler(key[0])
    state = CardState()
    for entry in collection.history(key):
        state = entry.after if entry.kind == "manual" else scheduler.answer(state, Rating(entry.rating), entry.reviewed_at, fuzz_key(key))
    return state


# Noon UTC: far from the 04:00 rollover, so "today" is unambiguous in tests.
START = datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc)

SMALL_DECK = """\
format: 1
deck: {id: small, version: 1, title: Small deck}
sources: [{id: m0, title: Page, publisher: Publisher}]
cards:
  - {id: b1, type: basic, front: Front one, back: Back one, source: m0, tags: [t1]}
  - {id: b2, type: basic, front: Front two, back: Back two, source: m0, tags: [t1]}
  - {id: r1, type: reverse, front: Upper, back: Stimulant, source: m0}
  - {id: c1, type: cloze, text: "{{c1::Naloxone}} reverses an {{c2::opioid}} overdose", source: m0}
  - {id: t1, type: truefalse, statement: Heroin is a stimulant., truth: false, source: m0}
"""


def small_deck(version: int = 1, text: str = SMALL_DECK) -> Deck:
    return parse_deck(text.replace("version: 1", f"version: {version}"), "small.yaml")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def collection(tmp_path: Path, clock: FixedClock) -> Iterator[Collection]:
    col = Collection.open(tmp_path / "data", clock=clock, tz=timezone.utc)
    yield col
    col.close()


@pytest.fixture
def small(collection: Collection) -> Collection:
    """A collection holding the small deck (7 studied cards from 5 entries)."""
    collection.apply_deck(small_deck(), source_path=None, content_hash="v1")
    return collection
