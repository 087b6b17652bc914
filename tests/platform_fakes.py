"""Stand-ins for the platform's voice and reminders (quizapp/ui/speech.py, quizapp/ui/notify.py):
they record what the app asked for, so tests can check it without a sound card or a clock."""

from __future__ import annotations

from quizapp.core.reminder import Reminder
from quizapp.ui.notify import ReminderPlatform
from quizapp.ui.speech import Speech


class FakeSpeech(Speech):
    """A voice that records what it was asked to read; `voice=False` is a device without one."""

    def __init__(self, voice: bool = True) -> None:
        self.voice = voice
        self.spoken: list[str] = []
        self.stops = 0

    def available(self) -> bool:
        return self.voice

    def speak(self, text: str) -> None:
        assert self.voice, "spoke without a voice"
        self.spoken.append(text)

    def stop(self) -> None:
        self.stops += 1


class FakeReminders(ReminderPlatform):
    """Keeps the reminder last set, and counts permission requests."""

    def __init__(self) -> None:
        self.pending: Reminder | None = None
        self.sets = 0
        self.permission_asked = 0

    def set(self, reminder: Reminder | None) -> None:
        self.pending = reminder
        self.sets += 1

    def ask_permission(self) -> None:
        self.permission_asked += 1
