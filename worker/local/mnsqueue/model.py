"""The values of the local queue: queue settings and attributes, messages, and MNS limits.

Limits and defaults are Alibaba MNS's (queue API reference): they are checked here, once, so
the store and the HTTP server reject the same requests with the same ``InvalidArgument`` text.
Times are what MNS reports: message times in milliseconds since the epoch, queue times in seconds.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from worker.local.mnsqueue.errors import InvalidArgument, InvalidQueueName

DEFAULT_PRIORITY = 8
MIN_PRIORITY, MAX_PRIORITY = 1, 16
MAX_WAIT_SECONDS = 30
MAX_BATCH = 16
MAX_VISIBILITY_TIMEOUT = 43200
MAX_DELAY_SECONDS = 604800

_QUEUE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,255}")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueSettings:
    """The attributes a user sets on a queue; ``None`` means "the default" or "unchanged".

    Attributes:
        visibility_timeout: Seconds a received message stays invisible (1-43200, default 30).
        delay_seconds: Delay of messages sent without their own (0-604800, default 0).
        maximum_message_size: Largest body in bytes (1024-65536, default 65536).
        message_retention_period: Seconds a message lives (60-604800, default 345600).
        polling_wait_seconds: Long-polling wait of receives that name none (0-30, default 0).
        logging_enabled: Kept and reported only; this queue writes no MNS logs.
    """

    visibility_timeout: int | None = None
    delay_seconds: int | None = None
    maximum_message_size: int | None = None
    message_retention_period: int | None = None
    polling_wait_seconds: int | None = None
    logging_enabled: bool | None = None

    def validate(self) -> QueueSettings:
        """Return ``self`` after checking every given value against the MNS ranges."""
        for name, (low, high, unit) in _RANGES.items():
            value = getattr(self, name)
            if value is not None:
                check_range(_MNS_NAMES[name], value, low, high, unit)
        return self

    def given(self) -> dict[str, int | bool]:
        """The attributes that are not ``None``, by field name."""
        values = dataclasses.asdict(self)
        return {name: value for name, value in values.items() if value is not None}

    def filled(self) -> QueueSettings:
        """These settings with MNS's defaults in place of ``None``."""
        values: dict[str, Any] = {**dataclasses.asdict(DEFAULT_SETTINGS), **self.given()}
        return QueueSettings(**values)


DEFAULT_SETTINGS = QueueSettings(
    visibility_timeout=30,
    delay_seconds=0,
    maximum_message_size=65536,
    message_retention_period=345600,
    polling_wait_seconds=0,
    logging_enabled=False,
)

_RANGES: dict[str, tuple[int, int, str]] = {
    "visibility_timeout": (1, MAX_VISIBILITY_TIMEOUT, "seconds"),
    "delay_seconds": (0, MAX_DELAY_SECONDS, "seconds"),
    "maximum_message_size": (1024, 65536, "bytes"),
    "message_retention_period": (60, 604800, "seconds"),
    "polling_wait_seconds": (0, MAX_WAIT_SECONDS, "seconds"),
}
_MNS_NAMES = {
    "visibility_timeout": "VisibilityTimeout",
    "delay_seconds": "DelaySeconds",
    "maximum_message_size": "MaximumMessageSize",
    "message_retention_period": "MessageRetentionPeriod",
    "polling_wait_seconds": "PollingWaitSeconds",
    "logging_enabled": "LoggingEnabled",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueAttributes:
    """What GetQueueAttributes reports: the settings, times and message counts of a queue.

    Attributes:
        name: The queue name.
        settings: Every attribute filled in (no ``None``).
        create_time: Seconds since the epoch.
        last_modify_time: Seconds since the epoch.
        active_messages: Messages a receive would get now.
        inactive_messages: Received messages within their visibility timeout.
        delay_messages: Messages not yet visible because of their delay.
    """

    name: str
    settings: QueueSettings
    create_time: int
    last_modify_time: int
    active_messages: int
    inactive_messages: int
    delay_messages: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """A message as ReceiveMessage (with a receipt handle) or PeekMessage (without) shows it.

    Attributes:
        message_id: Unique id (32 upper-case hex digits).
        body: The body exactly as sent (base64 text when the SDK's encoding is on).
        body_md5: Upper-case hex MD5 of the UTF-8 body.
        priority: 1 (most urgent) to 16.
        enqueue_time: Milliseconds since the epoch.
        first_dequeue_time: Milliseconds since the epoch; 0 before the first receive.
        dequeue_count: How many times the message was received.
        next_visible_time: Milliseconds since the epoch when it becomes visible again.
        receipt_handle: Deletes the message or changes its visibility until
            ``next_visible_time``; ``None`` for a peeked message.
    """

    message_id: str
    body: str
    body_md5: str
    priority: int
    enqueue_time: int
    first_dequeue_time: int
    dequeue_count: int
    next_visible_time: int
    receipt_handle: str | None = None


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to send in a batch.

    Attributes:
        body: The message body (MNS: 1 byte up to the queue's MaximumMessageSize).
        priority: 1 (most urgent) to 16; MNS's default is 8.
        delay_seconds: Seconds before it becomes visible; ``None`` = the queue's DelaySeconds.
    """

    body: str
    priority: int = DEFAULT_PRIORITY
    delay_seconds: int | None = None


class SendResult(NamedTuple):
    """What SendMessage answers: the new message id and the MD5 of its body."""

    message_id: str
    body_md5: str


class Visibility(NamedTuple):
    """What ChangeMessageVisibility answers: the new receipt handle and visible time (ms)."""

    receipt_handle: str
    next_visible_time: int


def check_range(name: str, value: int, low: int, high: int, unit: str = "seconds") -> int:
    """Return ``value``, or raise :class:`InvalidArgument` in MNS words if out of range."""
    if not low <= value <= high:
        unit = f" {unit}" if unit else ""
        raise InvalidArgument(f"The value of {name} should between {low} and {high}{unit}.")
    return value


def check_queue_name(name: str) -> str:
    """Return ``name``, or raise :class:`InvalidQueueName` if MNS would refuse it."""
    if not _QUEUE_NAME.fullmatch(name):
        raise InvalidQueueName()
    return name
