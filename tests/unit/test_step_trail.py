"""The step trail: steps that leave no Temporal event, read back without a worker.

``pass``, ``choice``, ``succeed`` and ``fail`` steps run in workflow memory. Each run writes
them into its memo as it ends (``fdlStepTrail``); the console folds that trail into the
events derived from Temporal's history, so a graph drawn with no worker running still shows
which steps ran and which option every choice took. The histories are the 0.2.0 corpus,
recorded on a real server by ``tests/fixtures/histories/record.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from translator import ir
from worker.console import graph as graphs
from worker.console.fold import fold
from worker.console.runstate import RunState
from worker.contract.history import Event, StepTrail, compact
from worker.service.derive import derive, step_trail
from worker.workflow.recorder import Trail

HISTORIES = Path(__file__).resolve().parents[1] / "fixtures" / "histories"
CONVERTER = DataConverter.default.payload_converter


def recorded(version: str, name: str) -> list[HistoryEvent]:
    document = json.loads((HISTORIES / version / f"{name}.json").read_text())
    return list(WorkflowHistory.from_json(document["workflow_id"], document["history"]).events)


def trail_of(name: str) -> list[list[str]]:
    return step_trail(recorded("0.2.0", name), CONVERTER).steps


def folded(name: str, status: str, *, with_trail: bool = True) -> tuple[RunState, dict[str, str]]:
    """The console's run state of a recorded execution, from Temporal's history alone."""
    events = recorded("0.2.0", name)
    run = CONVERTER.from_payload(
        events[0].workflow_execution_started_event_attributes.input.payloads[0]
    )
    graph = graphs.build(ir.Flow.from_json(run["definition"]))
    trail = step_trail(events, CONVERTER).steps if with_trail else []
    fdl_events = derive(events, CONVERTER)
    if events[-1].HasField("workflow_execution_failed_event_attributes"):
        # The closing event, as the history service appends it (with the execution's error).
        failure = events[-1].workflow_execution_failed_event_attributes.failure
        detail = {"error": failure.application_failure_info.type, "cause": failure.message}
        closing = Event(
            id=len(fdl_events) + 1, type="ExecutionFailed", time="", detail=compact(detail)
        )
        fdl_events.append(closing)
    state = fold(graph, fdl_events, status=status, trail=trail)
    nodes = {node_id: node_run.state for node_id, node_run in state.nodes.items()}
    return state, nodes


def test_a_choice_default_its_steps_and_a_succeed_are_in_the_trail_in_the_order_they_ended() -> (
    None
):
    assert trail_of("step-choice-default--choice-default_step-choice-default") == [
        ["route/standard", "ran"],
        ["route", "option default"],
        ["done", "ran"],
    ]


def test_every_round_of_a_goto_loop_names_its_option() -> None:
    trail = trail_of("step-choice-goto-loop--choice-loop_step-choice-goto-loop")
    assert [what for path, what in trail if path == "again"] == [
        "option 0",
        "option 0",
        "option none",
    ]
    assert trail[0] == ["init", "ran"] and trail[-1] == ["counted", "ran"]


def test_a_fail_step_is_failed_in_the_trail() -> None:
    assert trail_of("step-fail--fail_step-fail") == [["before", "ran"], ["refuse", "failed"]]


def test_without_a_worker_the_graph_shows_choices_passes_and_fails_from_the_trail() -> None:
    name = "step-choice-no-default--choice-no-default_step-choice-no-default"
    state, nodes = folded(name, "Succeeded")
    assert nodes["big"] == nodes["big/flagBig"] == nodes["negative"] == "succeeded"
    assert nodes["accept"] == "succeeded"
    assert nodes["refuse"] == "not_reached"
    assert state.options["big?0"] == "taken"
    assert state.options["negative?none"] == "taken"
    assert state.options["negative?0"] == "skipped"

    _, without = folded(name, "Succeeded", with_trail=False)
    assert without["accept"] == "not_reached"  # what the trail adds: nothing else shows it

    state, nodes = folded("step-fail--fail_step-fail", "Failed")
    assert nodes["before"] == "succeeded" and nodes["refuse"] == "failed"
    refuse = state.nodes["refuse"].visits[-1]
    assert refuse.error == {"error": "OrderRefused", "cause": "the order cannot be shipped"}


def test_a_history_of_a_release_before_the_trail_has_none() -> None:
    events = recorded("0.1.0", "step-choice-default--choice-default_step-choice-default")
    assert step_trail(events, CONVERTER) == StepTrail()


def test_a_full_trail_counts_the_steps_it_cannot_hold() -> None:
    trail = Trail(budget=100)
    for n in range(20):
        trail.add(f"each[{n}]/keep", "ran")
    memo = trail.memo()
    assert memo is not None
    kept = StepTrail.from_memo(memo["fdlStepTrail"])
    assert 0 < len(kept.steps) < 20
    assert len(kept.steps) + kept.omitted == 20
    assert kept.steps[0] == ["each[0]/keep", "ran"]
    assert Trail().memo() is None  # a run without such steps writes nothing


def test_a_malformed_memo_reads_as_an_empty_trail() -> None:
    assert StepTrail.from_memo("not a trail") == StepTrail()
    assert StepTrail.from_memo({"steps": [["a"], "b", ["c", "ran"]], "omitted": "x"}) == StepTrail(
        steps=[["c", "ran"]]
    )
