"""The queue file: whether a path can hold the local queues, and opening it.

A queue file is a SQLite database with the queue tables (:mod:`worker.local.mnsqueue.tables`).
A path that is something else (another kind of file, another database, a folder, a place
that cannot be written) is refused with a :class:`QueueFileError` saying which, before
anything is written, so a wrong ``--db`` or ``queues.db`` is one line, not a SQLite trace.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


class QueueFileError(Exception):
    """The path cannot be used as a queue file; the message names it and says why."""


def problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot hold the local queues, or ``None`` when it can; creates nothing.

    A missing file is fine when it can be created: its folder exists and is writable, or the
    nearest existing folder above it is (the store creates the folders).
    """
    file = Path(path)
    if file.is_dir():
        return "is a folder, not a queue file"
    if not file.exists():
        folder = next(p for p in (file.absolute(), *file.absolute().parents) if p.exists())
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            return f"cannot be created: {folder} is not a writable folder"
        return None
    if not os.access(file, os.R_OK):
        return "cannot be read (permission denied)"
    with file.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        return "is not a queue file (not an SQLite database)"
    if header and "queues" not in _tables(file):
        return "is an SQLite database without queues, not a queue file"
    if not os.access(file, os.W_OK) or not os.access(file.parent, os.W_OK):
        return "is read-only (the queues need to write it and its journal beside it)"
    return None


def check(path: str | os.PathLike[str]) -> None:
    """Raise :class:`QueueFileError` when ``path`` cannot hold the local queues."""
    reason = problem(path)
    if reason is not None:
        raise QueueFileError(f"queue file {path} {reason}")


def _tables(file: Path) -> set[str]:
    try:
        connection = sqlite3.connect(f"{file.absolute().as_uri()}?mode=ro", uri=True)
        try:
            return {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return set()
