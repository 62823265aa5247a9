"""The SQLite tables of the local queue and the statements on them.

Every function takes an open connection and runs inside the caller's transaction (the store
holds ``BEGIN IMMEDIATE`` around writes, so a claim is atomic across processes). Times are
integers: milliseconds since the epoch for messages, seconds for queue creation/modification.
A receipt handle is ``<row id in hex>-<random hex>``; it is valid while it is the message's
current handle and the message is still invisible, as MNS handles are.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import uuid
from dataclasses import dataclass

from worker.local.mnsqueue.errors import ReceiptHandleError
from worker.local.mnsqueue.model import (
    DEFAULT_SETTINGS,
    Message,
    QueueSettings,
    SendResult,
    Visibility,
)

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    visibility_timeout INTEGER NOT NULL,
    delay_seconds INTEGER NOT NULL,
    maximum_message_size INTEGER NOT NULL,
    message_retention_period INTEGER NOT NULL,
    polling_wait_seconds INTEGER NOT NULL,
    logging_enabled INTEGER NOT NULL,
    create_time INTEGER NOT NULL,
    last_modify_time INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    queue_id INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    body_md5 TEXT NOT NULL,
    priority INTEGER NOT NULL,
    enqueue_time INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    first_dequeue_time INTEGER NOT NULL DEFAULT 0,
    dequeue_count INTEGER NOT NULL DEFAULT 0,
    handle TEXT
);
CREATE INDEX IF NOT EXISTS messages_order ON messages (queue_id, priority, id);
CREATE INDEX IF NOT EXISTS messages_visible ON messages (queue_id, visible_at);
CREATE INDEX IF NOT EXISTS messages_expiry ON messages (expires_at);
"""
_SETTING_COLUMNS = tuple(DEFAULT_SETTINGS.given())
_MESSAGE_COLUMNS = (
    "id, message_id, body, body_md5, priority, enqueue_time, first_dequeue_time, "
    "dequeue_count, visible_at, handle"
)
# id, message_id, body, body_md5, priority, enqueue_time, first_dequeue_time, dequeue_count,
# visible_at, handle
_Row = tuple[int, str, str, str, int, int, int, int, int, str | None]
_NEXT_VISIBLE = (
    f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE queue_id = ? AND visible_at <= ? "
    "AND expires_at > ? ORDER BY priority, id LIMIT ?"
)
_CLAIM = (
    "UPDATE messages SET handle = ?, visible_at = ?, dequeue_count = dequeue_count + 1, "
    "first_dequeue_time = CASE first_dequeue_time WHEN 0 THEN ? ELSE first_dequeue_time END "
    "WHERE id = ?"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueRow:
    """A row of ``queues``: its id, name, full settings and times (seconds)."""

    id: int
    name: str
    settings: QueueSettings
    create_time: int
    last_modify_time: int


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the tables and indexes if the file has none yet."""
    # One statement at a time: executescript would commit the caller's transaction.
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def find_queue(conn: sqlite3.Connection, name: str) -> QueueRow | None:
    """The queue called ``name``, or ``None``."""
    columns = ", ".join(_SETTING_COLUMNS)
    row = conn.execute(
        f"SELECT id, {columns}, create_time, last_modify_time FROM queues WHERE name = ?", (name,)
    ).fetchone()
    if row is None:
        return None
    values = dict(zip(_SETTING_COLUMNS, row[1:-2], strict=True))
    values["logging_enabled"] = bool(values["logging_enabled"])
    settings = QueueSettings(**values)
    return QueueRow(
        id=row[0], name=name, settings=settings, create_time=row[-2], last_modify_time=row[-1]
    )


def insert_queue(conn: sqlite3.Connection, name: str, settings: QueueSettings, now: int) -> None:
    """Add a queue; ``settings`` must be complete (no ``None``)."""
    values = [getattr(settings, column) for column in _SETTING_COLUMNS]
    marks = ", ".join("?" for _ in range(len(values) + 3))
    conn.execute(
        f"INSERT INTO queues (name, {', '.join(_SETTING_COLUMNS)}, create_time, "
        f"last_modify_time) VALUES ({marks})",
        (name, *values, now, now),
    )


def update_queue(
    conn: sqlite3.Connection, queue_id: int, settings: QueueSettings, now: int
) -> None:
    """Change the given (non-``None``) settings of a queue."""
    given = settings.given()
    assignments = "".join(f"{column} = ?, " for column in given)
    conn.execute(
        f"UPDATE queues SET {assignments}last_modify_time = ? WHERE id = ?",
        (*given.values(), now, queue_id),
    )


def delete_queue(conn: sqlite3.Connection, queue_id: int) -> None:
    """Remove a queue and all its messages."""
    conn.execute("DELETE FROM messages WHERE queue_id = ?", (queue_id,))
    conn.execute("DELETE FROM queues WHERE id = ?", (queue_id,))


def queue_names(conn: sqlite3.Connection, prefix: str, marker: str, limit: int) -> list[str]:
    """Up to ``limit`` queue names starting with ``prefix``, from ``marker`` on, sorted."""
    rows = conn.execute(
        "SELECT name FROM queues WHERE substr(name, 1, ?) = ? AND name >= ? ORDER BY name LIMIT ?",
        (len(prefix), prefix, marker, limit),
    )
    return [name for (name,) in rows]


def insert_message(
    conn: sqlite3.Connection, queue: QueueRow, body: str, priority: int, delay: int, now: int
) -> SendResult:
    """Add a message that becomes visible ``delay`` seconds after ``now`` (ms)."""
    message_id = uuid.uuid4().hex.upper()
    body_md5 = hashlib.md5(body.encode("utf-8")).hexdigest().upper()
    retention = queue.settings.message_retention_period or 0
    conn.execute(
        "INSERT INTO messages (queue_id, message_id, body, body_md5, priority, enqueue_time, "
        "visible_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (queue.id, message_id, body, body_md5, priority, now, now + delay * 1000,
         now + retention * 1000),
    )  # fmt: skip
    return SendResult(message_id, body_md5)


def claim(
    conn: sqlite3.Connection, queue_id: int, count: int, visibility: int, now: int
) -> list[Message]:
    """Receive up to ``count`` visible messages: most urgent first, then oldest.

    Each gets a fresh receipt handle and stays invisible for ``visibility`` seconds.
    """
    rows: list[_Row] = conn.execute(_NEXT_VISIBLE, (queue_id, now, now, count)).fetchall()
    until = now + visibility * 1000
    claimed = [(_new_handle(row[0]), until, now, row[0]) for row in rows]
    conn.executemany(_CLAIM, claimed)
    return [
        _message(row, handle=handle, visible_at=until, first=row[6] or now, count=row[7] + 1)
        for row, (handle, *_) in zip(rows, claimed, strict=True)
    ]


def peek(conn: sqlite3.Connection, queue_id: int, count: int, now: int) -> list[Message]:
    """Up to ``count`` visible messages in receive order, unchanged and without handles."""
    rows: list[_Row] = conn.execute(_NEXT_VISIBLE, (queue_id, now, now, count)).fetchall()
    return [
        _message(row, handle=None, visible_at=row[8], first=row[6], count=row[7]) for row in rows
    ]


def next_visible_at(conn: sqlite3.Connection, queue_id: int, now: int) -> int | None:
    """When (ms) the earliest invisible message of the queue becomes visible, if any."""
    row = conn.execute(
        "SELECT min(visible_at) FROM messages WHERE queue_id = ? AND visible_at > ?",
        (queue_id, now),
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def delete_message(conn: sqlite3.Connection, queue_id: int, handle: str, now: int) -> None:
    """Delete the message ``handle`` was issued for; :class:`ReceiptHandleError` if stale."""
    conn.execute("DELETE FROM messages WHERE id = ?", (_held(conn, queue_id, handle, now),))


def change_visibility(
    conn: sqlite3.Connection, queue_id: int, handle: str, timeout: int, now: int
) -> Visibility:
    """Make a received message invisible for ``timeout`` seconds from ``now``, with a new handle."""
    row_id = _held(conn, queue_id, handle, now)
    visibility = Visibility(_new_handle(row_id), now + timeout * 1000)
    conn.execute(
        "UPDATE messages SET handle = ?, visible_at = ? WHERE id = ?", (*visibility, row_id)
    )
    return visibility


def counts(conn: sqlite3.Connection, queue_id: int, now: int) -> tuple[int, int, int]:
    """Active (visible), inactive (received, invisible) and delayed message counts."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE visible_at <= :now), "
        "count(*) FILTER (WHERE visible_at > :now AND dequeue_count > 0), "
        "count(*) FILTER (WHERE visible_at > :now AND dequeue_count = 0) "
        "FROM messages WHERE queue_id = :queue AND expires_at > :now",
        {"now": now, "queue": queue_id},
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def purge_expired(conn: sqlite3.Connection, now: int) -> int:
    """Delete the messages past their retention period; return how many."""
    return conn.execute("DELETE FROM messages WHERE expires_at <= ?", (now,)).rowcount


def _held(conn: sqlite3.Connection, queue_id: int, handle: str, now: int) -> int:
    """The row id of the message ``handle`` currently holds; else :class:`ReceiptHandleError`."""
    row_id_hex, _, _ = handle.partition("-")
    try:
        row_id = int(row_id_hex, 16)
    except ValueError:
        raise ReceiptHandleError() from None
    row = conn.execute(
        "SELECT 1 FROM messages WHERE id = ? AND queue_id = ? AND handle = ? AND visible_at > ?",
        (row_id, queue_id, handle, now),
    ).fetchone()
    if row is None:
        raise ReceiptHandleError()
    return row_id


def _new_handle(row_id: int) -> str:
    return f"{row_id:x}-{secrets.token_hex(8)}"


def _message(row: _Row, *, handle: str | None, visible_at: int, first: int, count: int) -> Message:
    _, message_id, body, body_md5, priority, enqueue_time = row[:6]
    return Message(
        message_id=message_id,
        body=body,
        body_md5=body_md5,
        priority=priority,
        enqueue_time=enqueue_time,
        first_dequeue_time=first,
        dequeue_count=count,
        next_visible_time=visible_at,
        receipt_handle=handle,
    )
