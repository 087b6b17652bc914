"""The generated collection again, in a real Anki collection: the yardstick of benchmarks 1-3.

Same decks (children of one parent deck, which is selected, so Anki studies all of them as our
session does), same cards in the same order, the same review log and the same card states (FSRS
memory, due days, learning steps), with FSRS on and the same daily limits.

Notes are added through Anki's API. Card states and the review log are then written with plain
`sqlite3` while Anki has the file closed: Anki's own `db.executemany` goes through its backend one
row at a time and would take minutes for 100,000 cards.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from anki.collection import AddNoteRequest
from anki.collection import Collection as AnkiCollection
from anki.decks import DeckId

from benchmarks.synthetic import DeckPlan
from quizapp.core.card_state import CardState, State
from quizapp.core.collection import Collection
from quizapp.core.days import DayClock
from quizapp.core.options import DeckOptions
from quizapp.core.settings import Settings

PARENT_DECK = "Benchmark"
# The parent deck's own limits must not bind: ours has no parent, each deck has its own limits.
UNLIMITED = 9999  # the highest limit Anki keeps (it resets larger ones to the default)
ANKI_TYPE = {State.LEARNING: 1, State.REVIEW: 2, State.RELEARNING: 3}
ANKI_QUEUE_LEARN, ANKI_QUEUE_REVIEW, ANKI_QUEUE_DAY_LEARN = 1, 2, 3
REVLOG_KIND = {State.NEW: 0, State.LEARNING: 0, State.REVIEW: 1, State.RELEARNING: 2}
LOGGED_ANSWER_MS = 8000  # how long each logged answer took; our import records no durations


def anki_deck_name(title: str) -> str:
    return f"{PARENT_DECK}::{title}"


def build_anki_collection(path: Path, data_dir: Path, plans: list[DeckPlan], today: int) -> None:
    """Mirror our collection in `data_dir` (its decks as planned, generated for study day `today`)."""
    options = DeckOptions()
    path.parent.mkdir(parents=True, exist_ok=True)
    with Collection.open(data_dir) as ours:
        days = ours.days
        anki = AnkiCollection(str(path))
        try:
            _configure(anki, options)
            card_ids = _add_notes(anki, ours, plans)
            anki.decks.select(_deck_id(anki, PARENT_DECK))
        finally:
            anki.close()
        first_day = _first_day(ours, today)
        _write_progress(path, ours, card_ids, days, first_day, options)
    anki = AnkiCollection(str(path))
    try:
        if today - anki.sched.today != first_day:
            raise RuntimeError(f"Anki's today ({anki.sched.today}) does not line up with ours ({today} - {first_day})")
    finally:
        anki.close()


def _configure(anki: AnkiCollection, options: DeckOptions) -> None:
    """FSRS on, our default options; the parent deck gets our all-decks new card limit and a
    review limit that never binds."""
    anki.set_config("fsrs", True)
    anki.set_config("newCardsIgnoreReviewLimit", True)  # ours has no such coupling
    anki.set_config("rollover", Settings().rollover_hour)
    default = anki.decks.config_dict_for_deck_id(DeckId(1))  # the default options
    default["new"]["perDay"] = options.new_per_day
    default["rev"]["perDay"] = options.reviews_per_day
    default["new"]["delays"] = [seconds / 60 for seconds in options.learning_steps]
    default["lapse"]["delays"] = [seconds / 60 for seconds in options.relearning_steps]
    default["desiredRetention"] = options.desired_retention
    anki.decks.update_config(default)
    parent_config = anki.decks.add_config_returning_id("Benchmark parent", clone_from=default)
    parent = anki.decks.get(_deck_id(anki, PARENT_DECK))
    assert parent is not None
    parent["conf"] = parent_config
    anki.decks.save(parent)
    unlimited = anki.decks.get_config(parent_config)
    assert unlimited is not None
    # Our all-decks limit on new cards is Anki's parent deck limit; reviews have none.
    unlimited["new"]["perDay"] = Settings().all_decks_new_per_day
    unlimited["rev"]["perDay"] = UNLIMITED
    anki.decks.update_config(unlimited)


def _add_notes(anki: AnkiCollection, ours: Collection, plans: list[DeckPlan]) -> dict[tuple[str, str], int]:
    """One Basic note per card, deck by deck in our order; returns Anki's card id per our card."""
    basic = anki.models.by_name("Basic")
    assert basic is not None and anki.db is not None
    card_ids: dict[tuple[str, str], int] = {}
    for plan in plans:
        deck_id = _deck_id(anki, anki_deck_name(plan.title))
        requests = []
        cards = ours.deck(plan.deck_id).cards
        for card in cards:
            note = anki.new_note(basic)
            face = card.face(0)
            note.fields[0], note.fields[1] = face.prompt, face.answer
            requests.append(AddNoteRequest(note, deck_id))
        anki.add_notes(requests)
        # New cards are numbered in the order they were added, as our positions are.
        anki_ids = anki.db.list("SELECT id FROM cards WHERE did = ? ORDER BY due", deck_id)
        card_ids.update({(plan.deck_id, card.id): anki_id for card, anki_id in zip(cards, anki_ids)})
    return card_ids


def _deck_id(anki: AnkiCollection, name: str) -> DeckId:
    """The deck called `name`, made if missing (with its parents)."""
    deck_id = anki.decks.id(name)
    assert deck_id is not None
    return deck_id


def _first_day(ours: Collection, today: int) -> int:
    """Anki counts days from its creation: put that before the oldest review, so every day is positive."""
    oldest = ours.store.query_one("SELECT min(day) FROM revlog")
    return min(today, oldest[0] if oldest and oldest[0] is not None else today) - 1


def _write_progress(path: Path, ours: Collection, card_ids: dict[tuple[str, str], int], days: DayClock, first_day: int, options: DeckOptions) -> None:
    card_rows, revlog_rows = [], []
    used_revlog_ids: set[int] = set()
    for deck_id, card_id, sibling in ours.all_card_keys():
        key = (deck_id, card_id, sibling)
        anki_id = card_ids[(deck_id, card_id)]
        state = ours.card_state(key)
        if state.state is not State.NEW:
            card_rows.append((*_anki_card(state, days, first_day, options), anki_id))
        for entry in ours.history(key):
            revlog_rows.append(
                (
                    _unique_id(int(entry.reviewed_at.timestamp() * 1000), used_revlog_ids),
                    anki_id,
                    entry.rating,
                    _anki_interval(entry.after, days),
                    _anki_interval(entry.before, days),
                    _anki_factor(entry.after),
                    LOGGED_ANSWER_MS,
                    REVLOG_KIND[entry.before.state],
                )
            )
    db = sqlite3.connect(str(path))
    try:
        with db:
            db.executemany(
                "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?, lapses = ?, left = ?,"
                " data = ? WHERE id = ?",
                card_rows,
            )
            db.executemany(
                "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
                revlog_rows,
            )
            db.execute("UPDATE col SET crt = ?", (int(days.start_of(first_day).timestamp()),))
    finally:
        db.close()


def _anki_card(state: CardState, days: DayClock, first_day: int, options: DeckOptions) -> tuple[object, ...]:
    """Anki's (type, queue, due, ivl, factor, reps, lapses, left, data) for a studied card."""
    steps = options.relearning_steps if state.state is State.RELEARNING else options.learning_steps
    if state.due_at is not None:
        queue, due = ANKI_QUEUE_LEARN, int(state.due_at.timestamp())
    else:
        assert state.due_day is not None
        queue = ANKI_QUEUE_REVIEW if state.state is State.REVIEW else ANKI_QUEUE_DAY_LEARN
        due = state.due_day - first_day
    left = 0 if state.state is State.REVIEW else len(steps) - state.step
    assert state.last_review is not None
    data = {
        "s": state.stability,
        "d": state.difficulty,
        "dr": options.desired_retention,
        "decay": options.parameters[20],
        "lrt": int(state.last_review.timestamp()),
    }
    return (ANKI_TYPE[state.state], queue, due, state.interval_days, 2500, state.reps, state.lapses, left, json.dumps(data))


def _anki_interval(state: CardState, days: DayClock) -> int:
    """Anki's revlog interval: days for a day-based due, minus the seconds of an intraday step."""
    if state.state is State.NEW:
        return 0
    if state.due_at is not None:
        assert state.last_review is not None
        return -int((state.due_at - state.last_review).total_seconds())
    assert state.due_day is not None and state.last_review is not None
    return state.due_day - days.day_of(state.last_review)


def _anki_factor(state: CardState) -> int:
    """Anki logs FSRS difficulty (1-10) as 100-1100 in the ease column."""
    return round((state.difficulty - 1) / 9 * 1000 + 100) if state.difficulty is not None else 0


def _unique_id(wanted: int, used: set[int]) -> int:
    """Review log ids are millisecond timestamps and must be unique: take the next free one."""
    while wanted in used:
        wanted += 1
    used.add(wanted)
    return wanted
