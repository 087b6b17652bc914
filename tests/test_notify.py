"""Delivering the daily reminder (quizapp/ui/notify.py): the desktop timer, the desktop
notification, the device's time zone, and the Android module against stubs of the Java classes it
calls (no phone ran it). The Java receiver is compiled against stubs of the Android classes it
uses when a JDK is installed, and its constants are checked against the Python side."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
import time
import types
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from quizapp.core.reminder import REMINDER_TITLE, Reminder
from quizapp.ui.notify import (
    CHANNEL_ID,
    POST_NOTIFICATIONS,
    RECEIVER_CLASS,
    AndroidReminders,
    DesktopReminders,
    desktop_notification,
    local_zone,
    reminder_notice,
)

REPO = Path(__file__).resolve().parents[1]
JAVA = REPO / "android-src" / Path(*RECEIVER_CLASS.split(".")).with_suffix(".java")
NOON = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
EVENING = Reminder(datetime(2026, 5, 1, 19, tzinfo=timezone.utc), 12)


class FakeTimers:
    def __init__(self) -> None:
        self.started: list[tuple[float, Callable[[], None]]] = []
        self.cancelled = 0

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Callable[[], None]:
        self.started.append((seconds, callback))
        return self.cancel

    def cancel(self) -> None:
        self.cancelled += 1


def test_desktop_timer_goes_off_at_the_time_and_a_new_reminder_replaces_the_old() -> None:
    timers, fired, now = FakeTimers(), [], [NOON]
    reminders = DesktopReminders(lambda: fired.append(now[0]), timers.call_later, now=lambda: now[0])
    reminders.set(EVENING)
    assert timers.started[0][0] == 7 * 3600
    reminders.set(None)  # turned off
    assert timers.cancelled == 1 and reminders.pending is None
    reminders.set(EVENING)
    now[0] = EVENING.at - timedelta(seconds=2)
    timers.started[-1][1]()  # the timer came two seconds early
    assert fired == [] and timers.started[-1][0] == 2
    now[0] = EVENING.at
    timers.started[-1][1]()
    assert fired == [EVENING.at] and reminders.pending is None


def test_desktop_notification_runs_notify_send_with_an_argument_list(tmp_path: Path) -> None:
    log = tmp_path / "args.txt"
    program = tmp_path / "notify-send"
    program.write_text(f"#!{sys.executable}\nimport sys\nopen({str(log)!r}, 'w').write('\\n'.join(sys.argv[1:]))\n")
    program.chmod(0o755)
    assert desktop_notification("$(reboot)", "-12 cards", which=lambda _name: str(program)) is True
    for _ in range(200):
        if log.exists() and log.read_text():
            break
        time.sleep(0.05)
    assert log.read_text().split("\n") == ["--app-name=quizapp", "--", "$(reboot)", "-12 cards"]
    assert desktop_notification("t", "x", which=lambda _name: None) is False


def test_the_in_app_notice_is_as_discreet_as_the_notification() -> None:
    assert reminder_notice(EVENING) == "Time for today's review: 12 cards to review."


def test_local_zone_is_a_real_zone_with_daylight_saving(tmp_path: Path) -> None:
    assert local_zone({"TZ": ":Europe/London"}, tmp_path / "none") == ZoneInfo("Europe/London")
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/America/New_York")
    if link.exists():
        assert local_zone({}, link) == ZoneInfo("America/New_York")
    fallback = local_zone({"TZ": "Not/AZone"}, tmp_path / "none")
    assert fallback.utcoffset(datetime.now()) is not None


# -- Android, against stubs of the Java classes -------------------------------------------------------


class Recorder:
    """A Java class or object stand-in: records every call."""

    def __init__(self, name: str, calls: list[tuple[Any, ...]], **constants: Any) -> None:
        self._name, self._calls = name, calls
        self.__dict__.update(constants)

    def __getattr__(self, method: str) -> Callable[..., Any]:
        return lambda *args: self._calls.append((self._name, method, *args)) or Recorder(f"{self._name}.{method}()", self._calls)

    def __call__(self, *args: Any) -> Recorder:
        self._calls.append((self._name, "new", *args))
        return Recorder(f"new {self._name}", self._calls)


def _fake_android(monkeypatch: pytest.MonkeyPatch, sdk: int, granted: bool = False) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    activity = Recorder("activity", calls)
    classes = {
        "org.kivy.android.PythonActivity": types.SimpleNamespace(mActivity=activity),
        "android.os.Build$VERSION": types.SimpleNamespace(SDK_INT=sdk),
        RECEIVER_CLASS: Recorder("ReminderReceiver", calls),
        "android.app.NotificationManager": types.SimpleNamespace(IMPORTANCE_DEFAULT=3),
        "android.app.NotificationChannel": Recorder("NotificationChannel", calls),
        "android.content.Context": types.SimpleNamespace(NOTIFICATION_SERVICE="notification"),
    }
    jnius = types.ModuleType("jnius")
    jnius.autoclass = classes.__getitem__  # type: ignore[attr-defined]
    permissions = types.ModuleType("android.permissions")
    permissions.check_permission = lambda name: calls.append(("check_permission", name)) or granted  # type: ignore[attr-defined]
    permissions.request_permissions = lambda names: calls.append(("request_permissions", names))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jnius", jnius)
    monkeypatch.setitem(sys.modules, "android", types.ModuleType("android"))
    monkeypatch.setitem(sys.modules, "android.permissions", permissions)
    return calls


def test_android_sets_the_alarm_on_the_reminders_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_android(monkeypatch, sdk=34)
    reminders = AndroidReminders()
    assert reminders.while_closed
    reminders.set(EVENING)
    assert ("NotificationChannel", "new", CHANNEL_ID, "Daily reminder", 3) in calls
    assert ("new NotificationChannel", "setDescription", REMINDER_TITLE) in calls
    assert ("activity", "getSystemService", "notification") in calls
    assert any(call[1] == "createNotificationChannel" for call in calls)
    at_ms = int(EVENING.at.timestamp() * 1000)
    assert calls[-1][:2] == ("ReminderReceiver", "schedule")
    assert calls[-1][3:] == (at_ms, "Time for today's review", "12 cards to review", CHANNEL_ID)
    calls.clear()
    reminders.set(None)
    assert [call[:2] for call in calls] == [("ReminderReceiver", "cancel")]


def test_android_before_8_has_no_channels(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_android(monkeypatch, sdk=25)
    AndroidReminders().set(EVENING)
    assert [call[:2] for call in calls] == [("ReminderReceiver", "schedule")]


@pytest.mark.parametrize(("sdk", "granted", "asked"), [(32, False, False), (33, False, True), (35, True, False)])
def test_android_13_and_later_ask_to_show_notifications(monkeypatch: pytest.MonkeyPatch, sdk: int, granted: bool, asked: bool) -> None:
    calls = _fake_android(monkeypatch, sdk=sdk, granted=granted)
    AndroidReminders().ask_permission()
    assert (("request_permissions", [POST_NOTIFICATIONS]) in calls) is asked


def test_the_java_receiver_agrees_with_the_python_side() -> None:
    text = JAVA.read_text()
    assert f"package {RECEIVER_CLASS.rsplit('.', 1)[0]};" in text
    assert f"public class {RECEIVER_CLASS.rsplit('.', 1)[1]} extends BroadcastReceiver" in text
    # The signature AndroidReminders calls through pyjnius.
    assert "public static void schedule(Context context, long atMillis, String title, String text, String channel)" in text
    assert "public static void cancel(Context context)" in text
    assert "Intent.ACTION_BOOT_COMPLETED" in text and "setAndAllowWhileIdle" in text
    assert not re.search(r"drug|overdose|opioid", text, re.IGNORECASE)  # no wording of its own


# Just enough of the Android API for javac to check ReminderReceiver.java's types and calls.
ANDROID_STUBS = {
    "android/content/Context.java": """
        package android.content;
        public abstract class Context {
            public static final String ALARM_SERVICE = "alarm", NOTIFICATION_SERVICE = "notification";
            public static final int MODE_PRIVATE = 0;
            public abstract Object getSystemService(String name);
            public abstract SharedPreferences getSharedPreferences(String name, int mode);
            public abstract android.content.pm.PackageManager getPackageManager();
            public abstract String getPackageName();
            public abstract android.content.pm.ApplicationInfo getApplicationInfo();
        }""",
    "android/content/SharedPreferences.java": """
        package android.content;
        public interface SharedPreferences {
            long getLong(String key, long fallback);
            String getString(String key, String fallback);
            Editor edit();
            interface Editor {
                Editor putLong(String key, long value);
                Editor putString(String key, String value);
                Editor clear();
                void apply();
            }
        }""",
    "android/content/Intent.java": """
        package android.content;
        public class Intent {
            public static final String ACTION_BOOT_COMPLETED = "b", ACTION_MY_PACKAGE_REPLACED = "r";
            public Intent(Context context, Class<?> target) {}
            public Intent setAction(String action) { return this; }
            public String getAction() { return null; }
        }""",
    "android/content/BroadcastReceiver.java": """
        package android.content;
        public abstract class BroadcastReceiver { public abstract void onReceive(Context context, Intent intent); }""",
    "android/content/pm/PackageManager.java": """
        package android.content.pm;
        public abstract class PackageManager { public abstract android.content.Intent getLaunchIntentForPackage(String name); }""",
    "android/content/pm/ApplicationInfo.java": """
        package android.content.pm;
        public class ApplicationInfo { public int icon; }""",
    "android/os/Build.java": """
        package android.os;
        public class Build { public static class VERSION { public static final int SDK_INT = 0; } }""",
    "android/app/PendingIntent.java": """
        package android.app;
        import android.content.*;
        public final class PendingIntent {
            public static final int FLAG_UPDATE_CURRENT = 1, FLAG_IMMUTABLE = 2;
            public static PendingIntent getActivity(Context c, int code, Intent i, int flags) { return null; }
            public static PendingIntent getBroadcast(Context c, int code, Intent i, int flags) { return null; }
        }""",
    "android/app/AlarmManager.java": """
        package android.app;
        public class AlarmManager {
            public static final int RTC_WAKEUP = 0;
            public void setAndAllowWhileIdle(int type, long at, PendingIntent operation) {}
            public void cancel(PendingIntent operation) {}
        }""",
    "android/app/NotificationManager.java": """
        package android.app;
        public class NotificationManager {
            public void notify(int id, Notification notification) {}
            public void cancel(int id) {}
        }""",
    "android/app/Notification.java": """
        package android.app;
        import android.content.Context;
        public class Notification {
            public static class Builder {
                public Builder(Context context) {}
                public Builder(Context context, String channel) {}
                public Builder setSmallIcon(int icon) { return this; }
                public Builder setContentTitle(CharSequence title) { return this; }
                public Builder setContentText(CharSequence text) { return this; }
                public Builder setContentIntent(PendingIntent intent) { return this; }
                public Builder setAutoCancel(boolean cancel) { return this; }
                public Notification build() { return null; }
            }
        }""",
}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("javac") is None, reason="no JDK to compile the receiver with")
def test_the_java_receiver_compiles_against_the_android_calls_it_makes(tmp_path: Path) -> None:
    stubs = tmp_path / "stubs"
    for name, source in ANDROID_STUBS.items():
        path = stubs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    sources = [str(path) for path in stubs.rglob("*.java")]
    result = subprocess.run(["javac", "-d", str(tmp_path / "classes"), *sources, str(JAVA)], check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
