"""An embedded, durable message queue with Alibaba MNS semantics and the MNS HTTP API.

``QueueStore`` keeps queues in a SQLite file and is the Python API; ``serve_queue`` serves
a store over HTTP with the MNS REST/XML API, so worker programs written with the unmodified
``aliyun-mns-sdk`` client work against it by changing only the endpoint and credentials.
"""

from __future__ import annotations

from worker.local.mnsqueue.auth import Credentials
from worker.local.mnsqueue.errors import (
    MessageNotExist,
    MnsError,
    QueueAlreadyExist,
    QueueNotExist,
    ReceiptHandleError,
)
from worker.local.mnsqueue.model import (
    Message,
    NewMessage,
    QueueAttributes,
    QueueSettings,
    SendResult,
    Visibility,
)
from worker.local.mnsqueue.queuefile import QueueFileError
from worker.local.mnsqueue.server import QueueServer, serve_queue
from worker.local.mnsqueue.store import QueueStore

__all__ = [
    "Credentials",
    "Message",
    "MessageNotExist",
    "MnsError",
    "NewMessage",
    "QueueAlreadyExist",
    "QueueAttributes",
    "QueueFileError",
    "QueueNotExist",
    "QueueServer",
    "QueueSettings",
    "QueueStore",
    "ReceiptHandleError",
    "SendResult",
    "Visibility",
    "serve_queue",
]
