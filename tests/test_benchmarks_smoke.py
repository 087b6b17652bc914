"""The benchmark script still runs end to end (a tiny run; benchmarks are not timed tests)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from conftest import run_repo_script

pytestmark = pytest.mark.slow  # a fresh process running every benchmark once

METRICS = {"first_queue", "answer_100", "deck_counts", "load_cold", "load_warm", "app_start", "app_start_decks", "peak_rss", "db_size"}
COMPARED_WITH_ANKI = {"first_queue", "answer_100", "deck_counts", "db_size"}


def test_a_tiny_run_writes_every_metric(tmp_path: Path) -> None:
    report_path = tmp_path / "results.json"
    completed = run_repo_script("benchmarks/run.py", "--cards", "300", "--runs", "1", "--load-cards", "200", "--json", str(report_path))
    report = json.loads(report_path.read_text())

    results = {result["metric"]: result for result in report["results"]}
    assert set(results) == METRICS
    for result in results.values():
        assert result["ours"]["median"] > 0
    with_anki = importlib.util.find_spec("anki") is not None
    for metric in METRICS:
        has_reference = with_anki or metric not in COMPARED_WITH_ANKI
        assert (results[metric]["ratio"] is not None) == has_reference, metric
    [collection] = report["collections"]
    assert collection["ours"]["reviews"] > 0
    if with_anki:
        # Both sides hold the same collection: Anki sees the same cards due today.
        assert collection["due_today"]["ours"] == collection["due_today"]["anki"]
    assert "first queue build" in completed.stdout
