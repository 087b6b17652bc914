"""Delivering the daily reminder on each platform. When it goes off and what it says are decided
by quizapp.core.reminder; this module only sets it and shows it.

`ReminderPlatform` is the interface the app uses: `set(reminder)` replaces the pending reminder
(None cancels it) and `ask_permission()` asks to show notifications where the platform wants
that asked. Implementations:

- `DesktopReminders`: while the app runs, a timer calls back at the time; the app then counts the
  cards due and shows a desktop notification (`notify-send`, where installed) and a notice on the
  home screen. A closed desktop app reminds no one.
- `AndroidReminders`: an AlarmManager alarm that goes off with the app closed and survives a
  reboot. The Java half, `ReminderReceiver` (android-src/), is registered in the manifest for the
  alarm and for BOOT_COMPLETED (android-manifest/receivers.xml); it keeps the reminder in
  SharedPreferences, sets the alarm again after a reboot, posts the notification on the channel
  made here, and repeats it daily at the same wall-clock time until the app sets it anew. The
  alarm is inexact (setAndAllowWhileIdle): a reminder may come some minutes late in Doze, and
  needs no exact-alarm permission. Notifications need POST_NOTIFICATIONS, asked for at run time
  on Android 13 and later when the learner turns the reminder on.

`local_zone()` gives the device's real time zone (daylight saving included) for the reminder's
wall-clock time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from quizapp.core.reminder import REMINDER_TITLE, Reminder
from quizapp.ui.android_share import on_android

# Shared with android-src/org/quizapp/quizapp/ReminderReceiver.java (tests/test_notify.py keeps
# them equal).
RECEIVER_CLASS = "org.quizapp.quizapp.ReminderReceiver"
CHANNEL_ID = "daily_reminder"
CHANNEL_NAME = "Daily reminder"
POST_NOTIFICATIONS = "android.permission.POST_NOTIFICATIONS"
ANDROID_8 = 26  # notification channels
ANDROID_13 = 33  # POST_NOTIFICATIONS is asked for at run time
NOTIFY_SEND_TIMEOUT_S = 5


class ReminderPlatform:
    """Sets the one pending daily reminder on this platform."""

    while_closed = False  # whether a reminder comes while the app is closed

    def set(self, reminder: Reminder | None) -> None:
        """Replace the pending reminder with `reminder`; None leaves none."""
        raise NotImplementedError

    def ask_permission(self) -> None:
        """Ask to show notifications, where the platform needs that asked (no-op elsewhere)."""


# -- desktop -----------------------------------------------------------------------------------------


class DesktopReminders(ReminderPlatform):
    """A timer while the app runs. `call_later(seconds, callback)` starts one and returns a
    function that cancels it (Kivy's Clock in the app; a fake in tests)."""

    def __init__(
        self,
        on_time: Callable[[], None],
        call_later: Callable[[float, Callable[[], None]], Callable[[], None]],
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._on_time = on_time
        self._call_later = call_later
        self._now = now
        self._cancel: Callable[[], None] | None = None
        self.pending: Reminder | None = None

    def set(self, reminder: Reminder | None) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None
        self.pending = reminder
        if reminder is not None:
            delay = max(0.0, (reminder.at - self._now()).total_seconds())
            self._cancel = self._call_later(delay, self._fire)

    def _fire(self) -> None:
        reminder, self._cancel = self.pending, None
        if reminder is not None and self._now() < reminder.at:  # a timer a little early: wait on
            self.set(reminder)
            return
        self.pending = None
        self._on_time()


def desktop_notification(title: str, text: str, which: Callable[[str], str | None] = shutil.which) -> bool:
    """Show a notification through the desktop's notification service (`notify-send`, an
    argument list, no shell); False when there is none or it fails. Runs in the background."""
    program = which("notify-send")
    if program is None:
        return False
    try:
        subprocess.Popen([program, "--app-name=quizapp", "--", title, text], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return False
    return True


def kivy_call_later(seconds: float, callback: Callable[[], None]) -> Callable[[], None]:
    """`call_later` on Kivy's clock, for DesktopReminders."""
    from kivy.clock import Clock

    event = Clock.schedule_once(lambda _dt: callback(), seconds)
    return event.cancel


# -- Android -----------------------------------------------------------------------------------------


class AndroidReminders(ReminderPlatform):
    """AlarmManager through ReminderReceiver's static methods, a notification channel, and the
    run-time permission. `jnius` and `android` are imported here, never on a desktop."""

    while_closed = True

    def __init__(self) -> None:
        from jnius import autoclass  # in every p4a build

        self._autoclass = autoclass
        self._context = autoclass("org.kivy.android.PythonActivity").mActivity
        self._sdk = int(autoclass("android.os.Build$VERSION").SDK_INT)
        self._receiver = autoclass(RECEIVER_CLASS)

    def set(self, reminder: Reminder | None) -> None:
        if reminder is None:
            self._receiver.cancel(self._context)
            return
        self._make_channel()
        at_ms = int(reminder.at.timestamp() * 1000)
        self._receiver.schedule(self._context, at_ms, reminder.title, reminder.text, CHANNEL_ID)

    def _make_channel(self) -> None:
        """The channel the learner can silence in the system settings (made again harmlessly)."""
        if self._sdk < ANDROID_8:
            return
        manager_class = self._autoclass("android.app.NotificationManager")
        channel = self._autoclass("android.app.NotificationChannel")(CHANNEL_ID, CHANNEL_NAME, manager_class.IMPORTANCE_DEFAULT)
        channel.setDescription(REMINDER_TITLE)
        context_class = self._autoclass("android.content.Context")
        self._context.getSystemService(context_class.NOTIFICATION_SERVICE).createNotificationChannel(channel)

    def ask_permission(self) -> None:
        if self._sdk < ANDROID_13:
            return
        from android.permissions import check_permission, request_permissions

        if not check_permission(POST_NOTIFICATIONS):
            request_permissions([POST_NOTIFICATIONS])


# -- the platform's ----------------------------------------------------------------------------------


def system_reminders(on_time: Callable[[], None]) -> ReminderPlatform:
    """The reminders of the platform the app runs on; `on_time` is called when a desktop
    reminder is due (Android shows its own)."""
    return AndroidReminders() if on_android() else DesktopReminders(on_time, kivy_call_later)


def local_zone(environ: dict[str, str] | None = None, localtime: Path = Path("/etc/localtime")) -> tzinfo:
    """The device's time zone with its daylight-saving rules: Android's default zone, else TZ,
    else the zone /etc/localtime links to; else the current fixed offset."""
    env = os.environ if environ is None else environ
    names: list[str] = []
    if on_android():
        from jnius import autoclass

        names.append(str(autoclass("java.util.TimeZone").getDefault().getID()))
    names.append(env.get("TZ", "").lstrip(":"))
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            names.append(target.split("zoneinfo/", 1)[1])
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    return timezone(offset)


def reminder_notice(reminder: Reminder) -> str:
    """The in-app notice a desktop reminder shows (as discreet as the notification)."""
    return f"{reminder.title}: {reminder.text}."

