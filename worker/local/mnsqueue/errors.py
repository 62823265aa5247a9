"""The errors of the local queue, named and numbered as Alibaba MNS names and numbers them.

The store raises them and the HTTP server turns them into MNS error XML, so programs written
against the ``aliyun-mns-sdk`` client see the same ``MNSServerException`` types (``e.type``) as
with the cloud service: ``QueueNotExist``, ``MessageNotExist``, ``ReceiptHandleError`` and so on.
"""

from __future__ import annotations

from typing import ClassVar


class MnsError(Exception):
    """An error with an MNS error code and HTTP status.

    Attributes:
        code: The MNS error code, e.g. ``QueueNotExist``.
        status: The HTTP status the server answers with.
        message: The text for people.
    """

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal error."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(f"{self.code}: {self.message}")


class QueueNotExist(MnsError):
    """The named queue does not exist."""

    code = "QueueNotExist"
    status = 404
    default_message = "The queue name you provided is not exist."


class QueueAlreadyExist(MnsError):
    """CreateQueue named an existing queue with different attributes."""

    code = "QueueAlreadyExist"
    status = 409
    default_message = "The queue you want to create is already exist."


class MessageNotExist(MnsError):
    """No message to receive or peek (after the long-polling wait)."""

    code = "MessageNotExist"
    status = 404
    default_message = "Message not exist."


class ReceiptHandleError(MnsError):
    """The receipt handle is unknown, malformed or no longer valid."""

    code = "ReceiptHandleError"
    status = 400
    default_message = "The receipt handle you provide is not valid."


class InvalidArgument(MnsError):
    """A parameter is out of range or of the wrong form."""

    code = "InvalidArgument"
    status = 400
    default_message = "The argument you provided is not valid."


class InvalidQueueName(MnsError):
    """The queue name breaks the MNS naming rule."""

    code = "InvalidQueueName"
    status = 400
    default_message = (
        "The queue name you provided is not valid: it must start with a letter and hold only "
        "letters, digits and '-', at most 256 characters."
    )


class MalformedXML(MnsError):
    """The request body is not the XML the operation expects."""

    code = "MalformedXML"
    status = 400
    default_message = "The XML you provided was not well-formed."


class InvalidRequestURL(MnsError):
    """No operation answers this method and path."""

    code = "InvalidRequestURL"
    status = 400
    default_message = "Http request URL format invalid."


class MissingAuthorizationHeader(MnsError):
    """The server checks signatures and the request carried none."""

    code = "MissingAuthorizationHeader"
    status = 400
    default_message = "Authorization header is required."


class InvalidAuthorizationHeader(MnsError):
    """The Authorization header is not ``MNS AccessKeyId:Signature``."""

    code = "InvalidAuthorizationHeader"
    status = 400
    default_message = "The Authorization header format is invalid."


class InvalidAccessKeyId(MnsError):
    """The access key id is not the one the server was configured with."""

    code = "InvalidAccessKeyId"
    status = 403
    default_message = "The AccessKey Id you provided is not exist."


class SignatureDoesNotMatch(MnsError):
    """The request was signed with another access key secret (or altered)."""

    code = "SignatureDoesNotMatch"
    status = 403
    default_message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )


class MissingReceiptHandle(MnsError):
    """DeleteMessage or ChangeMessageVisibility named no receipt handle."""

    code = "MissingReceiptHandle"
    status = 400
    default_message = "ReceiptHandle is required."


class MissingVisibilityTimeout(MnsError):
    """ChangeMessageVisibility named no visibility timeout."""

    code = "MissingVisibilityTimeout"
    status = 400
    default_message = "VisibilityTimeout is required."
