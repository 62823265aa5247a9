"""QueueStore: durable MNS-style queues in one SQLite file, for the server and for Python callers.

One connection per store, used under one lock: SQLite serialises writers anyway, and the lock
doubles as the monitor of the per-queue conditions that wake long-polling receivers when a
message is sent. Every write is a ``BEGIN IMMEDIATE`` transaction, so several processes may
share the file (a ``fdl queue serve`` and the interpreter, say) and a message still goes to
exactly one receiver per visibility period. Receivers in other processes learn of new messages
by watching ``PRAGMA data_version`` a few times a second; those in this process are woken at
once, and every waiter also wakes when a delayed or invisible message falls due.

A wake-up is also counted per queue, so a notification that lands just as a waiter's timed
wait expires (``Condition.wait`` then reports a timeout and the notification is spent) is
still seen: the waiter compares the count before sleeping again instead of sleeping on to its
deadline.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from worker.local.mnsqueue import queuefile, tables
from worker.local.mnsqueue.errors import MnsError, QueueAlreadyExist, QueueNotExist
from worker.local.mnsqueue.model import (
    DEFAULT_PRIORITY,
    DEFAULT_SETTINGS,
    MAX_BATCH,
    MAX_DELAY_SECONDS,
    MAX_PRIORITY,
    MAX_VISIBILITY_TIMEOUT,
    MAX_WAIT_SECONDS,
    MIN_PRIORITY,
    Message,
    NewMessage,
    QueueAttributes,
    QueueSettings,
    SendResult,
    Visibility,
    check_queue_name,
    check_range,
)
from worker.local.mnsqueue.queuefile import QueueFileError
from worker.local.mnsqueue.tables import QueueRow

# How often a waiting receiver looks for commits by other processes (a cheap PRAGMA read).
_CROSS_PROCESS_POLL_SECONDS = 0.25
_PURGE_EVERY_MS = 1000


def _connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A connection to the queue file, its schema in place (created if the file is new).

    Raises:
        QueueFileError: it is not a queue file, or SQLite cannot open or write it.
    """
    try:
        connection = sqlite3.connect(
            str(path), timeout=30, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise QueueFileError(f"queue file {path}: {exc}") from None
    try:
        queuefile.check_tables(connection, path)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("BEGIN IMMEDIATE")
        tables.create_schema(connection)
        connection.execute("COMMIT")
    except (QueueFileError, sqlite3.Error) as exc:
        connection.close()
        if isinstance(exc, QueueFileError):
            raise
        reason = queuefile.NOT_SQLITE if "not a database" in str(exc) else f"cannot be used: {exc}"
        raise QueueFileError(f"queue file {path} {reason}") from None
    return connection


class QueueStore:
    """Durable queues with Alibaba MNS semantics, kept in a SQLite file (WAL mode).

    Thread-safe; usable as a context manager (closes on exit). With ``auto_create`` (the
    default) sending to or receiving from a queue that does not exist creates it with MNS's
    default attributes, because FDL flows name their queues in ``resourceArn`` and nobody
    runs CreateQueue locally; without it those calls raise :class:`QueueNotExist`.

    Args:
        path: The database file (created with its folder), or ``":memory:"``.
        auto_create: Create unknown queues on send and receive.
        clock: Seconds since the epoch; tests pass a fake one.

    Raises:
        QueueFileError: ``path`` cannot hold queues (another kind of file, a folder, a place
            that cannot be written); nothing is created then.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        auto_create: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if str(path) != ":memory:":
            # No header read: another store of this process may hold the file open.
            queuefile.check(path, read_header=False)
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise QueueFileError(f"queue file {path}: {exc.strerror or exc}") from None
        self.path = str(path)
        self.auto_create = auto_create
        self._clock = clock
        self._lock = threading.Lock()
        self._conditions: dict[str, threading.Condition] = {}
        self._wakeups: dict[str, int] = {}
        self._closed = False
        self._last_purge = 0
        self._conn = _connect(path)

    def __enter__(self) -> QueueStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run (the database connection is closed)."""
        return self._closed

    def close(self) -> None:
        """Wake every waiting receiver (they get no message) and close the database."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for condition in self._conditions.values():
                condition.notify_all()
            self._conn.close()

    # Queues

    def create_queue(self, name: str, settings: QueueSettings | None = None) -> bool:
        """Create a queue; MNS's defaults fill the attributes ``settings`` leaves ``None``.

        Returns:
            ``True`` if created, ``False`` if it existed with the same given attributes.

        Raises:
            QueueAlreadyExist: It exists with different attributes.
            InvalidQueueName, InvalidArgument: A bad name or attribute value.
        """
        check_queue_name(name)
        settings = (settings or QueueSettings()).validate()
        with self._transaction() as conn:
            row = tables.find_queue(conn, name)
            if row is None:
                tables.insert_queue(conn, name, settings.filled(), self._now() // 1000)
                return True
        if any(getattr(row.settings, key) != value for key, value in settings.given().items()):
            raise QueueAlreadyExist()
        return False

    def set_attributes(self, name: str, settings: QueueSettings) -> None:
        """Change the attributes ``settings`` gives (not ``None``); :class:`QueueNotExist`."""
        settings.validate()
        with self._transaction() as conn:
            row = self._queue(conn, name, create=False)
            tables.update_queue(conn, row.id, settings, self._now() // 1000)

    def delete_queue(self, name: str) -> None:
        """Delete a queue and its messages; :class:`QueueNotExist` if there is none."""
        with self._transaction() as conn:
            tables.delete_queue(conn, self._queue(conn, name, create=False).id)

    def list_queues(
        self, prefix: str = "", marker: str = "", limit: int = 1000
    ) -> tuple[list[str], str]:
        """Queue names in name order, as ListQueue pages them.

        Returns:
            Up to ``limit`` names from ``marker`` on, and the marker of the next page
            (``""`` when this is the last page).
        """
        check_range("x-mns-ret-number", limit, 1, 1000, "")
        with self._transaction() as conn:
            names = tables.queue_names(conn, prefix, marker, limit + 1)
        return names[:limit], names[limit] if len(names) > limit else ""

    def attributes(self, name: str) -> QueueAttributes:
        """The queue's attributes and message counts; :class:`QueueNotExist` if none."""
        with self._transaction() as conn:
            row = self._queue(conn, name, create=False)
            active, inactive, delayed = tables.counts(conn, row.id, self._now())
        return QueueAttributes(
            name=row.name,
            settings=row.settings,
            create_time=row.create_time,
            last_modify_time=row.last_modify_time,
            active_messages=active,
            inactive_messages=inactive,
            delay_messages=delayed,
        )

    # Messages

    def send(
        self, queue: str, body: str, priority: int = DEFAULT_PRIORITY, delay_seconds: int | None = 0
    ) -> SendResult:
        """Send one message; receivers waiting on the queue wake at once.

        Args:
            queue: The queue name (created first if missing and ``auto_create``).
            body: The body, stored and returned exactly as given.
            priority: 1 (most urgent) to 16.
            delay_seconds: Seconds before it can be received; ``None`` = the queue's
                DelaySeconds attribute (what MNS does when a message names no delay).

        Returns:
            The message id and the upper-case hex MD5 of the body.
        """
        return self.send_batch(queue, [NewMessage(body, priority, delay_seconds)])[0]

    def send_batch(self, queue: str, messages: Sequence[NewMessage]) -> list[SendResult]:
        """Send 1-16 messages atomically (BatchSendMessage); results in the same order."""
        check_range("the number of messages", len(messages), 1, MAX_BATCH, "")
        with self._transaction() as conn:
            row = self._queue(conn, queue, create=self.auto_create)
            results = [self._insert(conn, row, message) for message in messages]
        self._wake(queue)
        return results

    def receive(
        self, queue: str, wait_seconds: int | None = None, visibility_timeout: int | None = None
    ) -> Message | None:
        """Receive the most urgent, then oldest, visible message (ReceiveMessage).

        The message becomes invisible for ``visibility_timeout`` seconds (default: the queue's
        VisibilityTimeout) and comes with a fresh receipt handle; not deleted in time, it
        becomes visible again and the handle stops working.

        Args:
            queue: The queue name (created first if missing and ``auto_create``).
            wait_seconds: Long-polling wait, 0-30 s; ``None`` = the queue's PollingWaitSeconds.
            visibility_timeout: 1-43200 seconds.

        Returns:
            The message, or ``None`` if none became visible during the wait.
        """
        messages = self.receive_batch(queue, 1, wait_seconds, visibility_timeout)
        return messages[0] if messages else None

    def receive_batch(
        self,
        queue: str,
        count: int,
        wait_seconds: int | None = None,
        visibility_timeout: int | None = None,
    ) -> list[Message]:
        """Receive up to ``count`` (1-16) messages, as :meth:`receive` does; ``[]`` if none."""
        check_range("numOfMessages", count, 1, MAX_BATCH, "")
        if wait_seconds is not None:
            check_range("waitseconds", wait_seconds, 0, MAX_WAIT_SECONDS)
        if visibility_timeout is not None:
            check_range("VisibilityTimeout", visibility_timeout, 1, MAX_VISIBILITY_TIMEOUT)
        with self._transaction() as conn:
            row = self._queue(conn, queue, create=self.auto_create)
        visibility = _first(visibility_timeout, row.settings.visibility_timeout)
        deadline = time.monotonic() + _first(wait_seconds, row.settings.polling_wait_seconds)
        with self._lock:
            while not self._closed:
                messages, due_in = self._claim(row.id, count, visibility)
                left = deadline - time.monotonic()
                if messages or left <= 0:
                    return messages
                self._wait(queue, left if due_in is None else min(left, due_in))
        return []

    def peek(self, queue: str, count: int = 1) -> list[Message]:
        """Up to ``count`` (1-16) visible messages in receive order, left unchanged."""
        check_range("numOfMessages", count, 1, MAX_BATCH, "")
        with self._transaction() as conn:
            row = self._queue(conn, queue, create=False)
            return tables.peek(conn, row.id, count, self._now())

    def delete(self, queue: str, receipt_handle: str) -> None:
        """Delete a received message; :class:`ReceiptHandleError` if the handle is stale."""
        with self._transaction() as conn:
            row = self._queue(conn, queue, create=False)
            tables.delete_message(conn, row.id, receipt_handle, self._now())

    def delete_batch(
        self, queue: str, receipt_handles: Sequence[str]
    ) -> list[tuple[str, MnsError]]:
        """Delete 1-16 received messages; return the handles that failed, with their errors."""
        check_range("the number of receipt handles", len(receipt_handles), 1, MAX_BATCH, "")
        failures: list[tuple[str, MnsError]] = []
        with self._transaction() as conn:
            row = self._queue(conn, queue, create=False)
            for handle in receipt_handles:
                try:
                    tables.delete_message(conn, row.id, handle, self._now())
                except MnsError as exc:
                    failures.append((handle, exc))
        return failures

    def change_visibility(
        self, queue: str, receipt_handle: str, visibility_timeout: int
    ) -> Visibility:
        """Make a received message invisible for ``visibility_timeout`` (1-43200) s from now.

        Returns:
            The new receipt handle (the old one stops working) and the new visible time (ms).
        """
        check_range("VisibilityTimeout", visibility_timeout, 1, MAX_VISIBILITY_TIMEOUT)
        with self._transaction() as conn:
            row = self._queue(conn, queue, create=False)
            result = tables.change_visibility(
                conn, row.id, receipt_handle, visibility_timeout, self._now()
            )
        self._wake(queue)  # waiters may now have an earlier deadline
        return result

    # Internals

    def _now(self) -> int:
        return int(self._clock() * 1000)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._writing() as conn:
            yield conn

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; the caller holds ``self._lock``."""
        if self._closed:
            raise sqlite3.ProgrammingError("the queue store is closed")
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _queue(self, conn: sqlite3.Connection, name: str, *, create: bool) -> QueueRow:
        row = tables.find_queue(conn, name)
        if row is None and create:
            check_queue_name(name)
            tables.insert_queue(conn, name, DEFAULT_SETTINGS, self._now() // 1000)
            row = tables.find_queue(conn, name)
        if row is None:
            raise QueueNotExist()
        return row

    def _insert(self, conn: sqlite3.Connection, row: QueueRow, message: NewMessage) -> SendResult:
        size = len(message.body.encode("utf-8"))
        check_range("MessageBody", size, 1, _first(row.settings.maximum_message_size), "bytes")
        check_range("Priority", message.priority, MIN_PRIORITY, MAX_PRIORITY, "")
        delay = _first(message.delay_seconds, row.settings.delay_seconds)
        check_range("DelaySeconds", delay, 0, MAX_DELAY_SECONDS)
        return tables.insert_message(conn, row, message.body, message.priority, delay, self._now())

    def _claim(
        self, queue_id: int, count: int, visibility: int
    ) -> tuple[list[Message], float | None]:
        """Claim messages; if none, also say in how many seconds the next one falls due."""
        now = self._now()
        with self._writing() as conn:
            if now - self._last_purge >= _PURGE_EVERY_MS:
                tables.purge_expired(conn, now)
                self._last_purge = now
            messages = tables.claim(conn, queue_id, count, visibility, now)
            due = None if messages else tables.next_visible_at(conn, queue_id, now)
        return messages, None if due is None else (due - now) / 1000

    def _wake(self, queue: str) -> None:
        with self._lock:
            self._wakeups[queue] = self._wakeups.get(queue, 0) + 1
            self._condition(queue).notify_all()

    def _wait(self, queue: str, timeout: float) -> None:
        """Sleep (lock held on entry, released while asleep) until this process wakes the
        queue, ``timeout`` passes, or another process writes to the file."""
        condition = self._condition(queue)
        wakeups = self._wakeups.get(queue, 0)
        version = self._data_version()
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if condition.wait(min(left, _CROSS_PROCESS_POLL_SECONDS)) or self._closed:
                return
            # A notify racing the expiry of the wait above is spent without waking it.
            if self._wakeups.get(queue, 0) != wakeups or self._data_version() != version:
                return

    def _data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _condition(self, queue: str) -> threading.Condition:
        condition = self._conditions.get(queue)
        if condition is None:
            condition = self._conditions[queue] = threading.Condition(self._lock)
        return condition


def _first(*values: int | None) -> int:
    """The first value that is not ``None`` (stored settings never are)."""
    return next(value for value in values if value is not None)
