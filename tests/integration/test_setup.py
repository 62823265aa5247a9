"""``fdl setup`` against a bare ``temporal server start-dev``: a namespace without ``FdlFlow``.

The session's dev server registers the search attribute when it starts, so these tests start
their own server the way a user would (``BareDevServer``), with extra namespaces for the
cases setup cannot fix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import BareDevServer, running_worker
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.service import RPCError

from worker.local.devserver import DevServer, free_port
from worker.service.client import FdlClient
from worker.service.setup import setup_hint

FDL = str(Path(sys.executable).parent / "fdl")
GREETING = """\
version: v1
type: flow
steps:
  - type: pass
    name: greet
    outputMappings:
      - target: greeting
        source: hello
"""
MISSING = (
    "namespace default has no search attribute FdlFlow (Keyword), which fdl needs: run `fdl setup`"
)
FULL = "full"
"""A namespace whose ten Keyword slots (the SQL visibility store's limit) are taken."""
WRONG_TYPE = "wrongtype"
"""A namespace where FdlFlow exists as a Text attribute."""
UNPREPARED = "unprepared"
"""A namespace nobody runs ``fdl setup`` for."""


@pytest.fixture(scope="module")
def bare() -> Iterator[BareDevServer]:
    namespaces = (FULL, WRONG_TYPE, UNPREPARED)
    with BareDevServer(ui_port=None, extra_namespaces=namespaces) as server:
        yield server


def fdl(*args: str, address: str, namespace: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env["TEMPORAL_ADDRESS"] = address
    if namespace:
        env["TEMPORAL_NAMESPACE"] = namespace
    return subprocess.run([FDL, *args], env=env, capture_output=True, text=True, timeout=120)


async def test_start_fails_with_one_line_until_setup_then_runs(
    bare: BareDevServer, task_queue: str
) -> None:
    fdl_client = await FdlClient.connect(bare.address, task_queue=task_queue)
    await fdl_client.create_flow("greeting", GREETING)
    with pytest.raises(RPCError) as started:
        await fdl_client.start_execution("greeting", name="before-setup")
    assert setup_hint(started.value) == MISSING
    with pytest.raises(RPCError) as listed:
        await fdl_client.list_executions("greeting")
    assert setup_hint(listed.value, namespace="default") == MISSING

    done = fdl("setup", address=bare.address)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "namespace default: present",
        "search attribute FdlFlow (Keyword): created",
        "namespace default is ready for fdl",
    ]
    async with running_worker(fdl_client.temporal, task_queue):
        await fdl_client.start_execution("greeting", name="after-setup")
        info = await fdl_client.describe_execution("greeting", "after-setup", wait_seconds=30)
    assert (info.status, info.output) == ("Succeeded", {"greeting": "hello"})
    assert [e.name for e in await fdl_client.list_executions("greeting")] == ["after-setup"]

    again = fdl("setup", address=bare.address)
    assert again.returncode == 0, again.stderr
    assert "search attribute FdlFlow (Keyword): present" in again.stdout.splitlines()


async def test_setup_creates_a_missing_namespace_and_the_registry_namespace(
    bare: BareDevServer,
) -> None:
    fresh = await Client.connect(bare.address, namespace="fresh")
    with pytest.raises(RPCError) as listed:
        await FdlClient(fresh).list_executions("greeting")
    assert setup_hint(listed.value) == "namespace fresh does not exist: run `fdl setup`"

    done = fdl("setup", "--registry-namespace", "--json", address=bare.address, namespace="fresh")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "Namespace": "fresh",
        "Steps": [
            {"Item": "namespace fresh", "Status": "created"},
            {"Item": "search attribute FdlFlow (Keyword)", "Status": "created"},
            {"Item": "namespace fresh-fdl", "Status": "created"},
        ],
    }
    assert await FdlClient(fresh).list_executions("greeting") == []
    registry = await Client.connect(bare.address, namespace="fresh-fdl")
    assert await registry.count_workflows() is not None
    again = fdl("setup", "--registry-namespace", "--json", address=bare.address, namespace="fresh")
    assert {step["Status"] for step in json.loads(again.stdout)["Steps"]} == {"present"}


async def test_a_refused_attribute_prints_the_operator_command(bare: BareDevServer) -> None:
    client = await Client.connect(bare.address, namespace=FULL)
    fillers = {f"Filler{n}": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for n in range(10)}
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(namespace=FULL, search_attributes=fillers)
    )

    done = fdl("setup", address=bare.address, namespace=FULL)

    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("error: cannot add search attribute FdlFlow to namespace full: ")
    assert "cannot have more than 10 search attribute of type Keyword" in line
    assert line.endswith(
        "; an operator can add it with: "
        "temporal operator search-attribute create --namespace full --name FdlFlow --type Keyword"
    )


async def test_an_attribute_of_another_type_is_reported_not_changed(bare: BareDevServer) -> None:
    client = await Client.connect(bare.address, namespace=WRONG_TYPE)
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=WRONG_TYPE,
            search_attributes={"FdlFlow": IndexedValueType.INDEXED_VALUE_TYPE_TEXT},
        )
    )

    done = fdl("setup", address=bare.address, namespace=WRONG_TYPE)

    assert done.returncode == 1
    assert done.stderr == (
        "error: search attribute FdlFlow of namespace wrongtype has type Text, fdl needs "
        "Keyword: remove it with `temporal operator search-attribute remove --namespace "
        "wrongtype --name FdlFlow`, then run `fdl setup` again\n"
    )


def test_every_command_meeting_an_unprepared_namespace_says_so_in_one_line(
    bare: BareDevServer, tmp_path: Path
) -> None:
    flow_file = tmp_path / "greeting.yaml"
    flow_file.write_text(GREETING)
    created = fdl("flow", "create", "greeting", str(flow_file), address=bare.address,
                  namespace=UNPREPARED)  # fmt: skip
    assert created.returncode == 0, created.stderr  # the registry needs no search attribute
    expected = MISSING.replace("namespace default", f"namespace {UNPREPARED}")
    for command in (
        ["run", str(flow_file)],
        ["run", str(flow_file), "--no-worker"],
        ["execution", "start", "greeting", "--wait"],
        ["execution", "list", "greeting"],
        ["schedule", "create", "greeting", "nightly", "--cron", "0 0 3 * * *"],
        ["schedule", "list", "greeting"],
    ):
        done = fdl(*command, address=bare.address, namespace=UNPREPARED)
        assert (done.returncode, done.stdout) == (1, ""), command
        assert done.stderr.splitlines() == [f"error: {expected}"], (command, done.stderr)
        assert "Traceback" not in done.stderr, command


def test_setup_on_the_embedded_dev_server_finds_everything(dev_server: DevServer) -> None:
    done = fdl("setup", address=dev_server.address)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "namespace default: present",
        "search attribute FdlFlow (Keyword): present",
        "namespace default is ready for fdl",
    ]


def test_wait_covers_a_server_that_is_still_starting() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env["TEMPORAL_ADDRESS"] = f"127.0.0.1:{port}"
    setup = subprocess.Popen(
        [FDL, "setup", "--wait", "60"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        time.sleep(1.5)  # setup is now waiting for a server that does not listen yet
        assert setup.poll() is None
        with BareDevServer(port=port, ui_port=None):
            out, errors = setup.communicate(timeout=60)
    finally:
        setup.kill()
    assert setup.returncode == 0, errors
    assert b"search attribute FdlFlow (Keyword): created" in out


def test_wait_gives_up_with_one_line() -> None:
    port = free_port()

    done = fdl("setup", "--wait", "1", address=f"127.0.0.1:{port}")

    assert done.returncode == 1
    assert done.stderr == f"error: no Temporal server serving at 127.0.0.1:{port} after 1 s\n"
