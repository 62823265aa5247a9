"""MNS request signatures: the check a server configured with an access key makes.

The client signs ``METHOD\\nContent-MD5\\nContent-Type\\nDate\\n<x-mns-* headers>/resource``
with HMAC-SHA1 and sends ``Authorization: MNS <AccessKeyId>:<base64 signature>``. A server
without credentials accepts any request (a local queue on 127.0.0.1 usually needs none); with
credentials it refuses a missing, malformed or wrongly signed header with the MNS error the
SDK expects. The Date header is signed but not checked against the clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from worker.local.mnsqueue.errors import (
    InvalidAccessKeyId,
    InvalidAuthorizationHeader,
    MissingAuthorizationHeader,
    SignatureDoesNotMatch,
)


@dataclass(frozen=True, slots=True)
class Credentials:
    """The one access key pair a server accepts.

    Attributes:
        access_id: The AccessKeyId clients sign with.
        access_key: The AccessKeySecret (never logged).
    """

    access_id: str
    access_key: str

    def __repr__(self) -> str:
        return f"Credentials(access_id={self.access_id!r}, access_key='***')"


def string_to_sign(method: str, resource: str, headers: Mapping[str, str]) -> str:
    """The canonical string of a request; ``headers`` has lower-case names."""
    mns_headers = "".join(
        f"{name}:{headers[name]}\n" for name in sorted(headers) if name.startswith("x-mns-")
    )
    parts = (
        method,
        headers.get("content-md5", ""),
        headers.get("content-type", ""),
        headers.get("date", ""),
    )
    return "\n".join(parts) + "\n" + mns_headers + resource


def sign(access_key: str, text: str) -> str:
    """The base64 HMAC-SHA1 of ``text`` under ``access_key``."""
    digest = hmac.new(access_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(
    credentials: Credentials | None, method: str, resource: str, headers: Mapping[str, str]
) -> None:
    """Accept the request or raise the MNS error for its Authorization header.

    Args:
        credentials: The accepted key pair; ``None`` accepts every request.
        method: The HTTP method.
        resource: The request target exactly as sent (path and query string).
        headers: The request headers with lower-case names.
    """
    if credentials is None:
        return
    authorization = headers.get("authorization")
    if not authorization:
        raise MissingAuthorizationHeader()
    scheme, _, rest = authorization.partition(" ")
    access_id, colon, signature = rest.strip().rpartition(":")
    if scheme != "MNS" or not colon or not access_id:
        raise InvalidAuthorizationHeader()
    if access_id != credentials.access_id:
        raise InvalidAccessKeyId()
    expected = sign(credentials.access_key, string_to_sign(method, resource, headers))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureDoesNotMatch()
