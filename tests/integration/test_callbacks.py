"""waitForCallback end to end: tasks send to the real local queue and wait; reports arrive
through :mod:`worker.callbacks` as signals to a real dev server, and every token rule holds.

Each test reads the messages a flow sent from the SQLite queue file the worker's ``queues:``
backend writes (what ``fdl queue serve`` would serve to worker programs).
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import HERE, running_worker, start
from temporalio.client import Client, WorkflowFailureError

from worker.config import ProjectConfig
from worker.contract.tokens import TaskToken
from worker.local.mnsqueue import QueueStore
from worker.service.errors import InvalidArgument, InvalidTaskToken, TaskAlreadyCompleted
from worker.service.history import execution_history
from worker.service.reports import report_task_failed, report_task_succeeded

WAITING_TASK = """
version: v1
type: flow
steps:
  - type: task
    name: job
    resourceArn: acs:mns:::/queues/jobs/messages
    pattern: waitForCallback
    {extra}
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: item
        source: $input.item
    serviceParams:
      MessageBody: $
      Priority: 1
"""

TWO_TASKS = """
version: v1
type: flow
steps:
  - type: task
    name: first
    resourceArn: acs:mns:::/queues/jobs/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
  - type: task
    name: second
    resourceArn: acs:mns:::/queues/jobs/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
"""


def project(tmp_path: Path) -> ProjectConfig:
    return ProjectConfig.from_mapping(
        {
            "queues": {"db": str(tmp_path / "queue.db")},
            "functions": {"demo/handover": {"handler": "handlers.callbacks:hand_over_token"}},
        },
        base_dir=HERE,
    )


async def next_message(tmp_path: Path, wait: int = 10) -> dict[str, Any]:
    """The next message the flow sent to queue ``jobs``, received and deleted."""
    with QueueStore(tmp_path / "queue.db") as store:
        message = await asyncio.to_thread(store.receive, "jobs", wait)
        assert message is not None, "the flow sent no message"
        store.delete("jobs", message.receipt_handle)
    return dict(json.loads(message.body))


def tampered(token: str, **changes: Any) -> str:
    parsed = TaskToken.decode(token)
    fields = {
        "workflow_id": parsed.workflow_id,
        "run_id": parsed.run_id,
        "number": parsed.number,
        "secret": parsed.secret,
    }
    return TaskToken(**{**fields, **changes}).encode()


async def test_a_report_is_the_waiting_tasks_local(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, WAITING_TASK.format(extra=""), {"item": 7})
        body = await next_message(tmp_path)
        assert body["item"] == 7
        result = await report_task_succeeded(client, body["task_token"], {"done": body["item"]})
        assert (result.status, result.step) == ("accepted", "job")
        assert await handle.result() == {"done": 7}
        flow_name, _, execution = handle.id.partition(":")
        events = (await execution_history(client, flow_name, execution)).events
    task_events = [(e.type, e.schedule_id) for e in events if e.type.startswith("Task")]
    scheduled = next(e.id for e in events if e.type == "TaskScheduled")
    assert task_events == [
        ("TaskScheduled", 0),
        ("TaskSubmitted", scheduled),  # the message went out ...
        ("TaskSucceeded", scheduled),  # ... and the report came back
    ]
    submitted = next(e for e in events if e.type == "TaskSubmitted")
    assert set(json.loads(submitted.detail)) == {"MessageId", "MessageBodyMD5", "RequestId"}


async def test_forged_and_altered_tokens_are_refused_and_complete_nothing(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, WAITING_TASK.format(extra=""), {"item": 1})
        token = (await next_message(tmp_path))["task_token"]
        secret = TaskToken.decode(token).secret
        flipped = ("0" if secret[0] != "0" else "1") + secret[1:]
        for bad in (tampered(token, secret=flipped), tampered(token, number=2)):
            with pytest.raises(InvalidTaskToken, match="forged or altered"):
                await report_task_succeeded(client, bad, {"wrong": True})
        with pytest.raises(InvalidTaskToken, match="no execution"):
            await report_task_succeeded(client, tampered(token, workflow_id="x:y"), {})
        for malformed in ("not a token", base64.b64encode(b"v1#a#b").decode(), token[:-4]):
            with pytest.raises(InvalidArgument):
                await report_task_succeeded(client, malformed, {})
        with pytest.raises(InvalidArgument, match="JSON object"):
            await report_task_succeeded(client, token, "[1, 2]")
        await report_task_succeeded(client, token, {"right": True})
        assert await handle.result() == {"right": True}


async def test_a_replayed_report_gets_task_already_completed(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, TWO_TASKS)
        first = (await next_message(tmp_path))["task_token"]
        await report_task_succeeded(client, first, {"a": 1})
        second = (await next_message(tmp_path))["task_token"]
        # The execution still runs: the execution itself refuses the replay.
        with pytest.raises(TaskAlreadyCompleted, match="step first was already reported"):
            await report_task_succeeded(client, first, {"a": 2})
        await report_task_succeeded(client, second, {"b": 1})
        assert await handle.result() == {"a": 1, "b": 1}
        with pytest.raises(TaskAlreadyCompleted, match="succeeded"):
            await report_task_succeeded(client, second, {"b": 2})


async def test_a_report_after_the_execution_was_stopped_gets_task_already_completed(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, WAITING_TASK.format(extra=""), {"item": 1})
        token = (await next_message(tmp_path))["task_token"]
        await handle.terminate("stopped by the test")
        with pytest.raises(TaskAlreadyCompleted, match="was stopped"):
            await report_task_failed(client, token, "Late", "too late")


async def test_two_concurrent_reports_exactly_one_wins(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, WAITING_TASK.format(extra=""), {"item": 1})
        token = (await next_message(tmp_path))["task_token"]
        outcomes = await asyncio.gather(
            report_task_succeeded(client, token, {"winner": "a"}),
            report_task_succeeded(client, token, {"winner": "b"}),
            return_exceptions=True,
        )
        accepted = [i for i, o in enumerate(outcomes) if not isinstance(o, BaseException)]
        refused = [o for o in outcomes if isinstance(o, TaskAlreadyCompleted)]
        assert len(accepted) == 1 and len(refused) == 1
        assert await handle.result() == {"winner": "ab"[accepted[0]]}


async def test_a_report_while_no_worker_runs_is_applied_when_one_starts(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, WAITING_TASK.format(extra=""), {"item": 1})
        token = (await next_message(tmp_path))["task_token"]
    result = await report_task_succeeded(client, token, {"late": "but kept"}, wait=1)
    assert result.status == "queued"
    async with running_worker(client, task_queue, project(tmp_path)):
        assert await handle.result() == {"late": "but kept"}


async def test_a_timed_out_attempt_is_retried_with_a_new_token_and_the_old_one_is_stale(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    extra = """timeoutSeconds: 1
    retry:
      - errors: [FnF.TaskTimeout]
        intervalSeconds: 1
        maxAttempts: 1"""
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, WAITING_TASK.format(extra=extra), {"item": 1})
        stale = (await next_message(tmp_path))["task_token"]
        fresh = (await next_message(tmp_path))["task_token"]  # sent by the retry
        assert fresh != stale
        with pytest.raises(TaskAlreadyCompleted, match="timed out"):
            await report_task_succeeded(client, stale, {"attempt": 1})
        await report_task_succeeded(client, fresh, {"attempt": 2})
        assert await handle.result() == {"attempt": 2}


async def test_no_report_in_time_fails_with_task_timeout(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(
            client, task_queue, WAITING_TASK.format(extra="timeoutSeconds: 1"), {"item": 1}
        )
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    assert getattr(failure.value.cause, "type", None) == "FnF.TaskTimeout"


async def test_a_reported_failure_goes_through_catch_with_its_error_name(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    extra = """catch:
      - errors: [JobFailed]
        goto: recover
    errorMappings:
      - target: why
        source: $local.cause"""
    flow = (
        WAITING_TASK.format(extra=extra)
        + """
  - type: pass
    name: unreachable
    end: true
  - type: pass
    name: recover
    outputMappings:
      - target: recovered
        source: $input.why
"""
    )
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, flow, {"item": 1})
        token = (await next_message(tmp_path))["task_token"]
        await report_task_failed(client, token, "JobFailed", "disk full")
        assert await handle.result() == {"why": "disk full", "recovered": "disk full"}


async def test_a_function_task_waits_for_the_report_of_the_token_in_its_event(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    token_file = tmp_path / "token.txt"
    flow = f"""
version: v1
type: flow
steps:
  - type: task
    name: approve
    resourceArn: acs:fc:::services/demo/functions/handover
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: token_file
        source: {token_file}
"""
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, flow)
        for _ in range(200):
            if token_file.exists():
                break
            await asyncio.sleep(0.05)
        await report_task_succeeded(client, token_file.read_text(), {"approved": True})
        assert await handle.result() == {"approved": True}


async def test_request_response_send_returns_the_message_id(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: task
    name: notify
    resourceArn: acs:mns:::/queues/jobs/messages
    serviceParams:
      MessageBody: $.text
      DelaySeconds: 0
"""
    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, flow, {"text": "hello"})
        local = await handle.result()
    with QueueStore(tmp_path / "queue.db") as store:
        message = store.receive("jobs", 0)
    assert message is not None and message.body == "hello"
    assert local["MessageId"] == message.message_id
    assert local["MessageBodyMD5"] == message.body_md5
    assert set(local) == {"MessageId", "MessageBodyMD5", "RequestId"}


async def test_the_mns_backend_sends_through_the_sdk_to_an_mns_endpoint(
    client: Client, task_queue: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from worker.local.mnsqueue import Credentials, serve_queue

    monkeypatch.setenv("TEST_MNS_SECRET", "s3cret")
    flow = """
version: v1
type: flow
steps:
  - type: task
    name: notify
    resourceArn: acs:mns:::/queues/remote/messages
    serviceParams:
      MessageBody: $.text
      Priority: 3
      DelaySeconds: 1
"""
    with (
        QueueStore(tmp_path / "remote.db") as store,
        serve_queue(store, credentials=Credentials("id", "s3cret")) as server,
    ):
        settings = {
            "backend": "mns",
            "endpoint": server.url,
            "access_key_id": "id",
            "access_key_secret": "${TEST_MNS_SECRET}",
        }
        config = ProjectConfig.from_mapping({"queues": settings}, base_dir=HERE)
        async with running_worker(client, task_queue, config):
            handle = await start(client, task_queue, flow, {"text": "over http"})
            local = await handle.result()
        assert store.receive("remote", 0) is None  # DelaySeconds honoured
        message = store.receive("remote", 3)
    assert message is not None and message.body == "over http" and message.priority == 3
    assert local["MessageId"] == message.message_id


async def test_a_local_topic_copies_its_message_to_the_listed_queues(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    flow = """
version: v1
type: flow
steps:
  - type: task
    name: publish
    resourceArn: acs:mns:::/topics/events/messages
    serviceParams:
      MessageBody: $
"""
    settings = {"db": str(tmp_path / "queue.db"), "topics": {"events": ["audit", "mail"]}}
    config = ProjectConfig.from_mapping({"queues": settings}, base_dir=HERE)
    async with running_worker(client, task_queue, config):
        await (await start(client, task_queue, flow, {"n": 1})).result()
    with QueueStore(tmp_path / "queue.db") as store:
        bodies = [store.receive(queue, 0) for queue in ("audit", "mail")]
    assert [json.loads(m.body) if m else None for m in bodies] == [{"n": 1}, {"n": 1}]


async def test_fdl_task_commands_report_and_exit_4_when_already_completed(
    client: Client, task_queue: str, tmp_path: Path, dev_server: Any
) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": dev_server.address,
        "TEMPORAL_NAMESPACE": dev_server.namespace,
    }
    fdl = [str(Path(sys.executable).parent / "fdl")]

    def task(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*fdl, "task", *args], env=env, capture_output=True, text=True)

    async with running_worker(client, task_queue, project(tmp_path)):
        handle = await start(client, task_queue, TWO_TASKS)
        first = (await next_message(tmp_path))["task_token"]
        done = await asyncio.to_thread(task, "succeed", first, "--output", '{"a": 1}', "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["Status"] == "accepted"
        again = await asyncio.to_thread(task, "fail", first, "--error", "Late")
        assert again.returncode == 4
        assert "TaskAlreadyCompleted" in again.stderr
        second = (await next_message(tmp_path))["task_token"]
        failed = await asyncio.to_thread(task, "fail", second, "--error", "Boom", "--cause", "x")
        assert failed.returncode == 0, failed.stderr
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    assert getattr(failure.value.cause, "type", None) == "Boom"
    assert task("succeed", "garbage").returncode == 1
