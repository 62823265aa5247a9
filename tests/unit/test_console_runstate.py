"""The run state of each step, folded from FDL events alone.

Recorded executions (``tests/fixtures/console``, see its ``record.py``) give both event
lists a real execution has: the interpreter's own (``recorded``) and the one derived from
Temporal's history when no worker answers (``derived``). Hand-made lists cover the states
those runs do not reach (running, waiting for a callback, cancelled) and what a source may
add (the option a choice took).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from translator import compile_text, ir
from worker.console import graph as graphs
from worker.console.fold import fold
from worker.console.panel import step_panel
from worker.console.runstate import RunState, SavedEvent, events_from_json
from worker.console.summary import iterations, status_lines

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "console"


def load(key: str, source: str = "recorded") -> tuple[graphs.FlowGraph, RunState]:
    document = json.loads((FIXTURES / f"{key}.json").read_text())
    graph = graphs.build(ir.Flow.from_json(document["definition"]))
    return graph, fold(graph, events_from_json(document[source]))


def states(run: RunState) -> dict[str, str]:
    return {node_id: node_run.state for node_id, node_run in run.nodes.items()}


def test_seed_002_main_flow_loops_and_calls_its_subflow() -> None:
    _, run = load("oss")
    assert run.status == "Succeeded"
    assert set(states(run).values()) == {"succeeded"}
    assert [len(run.nodes[n].visits) for n in ("listArchiveFiles", "checkEmpty", "checkEnd")] == [
        3,
        3,
        3,
    ]
    assert len(run.nodes["checkEmpty/invokeRestoreFlow"].visits) == 2
    # Every option was taken at some round of the goto loop.
    assert set(run.options.values()) == {"taken"}


def test_seed_002_subflow_polls_until_restored() -> None:
    graph, run = load("oss-subflow")
    assert set(states(run).values()) == {"succeeded"}
    assert run.options == {
        "CheckJobComplete?0": "taken",
        "CheckJobComplete?1": "taken",
        "CheckJobComplete?none": "skipped",
    }
    foreach = graph.nodes["retoreForeach"]
    assert [(it.index, it.state) for it in iterations(graph, run, foreach)] == [
        (0, "succeeded"),
        (1, "succeeded"),
    ]


def test_seed_003_polls_twice_and_never_reaches_job_failed() -> None:
    graph, run = load("polling")
    assert states(run) == {
        "StartJob": "succeeded",
        "Init": "succeeded",
        "Wait10s": "succeeded",
        "GetJobStatus": "succeeded",
        "CheckJobComplete": "succeeded",
        "JobSucceeded": "succeeded",
        "JobFailed": "not_reached",
    }
    assert run.options["CheckJobComplete?1"] == "skipped"
    assert run.options["CheckJobComplete?2"] == "taken"  # $.status == "running": loop back
    assert status_lines(graph, run)["Wait10s"].startswith("2 runs, ")


def test_orders_retry_parallel_and_the_choice() -> None:
    graph, run = load("orders")
    assert states(run) == {
        "priceItems": "succeeded",
        "priceItems[*]/price": "retried",
        "prepare": "succeeded",
        "prepare[0]/reserve": "succeeded",
        "prepare[1]/settle": "succeeded",
        "prepare[1]/note": "succeeded",
        "charge": "succeeded",
        "route": "succeeded",
        "bigOrder": "succeeded",
        "done": "succeeded",
        "declined": "not_reached",
    }
    assert run.options == {"route?0": "taken", "route?default": "skipped"}
    price = run.nodes["priceItems[*]/price"]
    flaky = next(v for v in price.visits if v.path == "priceItems[1]/price")
    assert (flaky.retries, flaky.attempts[0].error["error"]) == (1, "StockServiceBusy")
    lines = status_lines(graph, run)
    assert lines["priceItems"].startswith("3 iterations, ")
    assert lines["priceItems[*]/price"] == "3/3 iterations ok, 1 retried"


def test_a_caught_failure_goes_to_the_catch_target() -> None:
    graph, run = load("declined")
    assert states(run)["charge"] == "caught"
    assert states(run)["route"] == "not_reached"
    assert states(run)["declined"] == "succeeded"
    assert status_lines(graph, run)["charge"] == "caught PaymentDeclined"


def test_a_failed_iteration_fails_its_foreach_and_the_execution() -> None:
    graph, run = load("failed")
    assert run.status == "Failed"
    assert states(run)["priceItems"] == "failed"
    assert states(run)["priceItems[*]/price"] == "failed"
    assert {s for n, s in states(run).items() if not n.startswith("priceItems")} == {"not_reached"}
    foreach = graph.nodes["priceItems"]
    assert [(it.index, it.state) for it in iterations(graph, run, foreach)] == [
        (0, "succeeded"),
        (1, "failed"),
    ]
    panel = step_panel(graph, run, "priceItems[*]/price")
    failed = next(v for v in panel["visits"] if v["state"] == "failed")
    assert (failed["path"], failed["error"], failed["cause"]) == (
        "priceItems[1]/price",
        "KeyError",
        "'price'",
    )
    assert failed["input"]["item"] == {"name": "gift"}


def test_the_panel_shows_input_output_and_attempts_of_each_visit() -> None:
    graph, run = load("orders")
    panel = step_panel(graph, run, "charge")
    [visit] = panel["visits"]
    assert visit["input"]["prices"] == [24, 90, 3]
    assert visit["output"] == {"charged": 117}
    assert [a["outcome"] for a in visit["attempts"]] == ["succeeded"]
    assert panel["state"] == "succeeded" and panel["visitCount"] == 1


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("orders", {"priceItems[*]/price": "retried", "charge": "succeeded", "bigOrder": None}),
        ("declined", {"charge": "caught", "prepare[1]/settle": "succeeded"}),
        ("failed", {"priceItems[*]/price": "failed", "priceItems": "failed"}),
        ("polling", {"Wait10s": "succeeded", "GetJobStatus": "succeeded", "JobFailed": None}),
        ("oss-subflow", {"retoreForeach": "succeeded", "Wait": "succeeded"}),
    ],
)
def test_without_a_worker_tasks_timers_and_their_containers_still_show(
    key: str, expected: dict[str, str | None]
) -> None:
    # Derived from Temporal's history: pass, choice, succeed and fail steps leave no trace
    # there (yet), so they show as not reached; everything else is as recorded.
    _, run = load(key, "derived")
    for node_id, state in expected.items():
        assert states(run)[node_id] == (state or "not_reached"), node_id


def test_containers_without_events_are_inferred_from_their_steps() -> None:
    _, run = load("orders", "derived")
    assert run.nodes["priceItems"].inferred and run.nodes["prepare"].inferred
    assert not run.nodes["charge"].inferred


# --- hand-made event lists -------------------------------------------------------------------

WAITING = """
version: v1
type: flow
steps:
  - type: task
    name: approve
    resourceArn: acs:fc:::services/hr/functions/ask
    pattern: waitForCallback
  - type: parallel
    name: both
    branches:
      - steps:
          - type: task
            name: slow
            resourceArn: acs:fc:::services/hr/functions/slow
      - steps:
          - type: fail
            name: stop
            error: Stop
"""


def events(
    *rows: tuple[str, str, dict[str, Any]], schedules: dict[int, int] | None = None
) -> list[SavedEvent]:
    out = []
    for number, (kind, step, detail) in enumerate(rows, start=1):
        out.append(
            SavedEvent(
                id=number,
                type=kind,
                step=step,
                time=f"2026-01-01T00:00:{number:02d}.000Z",
                schedule_id=(schedules or {}).get(number, 0),
                detail=json.dumps(detail, separators=(",", ":")),
            )
        )
    return out


def test_an_open_wait_for_callback_attempt_is_waiting() -> None:
    graph = graphs.build(compile_text(WAITING))
    run = fold(
        graph,
        events(
            ("ExecutionStarted", "", {"input": {}}),
            ("StepEntered", "approve", {"input": {}}),
            ("TaskScheduled", "approve", {"pattern": "waitForCallback", "attempt": 1}),
        ),
    )
    assert run.status == "Running"
    assert states(run)["approve"] == "waiting"
    assert status_lines(graph, run)["approve"] == "waiting for callback"


def test_a_sibling_still_running_when_the_execution_failed_was_cancelled() -> None:
    graph = graphs.build(compile_text(WAITING))
    run = fold(
        graph,
        events(
            ("StepEntered", "approve", {"input": {}}),
            ("TaskScheduled", "approve", {}),
            ("TaskSucceeded", "approve", {"output": {}}),
            ("StepExited", "approve", {"output": {}}),
            ("StepEntered", "both", {"input": {}}),
            ("StepEntered", "both[0]/slow", {"input": {}}),
            ("TaskScheduled", "both[0]/slow", {}),
            ("StepEntered", "both[1]/stop", {"input": {}}),
            ("StepFailed", "both[1]/stop", {"error": "Stop", "cause": ""}),
            ("StepExited", "both[1]/stop", {}),
            ("StepFailed", "both", {"error": "Stop", "cause": ""}),
            ("StepExited", "both", {}),
            ("ExecutionFailed", "", {"error": "Stop", "cause": ""}),
            schedules={3: 2},
        ),
    )
    assert states(run) == {
        "approve": "succeeded",
        "both": "failed",
        "both[0]/slow": "cancelled",
        "both[1]/stop": "failed",
    }
    assert status_lines(graph, run)["both[1]/stop"] == "failed: Stop"


CHOICE = """
version: v1
type: flow
steps:
  - type: choice
    name: route
    choices:
      - condition: $.big
        steps:
          - type: pass
            name: vip
    default:
      steps:
        - type: pass
          name: normal
  - type: pass
    name: after
"""


def test_the_option_a_source_records_decides_taken_and_skipped() -> None:
    # A recorded "option" on the choice's StepExited (the index into choices, "default",
    # or null when nothing matched) is all the run state needs, whatever ran inside.
    graph = graphs.build(compile_text(CHOICE))
    run = fold(
        graph,
        events(
            ("StepEntered", "route", {"input": {}}),
            ("StepExited", "route", {"output": {}, "option": "default"}),
            ("StepEntered", "after", {"input": {}}),
            ("StepExited", "after", {"output": {}}),
        ),
    )
    assert run.options == {"route?0": "skipped", "route?default": "taken"}
    assert states(run)["route/vip"] == "skipped"
    assert states(run)["route/normal"] == "not_reached"  # taken, yet no event of its own


def test_the_option_is_seen_from_the_steps_that_ran_inside_it() -> None:
    graph = graphs.build(compile_text(CHOICE))
    run = fold(
        graph,
        events(
            ("StepEntered", "route", {"input": {"big": True}}),
            ("StepEntered", "route/vip", {"input": {}}),
            ("StepExited", "route/vip", {"output": {}}),
            ("StepExited", "route", {"output": {}}),
        ),
    )
    assert run.options == {"route?0": "taken", "route?default": "skipped"}
    assert states(run)["route/normal"] == "skipped"
    assert states(run)["after"] == "not_reached"


def test_a_failed_input_mapping_that_catch_handled_is_caught() -> None:
    graph = graphs.build(compile_text(WAITING))
    run = fold(
        graph,
        events(("StepEntered", "approve", {"input": None}), ("StepExited", "approve", {})),
    )
    assert states(run)["approve"] == "caught"


def test_paths_the_definition_does_not_have_are_set_aside() -> None:
    graph = graphs.build(compile_text(CHOICE))
    run = fold(graph, events(("StepEntered", "ghost", {"input": {}})))
    assert run.unknown_paths == ["ghost"]
    assert set(states(run).values()) == {"not_reached"}
