"""Who may call the API: access key pairs, the timestamp window and ``SignatureNonce`` replays.

Two modes. **verify** (the default) knows a table of AccessKeyId -> AccessKeySecret (from
options, the environment, or a keys file) and refuses a request whose key is unknown
(``InvalidAccessKeyID``), whose signature differs (``SignatureNotMatch``), whose ``Timestamp``
is more than :data:`TIMESTAMP_WINDOW` away from the server's clock (``RequestTimeTooSkewed``),
or whose ``SignatureNonce`` was already used within that window (``SignatureNonceUsed``).
**open** accepts every request whatever its key and signature; it is for local development
and refuses to bind beyond loopback (:func:`check_bind`).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from worker.fnfapi.errors import ApiError, invalid, missing
from worker.fnfapi.signature import SIGNATURE_METHOD, SIGNATURE_VERSION, matches

TIMESTAMP_WINDOW = timedelta(minutes=15)
"""How far a request's ``Timestamp`` may be from the server's clock, either way (our choice:
the original's window is not documented)."""

NONCE_CAPACITY = 100_000
"""Nonces remembered at most; past it the oldest are forgotten (their timestamps expire soon)."""

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class KeysError(ValueError):
    """An access key option or keys file that cannot be used."""


def load_keys_file(path: Path) -> dict[str, str]:
    """Access key pairs from a text file: ``ACCESS_KEY_ID ACCESS_KEY_SECRET`` per line.

    Blank lines and lines starting with ``#`` are skipped.

    Raises:
        KeysError: the file cannot be read, or a line is not two fields.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeysError(f"{path}: cannot read the keys file: {exc}") from None
    keys: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) != 2:
            raise KeysError(f"{path}:{number}: expected 'ACCESS_KEY_ID ACCESS_KEY_SECRET'")
        keys[fields[0]] = fields[1]
    if not keys:
        raise KeysError(f"{path}: no access key pairs in the keys file")
    return keys


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only reaches this machine."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(
        ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses
    )


def check_bind(host: str, open_mode: bool) -> None:
    """Refuse to serve the open mode on an interface other machines reach.

    Raises:
        KeysError: open mode on a host that is not loopback.
    """
    if open_mode and not is_loopback(host):
        raise KeysError(
            f"refusing to serve without signature checks on {host}: the open mode binds to "
            "loopback only (127.0.0.1, ::1, localhost); give access keys to serve other machines"
        )


class NonceCache:
    """``SignatureNonce`` values seen within the timestamp window, thread-safe and bounded."""

    def __init__(self, ttl: float, capacity: int = NONCE_CAPACITY) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_use(self, nonce: str, now: float) -> bool:
        """Record ``nonce``; ``False`` if it was seen within the window already."""
        with self._lock:
            while self._seen and next(iter(self._seen.values())) <= now:
                self._seen.popitem(last=False)
            if nonce in self._seen:
                return False
            if len(self._seen) >= self._capacity:
                self._seen.popitem(last=False)
            self._seen[nonce] = now + self._ttl
            return True


@dataclass(kw_only=True)
class Authenticator:
    """Checks each request's key, signature, timestamp and nonce.

    Attributes:
        keys: AccessKeyId -> AccessKeySecret; ``None`` is the open mode (accept everything).
        window: how far ``Timestamp`` may be from now.
        clock: seconds since the epoch (tests move it).
    """

    keys: Mapping[str, str] | None
    window: timedelta = TIMESTAMP_WINDOW
    clock: Callable[[], float] = time.time
    nonces: NonceCache = field(init=False)

    def __post_init__(self) -> None:
        # A nonce older than twice the window cannot pass the timestamp check any more.
        self.nonces = NonceCache(2 * self.window.total_seconds())

    @property
    def open(self) -> bool:
        """Whether every request is accepted unchecked."""
        return self.keys is None

    def check(self, method: str, params: Mapping[str, str]) -> None:
        """Accept the request, or raise the original's error for it.

        Raises:
            ApiError: ``MissingRequiredParams``, ``InvalidArgument``, ``InvalidAccessKeyID``,
                ``RequestTimeTooSkewed``, ``SignatureNotMatch`` or ``SignatureNonceUsed``.
        """
        if self.keys is None:
            return
        for name in ("AccessKeyId", "Signature", "Timestamp", "SignatureNonce"):
            if not params.get(name):
                raise missing(name)
        self._check_method(params)
        now = self.clock()
        self._check_time(params["Timestamp"], now)
        key_id = params["AccessKeyId"]
        secret = self.keys.get(key_id)
        if secret is None:
            raise ApiError("InvalidAccessKeyID", f"The AccessKey ID {key_id} is invalid.")
        if not matches(secret, method, params, params["Signature"]):
            raise ApiError(
                "SignatureNotMatch",
                "The request signature we calculated does not match the signature you "
                "provided. Check your access key and signing method.",
            )
        if not self.nonces.first_use(params["SignatureNonce"], now):
            raise ApiError("SignatureNonceUsed", "Specified signature nonce was used already.")

    @staticmethod
    def _check_method(params: Mapping[str, str]) -> None:
        method = params.get("SignatureMethod", SIGNATURE_METHOD)
        version = params.get("SignatureVersion", SIGNATURE_VERSION)
        if method != SIGNATURE_METHOD or version != SIGNATURE_VERSION:
            raise invalid(
                f"unsupported signature {method} {version}: "
                f"use SignatureMethod={SIGNATURE_METHOD}, SignatureVersion={SIGNATURE_VERSION}"
            )

    def _check_time(self, text: str, now: float) -> None:
        try:
            moment = datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise invalid(
                f"Timestamp {text!r} is not in the format YYYY-MM-DDThh:mm:ssZ (UTC)"
            ) from None
        if abs(moment.timestamp() - now) > self.window.total_seconds():
            server = datetime.fromtimestamp(now, UTC).strftime(TIMESTAMP_FORMAT)
            raise ApiError(
                "RequestTimeTooSkewed",
                f"The difference between the request time {text} and the current time "
                f"{server} is too large.",
            )


def load_keys(
    access_key_id: str | None, access_key_secret: str | None, keys_file: Path | None
) -> dict[str, str]:
    """The key table of the verify mode: one pair given directly, a keys file, or both.

    Raises:
        KeysError: only half a pair, an unreadable keys file, or no key at all.
    """
    if bool(access_key_id) != bool(access_key_secret):
        raise KeysError("give both an AccessKeyId and an AccessKeySecret, or neither")
    keys = load_keys_file(keys_file) if keys_file is not None else {}
    if access_key_id and access_key_secret:
        keys[access_key_id] = access_key_secret
    if not keys:
        raise KeysError(
            "no access keys: give --access-key-id and --access-key-secret, or --keys-file "
            "(or --open to accept any key on loopback)"
        )
    return keys
