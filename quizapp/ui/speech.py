"""Reading cards aloud, with the voice each platform has.

Kivy has no screen reader, and learners who read with difficulty (and outreach workers showing a
phone to a group) need to hear a card. `Speech` is the interface the Study screen uses:
`available()` says whether there is a voice at all (without one the speaker buttons are hidden),
`speak(text)` starts reading and returns at once (a new card interrupts the last one), `stop()`
falls silent. Implementations:

- `CommandSpeech`: a desktop speech program, given an argument list (never a shell) and the text
  on its standard input, so no card text is ever read as an option or a command. On Linux that is
  `espeak-ng` (Debian package espeak-ng), on macOS the system's `say`. Other desktops (Windows)
  have no voice here, and the buttons are hidden.
- `AndroidSpeech`: Android's TextToSpeech, through pyjnius.

`system_speech()` picks the one for the platform the app runs on.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from quizapp.ui.android_share import on_android

# A card's side is a few sentences; a longer text (a damaged deck) is cut, not read for an hour.
MAX_SPOKEN_CHARS = 2000


def spoken_text(text: str) -> str:
    """What is read: the text on one line, cut at MAX_SPOKEN_CHARS."""
    return " ".join(text.split())[:MAX_SPOKEN_CHARS]


class Speech:
    """Reads text aloud on this platform."""

    def available(self) -> bool:
        """True when there is a voice to read with."""
        raise NotImplementedError

    def speak(self, text: str) -> None:
        """Start reading `text` (stopping what was being read) and return at once."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop reading, if anything is being read."""
        raise NotImplementedError


class NoSpeech(Speech):
    """A platform without a voice: the speaker buttons stay hidden."""

    def available(self) -> bool:
        return False

    def speak(self, text: str) -> None:
        pass

    def stop(self) -> None:
        pass


def desktop_command(which: Callable[[str], str | None] = shutil.which, platform: str = sys.platform) -> list[str] | None:
    """The argument list of this desktop's speech program, reading UTF-8 text from standard
    input; None when it has none."""
    if platform.startswith("linux") or "bsd" in platform:
        program = which("espeak-ng")
        return [program, "-b", "1", "--stdin"] if program else None
    if platform == "darwin":
        program = which("say")
        return [program, "-f", "-"] if program else None
    return None


class CommandSpeech(Speech):
    """Reads with a speech program: one process per text, ended when the next text comes."""

    def __init__(self, command: list[str] | None) -> None:
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None

    def available(self) -> bool:
        return self.command is not None

    def speak(self, text: str) -> None:
        if self.command is None:
            return
        self.stop()
        try:
            process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:  # the program was removed while the app ran
            self.command = None
            return
        self.process = process
        # Written by a thread: a pipe that fills up (a slow program) must never hold up the screen.
        threading.Thread(target=_write_and_close, args=(process, spoken_text(text).encode()), name="speech", daemon=True).start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
        self.process = None


def _write_and_close(process: subprocess.Popen[bytes], data: bytes) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(data)
        process.stdin.close()
    except OSError:  # stopped before it had read everything
        pass


class AndroidSpeech(Speech):
    """Android's TextToSpeech engine (the phone's own voice, in the phone's language).

    The engine starts in the background; until it says it is ready (`on_init`), and when it
    reports an error, there is no voice."""

    def __init__(self) -> None:
        from jnius import PythonJavaClass, autoclass, java_method  # in every p4a build

        speech = self

        class InitListener(PythonJavaClass):
            __javainterfaces__: ClassVar[list[str]] = ["android/speech/tts/TextToSpeech$OnInitListener"]
            __javacontext__ = "app"

            @java_method("(I)V")
            def onInit(self, status: int) -> None:
                speech.on_init(status)

        self._tts_class = autoclass("android.speech.tts.TextToSpeech")
        self._string = autoclass("java.lang.String")
        self._ready = False
        self._listener = InitListener()  # kept: Java holds only a weak link to a Python object
        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        self._tts: Any = self._tts_class(activity, self._listener)

    def on_init(self, status: int) -> None:
        self._ready = status == self._tts_class.SUCCESS

    def available(self) -> bool:
        return self._ready

    def speak(self, text: str) -> None:
        if self._ready:
            self._tts.speak(self._string(spoken_text(text)), self._tts_class.QUEUE_FLUSH, None, "quizapp-card")

    def stop(self) -> None:
        if self._ready:
            self._tts.stop()


def system_speech() -> Speech:
    """The voice of the platform the app runs on (NoSpeech when it has none or it fails to start)."""
    if on_android():
        try:
            return AndroidSpeech()
        except Exception:  # noqa: BLE001 - a phone without a speech engine: hide the buttons
            return NoSpeech()
    return CommandSpeech(desktop_command())
