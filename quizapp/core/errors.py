"""The project's own error types. Anything a user can cause raises one of these, never a bare
exception from a library, so front ends can show it in plain words."""

from __future__ import annotations

from dataclasses import dataclass


class QuizappError(Exception):
    """Base of every error the app reports to a user."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in a file, with the position a user can jump to (1-based)."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "col": self.col, "message": self.message}


class ProblemsError(QuizappError):
    """A file has one or more problems, each with its position; all of them are in `problems`.

    The message lists the first MAX_SHOWN_PROBLEMS, then "and N more": a file with 100,000 bad
    columns once printed 100,000 lines, burying the first one, which is the one to fix.
    """

    MAX_SHOWN_PROBLEMS = 50

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        lines = [str(p) for p in self.problems[: self.MAX_SHOWN_PROBLEMS]]
        if len(self.problems) > len(lines):
            lines.append(f"and {len(self.problems) - len(lines):,} more")
        super().__init__("\n".join(lines))


class DeckFileError(ProblemsError):
    """A deck file has one or more problems."""


class StoreError(QuizappError):
    """The progress database cannot be used (corrupt, locked, from a newer app version)."""


class DamagedStoreError(StoreError):
    """The progress database file is damaged or is not a database; a backup can be restored."""


class BusyStoreError(StoreError):
    """The progress database is locked by another program (another copy of the app, or the
    quizapp command) for longer than the busy timeout; it is neither damaged nor touched."""


class ReadOnlyStoreError(StoreError):
    """The progress database cannot be written: its file or its folder is read-only for this user
    (or the storage was mounted read-only). Nothing was changed."""


class StorageError(StoreError):
    """The device's storage failed under the progress database: it is full, or it reported an
    input/output error. The change being made was rolled back; earlier changes are safe."""


class NewerStoreError(StoreError):
    """The progress database was written by a newer version of the app; it is left untouched,
    since restoring a backup or starting again would throw the newer progress away."""


class NotFoundError(QuizappError):
    """A deck or card that was asked for does not exist."""


class ArchiveError(QuizappError):
    """A zip-based file (.quizdeck bundle, .apkg) is unsafe, damaged or not what it claims to be."""


class FormatError(QuizappError):
    """An imported file in another app's format (Quizlet, CSV, Anki, GIFT) cannot be read."""


class FormatProblems(FormatError, ProblemsError):
    """A file in another app's text format (Quizlet, CSV) has problems, each with its position."""
