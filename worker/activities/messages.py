"""The ``fdl.send_message`` activity: a task's message to an MNS queue or topic.

Two backends, chosen by the ``queues:`` section of ``fdl.yaml``:

- ``local`` (default): the SQLite queue file of :mod:`worker.local.mnsqueue` (``.fdl/queue.db``),
  the same file ``fdl queue serve`` and ``fdl dev`` serve over the MNS HTTP API, so worker programs
  using ``aliyun-mns-sdk`` on this machine receive the messages. A topic message is copied to the
  queues listed for it under ``queues.topics`` (or to the queue named like the topic).
- ``mns``: Alibaba MNS, or any server speaking its API, through ``aliyun-mns-sdk``.

Each send runs once per attempt (FDL retry decides about retries); failures are non-retryable
``ApplicationError``s named ``MNS.<ErrorCode>`` (for example ``MNS.QueueNotExist``), or
``MNS.NetworkError`` when the endpoint cannot be reached.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Protocol

from temporalio import activity
from temporalio.exceptions import ApplicationError

from worker.config import ConfigError, ProjectConfig, QueuesConfig, resolve_secret
from worker.contract.activities import SEND_MESSAGE, MessageSent, SendMessage
from worker.local.mnsqueue import MnsError, QueueStore

DEFAULT_PRIORITY = 8
"""MNS's default priority of a queue message."""


class QueueBackend(Protocol):
    """Where messages go; every method blocks (activities call them in a thread)."""

    def send(self, message: SendMessage) -> MessageSent: ...

    def close(self) -> None: ...


class LocalBackend:
    """Messages into the local SQLite queue file."""

    def __init__(self, config: ProjectConfig) -> None:
        self.store = QueueStore(config.queue_db)
        self._topics = config.queues.topics

    def send(self, message: SendMessage) -> MessageSent:
        queues = [message.name]
        if message.target == "topic":
            queues = self._topics.get(message.name) or [message.name]
        try:
            results = [
                self.store.send(
                    queue, message.body, message.priority or DEFAULT_PRIORITY, message.delay_seconds
                )
                for queue in queues
            ]
        except MnsError as exc:
            raise _failure(exc.code, exc.message, message) from None
        first = results[0]
        return MessageSent(
            message_id=first.message_id, body_md5=first.body_md5, request_id=_request_id()
        )

    def close(self) -> None:
        self.store.close()


class MnsBackend:
    """Messages to Alibaba MNS (or a server speaking its API) through ``aliyun-mns-sdk``."""

    def __init__(self, config: QueuesConfig) -> None:
        self._account = mns_account(config)

    def send(self, message: SendMessage) -> MessageSent:
        from mns.mns_exception import (  # type: ignore[import-untyped]
            MNSClientNetworkException,
            MNSExceptionBase,
            MNSServerException,
        )

        try:
            if message.target == "topic":
                return self._publish(message)
            return self._enqueue(message)
        except MNSServerException as exc:
            raise _failure(exc.type, exc.message, message) from None
        except MNSClientNetworkException as exc:
            raise _failure("NetworkError", str(exc.message), message) from None
        except MNSExceptionBase as exc:
            raise _failure(exc.type or "ClientError", str(exc.message), message) from None

    def _enqueue(self, message: SendMessage) -> MessageSent:
        from mns.queue import Message  # type: ignore[import-untyped]

        queue = self._account.get_queue(message.name)
        queue.set_encoding(False)  # plain bodies, as the FDL worker samples expect
        sent = queue.send_message(Message(message.body, message.delay_seconds, message.priority))
        return MessageSent(
            message_id=sent.message_id, body_md5=sent.message_body_md5, request_id=_request_id()
        )

    def _publish(self, message: SendMessage) -> MessageSent:
        from mns.topic import TopicMessage  # type: ignore[import-untyped]

        topic = self._account.get_topic(message.name)
        sent = topic.publish_message(TopicMessage(message.body, message.tag or ""))
        return MessageSent(
            message_id=sent.message_id, body_md5=sent.message_body_md5, request_id=_request_id()
        )

    def close(self) -> None:
        pass


def mns_account(config: QueuesConfig) -> Any:
    """The ``aliyun-mns-sdk`` account of an ``mns`` backend (secrets read from the environment).

    Raises:
        ConfigError: the SDK is not installed, or a ``${VAR}`` secret is not set.
    """
    try:
        from mns.account import Account  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError(
            "queues: backend mns needs Alibaba's MNS SDK: pip install 'fdl-temporal[mns]'"
        ) from None
    assert config.endpoint and config.access_key_id and config.access_key_secret
    return Account(
        config.endpoint,
        resolve_secret(config.access_key_id, "access_key_id"),
        resolve_secret(config.access_key_secret, "access_key_secret"),
    )


def backend_for(config: ProjectConfig) -> QueueBackend:
    """The queue backend ``config`` selects."""
    if config.queues.backend == "mns":
        return MnsBackend(config.queues)
    return LocalBackend(config)


class MessagingActivities:
    """The message-sending activity of one worker; the backend opens on first use."""

    def __init__(self, config: ProjectConfig) -> None:
        self._config = config
        self._backend: QueueBackend | None = None

    @activity.defn(name=SEND_MESSAGE)
    async def send_message(self, message: SendMessage) -> MessageSent:
        """Send one message to the configured backend."""
        if self._backend is None:
            self._backend = backend_for(self._config)
        return await asyncio.to_thread(self._backend.send, message)

    @property
    def backend(self) -> QueueBackend | None:
        """The open backend (``None`` until the first send, and once closed)."""
        return self._backend

    def close(self) -> None:
        """Close the backend (the local queue file)."""
        if self._backend is not None:
            self._backend.close()
            self._backend = None


def _failure(code: str, text: str, message: SendMessage) -> ApplicationError:
    where = f"{message.target} {message.name}"
    return ApplicationError(f"{message.step_path}: sending to {where}: {text}", type=f"MNS.{code}")


def _request_id() -> str:
    return uuid.uuid4().hex[:24].upper()
