"""The seed articles' worker programs (seeds 000 and 004), ported only where Python 3 or the
endpoint requires, run as separate processes against ``fdl dev``: they receive from its local
MNS queue with Alibaba's MNS SDK and report through its FnF API with the legacy FnF SDK, and
the seed flows complete, including the ``TaskAlreadyCompleted`` branch of a token reported
twice.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alibabacloud_fnf20190315 import models as fnf
from api_helpers import FDL, new_client

from worker.local.devserver import free_port
from worker.local.mnsqueue import Message, QueueNotExist, QueueStore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fnf-sdk-workers"


@contextmanager
def fdl_dev(project: Path) -> Iterator[dict[str, str]]:
    """``fdl dev`` in ``project`` on free ports; yields the addresses it prints."""
    ports = [str(free_port()) for _ in range(4)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    process = subprocess.Popen(
        [FDL, "dev", "--port", ports[0], "--ui-port", ports[1], "--queue-port", ports[2],
         "--api-port", ports[3]],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        addresses: dict[str, str] = {}
        for line in process.stdout:
            name, _, value = line.partition(": ")
            addresses[name] = value.split()[0] if value else ""
            if line.startswith("worker serving"):
                break
        assert "FnF API" in addresses, process.stderr.read() if process.stderr else addresses
        yield addresses
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def programs(script: str, count: int, addresses: dict[str, str]) -> Iterator[list[str]]:
    """``count`` copies of a seed worker program; yields their output once they are stopped."""
    env = {
        **os.environ,
        "REGION": "cn-hangzhou",
        "ACCOUNT_ID": "1234567890",
        "AK_ID": "any-key",
        "AK_SECRET": "any-secret",
        "FNF_ENDPOINT": addresses["FnF API"].removeprefix("http://"),
        "MNS_ENDPOINT": addresses["MNS queue API"],
        "PYTHONUNBUFFERED": "1",
    }
    processes = [
        subprocess.Popen([sys.executable, str(EXAMPLE / script)], env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(count)
    ]  # fmt: skip
    logs: list[str] = []
    try:
        yield logs
    finally:
        for process in processes:
            process.kill()
            output, _ = process.communicate(timeout=10)
            logs.append(output)


@contextmanager
def project(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "project"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__", ".fdl"))
    yield folder


def wait_until_empty(db: Path, queue: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with QueueStore(db) as store:
            attributes = store.attributes(queue)
        if attributes.active_messages == 0 and attributes.inactive_messages == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"queue {queue} still holds messages")


def create_and_start(url: str, flow: str, definition: Path, payload: dict[str, object]) -> None:
    sdk = new_client(url)
    create = fnf.CreateFlowRequest(
        name=flow, definition=definition.read_text(), description="seed", type="FDL"
    )
    sdk.create_flow(create)
    start = fnf.StartExecutionRequest(
        flow_name=flow, execution_name="run-1", input=json.dumps(payload)
    )
    sdk.start_execution(start)


def describe(url: str, flow: str) -> dict[str, object]:
    request = fnf.DescribeExecutionRequest(
        flow_name=flow, execution_name="run-1", wait_time_seconds=30
    )
    return dict(new_client(url).describe_execution(request).body.to_map())


def test_three_seed_000_workers_finish_the_scheduled_workers_flow(tmp_path: Path) -> None:
    with project(tmp_path) as folder, fdl_dev(folder) as addresses:
        api = addresses["FnF API"]
        payload = {"payload": {"workers": ["worker1", "worker2", "worker3"]}}
        with programs("worker_000.py", 3, addresses) as logs:
            create_and_start(api, "demo-schedule-workers", folder / "flow_000.yaml", payload)
            done = describe(api, "demo-schedule-workers")
            wait_until_empty(folder / ".fdl" / "queue.db", "workers")
        history = new_client(api).get_execution_history(
            fnf.GetExecutionHistoryRequest(
                flow_name="demo-schedule-workers", execution_name="run-1"
            )
        )
    assert done["Status"] == "Succeeded", done
    events = history.body.events
    details = [json.loads(e.event_detail) for e in events if e.type == "TaskSucceeded"]
    reports = sorted((d["output"] for d in details), key=str)
    assert reports == [{"worker1": "success"}, {"worker2": "success"}, {"worker3": "success"}]
    output = "".join(logs)
    assert output.count("Report worker: ") == 3 and output.count("Deleted message: ") == 3
    assert "Traceback" not in output


def test_the_seed_004_worker_reports_and_treats_a_second_report_as_done(tmp_path: Path) -> None:
    with project(tmp_path) as folder, fdl_dev(folder) as addresses:
        api, db = addresses["FnF API"], folder / ".fdl" / "queue.db"
        create_and_start(api, "fnf-demo-callback", folder / "flow_004.yaml", {})
        deadline = time.monotonic() + 30
        sent: list[str] = []
        while not sent and time.monotonic() < deadline:
            with QueueStore(db) as store:
                sent = [m.body for m in _peek(store)]
            time.sleep(0.1)
        assert sent, "the flow sent no message"
        with QueueStore(db) as store:  # the same task message twice: one token, two reports
            store.send("fnf-demo", sent[0], priority=2)
        with programs("worker_004.py", 1, addresses) as logs:
            done = describe(api, "fnf-demo-callback")
            wait_until_empty(db, "fnf-demo")
            time.sleep(0.5)
    assert done["Status"] == "Succeeded" and json.loads(str(done["Output"])) == {"key": "value"}
    output = logs[0]
    assert output.count("Report task succeeded finished") == 1
    assert "TaskAlreadyCompleted" in output
    assert output.count("Task already completed, deleted message ") == 1
    assert "Traceback" not in output


def _peek(store: QueueStore) -> list[Message]:
    try:
        return store.peek("fnf-demo", 1)
    except QueueNotExist:  # the flow has not sent yet
        return []
