"""Reading aloud (quizapp/ui/speech.py): the desktop program is found and run with an argument
list and the text on its standard input (never a shell), speaking never holds up the caller, and
Android's TextToSpeech is driven as it should be (against stubs of the Java classes: no phone ran
it). One slow test really speaks, into a WAV file, with espeak-ng."""

from __future__ import annotations

import sys
import time
import types
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from quizapp.ui import speech as speech_module
from quizapp.ui.speech import (
    MAX_SPOKEN_CHARS,
    AndroidSpeech,
    CommandSpeech,
    NoSpeech,
    desktop_command,
    spoken_text,
)

HOSTILE_TEXT = "--help; rm -rf ~ $(reboot) `id` | tee /tmp/x & 'quoted' \"double\" ünïcödé"


def _recorder(target: Path, delay_s: float = 0.0) -> list[str]:
    """A speech program that waits `delay_s`, then writes what it reads to `target`."""
    script = f"import sys, time; time.sleep({delay_s}); open({str(target)!r}, 'wb').write(sys.stdin.buffer.read())"
    return [sys.executable, "-c", script]


def _wait_for(process: Any) -> None:
    assert process is not None
    assert process.wait(timeout=30) == 0


def test_the_text_is_read_on_one_line_and_cut_when_huge() -> None:
    assert spoken_text("  Call\n911\tnow  ") == "Call 911 now"
    assert len(spoken_text("word " * 10_000)) == MAX_SPOKEN_CHARS


def test_each_desktop_finds_its_program_or_has_no_voice() -> None:
    def found(name: str) -> str | None:
        return f"/usr/bin/{name}"

    def missing(_name: str) -> None:
        return None

    assert desktop_command(found, "linux") == ["/usr/bin/espeak-ng", "-b", "1", "--stdin"]
    assert desktop_command(missing, "linux") is None
    assert desktop_command(found, "darwin") == ["/usr/bin/say", "-f", "-"]
    assert desktop_command(found, "win32") is None
    assert CommandSpeech(None).available() is False
    assert NoSpeech().available() is False


def test_the_text_reaches_the_program_intact_and_never_through_a_shell(tmp_path: Path) -> None:
    heard = tmp_path / "heard.txt"
    voice = CommandSpeech(_recorder(heard))
    assert voice.available()
    voice.speak(HOSTILE_TEXT)
    _wait_for(voice.process)
    assert heard.read_bytes().decode() == HOSTILE_TEXT


def test_speaking_returns_at_once_and_the_next_text_stops_the_last(tmp_path: Path) -> None:
    voice = CommandSpeech(_recorder(tmp_path / "slow.txt", delay_s=20))
    started = time.monotonic()
    voice.speak("a long answer " * 1000)  # the program sleeps and reads nothing yet
    assert time.monotonic() - started < 2
    first = voice.process
    assert first is not None and first.poll() is None
    voice.speak("the next card")
    assert first.wait(timeout=10) != 0  # ended, not left talking over the next card
    voice.stop()
    assert voice.process is None


def test_a_program_removed_while_the_app_runs_leaves_no_voice(tmp_path: Path) -> None:
    voice = CommandSpeech([str(tmp_path / "gone" / "espeak-ng"), "--stdin"])
    voice.speak("hello")
    assert voice.available() is False


@pytest.mark.slow
@pytest.mark.skipif(desktop_command(platform="linux") is None, reason="espeak-ng is not installed (.ci/run installs it)")
def test_espeak_ng_really_speaks_a_card_into_a_wav_file(tmp_path: Path) -> None:
    command = desktop_command(platform="linux")
    assert command is not None
    durations = []
    for name, text in (("short", "Naloxone."), ("long", "Naloxone reverses an opioid overdose for a short time, so call for help and stay with the person.")):
        wav = tmp_path / f"{name}.wav"
        voice = CommandSpeech([*command, "-w", str(wav)])
        voice.speak(text)
        _wait_for(voice.process)
        data = wav.read_bytes()
        assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
        with wave.open(str(wav)) as audio:
            assert audio.getnchannels() == 1 and audio.getframerate() > 8000
            durations.append(audio.getnframes() / audio.getframerate())
    short, long = durations
    assert 0.3 < short < 5
    assert long > 2 * short and long < 30


# -- Android, against stubs of the Java classes -------------------------------------------------------


class FakeTextToSpeech:
    SUCCESS, ERROR, QUEUE_FLUSH = 0, -1, 0
    made: ClassVar[list[FakeTextToSpeech]] = []

    def __init__(self, context: object, listener: Any) -> None:
        self.context, self.listener = context, listener
        self.calls: list[tuple[Any, ...]] = []
        FakeTextToSpeech.made.append(self)

    def speak(self, text: Any, queue_mode: int, params: object, utterance_id: str) -> int:
        self.calls.append(("speak", text, queue_mode, params, utterance_id))
        return 0

    def stop(self) -> int:
        self.calls.append(("stop",))
        return 0


class FakeJavaString(str):
    """java.lang.String: TextToSpeech.speak takes a CharSequence, which a Python str is not."""


@pytest.fixture
def fake_jnius(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    activity = object()
    classes = {
        "android.speech.tts.TextToSpeech": FakeTextToSpeech,
        "java.lang.String": FakeJavaString,
        "org.kivy.android.PythonActivity": types.SimpleNamespace(mActivity=activity),
    }

    class PythonJavaClass:
        pass

    def java_method(_signature: str) -> Any:
        return lambda function: function

    jnius = types.ModuleType("jnius")
    jnius.autoclass = classes.__getitem__  # type: ignore[attr-defined]
    jnius.PythonJavaClass = PythonJavaClass  # type: ignore[attr-defined]
    jnius.java_method = java_method  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jnius", jnius)
    FakeTextToSpeech.made.clear()
    yield


def test_android_speaks_once_the_engine_is_ready(fake_jnius: None) -> None:
    voice = AndroidSpeech()
    [engine] = FakeTextToSpeech.made
    assert engine.listener.__javainterfaces__ == ["android/speech/tts/TextToSpeech$OnInitListener"]
    assert voice.available() is False  # still starting: no button yet
    voice.speak("too early")
    assert engine.calls == []
    engine.listener.onInit(FakeTextToSpeech.SUCCESS)
    assert voice.available() is True
    voice.speak("Call\nfor help")
    voice.stop()
    [(kind, text, mode, params, _utterance), stop] = engine.calls
    assert (kind, text, mode, params, stop) == ("speak", "Call for help", FakeTextToSpeech.QUEUE_FLUSH, None, ("stop",))
    assert isinstance(text, FakeJavaString)


def test_android_without_a_working_engine_has_no_voice(fake_jnius: None, monkeypatch: pytest.MonkeyPatch) -> None:
    voice = AndroidSpeech()
    FakeTextToSpeech.made[0].listener.onInit(FakeTextToSpeech.ERROR)
    assert voice.available() is False
    monkeypatch.setenv("ANDROID_ARGUMENT", "")  # as inside a python-for-android build
    sys.modules["jnius"].autoclass = {}.__getitem__  # type: ignore[attr-defined]  # no TextToSpeech at all
    assert isinstance(speech_module.system_speech(), NoSpeech)
