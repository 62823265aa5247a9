"""Replay saved histories of the example flows with the current interpreter.

A change to the interpreter that would break running executions (different commands for
the same history) fails here. The histories are recorded by
``tests/fixtures/histories/record.py``; re-record only for a deliberate, patched change.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from worker.process import WORKFLOWS, workflow_runner

HISTORIES = Path(__file__).resolve().parents[1] / "fixtures" / "histories"
FILES = sorted(HISTORIES.glob("*.json"))


def load(path: Path) -> tuple[str, dict[str, Any]]:
    document = json.loads(path.read_text())
    return document["workflow_id"], document["history"]


async def replay(workflow_id: str, history: dict[str, Any]) -> None:
    replayer = Replayer(workflows=list(WORKFLOWS), workflow_runner=workflow_runner())
    await replayer.replay_workflow(WorkflowHistory.from_json(workflow_id, history))


def test_there_are_histories_of_every_example() -> None:
    names = {path.stem.split("-")[0] for path in FILES}
    assert names >= {"polling", "orders"}


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
async def test_saved_history_replays(path: Path) -> None:
    await replay(*load(path))


def swap_steps(history: dict[str, Any], first: str, second: str) -> dict[str, Any]:
    """The same history, but the recorded definition has two top-level steps swapped."""
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
        ("polling-two-polls", "Wait10s", "GetJobStatus"),
        ("orders-big-order", "priceItems", "prepare"),
    ],
)
async def test_changed_step_order_is_detected(name: str, first: str, second: str) -> None:
    workflow_id, history = load(HISTORIES / f"{name}.json")
    with pytest.raises(NondeterminismError):
        await replay(workflow_id, swap_steps(history, first, second))
