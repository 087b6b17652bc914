"""Coverage-guided fuzzing with atheris (libFuzzer for Python), for long runs by hand; the test
suite uses hypothesis instead (tests/test_fuzz_sharing.py, tests/test_fuzz_decks.py).

    pip install atheris                      # not a test dependency: optional, Linux/macOS wheels
    python tests/hostile/atheris_fuzz.py bundle -max_total_time=600
    python tests/hostile/atheris_fuzz.py deck|bundle|index|report|apkg [libFuzzer options...]

The contract is the same as the hypothesis tests: any input is accepted or refused with a
QuizappError whose message is printable text; anything else is a crash, and libFuzzer writes the
input that caused it to `crash-<hash>` in the current folder. Each target starts from the valid
examples it can find (the reference Anki packages, a valid bundle and index) and the hostile
corpus in this folder.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from quizapp.core.deckfile import parse_deck
    from quizapp.core.errors import QuizappError
    from quizapp.sharing.anki_import import import_apkg
    from quizapp.sharing.bundle import read_bundle
    from quizapp.sharing.feed import parse_index
    from quizapp.sharing.reports import parse_report

HERE = Path(__file__).resolve().parent
TMP = Path(tempfile.mkdtemp(prefix="quizapp-atheris-"))


def _apkg(data: bytes) -> object:
    path = TMP / "fuzz.apkg"
    path.write_bytes(data)
    return import_apkg(path, with_scheduling=True)


TARGETS = {
    "deck": (lambda data: parse_deck(data, "fuzz.yaml"), (".yaml",)),
    "bundle": (lambda data: read_bundle(data, name="fuzz.quizdeck"), (".quizdeck",)),
    "index": (lambda data: parse_index(data, "index.json"), (".json",)),
    "report": (lambda data: parse_report(data, "report"), (".json",)),
    "apkg": (_apkg, (".apkg",)),
}


def _seeds(target: str, suffixes: tuple[str, ...]) -> Path:
    """A seed folder: hostile files of the target's kind, and valid examples."""
    folder = TMP / f"seeds-{target}"
    folder.mkdir(exist_ok=True)
    for path in HERE.iterdir():
        if path.suffix in suffixes:
            (folder / path.name).write_bytes(path.read_bytes())
    sys.path.insert(0, str(HERE))
    import make_corpus

    valid = {
        "deck": make_corpus.DECK.encode(),
        "bundle": make_corpus.bundle({"small.yaml": make_corpus.DECK.encode()}),
        "index": b'{"format": 1, "generated": "2025-03-01T09:00:00+00:00", "decks": [{"id": "small", "version": 1, "title": "Small", "url": "small-v1.quizdeck", "size": 10, "sha256": "' + b"a" * 64 + b'"}]}',
        "report": b'{"format": 1, "deck_id": "small", "nickname": "Ana", "cards": [{"card": "b1", "sibling": 0, "reviews": 3, "lapses": 1, "retrievability": 0.8}]}',
    }
    if target in valid:
        (folder / f"valid{suffixes[0]}").write_bytes(valid[target])
    if target == "apkg":
        for package in sorted((HERE.parents[2] / "shared" / "fixtures" / "anki").glob("*.apkg")):
            (folder / package.name).write_bytes(package.read_bytes())
    return folder


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(TARGETS)}}} [libFuzzer options]")
    target = sys.argv[1]
    run, suffixes = TARGETS[target]

    def one_input(data: bytes) -> None:
        try:
            run(data)
        except QuizappError as error:
            str(error).encode("utf-8")  # a message a front end can show

    seeds = _seeds(target, suffixes)
    atheris.Setup([sys.argv[0], *sys.argv[2:], str(seeds)], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
