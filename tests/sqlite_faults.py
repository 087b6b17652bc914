"""Faults SQLite reports, for tests running as root (which ignores file permissions) or on a disk
that will not fill: a read-only connection as SQLite opens one, and a connection that fails a
chosen statement with the error and extended result code SQLite gives."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

# SQLite's extended result codes for the faults the tests play (sqlite3.SQLITE_* in Python 3.11).
SQLITE_ERROR, SQLITE_BUSY, SQLITE_READONLY, SQLITE_CORRUPT, SQLITE_FULL = 1, 5, 8, 11, 13
SQLITE_IOERR_READ, SQLITE_IOERR_WRITE = 266, 778
MESSAGES = {
    SQLITE_ERROR: "SQL logic error",
    SQLITE_BUSY: "database is locked",
    SQLITE_READONLY: "attempt to write a readonly database",
    SQLITE_CORRUPT: "database disk image is malformed",
    SQLITE_FULL: "database or disk is full",
    SQLITE_IOERR_READ: "disk I/O error",
    SQLITE_IOERR_WRITE: "disk I/O error",
}


def sqlite_error(code: int) -> sqlite3.OperationalError:
    """The error SQLite raises for `code`, with its message and sqlite_errorcode."""
    error = sqlite3.OperationalError(MESSAGES[code])
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    return error


def read_only_connection(path: Path) -> sqlite3.Connection:
    """The database opened as SQLite opens a file this user may not write (mode=ro): reads work,
    BEGIN IMMEDIATE even works, and the first write fails with SQLITE_READONLY."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)


class FailingConnection:
    """Wraps the store's connection; while `failing`, a statement starting with `sql` raises
    SQLite's error for `code` (a full or failing disk at COMMIT, say). Everything else goes through."""

    def __init__(self, real: sqlite3.Connection, sql: str, code: int) -> None:
        self.real, self.sql, self.code = real, sql, code
        self.failing = True

    def execute(self, sql: str, *params: Any) -> sqlite3.Cursor:
        if self.failing and sql.lstrip().startswith(self.sql):
            raise sqlite_error(self.code)
        return self.real.execute(sql, *params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)
