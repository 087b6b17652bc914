"""A seeded random walk through the app: taps on whatever is on screen, Back now and then, some
typing. Nothing may raise, and the progress database stays sound."""

from __future__ import annotations

import random

import pytest
from kivy.core.window import Window
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget
from ui_driver import Driver, shown

# Left out: what reaches past this machine (the LAN server, the file chooser's real folders).
NOT_TAPPED = {"Start sharing", "Choose a deck file…"}
TYPED = ("naloxone", "http://127.0.0.1:9/", "Ana", "zz", "")


def tappable(ui: Driver) -> list[Widget]:
    """Buttons and inputs a person could touch now: on the screen or in an open drop-down."""
    roots = [ui.screen, *(child for child in Window.children if child is not ui.app.root)]
    found = []
    for root in roots:
        for widget in shown(root):
            if not isinstance(widget, (ButtonBehavior, TextInput)) or widget.disabled:
                continue
            if getattr(widget, "text", "") in NOT_TAPPED:
                continue
            x, y = widget.to_window(*widget.center)
            in_view = 0 <= x < Window.width and 0 <= y < Window.height
            if in_view or not hasattr(widget.parent, "viewclass") and not hasattr(getattr(widget.parent, "parent", None), "viewclass"):
                found.append(widget)
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_walk_through_the_app_never_fails(ui: Driver, seed: int) -> None:
    rng = random.Random(seed)
    log = []
    for step in range(150):
        if rng.random() < 0.1 and ui.app.stack != ("home",):
            log.append(f"{step}: back on {ui.screen.name}")
            ui.back()
            continue
        widget = rng.choice(tappable(ui))
        log.append(f"{step}: tap {type(widget).__name__} {getattr(widget, 'text', '')[:30]!r} on {ui.screen.name}")
        try:
            ui.tap(widget)
        except AssertionError as error:  # off screen after all: the walk goes on
            log.append(f"   skipped: {error}")
            continue
        except Exception as error:
            raise AssertionError("\n".join(log[-25:])) from error
        if isinstance(widget, TextInput) and widget.focus:
            ui.type(rng.choice(TYPED))
    assert ui.app.collection.store.query_one("PRAGMA integrity_check") == ("ok",)
