"""quizapp against Anki's Rust backend and against bare baselines, on the same data in one run.

    python benchmarks/run.py --cards 20000,100000 --runs 7 --json results.json

For each size it generates a collection through quizapp's API (and the same one in Anki when the
`anki` package is installed), then times, as medians of `--runs` rounds taken in turns:

1. the first queue build (today's counts and the first card) against `get_queued_cards()`;
2. answering 100 cards, each committed to disk, against Anki's `answer_card`;
3. due counts for every deck (the home screen) against `deck_due_tree()`;

and once per run:

4. loading a 10,000-card deck file, cold and warm, against a bare `yaml.load` with `CSafeLoader`;
5. app start to the home screen's first frame against a minimal Kivy app (each in a fresh
   process, offscreen), and peak memory with the largest collection against that minimal app.
6. the progress database's size against Anki's collection file.

See docs/performance.md for what each figure means and for results.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script (python benchmarks/run.py): make the repository importable like `-m` does.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import deck_loading, scheduling, startup, synthetic
from benchmarks.timing import Measure, Samples, in_turns
from quizapp.core.store import DB_NAME

GENERATOR_VERSION = 2  # bump when generated collections change, so kept ones are not reused
MS, MB = 1000.0, 1.0


@dataclass(frozen=True)
class Result:
    """One line of the table: our figure against the reference's, and the target for their ratio."""

    metric: str
    title: str
    cards: int | None
    unit: str
    ours: Samples
    reference_name: str
    reference: Samples | None
    target: float | None

    @property
    def ratio(self) -> float | None:
        return self.ours.median / self.reference.median if self.reference else None

    @property
    def met(self) -> bool | None:
        return None if self.target is None or self.ratio is None else self.ratio <= self.target

    def to_dict(self) -> dict[str, Any]:
        scale = MS if self.unit == "ms" else MB
        return {
            "metric": self.metric,
            "title": self.title,
            "cards": self.cards,
            "unit": self.unit,
            "ours": self.ours.to_dict(scale),
            "reference_name": self.reference_name,
            "reference": self.reference.to_dict(scale) if self.reference else None,
            "ratio": round(self.ratio, 3) if self.ratio is not None else None,
            "target": self.target,
            "met": self.met,
        }


# Targets from issue 7. Those of benchmarks 1-3 are set for 100,000 cards.
TARGET_CARDS = 100_000
SCHEDULING_TARGET = 1.0
TARGETS = {"load_cold": 1.25, "load_warm": 0.2, "app_start": 1.5, "peak_rss": 1.35}


def anki_available() -> bool:
    return importlib.util.find_spec("anki") is not None


@dataclass(frozen=True)
class PreparedCollection:
    cards: int
    data_dir: Path
    anki_path: Path | None
    info: dict[str, Any]


def prepare_collection(work_dir: Path, cards: int, seed: int, with_anki: bool) -> PreparedCollection:
    """Generate (or reuse from an earlier run with --work-dir, if made today) one collection."""
    from quizapp.core.collection import Collection

    with tempfile.TemporaryDirectory() as empty, Collection.open(empty) as probe:
        today = probe.today()  # kept collections are only valid on the study day they were made for
    folder = work_dir / f"collection-{cards}-seed{seed}-day{today}-v{GENERATOR_VERSION}"
    data_dir, anki_path, info_file = folder / "ours", folder / "anki" / "collection.anki2", folder / "info.json"
    info: dict[str, Any] = json.loads(info_file.read_text()) if info_file.exists() else {}
    if not info.get("ours"):
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        generated = synthetic.generate_collection(data_dir, cards, seed)
        info["ours"] = {
            "decks": len(generated.plans),
            "reviews": generated.reviews,
            "reviews_per_card": round(generated.reviews / cards, 2),
            "due_share": round(generated.due_cards / cards, 3),
            "generation_seconds": round(time.perf_counter() - started, 1),
        }
        info_file.write_text(json.dumps(info))
    if with_anki and not info.get("anki"):
        from benchmarks import anki_mirror

        shutil.rmtree(anki_path.parent, ignore_errors=True)  # what an interrupted run left
        started = time.perf_counter()
        anki_mirror.build_anki_collection(anki_path, data_dir, synthetic.plan_decks(cards), today)
        info["anki"] = {"generation_seconds": round(time.perf_counter() - started, 1)}
        info_file.write_text(json.dumps(info))
    counts = {"ours": scheduling.ours_counts(data_dir)}
    if with_anki:
        counts["anki"] = scheduling.AnkiSide(anki_path).counts()
    info["due_today"] = counts
    return PreparedCollection(cards, data_dir, anki_path if with_anki else None, info)


def scheduling_results(prepared: PreparedCollection, runs: int, run_dir: Path) -> list[Result]:
    data_dir = prepared.data_dir
    measures: dict[str, Measure] = {
        "first_queue": lambda: scheduling.ours_first_queue(data_dir),
        "answer_100": lambda: scheduling.ours_answers(data_dir, run_dir / "ours"),
        "deck_counts": lambda: scheduling.ours_deck_counts(data_dir),
    }
    anki = scheduling.AnkiSide(prepared.anki_path) if prepared.anki_path else None
    if anki:
        measures |= {
            "anki_first_queue": anki.first_queue,
            "anki_answer_100": lambda: anki.answers(run_dir / "anki"),
            "anki_deck_counts": anki.deck_counts,
        }
    samples = in_turns(runs, measures)
    target = SCHEDULING_TARGET if prepared.cards >= TARGET_CARDS else None
    titles = {
        "first_queue": "1 first queue build",
        "answer_100": "2 answer 100 cards, durably",
        "deck_counts": "3 due counts of every deck",
    }
    return [
        Result(metric, title, prepared.cards, "ms", samples[metric], "Anki", samples.get(f"anki_{metric}"), target)
        for metric, title in titles.items()
    ]


def size_result(prepared: PreparedCollection) -> Result:
    """The progress database's size: what every checkpoint, the daily backup and a phone's storage
    pay for. No target; measured once (the same file every round)."""
    ours = Samples((used_megabytes(prepared.data_dir / DB_NAME),))
    anki = Samples((used_megabytes(prepared.anki_path),)) if prepared.anki_path else None
    return Result("db_size", "6 progress database size", prepared.cards, "MB", ours, "Anki", anki, None)


def used_megabytes(database: Path) -> float:
    """The pages a SQLite database uses (free pages left out, so neither side pays for its history
    of deletions), in MB; read-only, so the file is not touched."""
    with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
        pages, free, page_size = (db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "freelist_count", "page_size"))
    return (pages - free) * page_size / 1e6


def loading_results(work_dir: Path, load_cards: int, runs: int) -> list[Result]:
    deck_file = work_dir / "load" / "bench-load.yaml"
    deck_file.parent.mkdir(parents=True, exist_ok=True)
    deck_file.write_text(synthetic.mixed_deck_yaml(load_cards), encoding="utf-8")
    loading = deck_loading.DeckLoading(deck_file, work_dir / "load")
    # Each round: the bare parse, a cold load into a fresh collection, then a warm restart of it.
    samples = in_turns(runs, {"bare": lambda: deck_loading.bare_parse(deck_file), "cold": loading.cold, "warm": loading.warm})
    bare = samples["bare"]
    return [
        Result("load_cold", "4 load a deck file, cold", load_cards, "ms", samples["cold"], "yaml.load CSafeLoader", bare, TARGETS["load_cold"]),
        Result("load_warm", "4 load a deck file, warm", load_cards, "ms", samples["warm"], "yaml.load CSafeLoader", bare, TARGETS["load_warm"]),
    ]


def startup_results(largest: PreparedCollection, runs: int, work_dir: Path) -> list[Result]:
    """Start-up with the bundled decks; peak memory with the largest collection."""
    measured = startup.measure(largest.data_dir, work_dir, runs)
    minimal = "minimal Kivy app"
    return [
        Result("app_start", "5 start to the home screen's first frame", None, "ms", measured.ours_first_frame, minimal, measured.minimal_start, TARGETS["app_start"]),
        # No target of its own: the home screen's first frame may still say "Loading decks…".
        Result("app_start_decks", "5 start until the decks are listed", None, "ms", measured.ours_content, minimal, measured.minimal_start, None),
        Result("peak_rss", "5 peak memory (RSS)", largest.cards, "MB", measured.ours_rss, minimal, measured.minimal_rss, TARGETS["peak_rss"]),
    ]


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in _read_lines("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    memory_kb = next((int(line.split()[1]) for line in _read_lines("/proc/meminfo") if line.startswith("MemTotal")), 0)
    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    # From package metadata: importing kivy here would parse this script's arguments as its own.
    for distribution in ("anki", "Kivy", "PyYAML", "fsrs"):
        try:
            versions[distribution] = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            pass
    return {
        "system": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "versions": versions,
    }


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def format_table(results: Sequence[Result]) -> str:
    header = f"{'benchmark':<42} {'cards':>7} {'ours':>10} {'reference':>10}  {'ratio':>6} {'target':>7}  met  reference"
    lines = [header, "-" * len(header)]
    for result in results:
        scale = MS if result.unit == "ms" else MB
        reference = f"{result.reference.median * scale:10.1f}" if result.reference else f"{'-':>10}"
        ratio = f"{result.ratio:6.2f}" if result.ratio is not None else f"{'-':>6}"
        target = f"<={result.target:.2f}" if result.target is not None else "-"
        met = {True: "yes", False: "NO", None: "-"}[result.met]
        lines.append(
            f"{result.title:<42} {result.cards if result.cards is not None else '-':>7} "
            f"{result.ours.median * scale:8.1f}{result.unit:>2} {reference}  {ratio} {target:>7}  {met:<4} {result.reference_name}"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", default="20000,100000", help="collection sizes, comma-separated (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="rounds per measurement; the table shows medians (default: %(default)s)")
    parser.add_argument("--json", type=Path, help="write every sample and the machine description here")
    parser.add_argument("--load-cards", type=int, default=10_000, help="cards in the deck file of benchmark 4 (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated collections (default: %(default)s)")
    parser.add_argument("--work-dir", type=Path, help="keep generated collections here and reuse them on the same day (default: a temporary folder)")
    parser.add_argument("--no-anki", action="store_true", help="skip Anki even if it is installed")
    parser.add_argument("--skip-startup", action="store_true", help="skip benchmark 5 (it needs Kivy)")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.cards.split(",") if size.strip()]
    if not args.sizes or min(args.sizes) < 1 or args.runs < 1:
        parser.error("--cards needs positive sizes and --runs at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with_anki = anki_available() and not args.no_anki
    if not with_anki:
        print("Anki is not compared: " + ("--no-anki" if args.no_anki else "the anki package is not installed (pip install anki)"))
    keep = args.work_dir is not None
    work_dir = args.work_dir.resolve() if keep else Path(tempfile.mkdtemp(prefix="quizapp-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        results: list[Result] = []
        collections = []
        largest: PreparedCollection | None = None
        for cards in args.sizes:
            print(f"preparing {cards} cards ...", flush=True)
            prepared = prepare_collection(work_dir, cards, args.seed, with_anki)
            collections.append({"cards": cards, **prepared.info})
            print(f"measuring {cards} cards ...", flush=True)
            results += scheduling_results(prepared, args.runs, work_dir / "runs")
            results.append(size_result(prepared))
            if largest is None or cards > largest.cards:
                largest = prepared
        print("measuring deck loading ...", flush=True)
        results += loading_results(work_dir, args.load_cards, args.runs)
        if not args.skip_startup and largest is not None:
            print("measuring start-up ...", flush=True)
            results += startup_results(largest, args.runs, work_dir / "startup")
    finally:
        if not keep:
            shutil.rmtree(work_dir, ignore_errors=True)
    print(format_table(results))
    if args.json:
        report = {
            "command": " ".join(shlex.quote(part) for part in [Path(sys.executable).name, *sys.argv]),
            "machine": machine(),
            "runs": args.runs,
            "seed": args.seed,
            "collections": collections,
            "results": [result.to_dict() for result in results],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
