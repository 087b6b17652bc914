"""Time and peak memory of one piece of work, run in a fresh Python process so that the figure
is that work's alone (a test process already holds the suite's imports and garbage).

The limit tests use it with generous bounds (for example < 10 s and < 400 MB where the goal is
5 s and 200 MB): they catch a return of the old behaviour, not a few per cent of drift.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The peak of this process alone: VmHWM. ru_maxrss would also count the parent's resident memory
# at fork time, which Linux carries over the exec into the child.
_REPORT = """
import json as _json, time as _time
_started = _time.perf_counter()
_outcome = "ok"
try:
{body}
except Exception as _error:
    _outcome = f"{{type(_error).__name__}}: {{_error}}"
_seconds = _time.perf_counter() - _started
with open("/proc/self/status") as _status:
    _peak_kb = next(int(line.split()[1]) for line in _status if line.startswith("VmHWM:"))
print(_json.dumps({{"seconds": _seconds, "outcome": _outcome, "peak_mb": _peak_kb / 1024}}))
"""


@dataclass(frozen=True)
class Measured:
    seconds: float  # the work alone, without the interpreter's start
    peak_mb: float  # the process's peak resident memory (Linux: VmHWM), interpreter included
    outcome: str  # "ok", or the exception's type and message


def measure(code: str, *, setup: str = "") -> Measured:
    """Run `setup` (imports, untimed), then `code`, in a child Python with this checkout first on
    its path."""
    script = textwrap.dedent(setup) + _REPORT.format(body=textwrap.indent(textwrap.dedent(code), "    "))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise AssertionError(f"the measured child failed: {done.stderr[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return Measured(report["seconds"], report["peak_mb"], report["outcome"])
