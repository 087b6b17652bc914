"""The scheduler reproduces what real Anki computed (../shared/fixtures/anki_fsrs_reference.json).

Each sequence reviews one new card in Anki with fuzz off and the day rolling over at 04:00 UTC.
For every step we check what the four buttons offered before the answer (state, interval, due,
stability, difficulty, label) and the card after it; then the memory state Anki recomputes from
the whole review log against our replay of it. Stability and difficulty may differ by 0.5%
(Anki computes in f32); everything else must be exact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Any

import pytest
from conftest import SHARED, SHARED_MISSING, replay

from quizapp.core.card_state import CardState, Rating
from quizapp.core.days import DayClock
from quizapp.core.options import DeckOptions
from quizapp.core.scheduler import Scheduler

FIXTURES = SHARED / "fixtures"
REFERENCE = FIXTURES / "anki_fsrs_reference.json"
if not SHARED.is_dir():
    pytest.skip(SHARED_MISSING, allow_module_level=True)
if not REFERENCE.is_file():
    # Not a skip: without the reference nothing proves that we agree with Anki.
    raise FileNotFoundError(f"Anki reference data missing: {REFERENCE} (clone the repo next to `shared`)")

DATA: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
RATINGS = {"again": Rating.AGAIN, "hard": Rating.HARD, "good": Rating.GOOD, "easy": Rating.EASY}
FUZZ_KEY = 12345  # any key: fuzz is off, as in the reference
TOLERANCE = 0.005


def make_scheduler() -> Scheduler:
    config = DATA["config"]
    assert (config["timezone"], config["day_rollover_hour"], config["fuzz"]) == ("UTC", 4, False)
    options = DeckOptions(
        desired_retention=config["desired_retention"],
        learning_steps=tuple(config["learning_steps_seconds"]),
        relearning_steps=tuple(config["relearning_steps_seconds"]),
        maximum_interval=config["maximum_interval_days"],
        fuzz=False,
        parameters=tuple(config["fsrs_parameters"]),
    )
    return Scheduler(options, DayClock(rollover_hour=4, tz=timezone.utc))


SCHEDULER = make_scheduler()
DAYS = SCHEDULER.days
SEQUENCES = {sequence["id"]: sequence for sequence in DATA["sequences"]}
STEP_IDS = [(sequence["id"], step["step"]) for sequence in DATA["sequences"] for step in sequence["steps"]]


@dataclass(frozen=True)
class Step:
    """Our side of one reference step: the card before, what we offer, and the card after."""

    at: datetime
    first_day: int  # our day number of the sequence's first review: Anki's day 0
    before: CardState
    offered: dict[Rating, CardState]
    seconds: dict[Rating, float]
    labels: dict[Rating, str]
    after: CardState


@cache
def run(sequence_id: str) -> list[Step]:
    """Answer the sequence's ratings in order, from a new card, as Anki was answered."""
    card = CardState()
    steps = SEQUENCES[sequence_id]["steps"]
    first_day = DAYS.day_of(datetime.fromisoformat(steps[0]["at"]))
    result = []
    for reference in steps:
        at = datetime.fromisoformat(reference["at"])
        after = SCHEDULER.answer(card, RATINGS[reference["rating"]], at, FUZZ_KEY)
        result.append(
            Step(
                at=at,
                first_day=first_day,
                before=card,
                offered=SCHEDULER.preview(card, at, FUZZ_KEY),
                seconds=SCHEDULER.next_intervals(card, at, FUZZ_KEY),
                labels=SCHEDULER.next_interval_labels(card, at, FUZZ_KEY),
                after=after,
            )
        )
        card = after
    return result


def due_of(card: CardState) -> datetime:
    """The instant a card is due: its exact time, or the rollover that starts its due day."""
    if card.due_at is not None:
        return card.due_at
    assert card.due_day is not None
    return DAYS.start_of(card.due_day)


def anki_day(card: CardState, first_day: int) -> int | None:
    return None if card.due_day is None else card.due_day - first_day


@pytest.mark.parametrize(("sequence_id", "index"), STEP_IDS, ids=[f"{s}-step{i}" for s, i in STEP_IDS])
def test_review_times_fall_on_ankis_days(sequence_id: str, index: int) -> None:
    reference = SEQUENCES[sequence_id]["steps"][index]
    ours = run(sequence_id)[index]
    assert DAYS.day_of(ours.at) - ours.first_day == reference["anki_day"]


@pytest.mark.parametrize(("sequence_id", "index"), STEP_IDS, ids=[f"{s}-step{i}" for s, i in STEP_IDS])
def test_offered_options_match_anki(sequence_id: str, index: int) -> None:
    reference = SEQUENCES[sequence_id]["steps"][index]
    ours = run(sequence_id)[index]
    for name, expected in reference["options"].items():
        rating = RATINGS[name]
        offered = ours.offered[rating]
        where = f"{name} at {reference['at']}"
        assert offered.state.value == expected["state"], where
        assert ours.seconds[rating] == expected["interval_seconds"], where
        if expected["interval_days"] is not None:
            assert offered.interval_days == expected["interval_days"], where
        assert due_of(offered) == datetime.fromisoformat(expected["due"]), where
        assert anki_day(offered, ours.first_day) == expected["due_anki_day"], where
        assert offered.stability == pytest.approx(expected["stability"], rel=TOLERANCE), where
        assert offered.difficulty == pytest.approx(expected["difficulty"], rel=TOLERANCE), where
        # Anki writes "<10m" for steps that may come back early; our labels leave the "<" out.
        assert ours.labels[rating] == expected["label"].removeprefix("<"), where


@pytest.mark.parametrize(("sequence_id", "index"), STEP_IDS, ids=[f"{s}-step{i}" for s, i in STEP_IDS])
def test_card_after_answer_matches_anki(sequence_id: str, index: int) -> None:
    reference = SEQUENCES[sequence_id]["steps"][index]
    expected = reference["after"]
    ours = run(sequence_id)[index]
    after = ours.after
    assert after == ours.offered[RATINGS[reference["rating"]]]
    assert after.state.value == expected["state"]
    assert after.stability == pytest.approx(expected["stability"], rel=TOLERANCE)
    assert after.difficulty == pytest.approx(expected["difficulty"], rel=TOLERANCE)
    assert due_of(after) == datetime.fromisoformat(expected["due"])
    assert anki_day(after, ours.first_day) == expected["due_anki_day"]
    assert after.interval_days == expected["interval_days"]
    assert (after.reps, after.lapses) == (expected["reps"], expected["lapses"])
    assert after.last_review == ours.at


@pytest.mark.parametrize("sequence_id", list(SEQUENCES))
def test_replayed_memory_state_matches_anki_recomputing_it_from_the_review_log(sequence_id: str) -> None:
    sequence = SEQUENCES[sequence_id]
    reviews = [(RATINGS[step["rating"]], datetime.fromisoformat(step["at"])) for step in sequence["steps"]]
    replayed = replay(SCHEDULER, reviews, FUZZ_KEY)
    expected = sequence["memory_state_recomputed_from_revlog"]
    assert replayed.stability == pytest.approx(expected["stability"], rel=TOLERANCE)
    assert replayed.difficulty == pytest.approx(expected["difficulty"], rel=TOLERANCE)
    assert replayed == run(sequence_id)[-1].after
