"""Backups of the progress database, and recovery when it is damaged.

A backup is taken with SQLite's online backup API (consistent even while the app writes), checked
with `PRAGMA integrity_check`, and only then renamed into place; the newest 7 are kept. A damaged
database is never silently replaced: it is moved aside under a telling name, and restoring a
backup is a separate, explicit step.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from quizapp.core.errors import StoreError
from quizapp.core.store import DB_NAME, Store

BACKUP_DIR = "backups"
KEEP = 7
_PREFIX = "progress-"
_SUFFIX = ".sqlite3"
_STAMP = "%Y-%m-%d-%H%M%S"


def backups_dir(data_dir: Path) -> Path:
    return data_dir / BACKUP_DIR


def list_backups(data_dir: Path) -> list[Path]:
    """Backups, newest first."""
    folder = backups_dir(data_dir)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.name.startswith(_PREFIX) and p.suffix == _SUFFIX), reverse=True)


def backup_time(path: Path) -> datetime | None:
    """When a backup was taken (UTC, from its name)."""
    try:
        return datetime.strptime(path.name[len(_PREFIX) : -len(_SUFFIX)], _STAMP)
    except ValueError:
        return None


def check_database(path: Path) -> str | None:
    """None if the database file is sound, else what is wrong, in words."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = db.execute("PRAGMA integrity_check").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        return str(error)
    problems = [row[0] for row in rows if row[0] != "ok"]
    return "; ".join(problems[:5]) if problems else None


def backup_now(store: Store, data_dir: Path, now: datetime) -> Path:
    """Copy the live database into a new backup and keep the newest KEEP.

    Raises StoreError, in words, when the copy cannot be made (a full disk, a folder that cannot
    be written, a damaged database); older backups are then kept as they were.
    """
    folder = backups_dir(data_dir)
    target = folder / f"{_PREFIX}{now.strftime(_STAMP)}{_SUFFIX}"
    partial = target.with_suffix(".partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        store.copy_to(partial)
        problem = check_database(partial)
        if problem:
            raise StoreError(f"the progress database is damaged ({problem}); no backup was made and older backups are kept")
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as error:
        raise StoreError(f"no backup could be written to {folder} ({error}); older backups are kept") from error
    finally:
        with contextlib.suppress(OSError):  # a half-written copy is never left to be mistaken for a backup
            partial.unlink(missing_ok=True)
    for old in list_backups(data_dir)[KEEP:]:
        with contextlib.suppress(OSError):  # the new backup is made; an old one left over does no harm
            old.unlink()
    return target


def backup_if_due(store: Store, data_dir: Path, now: datetime) -> Path | None:
    """The daily automatic backup: made when the newest backup is from an earlier UTC date."""
    newest = next(iter(list_backups(data_dir)), None)
    taken = backup_time(newest) if newest else None
    if taken is not None and taken.date() >= now.date():
        return None
    return backup_now(store, data_dir, now)


@dataclass(frozen=True)
class Recovery:
    kept_aside: Path | None  # where the damaged or replaced database now is
    restored_from: Path


def newest_sound_backup(data_dir: Path) -> Path | None:
    """The newest backup that passes the integrity check, or None when there is none."""
    return next((candidate for candidate in list_backups(data_dir) if check_database(candidate) is None), None)


def _move_aside(data_dir: Path, label: str, now: datetime) -> Path | None:
    """Move the database and its WAL files out of the way, keeping them for inspection."""
    database = data_dir / DB_NAME
    if not database.exists():
        return None
    aside = data_dir / f"{DB_NAME}.{label}-{now.strftime(_STAMP)}"
    # Two moves within one second must not overwrite the first file kept aside.
    number = 1
    while aside.exists():
        number += 1
        aside = data_dir / f"{DB_NAME}.{label}-{now.strftime(_STAMP)}-{number}"
    for suffix in ("-wal", "-shm"):
        companion = data_dir / (DB_NAME + suffix)
        if companion.exists():
            os.replace(companion, Path(str(aside) + suffix))
    os.replace(database, aside)
    return aside


def set_aside(data_dir: Path, reason: str, now: datetime) -> Path | None:
    """Move the database (which must be closed) aside as `progress.sqlite3.<reason>-<time>`, so the
    next open starts with empty progress; returns where it now is (None if there was no file).
    The file is kept, never deleted: it may still be repaired or sent to someone who can."""
    return _move_aside(data_dir, reason, now)


def restore(data_dir: Path, backup: Path | None, now: datetime, *, reason: str = "replaced") -> Recovery:
    """Put a backup (default: the newest sound one) in place of the database, which must be closed.

    The current database is kept aside as `progress.sqlite3.<reason>-<time>`, never deleted.
    """
    if backup is None:
        source = newest_sound_backup(data_dir)
        if source is None:
            raise StoreError(f"there is no sound backup in {backups_dir(data_dir)}; nothing was changed")
    elif check_database(backup) is None:
        source = backup
    else:
        raise StoreError(f"{backup} is not a sound backup; nothing was changed")
    kept = _move_aside(data_dir, reason, now)
    partial = data_dir / (DB_NAME + ".restoring")
    shutil.copyfile(source, partial)
    os.replace(partial, data_dir / DB_NAME)
    return Recovery(kept, source)
