"""Data that is not plain JSON, or too big, is refused where it enters, with a named error.

Before, such data failed every workflow task of the execution, retried forever, and the
execution stayed Running with nothing in describe. Each test asserts the final status and FDL
error of the execution (or that nothing started), never a timeout.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import helpers
import pytest
from helpers import HERE, running_worker, start
from temporalio.client import Client

from worker.config import ProjectConfig
from worker.contract.outcome import Outcome
from worker.contract.run import FlowRun, workflow_id
from worker.local.mnsqueue import QueueStore
from worker.service.errors import InvalidArgument
from worker.service.reports import report_task_succeeded
from worker.service.runs import start_flow, wait_for_outcome

FUNCTIONS = {
    "demo/surrogate": {"handler": "handlers.boundaries:lone_surrogate"},
    "demo/nan": {"handler": "handlers.boundaries:nan"},
    "demo/nantext": {"handler": "handlers.boundaries:nan_text"},
    "demo/huge": {"handler": "handlers.boundaries:three_megabytes"},
}


def calling(function: str, catch: str = "") -> str:
    """A flow of one task calling ``demo/<function>``, optionally catching ``catch``."""
    caught = ""
    if catch:
        caught = f"""
    catch:
      - errors: [{catch}]
        goto: recovered
  - type: pass
    name: recovered
    outputMappings: [{{target: recovered, source: true}}]"""
    return f"""
version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:::services/demo/functions/{function}{caught}
"""


async def outcome_of(
    client: Client, task_queue: str, flow: str, flow_input: dict[str, Any] | None = None
) -> Outcome:
    async with running_worker(client, task_queue, helpers.config(FUNCTIONS)):
        handle = await start(client, task_queue, flow, flow_input)
        return await wait_for_outcome(client, handle)


@pytest.mark.parametrize(
    ("function", "says"),
    [
        ("surrogate", "result.name: the string holds a lone surrogate (U+DCFF)"),
        ("nan", "result.ratio: nan is not a JSON number"),
        ("nantext", "result.ratio: nan is not a JSON number"),
    ],
)
async def test_a_result_that_is_not_plain_json_fails_the_task_with_invalid_local(
    client: Client, task_queue: str, function: str, says: str
) -> None:
    ended = await outcome_of(client, task_queue, calling(function))
    assert (ended.status, ended.error) == ("Failed", "FnF.InvalidLocal")
    assert says in ended.cause


async def test_invalid_local_of_a_bad_result_is_catchable(client: Client, task_queue: str) -> None:
    ended = await outcome_of(client, task_queue, calling("surrogate", catch="FnF.InvalidLocal"))
    assert ended.status == "Succeeded"
    assert ended.output == {"recovered": True}


async def test_a_3_mb_result_is_a_data_limit_error_no_catch_takes(
    client: Client, task_queue: str
) -> None:
    # Before, Temporal refused the completion (PayloadsTooLarge) and FnF.ALL retried it.
    ended = await outcome_of(client, task_queue, calling("huge", catch="FnF.ALL"))
    assert (ended.status, ended.error) == ("Failed", "FnF.DataLimitExceeded")
    assert (
        ended.cause
        == "demo/huge returned 3000011 bytes, over the 2000000 bytes one result may take"
    )


async def test_a_lone_surrogate_in_the_input_is_refused_before_anything_starts(
    client: Client, task_queue: str
) -> None:
    with pytest.raises(InvalidArgument, match=r"input\.path: the string holds a lone surrogate"):
        await start_flow(
            client,
            flow_name="testflow",
            definition=helpers.compile_flow(calling("nan")),
            input={"path": "/tmp/\udcff"},
            task_queue=task_queue,
        )


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ({"path": "/tmp/\udcff"}, "$.path: the string holds a lone surrogate (U+DCFF)"),
        ({"x": float("nan")}, "$.x: nan is not a JSON number"),
        ({"n": 10**400}, "$.n: a number of over 300 digits"),
    ],
    ids=["lone-surrogate", "nan", "huge-integer"],
)
async def test_an_execution_started_around_the_checks_fails_with_a_named_error(
    client: Client, task_queue: str, bad: dict[str, Any], says: str
) -> None:
    # Started with a plain Temporal client (another SDK, the Temporal CLI): the interpreter
    # refuses the input itself, as its first step.
    name = f"e-{uuid.uuid4().hex[:10]}"
    run = FlowRun(
        flow_name="testflow",
        execution_name=name,
        definition=helpers.compile_flow(calling("nan")).to_json(),
        input=bad,
    )
    async with running_worker(client, task_queue, helpers.config(FUNCTIONS)):
        handle = await client.start_workflow(
            "testflow", run, id=workflow_id("testflow", name), task_queue=task_queue
        )
        ended = await wait_for_outcome(client, handle)
    assert (ended.status, ended.error) == ("Failed", "FnF.RuntimeError")
    assert ended.cause.startswith(f"the execution input is not plain JSON: {says}")


def queue_project(tmp_path: Path) -> ProjectConfig:
    return ProjectConfig.from_mapping({"queues": {"db": str(tmp_path / "queue.db")}}, base_dir=HERE)


WAITING = """
version: v1
type: flow
steps:
  - type: task
    name: job
    resourceArn: acs:mns:::/queues/jobs/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
"""


async def test_a_1_mb_report_is_refused_to_the_reporter_and_the_task_keeps_waiting(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    async with running_worker(client, task_queue, queue_project(tmp_path)):
        handle = await start(client, task_queue, WAITING)
        with QueueStore(tmp_path / "queue.db") as store:
            message = await asyncio.to_thread(store.receive, "jobs", 10)
        assert message is not None
        token = json.loads(message.body)["task_token"]
        with pytest.raises(InvalidArgument, match="exceed the step data limit"):
            await report_task_succeeded(client, token, {"blob": "x" * 1_000_000})
        assert (await handle.describe()).status.name == "RUNNING"
        accepted = await report_task_succeeded(client, token, {"small": True})
        assert accepted.status == "accepted"
        ended = await wait_for_outcome(client, handle)
    assert (ended.status, ended.output) == ("Succeeded", {"small": True})


async def test_a_report_with_a_lone_surrogate_is_refused_before_it_is_sent(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    async with running_worker(client, task_queue, queue_project(tmp_path)):
        handle = await start(client, task_queue, WAITING)
        with QueueStore(tmp_path / "queue.db") as store:
            message = await asyncio.to_thread(store.receive, "jobs", 10)
        assert message is not None
        token = json.loads(message.body)["task_token"]
        with pytest.raises(InvalidArgument, match=r"output\.name: the string holds a lone"):
            await report_task_succeeded(client, token, {"name": "\ud800"})
        await report_task_succeeded(client, token, {"name": "ok"})
        assert (await wait_for_outcome(client, handle)).output == {"name": "ok"}
