"""Helpers of the FnF API tests: the real ``fdl api serve`` process and the two official SDKs.

The server runs as a separate process on an ephemeral loopback port (its first stdout line is
its URL); the SDKs are the unmodified ``alibabacloud-fnf20190315`` (new) and
``aliyun-python-sdk-fnf`` on ``aliyun-python-sdk-core`` (legacy), pointed at it by endpoint.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from alibabacloud_fnf20190315.client import Client as NewClient
from alibabacloud_tea_openapi import models as open_api_models
from aliyunsdkcore.client import AcsClient

from worker.fnfapi.signature import sign
from worker.local.devserver import DevServer

FDL = str(Path(sys.executable).parent / "fdl")
AK, SK = "test-ak", "test-secret"


@contextmanager
def api_server(
    dev_server: DevServer, task_queue: str, *args: str, keys: bool = True
) -> Iterator[str]:
    """``fdl api serve --port 0`` for the block; yields its URL."""
    key_args = ["--access-key-id", AK, "--access-key-secret", SK] if keys else ["--open"]
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": dev_server.address,
        "TEMPORAL_NAMESPACE": dev_server.namespace,
    }
    process = subprocess.Popen(
        [FDL, "api", "serve", "--port", "0", "--task-queue", task_queue, *key_args, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
        wait_until_serving(url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_until_serving(url: str, timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def new_client(url: str, secret: str = SK, read_timeout: int = 70_000) -> NewClient:
    """The new SDK, as the README tells users to configure it."""
    return NewClient(
        open_api_models.Config(
            access_key_id=AK,
            access_key_secret=secret,
            endpoint=urlsplit(url).netloc,
            protocol="http",
            read_timeout=read_timeout,
        )
    )


def legacy_client(url: str, secret: str = SK) -> AcsClient:
    """The legacy SDK, as the README tells users to configure it."""
    port = urlsplit(url).port
    client = AcsClient(AK, secret, "cn-hangzhou", port=port)
    client.add_endpoint("cn-hangzhou", "fnf", "127.0.0.1")
    return client


def legacy_call(client: AcsClient, action: str, **params: Any) -> dict[str, Any]:
    """Call ``action`` through its legacy request class (``set_<Param>`` for each param)."""
    module = import_module(f"aliyunsdkfnf.request.v20190315.{action}Request")
    request = getattr(module, f"{action}Request")()
    if action == "StartSyncExecution":
        request.set_protocol_type("http")  # its class asks for https (README: the one line)
    for name, value in params.items():
        getattr(request, f"set_{name}")(value)
    return dict(json.loads(client.do_action_with_exception(request)))


def signed(
    params: dict[str, str], *, method: str = "GET", secret: str = SK, **overrides: str
) -> dict[str, str]:
    """Common parameters plus ``params``, signed as the SDKs sign (``overrides`` after)."""
    full = {
        "Format": "JSON",
        "Version": "2019-03-15",
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "AccessKeyId": AK,
        **params,
        **overrides,
    }
    return {**full, "Signature": sign(secret, method, full)}
