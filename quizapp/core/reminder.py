"""When the daily reminder goes off, and what it says.

The learner picks a time of day (Settings: `reminder_on`, `reminder_minute`). The reminder goes
off at that time on the first day a card is due by then, and never when nothing is due.
`next_reminder_time` is the pure rule, given the clock and the next due card; `plan_reminder`
asks a collection for those and for how many cards will be waiting then. The platform modules
(quizapp.ui.notify) only deliver what is planned here.

Times are local wall-clock times in a real time zone (a `zoneinfo.ZoneInfo`), so 19:00 stays
19:00 across a daylight-saving change. On the night the clocks go forward a time that does not
exist (02:30) becomes the same span after the gap (03:30); on the night they go back, a time that
happens twice goes off the first time.

The text is discreet by design: a lock screen is seen by others, so it names neither the app's
subject nor a card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from quizapp.core.collection import Collection
from quizapp.core.queues import Allowance, counts_by_deck
from quizapp.core.settings import Settings
from quizapp.core.store import to_ms

REMINDER_TITLE = "Time for today's review"


@dataclass(frozen=True)
class Reminder:
    """One reminder: when it goes off (UTC) and how many cards will be waiting then."""

    at: datetime
    cards: int

    @property
    def title(self) -> str:
        return REMINDER_TITLE

    @property
    def text(self) -> str:
        return f"{self.cards} card{'' if self.cards == 1 else 's'} to review"


def reminder_time_on(day: date, minute: int, tz: tzinfo) -> datetime:
    """The UTC instant of `minute` after midnight on a local calendar day. A time in a gap the
    clocks skip falls after the gap; a time that happens twice is its first occurrence."""
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    return local.astimezone(timezone.utc)


def next_reminder_time(settings: Settings, now: datetime, tz: tzinfo, next_due: datetime | None) -> datetime | None:
    """The first reminder time after `now` at which a card is due: None when the reminder is
    off or when no card is due or scheduled (`next_due` None). `next_due` is when the first card
    becomes due; one already due gives the next reminder time."""
    if not settings.reminder_on or next_due is None:
        return None
    earliest = max(now, next_due)
    day = earliest.astimezone(tz).date() - timedelta(days=1)  # a time zone's offset is under a day
    while True:
        at = reminder_time_on(day, settings.reminder_minute, tz)
        if at > now and at >= next_due:
            return at
        day += timedelta(days=1)


def cards_waiting_at(collection: Collection, at: datetime) -> int:
    """How many cards Study will offer at instant `at` (today or a later day): the cards due by
    then within each deck's daily limits, less today's studying when `at` is today."""
    deck_ids = collection.deck_ids()
    if not deck_ids:
        return 0
    day = collection.days.day_of(at)
    if day == collection.today():
        allowances = collection.allowances(deck_ids)
    else:  # a later day starts with its full limits
        allowances = {deck_id: Allowance(options.new_per_day, options.reviews_per_day) for deck_id in deck_ids for options in [collection.scheduler(deck_id).options]}
    counts = counts_by_deck(collection.store, deck_ids, allowances, day, to_ms(at))
    return sum(count.total for count in counts.values())


def plan_reminder(collection: Collection, tz: tzinfo) -> Reminder | None:
    """The next reminder for this collection, or None (off, or nothing will be due).

    Tried in turn: the next reminder time (cards waiting now, or new cards tomorrow), then the
    first one after the next card falls due."""
    settings, now = collection.settings, collection.now()
    for next_due in (now, collection.next_due()):
        at = next_reminder_time(settings, now, tz, next_due)
        if at is not None and (cards := cards_waiting_at(collection, at)) > 0:
            return Reminder(at, cards)
    return None
