"""fdl's payloads: plain JSON in field order, read back by plan, and readable by either side."""

from __future__ import annotations

import json

import pytest
from temporalio.converter import DataConverter

from worker.contract.activities import FunctionResult, InvokeFunction
from worker.contract.converter import DATA_CONVERTER
from worker.contract.history import Event, HistoryPage
from worker.contract.registry import DefinitionState, FlowVersion
from worker.contract.run import FlowRun, ResumePoint
from worker.contract.tokens import ReportDecision

OURS = DATA_CONVERTER.payload_converter
DEFAULT = DataConverter.default.payload_converter

RUN = FlowRun(
    flow_name="orders",
    execution_name="e1",
    definition={"steps": [{"kind": "pass", "name": "p"}]},
    input={"order": {"id": 7, "lines": ["é", None, 1.5]}},
    resume=ResumePoint(step="p", local={"n": 1}, flow_input={}, next_event_id=9, state="eJw="),
)
VALUES = [
    RUN,
    FlowRun(flow_name="f", execution_name="e", input={}),
    InvokeFunction(binding="s/f", input={"a": [1, {"b": True}]}, step_path="x[1]/y"),
    FunctionResult(value='{"a": 1}'),
    HistoryPage(events=[Event(id=1, type="StepEntered", time="t", detail="{}")], last_id=1),
    DefinitionState(
        name="f",
        created="t",
        versions=(FlowVersion(version="v", definition={}, source="s", created="t"),),
    ),
    ReportDecision(status="accepted", step="wait"),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_contract_values_round_trip_and_read_with_the_default_converter(value: object) -> None:
    [payload] = OURS.to_payloads([value])
    assert OURS.from_payloads([payload], [type(value)]) == [value]
    assert DEFAULT.from_payloads([payload], [type(value)]) == [value]
    [theirs] = DEFAULT.to_payloads([value])
    assert OURS.from_payloads([theirs], [type(value)]) == [value]


def test_a_flow_run_shows_its_input_first_and_its_definition_last_but_one() -> None:
    [payload] = OURS.to_payloads([RUN])
    keys = list(json.loads(payload.data))
    assert keys[0] == "input"
    assert keys[-2:] == ["definition", "resume"]
    [sorted_payload] = DEFAULT.to_payloads([RUN])
    assert next(iter(json.loads(sorted_payload.data))) == "definition"  # what it replaces


def test_other_values_are_left_to_the_default_converter() -> None:
    for value in ({"b": 1, "a": 2}, [1, "x"], "text", None, b"raw"):
        [ours] = OURS.to_payloads([value])
        [theirs] = DEFAULT.to_payloads([value])
        assert ours == theirs


def test_a_float_field_reads_back_as_a_float() -> None:
    # JSON spells the float 1.0 as 1 when a writer had an int; a float field is a float.
    payload = DEFAULT.to_payloads(
        [{"binding": "s/f", "input": {}, "step_path": "p", "timeout_seconds": 1}]
    )[0]
    [call] = OURS.from_payloads([payload], [InvokeFunction])
    assert isinstance(call.timeout_seconds, float) and call.timeout_seconds == 1.0
