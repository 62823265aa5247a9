"""FDL events derived from Temporal's own history (no worker answers), on recorded runs.

The corpus of release 0.1.0 holds real histories; deriving their events needs no server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from worker.service.derive import derive, derive_runs, runs_trail, step_trail

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "histories" / "0.1.0"


def derived(name: str) -> list[tuple[str, str]]:
    document = json.loads((CORPUS / name).read_text())
    history = WorkflowHistory.from_json(document["workflow_id"], document["history"])
    events = derive(history.events, DataConverter.default.payload_converter)
    return [(event.type, event.step) for event in events]


def task_events(name: str, step: str) -> list[str]:
    return [kind for kind, at in derived(name) if at == step]


@pytest.mark.parametrize(
    ("name", "step", "expected"),
    [
        # A send that waits: the send is the submit, the report ends the task.
        (
            "callback-queue--callback-queue_callback-queue.json",
            "job",
            ["TaskScheduled", "TaskSubmitted", "TaskSucceeded"],
        ),
        # A function that waits: its return is the submit, the report ends the task.
        (
            "callback-function--callback-function_callback-function.json",
            "approve",
            ["TaskScheduled", "TaskSubmitted", "TaskSucceeded"],
        ),
        # ... and a report of failure fails it.
        (
            "callback-function--callback-function_callback-function.json",
            "ship",
            ["TaskScheduled", "TaskSubmitted", "TaskFailed"],
        ),
        # A plain send: the send's answer is the task's output.
        (
            "mns-queue-send--mns-queue_mns-queue-send.json",
            "notify",
            ["TaskScheduled", "TaskSucceeded"],
        ),
    ],
)
def test_waiting_tasks_and_sends_are_derived(name: str, step: str, expected: list[str]) -> None:
    assert task_events(name, step) == expected


def test_a_child_that_reports_ends_its_parents_task_by_the_report() -> None:
    name = "subflow-wait-for-callback--subflow-wait-for-callback_subflow-wait-for-callback.json"
    kinds = [kind for kind, _ in derived(name)]
    assert kinds.count("TaskSucceeded") == 1
    assert "TaskScheduled" in kinds


def test_a_local_function_call_is_a_task_of_its_step() -> None:
    # A `local: true` function runs as a local activity: a marker, whose activity id names
    # the step; the run's first call is a regular activity (the worker's bindings unknown).
    document = json.loads(
        (CORPUS.parent / "0.2.0" / "local-function--local-function_local-function.json").read_text()
    )
    history = WorkflowHistory.from_json(document["workflow_id"], document["history"])
    events = derive(history.events, DataConverter.default.payload_converter)
    tasks = [(e.type, e.step) for e in events if e.type.startswith("Task")]
    assert tasks == [
        ("TaskScheduled", "first"),
        ("TaskSucceeded", "first"),
        ("TaskScheduled", "second"),
        ("TaskSucceeded", "second"),
    ]
    assert json.loads(events[-1].detail) == {"output": {"n": 42}}


def test_an_execution_that_continued_as_new_is_derived_from_all_its_runs() -> None:
    converter = DataConverter.default.payload_converter
    runs = []
    for number in (1, 2, 3):
        path = CORPUS.parent / "0.2.0" / f"continue-as-new--loop_continue-as-new--run{number}.json"
        document = json.loads(path.read_text())
        runs.append(WorkflowHistory.from_json(document["workflow_id"], document["history"]).events)
    events = derive_runs(runs, converter)
    each = [derive(run, converter) for run in runs]
    kinds = [event.type for event in events]
    assert kinds.count("ExecutionStarted") == 1
    assert [event.id for event in events] == list(range(1, len(events) + 1))
    scheduled = sum([e.type for e in run].count("TaskScheduled") for run in each)
    assert kinds.count("TaskScheduled") == scheduled > 0
    assert kinds.count("TaskSucceeded") == scheduled  # every answer found its own run's task
    trail = runs_trail(runs, converter)
    assert len(trail.steps) == sum(len(step_trail(run, converter).steps) for run in runs) > 0
