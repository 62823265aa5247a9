"""The queue file: whether a path can hold the local queues, and opening it.

A queue file is a SQLite database with the queue tables (:mod:`worker.local.mnsqueue.tables`).
A path that is something else (another kind of file, a folder, a place that cannot be
written) is refused with a :class:`QueueFileError` saying which, before anything is opened,
and another SQLite database as soon as the store opens it, before anything is written; so a
wrong ``--db`` or ``queues.db`` is one line, not a SQLite trace.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


class QueueFileError(Exception):
    """The path cannot be used as a queue file; the message names it and says why."""


NOT_SQLITE = "is not a queue file (not an SQLite database)"


def problem(path: str | os.PathLike[str], *, read_header: bool = True) -> str | None:
    """Why ``path`` cannot hold the local queues, or ``None`` when it can; creates nothing.

    A missing file is fine when it can be created: its folder exists and is writable, or the
    nearest existing folder above it is (the store creates the folders).

    Args:
        path: the queue file.
        read_header: also read the file's first bytes. Only where this process has no SQLite
            connection to the file: closing any other descriptor of a file releases the
            POSIX locks SQLite holds on it in the same process.
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
    if read_header:
        with file.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            return NOT_SQLITE
    if not os.access(file, os.W_OK) or not os.access(file.parent, os.W_OK):
        return "is read-only (the queues need to write it and its journal beside it)"
    return None


def check(path: str | os.PathLike[str], *, read_header: bool = True) -> None:
    """Raise :class:`QueueFileError` when ``path`` cannot hold the local queues."""
    reason = problem(path, read_header=read_header)
    if reason is not None:
        raise QueueFileError(f"queue file {path} {reason}")


def check_tables(connection: sqlite3.Connection, path: str | os.PathLike[str]) -> None:
    """Raise :class:`QueueFileError` when the open database holds tables but no queues (an
    SQLite database of something else).

    Asked over the store's own connection: a second, read-only connection to a database in
    WAL mode would change what other processes see of it.
    """
    names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if names and "queues" not in names:
        raise QueueFileError(
            f"queue file {path} is an SQLite database without queues, not a queue file"
        )
