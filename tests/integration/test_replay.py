"""Replay the recorded corpus of every release with the current workflow code.

``tests/fixtures/histories/<version>/`` holds one file per workflow run that release's code
made while ``tests/fixtures/histories/record.py`` ran its scenarios: every FDL step type and
task pattern, retry and catch, callbacks, child flows, continue-as-new, the registry and
schedule workflows, stopped and timed-out executions. A change that would make a running
execution of any release take another path (other commands for the same history) fails
here; such a change goes behind ``workflow.patched``. A released version's folder is never
recorded again to make this pass.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from worker.process import WORKFLOWS
from worker.sandbox import workflow_runner

HISTORIES = Path(__file__).resolve().parents[1] / "fixtures" / "histories"
FILES = sorted(HISTORIES.glob("*/*.json"))
VERSIONS = sorted({path.parent.name for path in FILES})
FIELDS = {"workflow_id", "workflow_type", "scenario", "history"}

REQUIRED: dict[str, set[str]] = {
    # scenario: Temporal events its runs must show (proof that it did what its name says)
    "step-task": {"ACTIVITY_TASK_COMPLETED"},
    "step-pass": {"WORKFLOW_EXECUTION_COMPLETED"},
    "step-choice-default": {"WORKFLOW_EXECUTION_COMPLETED"},
    "step-choice-no-default": {"WORKFLOW_EXECUTION_COMPLETED"},
    "step-choice-goto-loop": {"ACTIVITY_TASK_COMPLETED"},
    "step-wait-duration": {"TIMER_FIRED"},
    "step-wait-timestamp": {"TIMER_FIRED"},
    "step-parallel": {"TIMER_FIRED", "ACTIVITY_TASK_COMPLETED"},
    "step-foreach": {"ACTIVITY_TASK_COMPLETED"},
    "step-succeed": {"WORKFLOW_EXECUTION_COMPLETED"},
    "step-fail": {"WORKFLOW_EXECUTION_FAILED"},
    "retry-backoff": {"ACTIVITY_TASK_FAILED", "TIMER_FIRED", "WORKFLOW_EXECUTION_COMPLETED"},
    "catch-goto": {"ACTIVITY_TASK_FAILED", "WORKFLOW_EXECUTION_COMPLETED"},
    "parallel-branch-fails": {
        "ACTIVITY_TASK_CANCEL_REQUESTED",
        "TIMER_CANCELED",
        "WORKFLOW_EXECUTION_FAILED",
    },
    "subflow-request-response": {"CHILD_WORKFLOW_EXECUTION_STARTED"},
    "subflow-sync": {"CHILD_WORKFLOW_EXECUTION_COMPLETED"},
    "subflow-sync-failing": {"CHILD_WORKFLOW_EXECUTION_FAILED", "WORKFLOW_EXECUTION_COMPLETED"},
    "subflow-wait-for-callback": {
        "CHILD_WORKFLOW_EXECUTION_STARTED",
        "WORKFLOW_EXECUTION_SIGNALED",
    },
    "callback-function": {"MARKER_RECORDED", "WORKFLOW_EXECUTION_SIGNALED"},
    "callback-queue": {"MARKER_RECORDED", "WORKFLOW_EXECUTION_SIGNALED"},
    "callback-timeout-retry": {"TIMER_FIRED", "WORKFLOW_EXECUTION_SIGNALED"},
    "mns-queue-send": {"ACTIVITY_TASK_COMPLETED"},
    "mns-topic-send": {"ACTIVITY_TASK_COMPLETED"},
    "continue-as-new": {"WORKFLOW_EXECUTION_CONTINUED_AS_NEW", "WORKFLOW_EXECUTION_COMPLETED"},
    "registry-definition": {"WORKFLOW_EXECUTION_SIGNALED"},
    "registry-continue-as-new": {"WORKFLOW_EXECUTION_CONTINUED_AS_NEW"},
    "registry-resolve": {"WORKFLOW_PROPERTIES_MODIFIED"},
    "schedule-trigger": {"START_CHILD_WORKFLOW_EXECUTION_INITIATED"},
    "stop-execution": {"WORKFLOW_EXECUTION_TERMINATED"},
    "flow-timeout": {"WORKFLOW_EXECUTION_TIMED_OUT"},
    "example-polling": {"TIMER_FIRED"},
    "example-orders": {"WORKFLOW_EXECUTION_COMPLETED"},
}
"""The scenarios every release's corpus records."""

REQUIRED_SINCE: dict[str, dict[str, set[str]]] = {
    "0.2.0": {
        "yield-points": {"MARKER_RECORDED", "WORKFLOW_EXECUTION_COMPLETED"},
        "nested-continue-as-new": {
            "WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
            "WORKFLOW_EXECUTION_COMPLETED",
        },
        "parked-steps": {
            "WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
            "TIMER_CANCELED",
            "WORKFLOW_EXECUTION_COMPLETED",
        },
        "foreach-runs": {"WORKFLOW_EXECUTION_CONTINUED_AS_NEW", "WORKFLOW_EXECUTION_COMPLETED"},
        "work-budget": {"ACTIVITY_TASK_COMPLETED", "WORKFLOW_EXECUTION_COMPLETED"},
        "local-function": {"MARKER_RECORDED", "WORKFLOW_EXECUTION_COMPLETED"},
        "async-call": {"ACTIVITY_TASK_COMPLETED", "WORKFLOW_EXECUTION_COMPLETED"},
        "task-token": {"MARKER_RECORDED", "WORKFLOW_EXECUTION_COMPLETED"},
        "data-guards": {"ACTIVITY_TASK_FAILED", "WORKFLOW_EXECUTION_COMPLETED"},
        "definition-by-reference": {"MARKER_RECORDED", "WORKFLOW_EXECUTION_COMPLETED"},
    },
}
"""Scenarios of the mechanisms a release introduced: recorded from that release on (yield
points, nested continue-as-new with parked steps, the work budget, local and Async function
calls, tokens in every task, data guards, definitions by reference)."""


def required(version: str) -> dict[str, set[str]]:
    """The scenarios the corpus of ``version`` records, and what each must show."""
    needed = dict(REQUIRED)
    for since, scenarios in REQUIRED_SINCE.items():
        if _release(version) >= _release(since):
            needed.update(scenarios)
    return needed


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


WORKFLOW_TYPES = {
    "registry-definition": "fdl.FlowDefinition",
    "registry-continue-as-new": "fdl.FlowDefinition",
    "schedule-trigger": "fdl.schedule",
}
"""Scenarios about the other workflows than the interpreter."""

STEP_KINDS = {"task", "pass", "choice", "wait", "parallel", "foreach", "succeed", "fail"}
TASK_PATTERNS = {
    ("fc", "requestResponse"),
    ("fc", "waitForCallback"),
    ("fnf_flow", "requestResponse"),
    ("fnf_flow", "sync"),
    ("fnf_flow", "waitForCallback"),
    ("mns_queue", "requestResponse"),
    ("mns_queue", "waitForCallback"),
    ("mns_topic", "requestResponse"),
}
"""(resource kind, pattern) of the task steps the corpus must run."""


@cache
def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def in_version(version: str) -> list[dict[str, Any]]:
    return [load(path) for path in FILES if path.parent.name == version]


async def replay(workflow_id: str, history: dict[str, Any]) -> None:
    replayer = Replayer(workflows=list(WORKFLOWS), workflow_runner=workflow_runner())
    await replayer.replay_workflow(WorkflowHistory.from_json(workflow_id, history))


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
async def test_recorded_run_replays(path: Path) -> None:
    document = load(path)
    await replay(document["workflow_id"], document["history"])


# --- what the corpus covers ---------------------------------------------------------------


def event_types(document: dict[str, Any]) -> set[str]:
    return {
        event["eventType"].removeprefix("EVENT_TYPE_") for event in document["history"]["events"]
    }


def start_input(document: dict[str, Any]) -> Any:
    """The decoded input of the run (a FlowRun, a DefinitionState, a ScheduledStart)."""
    started = document["history"]["events"][0]["workflowExecutionStartedEventAttributes"]
    return json.loads(base64.b64decode(started["input"]["payloads"][0]["data"]))


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object inside ``value``."""
    if isinstance(value, dict):
        yield value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from nodes(item)


def recorded_steps(version: str) -> list[dict[str, Any]]:
    """Every step of every definition the version's runs started with."""
    found = []
    for document in in_version(version):
        for node in nodes(start_input(document)):
            if node.get("kind") in STEP_KINDS and "name" in node:
                found.append(node)
    return found


def test_there_is_a_corpus() -> None:
    assert "0.1.0" in VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
def test_every_file_names_its_run(version: str) -> None:
    for document in in_version(version):
        assert set(document) == FIELDS
        first = document["history"]["events"][0]
        assert first["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
        started = first["workflowExecutionStartedEventAttributes"]
        assert started["workflowType"]["name"] == document["workflow_type"]
        # Stack traces would name the files of the machine that recorded them.
        assert not any(node.get("stackTrace") for node in nodes(document["history"]))


@pytest.mark.parametrize("version", VERSIONS)
def test_every_required_scenario_is_recorded_and_did_what_it_says(version: str) -> None:
    documents = in_version(version)
    assert {d["scenario"] for d in documents} >= set(required(version))
    for scenario, needed in required(version).items():
        runs = [d for d in documents if d["scenario"] == scenario]
        seen = set().union(*(event_types(d) for d in runs))
        assert needed <= seen, f"{scenario} lacks {needed - seen}"
        if scenario in WORKFLOW_TYPES:
            assert WORKFLOW_TYPES[scenario] in {d["workflow_type"] for d in runs}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_step_type_and_task_pattern_ran(version: str) -> None:
    steps = recorded_steps(version)
    assert {step["kind"] for step in steps} >= STEP_KINDS
    tasks = [step for step in steps if step["kind"] == "task"]
    assert {(task["resource"]["kind"], task["pattern"]) for task in tasks} >= TASK_PATTERNS
    assert any(len(task["retry"]) > 1 for task in tasks), "several retry policies"
    assert any(task["catch"] and task["error_mappings"] for task in tasks)
    choices = [step for step in steps if step["kind"] == "choice"]
    assert {step["default"] is None for step in choices} == {True, False}
    waits = [step for step in steps if step["kind"] == "wait"]
    assert {step["duration"] is None for step in waits} == {True, False}
    assert any(s["index"] and s["max_concurrency"] for s in steps if s["kind"] == "foreach")


# --- a changed definition is caught -------------------------------------------------------


def swap_steps(history: dict[str, Any], first: str, second: str) -> dict[str, Any]:
    """The same history, but the recorded definition has two top-level steps swapped."""
    history = json.loads(json.dumps(history))
    started = history["events"][0]["workflowExecutionStartedEventAttributes"]
    payload = started["input"]["payloads"][0]
    run = json.loads(base64.b64decode(payload["data"]))
    steps = run["definition"]["steps"]
    names = [step["name"] for step in steps]
    i, j = names.index(first), names.index(second)
    steps[i], steps[j] = steps[j], steps[i]
    payload["data"] = base64.b64encode(json.dumps(run).encode()).decode()
    return history


@pytest.mark.parametrize(
    ("name", "first", "second"),
    [
        ("0.1.0/example-polling--polling_two-polls", "Wait10s", "GetJobStatus"),
        ("0.1.0/example-orders--orders_big-order", "priceItems", "prepare"),
    ],
)
async def test_changed_step_order_is_detected(name: str, first: str, second: str) -> None:
    document = load(HISTORIES / f"{name}.json")
    with pytest.raises(NondeterminismError):
        await replay(document["workflow_id"], swap_steps(document["history"], first, second))


# --- a changed interpreter is caught ------------------------------------------------------

REVERSED_LISTS = (
    "    local: JSONObject = {}\n    pc = 0\n",
    "    steps = list(reversed(steps))  # the deliberate change under test\n"
    "    local: JSONObject = {}\n    pc = 0\n",
)
"""A change of the interpreter that running executions would notice: step lists run back
to front."""

REPLAY_ALL = """
import asyncio, json, os, sys
from pathlib import Path
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError
from worker.process import WORKFLOWS
from worker.sandbox import workflow_runner

async def main() -> None:
    failed = 0
    for name in sys.argv[1:]:
        document = json.loads(Path(name).read_text())
        history = WorkflowHistory.from_json(document["workflow_id"], document["history"])
        replayer = Replayer(workflows=list(WORKFLOWS), workflow_runner=workflow_runner())
        try:
            await replayer.replay_workflow(history)
        except NondeterminismError:
            failed += 1
    print(failed, flush=True)

asyncio.run(main())
os._exit(0)  # the SDK's native threads may still run while the interpreter finalizes
"""


def test_a_reordered_interpreter_fails_the_corpus(tmp_path: Path) -> None:
    """The real replay path (sandbox, workflow modules imported from source) with a copy of
    the worker package whose sequence runner was changed: executions of the corpus break."""
    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "worker", tmp_path / "worker", ignore=shutil.ignore_patterns("*.pyc"))
    sequence = tmp_path / "worker" / "workflow" / "steps" / "sequence.py"
    original, changed = REVERSED_LISTS
    assert original in sequence.read_text()
    sequence.write_text(sequence.read_text().replace(original, changed))
    interpreter_runs = [
        str(path)
        for path in FILES
        if load(path)["workflow_type"] not in WORKFLOW_TYPES.values()
        and load(path)["scenario"].startswith(("step-", "example-", "retry-", "catch-"))
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)])}
    done = subprocess.run(
        [sys.executable, "-c", REPLAY_ALL, *interpreter_runs],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    broken = int(done.stdout.strip().splitlines()[-1])
    # Runs whose top-level list has one step (or steps issuing no commands) replay either way;
    # an unchanged copy breaks none of them (the corpus replays above).
    assert broken >= 3, done.stdout
