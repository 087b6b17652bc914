"""Backups of the progress database, and recovery when it is damaged.

A backup is taken with SQLite's online backup API (consistent even while the app writes), checked
with `PRAGMA integrity_check`, and only then renamed into place; the newest 7 are kept. A damaged
database is never silently replaced: it is moved aside under a telling name, and restoring a
backup is a separate, explicit step.

A backup or a restore cut off by a crash (kill -9, a flat battery) leaves files behind: the next
start deals with them (`clean_up_interrupted`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from quizapp.core.errors import StoreError
from quizapp.core.store import ACKNOWLEDGED_SUFFIX, DB_NAME, Store

BACKUP_DIR = "backups"
KEEP = 7
_PREFIX = "progress-"
_SUFFIX = ".sqlite3"
_STAMP = "%Y-%m-%d-%H%M%S"
# A backup being written, and the files SQLite keeps beside it while it is open.
_PARTIAL_SUFFIXES = (".partial", ".partial-wal", ".partial-shm", ".partial-journal")
# A restore's copy of the backup before it is renamed into place.
RESTORING = DB_NAME + ".restoring"
# A partial backup younger than this may be one another copy of the app is writing right now (a
# backup takes seconds at most), so only older ones are cleaned up.
LEFTOVER_AGE_S = 60.0


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


def clean_up_interrupted(data_dir: Path) -> None:
    """Deal with what a backup or a restore cut off by a crash left in the data folder; called at
    every start, before the database is opened.

    A partial backup is deleted: it was never checked, so it must not be mistaken for a backup. A
    restore's copy is deleted if the database is still in place (the restore never happened), and
    completed if the crash came between moving the old database aside and putting the copy in its
    place (the learner asked for it; the old database is kept aside)."""
    restoring = data_dir / RESTORING
    with contextlib.suppress(OSError):
        if restoring.exists():
            if not (data_dir / DB_NAME).exists() and check_database(restoring) is None:
                os.replace(restoring, data_dir / DB_NAME)
            else:
                restoring.unlink()
    folder = backups_dir(data_dir)
    if not folder.is_dir():
        return
    for leftover in folder.iterdir():
        if not (leftover.name.startswith(_PREFIX) and leftover.name.endswith(_PARTIAL_SUFFIXES)):
            continue
        with contextlib.suppress(OSError):  # left for the next start
            if time.time() - leftover.stat().st_mtime > LEFTOVER_AGE_S:
                leftover.unlink()


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
    # The note of the reviews acknowledged describes the database that goes: kept, it would make
    # the next one look older than the answers in it.
    (data_dir / (DB_NAME + ACKNOWLEDGED_SUFFIX)).unlink(missing_ok=True)
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

    The current database is kept aside as `progress.sqlite3.<reason>-<time>`, never deleted. The
    backup is copied (and synced) beside the database first, so a crash at any point leaves either
    the old database in place or what `clean_up_interrupted` completes at the next start.
    """
    if backup is None:
        source = newest_sound_backup(data_dir)
        if source is None:
            raise StoreError(f"there is no sound backup in {backups_dir(data_dir)}; nothing was changed")
    elif check_database(backup) is None:
        source = backup
    else:
        raise StoreError(f"{backup} is not a sound backup; nothing was changed")
    copy = data_dir / RESTORING
    try:
        copy.unlink(missing_ok=True)  # a copy left by a restore cut off before
        shutil.copyfile(source, copy)
        with open(copy, "rb+") as written:
            os.fsync(written.fileno())
    except OSError as error:
        with contextlib.suppress(OSError):
            copy.unlink()
        raise StoreError(f"{source} could not be copied into {data_dir} ({error.strerror or error}); nothing was changed") from error
    kept = _move_aside(data_dir, reason, now)
    os.replace(copy, data_dir / DB_NAME)
    return Recovery(kept, source)
