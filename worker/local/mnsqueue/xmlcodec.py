"""The XML bodies of the MNS queue API: parsing requests and rendering responses.

Element names, nesting and the ``http://mns.aliyuncs.com/doc/v1/`` namespace are those the
``aliyun-mns-sdk`` client writes and reads. Requests are parsed namespace-blind; message
extensions this queue does not implement (MessageGroupId, user and system properties) are
ignored rather than refused, so a client that sets them still works.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

from worker.local.mnsqueue.errors import InvalidArgument, MalformedXML, MnsError
from worker.local.mnsqueue.model import (
    DEFAULT_PRIORITY,
    Message,
    NewMessage,
    QueueAttributes,
    QueueSettings,
    SendResult,
    Visibility,
)

XMLNS = "http://mns.aliyuncs.com/doc/v1/"

_INT_SETTINGS = {
    "VisibilityTimeout": "visibility_timeout",
    "DelaySeconds": "delay_seconds",
    "MaximumMessageSize": "maximum_message_size",
    "MessageRetentionPeriod": "message_retention_period",
    "PollingWaitSeconds": "polling_wait_seconds",
}


# Requests


def parse_queue_settings(body: bytes) -> QueueSettings:
    """The attributes of a CreateQueue or SetQueueAttributes body (``<Queue>``)."""
    if not body.strip():
        return QueueSettings()
    fields = _fields(_root(body, "Queue"))
    values: dict[str, Any] = {
        attribute: _int(name, fields[name])
        for name, attribute in _INT_SETTINGS.items()
        if name in fields
    }
    logging = fields.get("LoggingEnabled")
    if logging is not None:
        if logging.lower() not in ("true", "false"):
            raise InvalidArgument("The value of LoggingEnabled should be True or False.")
        values["logging_enabled"] = logging.lower() == "true"
    return QueueSettings(**values)


def parse_messages(body: bytes) -> tuple[list[NewMessage], bool]:
    """The messages of a SendMessage (``<Message>``) or BatchSendMessage (``<Messages>``) body.

    Returns:
        The messages, and whether the body was a batch.
    """
    root = _parse(body)
    tag = _local(root.tag)
    if tag == "Message":
        return [_new_message(root)], False
    if tag == "Messages":
        return [_new_message(item) for item in root if _local(item.tag) == "Message"], True
    raise MalformedXML(f"Expected a Message or Messages element, got {tag}.")


def parse_receipt_handles(body: bytes) -> list[str]:
    """The handles of a BatchDeleteMessage body (``<ReceiptHandles>``)."""
    root = _root(body, "ReceiptHandles")
    return [(item.text or "").strip() for item in root if _local(item.tag) == "ReceiptHandle"]


def _new_message(element: ElementTree.Element) -> NewMessage:
    fields = _fields(element)
    if "MessageBody" not in fields:
        raise InvalidArgument("The MessageBody element is required.")
    delay = fields.get("DelaySeconds")
    priority = fields.get("Priority")
    return NewMessage(
        fields["MessageBody"],
        DEFAULT_PRIORITY if priority is None else _int("Priority", priority),
        None if delay is None else _int("DelaySeconds", delay),
    )


def _parse(body: bytes) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise MalformedXML() from None


def _root(body: bytes, tag: str) -> ElementTree.Element:
    root = _parse(body)
    if _local(root.tag) != tag:
        raise MalformedXML(f"Expected a {tag} element, got {_local(root.tag)}.")
    return root


def _fields(element: ElementTree.Element) -> dict[str, str]:
    return {_local(child.tag): child.text or "" for child in element}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _int(name: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidArgument(f"The value of {name} should be an integer.") from None


# Responses


def render_error(error: MnsError, request_id: str, host_id: str) -> bytes:
    """An ``<Error>`` body, which the SDK raises as ``MNSServerException(error.code, ...)``."""
    return _document(
        "Error",
        {"Code": error.code, "Message": error.message, "RequestId": request_id, "HostId": host_id},
    )


def render_queue_attributes(attributes: QueueAttributes) -> bytes:
    """The GetQueueAttributes body (``<Queue>``)."""
    return _document("Queue", queue_fields(attributes))


def queue_fields(attributes: QueueAttributes) -> dict[str, object]:
    """The MNS fields of a queue's attributes, as GetQueueAttributes and ListQueue show them."""
    settings = attributes.settings
    return {
        "QueueName": attributes.name,
        "CreateTime": attributes.create_time,
        "LastModifyTime": attributes.last_modify_time,
        "VisibilityTimeout": settings.visibility_timeout,
        "MaximumMessageSize": settings.maximum_message_size,
        "MessageRetentionPeriod": settings.message_retention_period,
        "DelaySeconds": settings.delay_seconds,
        "PollingWaitSeconds": settings.polling_wait_seconds,
        "ActiveMessages": attributes.active_messages,
        "InactiveMessages": attributes.inactive_messages,
        "DelayMessages": attributes.delay_messages,
        "LoggingEnabled": "True" if settings.logging_enabled else "False",
    }


def render_queue_list(queues: Sequence[Mapping[str, object]], next_marker: str) -> bytes:
    """The ListQueue body: one ``<Queue>`` per mapping (QueueURL and any meta), the marker."""
    root = _element("Queues")
    for fields in queues:
        _add_fields(ElementTree.SubElement(root, "Queue"), fields)
    if next_marker:
        ElementTree.SubElement(root, "NextMarker").text = next_marker
    return _serialize(root)


def render_sent(results: Sequence[SendResult], batch: bool) -> bytes:
    """The SendMessage (``<Message>``) or BatchSendMessage (``<Messages>``) body."""
    items = [{"MessageId": r.message_id, "MessageBodyMD5": r.body_md5} for r in results]
    return _items("Message", items, batch)


def render_messages(messages: Sequence[Message], batch: bool) -> bytes:
    """The body of a (batch) receive or peek: receipt handles only for received messages."""
    return _items("Message", [message_fields(message) for message in messages], batch)


def render_visibility(visibility: Visibility) -> bytes:
    """The ChangeMessageVisibility body (``<ChangeVisibility>``)."""
    return _document(
        "ChangeVisibility",
        {
            "ReceiptHandle": visibility.receipt_handle,
            "NextVisibleTime": visibility.next_visible_time,
        },
    )


def render_delete_failures(failures: Iterable[tuple[str, MnsError]]) -> bytes:
    """The BatchDeleteMessage error body: one ``<Error>`` per handle that failed."""
    items = [
        {"ErrorCode": error.code, "ErrorMessage": error.message, "ReceiptHandle": handle}
        for handle, error in failures
    ]
    return _document_of("Errors", "Error", items)


def message_fields(message: Message) -> dict[str, object]:
    """The MNS fields of a message, as ReceiveMessage and PeekMessage show them."""
    fields: dict[str, object] = {"MessageId": message.message_id}
    if message.receipt_handle is not None:
        fields["ReceiptHandle"] = message.receipt_handle
    fields |= {
        "MessageBodyMD5": message.body_md5,
        "MessageBody": message.body,
        "EnqueueTime": message.enqueue_time,
        "FirstDequeueTime": message.first_dequeue_time,
        "DequeueCount": message.dequeue_count,
        "Priority": message.priority,
    }
    if message.receipt_handle is not None:
        fields["NextVisibleTime"] = message.next_visible_time
    return fields


def _items(tag: str, items: Sequence[Mapping[str, object]], batch: bool) -> bytes:
    return _document_of(f"{tag}s", tag, items) if batch else _document(tag, items[0])


def _document(tag: str, fields: Mapping[str, object]) -> bytes:
    root = _element(tag)
    _add_fields(root, fields)
    return _serialize(root)


def _document_of(tag: str, item_tag: str, items: Iterable[Mapping[str, object]]) -> bytes:
    root = _element(tag)
    for fields in items:
        _add_fields(ElementTree.SubElement(root, item_tag), fields)
    return _serialize(root)


def _element(tag: str) -> ElementTree.Element:
    return ElementTree.Element(tag, {"xmlns": XMLNS})


def _add_fields(parent: ElementTree.Element, fields: Mapping[str, object]) -> None:
    for name, value in fields.items():
        ElementTree.SubElement(parent, name).text = str(value)


def _serialize(root: ElementTree.Element) -> bytes:
    data: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return data
