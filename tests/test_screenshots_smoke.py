"""The screenshot script still renders every screen (a small run: one size, one theme)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from conftest import run_repo_script

# Renders the app in a fresh process: seconds of work.
pytestmark = [pytest.mark.slow, pytest.mark.ui]

# A few of each kind: a plain screen, a scrolled one, a study step, a quiz step, the recovery run.
EXPECTED = (
    "home", "stats-bottom", "deck-options", "browse", "card", "settings", "settings-reminder", "help", "help-no-region", "import", "share-sharing",
    "quiz-feedback", "study-order-placing", "study-match-answer", "recovery",
    "import-follow-feed", "import-teachers-version", "import-keep-both", "deck-options-teachers-version",
)  # fmt: skip


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_a_small_run_writes_every_screen_at_the_asked_size(tmp_path: Path) -> None:
    run_repo_script("-m", "quizapp.ui.screenshots", str(tmp_path), "--size", "360x640", "--theme", "light")
    written = {path.name for path in tmp_path.glob("*.png")}
    assert {f"360x640-light-{name}.png" for name in EXPECTED} <= written
    assert len(written) >= 30
    for name in written:
        assert png_size(tmp_path / name) == (360, 640), name
