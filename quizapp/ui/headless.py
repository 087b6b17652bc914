"""Run the app with no display: for the UI tests and the screenshot script.

Kivy reads its environment when it is first imported, so `use_offscreen_window` must run before
anything imports kivy. With no DISPLAY, SDL2 falls back to its offscreen driver, which still
renders real pixels.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable


def use_offscreen_window(width: int, height: int, kivy_home: str | None = None) -> None:
    """Configure Kivy for a headless window of `width` x `height` pixels at density 1."""
    os.environ.update(
        {
            "KIVY_NO_ARGS": "1",
            "KIVY_NO_CONSOLELOG": "1",
            "KIVY_NO_FILELOG": "1",
            "KIVY_NO_CONFIG": "1",
            "KIVY_HOME": kivy_home or tempfile.mkdtemp(prefix="kivy-home-"),
            "KIVY_METRICS_DENSITY": "1",
        }
    )
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    # No frame-rate cap: frames run as fast as they render instead of sleeping to 60 fps.
    Config.set("graphics", "maxfps", "0")
    # A test or a screenshot must not end because a key press reached Kivy's "Esc quits".
    Config.set("kivy", "exit_on_escape", "0")


def pump(frames: int = 3) -> None:
    """Let Kivy run `frames` frames: clock callbacks, layout and drawing."""
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def run_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Run frames until `condition()` holds; raise TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        pump(1)
