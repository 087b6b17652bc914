"""Run one app in this process until the frame that shows its content, then quit.

    python -m benchmarks.start_probe quizapp|minimal

Prints `{"first_frame_at": ..., "content_at": ..., "peak_rss_mb": ...}`: the `time.monotonic()` of
the app's first frame and of the first frame showing its content (the parent subtracts the instant
it started this process; the monotonic clock is shared by all processes on Linux and macOS), and
the process's peak resident memory up to then. Both apps run with the same offscreen window and
the same harness, so only the apps differ.

- quizapp: exactly what main.py starts (data folder from $QUIZAPP_DATA_DIR). Its first frame is
  the home screen, saying "Loading decks…" while the deck files are checked in the background;
  its content is the home screen listing the decks.
- minimal: a Kivy app whose root is one Label; its first frame is its content.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

WINDOW_SIZE = (480, 800)  # a phone held upright


def main(which: str) -> None:
    from quizapp.ui.headless import use_offscreen_window

    # The parent's folder for Kivy's settings, so that starts leave no temporary folders behind.
    use_offscreen_window(*WINDOW_SIZE, kivy_home=os.environ.get("KIVY_HOME"))
    app, shows_content = _quizapp() if which == "quizapp" else _minimal()

    from kivy.base import stopTouchApp
    from kivy.core.window import Window

    frames: dict[str, float] = {}

    def on_flip(*_args: Any) -> None:
        frames.setdefault("first_frame_at", time.monotonic())
        if shows_content():
            print(json.dumps({**frames, "content_at": time.monotonic(), "peak_rss_mb": _peak_rss_mb()}), flush=True)
            Window.unbind(on_flip=on_flip)
            # Quit as closing the window does: the event loop ends and run() stops the app once
            # (App.stop() would dispatch on_stop a second time from run()).
            stopTouchApp()

    Window.bind(on_flip=on_flip)
    app.run()


def _peak_rss_mb() -> float:
    """This process's high-water resident memory. On Linux from /proc (VmHWM): getrusage's
    ru_maxrss survives exec, so a child would report its parent's peak if that was higher."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # bytes on macOS
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return kib / 2**10


def _quizapp() -> tuple[Any, Callable[[], bool]]:
    from quizapp.ui.app import QuizApp  # what main.py runs

    app = QuizApp()
    # A first start shows the introduction over the home screen; the decks load beneath it.
    return app, lambda: not app.loading and app.manager.current in ("home", "intro")


def _minimal() -> tuple[Any, Callable[[], bool]]:
    from kivy.app import App
    from kivy.uix.label import Label

    class MinimalApp(App):
        def build(self) -> Label:
            return Label(text="Hello")

    return MinimalApp(), lambda: True


if __name__ == "__main__":
    main(sys.argv[1])
