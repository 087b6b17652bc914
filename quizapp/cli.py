"""`quizapp`: the command for deck authors and teachers (and learners at a terminal).

Every command calls the same core API as the app; nothing here is needed by the UI.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from quizapp import __version__
from quizapp.core.collection import Collection
from quizapp.core.datadir import ENV_VAR, bundled_decks_dir
from quizapp.core.deckfile import load_deck
from quizapp.core.errors import DeckFileError, QuizappError
from quizapp.core.stats import Stats

Command = Callable[[argparse.Namespace], int]


def _open(args: argparse.Namespace) -> Collection:
    collection = Collection.open(args.data_dir)
    report = collection.sync_default_decks()
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return collection


def _deck_files(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for name in paths or [str(bundled_decks_dir())]:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def cmd_validate(args: argparse.Namespace) -> int:
    files = _deck_files(args.paths)
    if not files:
        print("no deck files found", file=sys.stderr)
        return 1
    failed = 0
    for file in files:
        try:
            deck = load_deck(file)
        except DeckFileError as error:
            failed += 1
            for problem in error.problems:
                print(problem)
            continue
        kinds = Counter(card.type.value for card in deck.cards)
        studied = sum(len(card.siblings()) for card in deck.cards)
        mix = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        print(f"{file}: ok: '{deck.id}' v{deck.info.version}, {len(deck.cards)} cards ({studied} to study): {mix}")
    if failed:
        print(f"{failed} of {len(files)} deck files have problems", file=sys.stderr)
    return 1 if failed else 0


def cmd_decks(args: argparse.Namespace) -> int:
    with _open(args) as collection:
        summaries = collection.decks()
        if not summaries:
            print("no decks")
            return 0
        width = max(len(s.deck_id) for s in summaries)
        print(f"{'deck':<{width}}  {'new':>5} {'learn':>5} {'due':>5}  {'cards':>5}  title")
        for s in summaries:
            c = s.counts
            print(f"{s.deck_id:<{width}}  {c.new:>5} {c.learning:>5} {c.review:>5}  {s.card_count:>5}  {s.title}")
        total = sum((s.counts for s in summaries), start=summaries[0].counts.__class__())
        if total.total == 0:
            upcoming = collection.next_due()
            when = upcoming.astimezone().strftime("%Y-%m-%d %H:%M") if upcoming else "not scheduled yet"
            print(f"nothing due now; next card due: {when}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with _open(args) as collection:
        deck_ids = [args.deck] if args.deck else None
        if args.deck:
            collection.deck_info(args.deck)  # a clear error for an unknown deck
        summary = Stats(collection, deck_ids).summary()
        retention = f"{summary.true_retention_30d:.1%}" if summary.true_retention_30d is not None else "no reviews yet"
        print(f"reviews today: {summary.reviews_today}")
        print(f"true retention, last 30 days: {retention}")
        print(f"cards due tomorrow: {summary.due_tomorrow}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quizapp", description="Flashcards and quizzes for drug education and harm reduction.")
    parser.add_argument("--version", action="version", version=f"quizapp {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"where progress is kept (default: ${ENV_VAR}, else the app's user data folder)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check deck files and report every problem")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="deck files or folders (default: the bundled decks/)")
    validate.set_defaults(run=cmd_validate)

    decks = commands.add_parser("decks", help="list decks with today's new / learning / due counts")
    decks.set_defaults(run=cmd_decks)

    stats = commands.add_parser("stats", help="reviews today, true retention and cards due tomorrow")
    stats.add_argument("--deck", help="one deck id (default: all decks)")
    stats.set_defaults(run=cmd_stats)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except QuizappError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
