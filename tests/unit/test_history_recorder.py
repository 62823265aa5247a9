"""The FDL history recorder (no server) and the default names of child executions."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone

from translator.rules import EVENT_DETAIL_LIMIT, HISTORY_PAGE_EVENTS
from worker.contract.history import HistoryRequest, compact, timestamp
from worker.workflow.recorder import Recorder
from worker.workflow.steps.subflow import default_name

START = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def clock() -> datetime:
    return START


def test_events_are_numbered_timed_and_linked() -> None:
    recorder = Recorder(clock)
    entered = recorder.step_entered("probe", {"n": 1})
    scheduled = recorder.task_scheduled("probe", {"attempt": 1})
    recorder.task_failed("probe", scheduled, "Boom", "it broke", timed_out=False)
    recorder.step_failed("probe", entered, "Boom", "it broke")
    events = [event.to_json() for event in recorder.events]
    details = [json.loads(e["EventDetail"]) for e in events]
    assert [(e["EventId"], e["Type"], e["ScheduleEventId"]) for e in events] == [
        (1, "StepEntered", 0),
        (2, "TaskScheduled", 0),
        (3, "TaskFailed", 2),
        (4, "StepFailed", 1),
        (5, "StepExited", 1),
    ]
    assert events[0]["Time"] == "2026-01-02T03:04:05.678Z"
    assert details[0] == {"input": {"n": 1}}
    assert details[2] == {"error": "Boom", "cause": "it broke"}


def test_details_are_snapshots_not_references() -> None:
    recorder = Recorder(clock)
    local = {"a": 1}
    recorder.step_exited("s", 0, local)
    local["a"] = 2
    assert json.loads(recorder.events[0].to_json()["EventDetail"]) == {"output": {"a": 1}}


def test_a_huge_detail_is_cut_and_says_so() -> None:
    text = compact({"blob": "x" * (EVENT_DETAIL_LIMIT * 2)})
    assert len(text) < EVENT_DETAIL_LIMIT
    notice = json.loads(text)
    assert notice["truncated"] is True and notice["size"] > EVENT_DETAIL_LIMIT * 2


def test_past_the_budget_events_keep_their_type_but_not_their_detail() -> None:
    recorder = Recorder(clock, budget=100)
    recorder.step_entered("a", {"x": "y" * 40})
    recorder.step_entered("b", {"x": "y" * 80})
    page = recorder.page(HistoryRequest())
    assert [event.type for event in page.events] == ["StepEntered", "StepEntered"]
    assert json.loads(page.events[0].detail) == {"input": {"x": "y" * 40}}
    assert "omitted" in json.loads(page.events[1].detail)
    assert page.omitted_details


def test_pages_follow_the_requested_id_and_the_limit() -> None:
    recorder = Recorder(clock)
    for number in range(HISTORY_PAGE_EVENTS + 5):
        recorder.step_entered(f"s{number}", {})
    first = recorder.page(HistoryRequest())
    assert len(first.events) == HISTORY_PAGE_EVENTS and first.last_id == HISTORY_PAGE_EVENTS + 5
    rest = recorder.page(HistoryRequest(after=HISTORY_PAGE_EVENTS))
    assert [event.id for event in rest.events] == list(
        range(HISTORY_PAGE_EVENTS + 1, HISTORY_PAGE_EVENTS + 6)
    )
    assert recorder.page(HistoryRequest(after=3, limit=2)).events[0].id == 4


def test_timestamps_are_utc_with_milliseconds() -> None:
    east = START.astimezone(timezone(timedelta(hours=8)))
    assert timestamp(east) == "2026-01-02T03:04:05.678Z"


LEGAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")


def test_default_child_names_are_legal_unique_and_stable() -> None:
    assert default_name("run-1", "invokeRestoreFlow", 4, 1) == "run-1-invokeRestoreFlow-4-1"
    assert default_name("run-1", "invokeRestoreFlow", 4, 2) != default_name(
        "run-1", "invokeRestoreFlow", 4, 1
    )
    odd = default_name("7c0e-uuid", "调用 子流程", 3, 1)
    assert LEGAL.fullmatch(odd) and odd.startswith("_7c0e-uuid-")
    long_a = default_name("p" * 200, "step", 1, 1)
    long_b = default_name("p" * 200, "step", 2, 1)
    assert len(long_a) == 128 and LEGAL.fullmatch(long_a)
    assert long_a != long_b
    assert long_a == default_name("p" * 200, "step", 1, 1)
