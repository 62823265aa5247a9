"""The RPC request signature of the original API: HMAC-SHA1, ``SignatureVersion=1.0``.

Both official SDKs sign the union of the query and form parameters (``Signature`` left out),
sorted by name and percent-encoded as RFC 3986 says, under the key ``AccessKeySecret + "&"``::

    string_to_sign = METHOD + "&%2F&" + pct("&".join(pct(k) + "=" + pct(v) for k, v in sorted))

The signature covers neither the host nor the path, so a proxy in front of the server does not
break it. :func:`sign` is what a client computes; the server recomputes it and compares.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote

SIGNATURE_METHOD = "HMAC-SHA1"
SIGNATURE_VERSION = "1.0"


def percent(text: str) -> str:
    """RFC 3986 percent-encoding of UTF-8 text: only ``A-Z a-z 0-9 - _ . ~`` stay as they are."""
    return quote(text, safe="~")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """The canonical text a request's signature is computed over."""
    canonical = "&".join(
        f"{percent(key)}={percent(value)}"
        for key, value in sorted(params.items())
        if key != "Signature"
    )
    return f"{method.upper()}&{percent('/')}&{percent(canonical)}"


def sign(secret: str, method: str, params: Mapping[str, str]) -> str:
    """The base64 HMAC-SHA1 signature of a request under ``secret`` (the AccessKeySecret)."""
    key = (secret + "&").encode("utf-8")
    digest = hmac.new(key, string_to_sign(method, params).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode("ascii")


def matches(secret: str, method: str, params: Mapping[str, str], signature: str) -> bool:
    """Whether ``signature`` is the request's signature under ``secret`` (constant time)."""
    expected = sign(secret, method, params).encode("ascii")
    return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))
