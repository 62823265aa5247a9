"""What the console's browser and CLI tests share: the scenarios, run once per session on
the session's dev server by one ``fdl worker`` process per example, and a console serving
that server from a thread of the test process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import scenarios
from console_session import PREFIX, SUFFIX, TEMPORAL_UI
from temporalio.client import Client

from worker.console.app import ConsoleSettings
from worker.console.server import ConsoleServer
from worker.local.devserver import DevServer


@pytest.fixture(scope="session")
def chosen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, scenarios.Scenario]:
    bucket = scenarios.create_bucket(tmp_path_factory.mktemp("oss") / "bucket.db")
    return {s.key: s for s in scenarios.scenarios(bucket, SUFFIX)}


@pytest.fixture(scope="session")
def workers(dev_server: DevServer) -> Iterator[None]:
    with scenarios.worker_processes(dev_server.address, PREFIX):
        yield


@pytest.fixture(scope="session")
async def started(
    dev_server: DevServer, workers: None, chosen: dict[str, scenarios.Scenario]
) -> dict[str, scenarios.Scenario]:
    client = await Client.connect(dev_server.address, namespace=dev_server.namespace)
    await scenarios.register(client, PREFIX, list(chosen.values()))
    for scenario in chosen.values():
        await scenarios.start(client, PREFIX, scenario)
    return chosen


@pytest.fixture(scope="session")
def console(dev_server: DevServer) -> Iterator[str]:
    settings = ConsoleSettings(
        namespace=dev_server.namespace, temporal_ui=TEMPORAL_UI, query_timeout=2
    )
    with ConsoleServer(dev_server.address, dev_server.namespace, settings, port=0) as server:
        yield server.url
