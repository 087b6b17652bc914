"""The screenshot script still renders every screen (a small run: one size, one theme)."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# A few of each kind: a plain screen, a scrolled one, a study step, a quiz step, the recovery run.
EXPECTED = (
    "home", "stats-bottom", "deck-options", "browse", "card", "settings", "help", "classroom-sharing",
    "quiz-feedback", "study-order-placing", "study-match-answer", "recovery",
)  # fmt: skip


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_a_small_run_writes_every_screen_at_the_asked_size(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "quizapp.ui.screenshots", str(tmp_path), "--size", "360x640", "--theme", "light"],
        cwd=REPO,
        capture_output=True,
        check=False,  # the assertion below shows the script's errors
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    written = {path.name for path in tmp_path.glob("*.png")}
    assert {f"360x640-light-{name}.png" for name in EXPECTED} <= written
    assert len(written) >= 30
    for name in written:
        assert png_size(tmp_path / name) == (360, 640), name
