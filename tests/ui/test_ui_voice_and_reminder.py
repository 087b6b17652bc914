"""Read aloud and the daily reminder, through the real widgets: the speaker buttons in Study, the
"read every card aloud" setting, and the reminder's settings setting (and cancelling) the
platform's reminder. The voice and the reminders are fakes (tests/platform_fakes.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from platform_fakes import FakeReminders, FakeSpeech
from ui_driver import KEY_SPACE, Driver, deck_panel, shown

from quizapp.core.reminder import REMINDER_TITLE
from quizapp.ui.notify import DesktopReminders


def speakers(ui: Driver) -> dict[str, Any]:
    return {widget.text: widget for widget in shown(ui.screen.ids.card_area) if type(widget).__name__ == "SpeakButton"}


def speaker_buttons(ui: Driver) -> list[str]:
    return list(speakers(ui))


def open_basics(ui: Driver) -> None:
    ui.tap(deck_panel(ui, "basics").ids.study)
    assert ui.screen.name == "study"


def test_speaker_buttons_read_the_question_and_the_answer(ui: Driver) -> None:
    speech = ui.app.speech
    assert isinstance(speech, FakeSpeech)
    open_basics(ui)
    assert speaker_buttons(ui) == ["Read aloud"]
    assert speech.spoken == []  # read only when asked: "read every card aloud" is off
    ui.tap(speakers(ui)["Read aloud"])
    assert speech.spoken == ["Front one"]
    ui.press(KEY_SPACE)
    assert sorted(speaker_buttons(ui)) == ["Read aloud", "Read answer aloud"]
    ui.tap(speakers(ui)["Read answer aloud"])
    assert speech.spoken == ["Front one", "Back one\nWhy one."]
    ui.back()
    assert speech.stops >= 1  # leaving Study silences it


def test_no_voice_no_buttons(start_app: Callable[..., Driver]) -> None:
    ui = start_app(speech=FakeSpeech(voice=False))
    open_basics(ui)
    assert speaker_buttons(ui) == []
    ui.press(KEY_SPACE)
    assert speaker_buttons(ui) == []
    ui.back()
    ui.tap(ui.screen.ids.settings_button)
    assert ui.screen.ids.read_aloud.disabled
    assert "no voice" in ui.screen.ids.voice_note.text


def test_read_every_card_aloud_reads_each_question_and_answer_as_it_appears(ui: Driver) -> None:
    ui.tap(ui.screen.ids.settings_button)
    ui.tap(ui.screen.ids.read_aloud)
    assert ui.app.settings.read_aloud is True
    ui.back()
    open_basics(ui)
    speech = ui.app.speech
    assert speech.spoken == ["Front one"]
    ui.press(KEY_SPACE)
    ui.press(ord("3"), "3")
    assert speech.spoken == ["Front one", "Back one\nWhy one.", "Front two"]


def test_the_reminder_setting_sets_and_cancels_the_daily_reminder(start_app: Callable[..., Driver]) -> None:
    ui = start_app()
    reminders = ui.app.reminders
    assert isinstance(reminders, FakeReminders)
    assert reminders.pending is None  # off by default
    ui.tap(ui.screen.ids.settings_button)
    ids = ui.screen.ids
    assert ids.reminder_minute.disabled and ids.reminder_minute.ids.value_label.text == "19:00"
    ui.tap(ids.reminder_on)
    assert reminders.permission_asked == 1
    # The clock is at noon UTC (and the machine's zone may be any): cards are due, so a reminder
    # is set for the next 19:00 local time, with the number of cards waiting then.
    first = reminders.pending
    assert first is not None and first.cards == 12 and first.title == REMINDER_TITLE
    ui.tap(ids.reminder_minute.ids.up)
    assert ids.reminder_minute.ids.value_label.text == "19:15"
    assert reminders.pending is not None and reminders.pending.at.astimezone().strftime("%H:%M") == "19:15"
    ui = start_app()  # the choice survives a restart and is set again at the start
    assert ui.app.reminders.pending is not None and ui.app.settings.reminder_minute == 19 * 60 + 15
    assert ui.screen.name == "settings"  # reopened where it was
    ui.tap(ui.screen.ids.reminder_on)
    assert ui.app.reminders.pending is None


def test_a_desktop_reminder_shows_a_discreet_notice_on_home_when_cards_are_due(start_app: Callable[..., Driver]) -> None:
    timers: list[tuple[float, Callable[[], None]]] = []
    wall_clock = [datetime(2025, 3, 3, 12, tzinfo=timezone.utc)]
    ui = start_app(reminders=None)
    ui.app.reminders = DesktopReminders(ui.app._remind_now, lambda seconds, callback: timers.append((seconds, callback)) or (lambda: None), now=lambda: wall_clock[0])
    ui.app.change_settings(reminder_on=True)
    [(seconds, fire)] = timers
    assert 0 < seconds <= 24 * 3600
    fire()  # a timer that comes early waits on
    assert len(timers) == 2 and ui.app.notices == []
    wall_clock[0] += timedelta(seconds=seconds)
    timers[-1][1]()
    assert ui.app.notices[-1] == "Time for today's review: 12 cards to review."
    assert len(timers) == 3  # and the next one is set
