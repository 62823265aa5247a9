"""The MNS queue API over a QueueStore: one request in, one response out, no sockets.

Routes, query parameters and status codes follow Alibaba MNS as the ``aliyun-mns-sdk`` client
uses it (``/queues``, ``/queues/<name>``, ``/queues/<name>/messages``). Query parameter names
are matched case-insensitively, because the SDK writes ``ReceiptHandle``/``VisibilityTimeout``
where the MNS reference writes ``receiptHandle``/``visibilityTimeout``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from worker.local.mnsqueue import xmlcodec
from worker.local.mnsqueue.auth import Credentials, verify
from worker.local.mnsqueue.errors import (
    InvalidArgument,
    InvalidRequestURL,
    MessageNotExist,
    MissingReceiptHandle,
    MissingVisibilityTimeout,
    MnsError,
)
from worker.local.mnsqueue.model import check_queue_name
from worker.local.mnsqueue.store import QueueStore


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """An HTTP request as the API sees it.

    Attributes:
        method: ``GET``, ``PUT``, ``POST`` or ``DELETE``.
        target: The request target exactly as sent (path and query; it is signed).
        headers: Header values by lower-case name.
        body: The request body.
    """

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP response: status, XML body (maybe empty) and extra headers."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Call:
    """A routed request: the queue name (if any), lower-cased query, headers and body."""

    queue: str
    query: dict[str, str]
    request: Request
    base_url: str


_log = logging.getLogger(__name__)
_Handler = Callable[["MnsApi", _Call], Response]


class MnsApi:
    """Answers MNS queue API requests from a :class:`QueueStore`.

    Args:
        store: Where the queues live.
        credentials: The key pair requests must be signed with; ``None`` accepts any.
        base_url: Used in queue URLs when a request has no Host header.
    """

    def __init__(
        self, store: QueueStore, credentials: Credentials | None = None, base_url: str = ""
    ) -> None:
        self.store = store
        self.credentials = credentials
        self.base_url = base_url

    def handle(self, request: Request, request_id: str) -> Response:
        """Check the signature, run the operation, and render its result or MNS error."""
        try:
            verify(self.credentials, request.method, request.target, request.headers)
            return self._dispatch(request)
        except MnsError as error:
            return self._error(error, request_id)
        except Exception:  # a request must get an answer, whatever went wrong inside
            _log.exception("%s %s failed", request.method, request.target)
            return self._error(MnsError(), request_id)

    def _error(self, error: MnsError, request_id: str) -> Response:
        return Response(error.status, xmlcodec.render_error(error, request_id, self.base_url))

    def _dispatch(self, request: Request) -> Response:
        url = urlsplit(request.target)
        parts = [part for part in url.path.split("/") if part]
        kind = {1: "queues", 2: "queue", 3: "messages"}.get(len(parts), "")
        handler = _ROUTES.get((request.method, kind))
        if parts[:1] != ["queues"] or (kind == "messages" and parts[2] != "messages"):
            handler = None
        if handler is None:
            raise InvalidRequestURL()
        query = {key.lower(): value for key, value in parse_qsl(url.query, keep_blank_values=True)}
        host = request.headers.get("host")
        base_url = f"http://{host}" if host else self.base_url
        return handler(self, _Call(parts[1] if len(parts) > 1 else "", query, request, base_url))

    # Queues

    def _put_queue(self, call: _Call) -> Response:
        settings = xmlcodec.parse_queue_settings(call.request.body)
        if call.query.get("metaoverride", "").lower() == "true":
            self.store.set_attributes(call.queue, settings)
            return Response(204)
        created = self.store.create_queue(call.queue, settings)
        # The SDK reads Location after either status.
        location = {"Location": f"{call.base_url}/queues/{call.queue}"}
        return Response(201 if created else 204, headers=location)

    def _get_queue(self, call: _Call) -> Response:
        return Response(200, xmlcodec.render_queue_attributes(self.store.attributes(call.queue)))

    def _delete_queue(self, call: _Call) -> Response:
        self.store.delete_queue(call.queue)
        return Response(204)

    def _list_queues(self, call: _Call) -> Response:
        headers = call.request.headers
        limit = _int("x-mns-ret-number", headers.get("x-mns-ret-number", "1000"))
        names, marker = self.store.list_queues(
            headers.get("x-mns-prefix", ""), headers.get("x-mns-marker", ""), limit
        )
        with_meta = headers.get("x-mns-with-meta", "").lower() == "true"
        queues = [self._listed(call.base_url, name, with_meta) for name in names]
        return Response(200, xmlcodec.render_queue_list(queues, marker))

    def _listed(self, base_url: str, name: str, with_meta: bool) -> dict[str, object]:
        fields: dict[str, object] = {"QueueURL": f"{base_url}/queues/{name}"}
        if with_meta:
            fields |= xmlcodec.queue_fields(self.store.attributes(name))
        return fields

    # Messages

    def _send(self, call: _Call) -> Response:
        check_queue_name(call.queue)
        messages, batch = xmlcodec.parse_messages(call.request.body)
        results = self.store.send_batch(call.queue, messages)
        return Response(201, xmlcodec.render_sent(results, batch))

    def _get_messages(self, call: _Call) -> Response:
        count_text = call.query.get("numofmessages")
        count = 1 if count_text is None else _int("numOfMessages", count_text)
        if call.query.get("peekonly", "").lower() == "true":
            messages = self.store.peek(call.queue, count)
        else:
            wait_text = call.query.get("waitseconds")
            wait = None if wait_text is None else _int("waitseconds", wait_text)
            messages = self.store.receive_batch(call.queue, count, wait)
        if not messages:
            raise MessageNotExist()
        return Response(200, xmlcodec.render_messages(messages, count_text is not None))

    def _delete_messages(self, call: _Call) -> Response:
        handle = call.query.get("receipthandle")
        if handle is not None:
            if not handle:
                raise MissingReceiptHandle()
            self.store.delete(call.queue, handle)
            return Response(204)
        handles = xmlcodec.parse_receipt_handles(call.request.body)
        failures = self.store.delete_batch(call.queue, handles)
        if failures:
            return Response(404, xmlcodec.render_delete_failures(failures))
        return Response(204)

    def _change_visibility(self, call: _Call) -> Response:
        handle = call.query.get("receipthandle")
        timeout = call.query.get("visibilitytimeout")
        if not handle:
            raise MissingReceiptHandle()
        if not timeout:
            raise MissingVisibilityTimeout()
        result = self.store.change_visibility(
            call.queue, handle, _int("VisibilityTimeout", timeout)
        )
        return Response(200, xmlcodec.render_visibility(result))


_ROUTES: dict[tuple[str, str], _Handler] = {
    ("GET", "queues"): MnsApi._list_queues,
    ("PUT", "queue"): MnsApi._put_queue,
    ("GET", "queue"): MnsApi._get_queue,
    ("DELETE", "queue"): MnsApi._delete_queue,
    ("POST", "messages"): MnsApi._send,
    ("GET", "messages"): MnsApi._get_messages,
    ("DELETE", "messages"): MnsApi._delete_messages,
    ("PUT", "messages"): MnsApi._change_visibility,
}


def _int(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidArgument(f"The value of {name} should be an integer.") from None
