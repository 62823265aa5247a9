"""FDL-style events derived from Temporal's own history, when no worker answers the query.

Temporal's history holds what the interpreter asked the server to do: function invocations
and message sends (activities, with the step path and the mapped input; a ``local: true``
function's call is a local activity marker with its step path and result), child executions,
durable timers, task tokens (the local activity minting each secret), the reports that answer
them (signals), and the execution's start and end. That is enough for the task events of the
original's history, not for the steps that run in workflow memory (``pass``, ``choice``,
mappings): those only the interpreter knows, through the ``fdl.history`` query. Timers keep
Temporal's names (``TimerStarted``, ``TimerFired``) with the wait step's path.

A waiting task (``waitForCallback``) is told apart by its token: the send or invocation that
carries a token minted for it ends as ``TaskSubmitted``, and the first report with that token
ends the task (``TaskSucceeded`` or ``TaskFailed``), as the interpreter records it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import HistoryEvent
from temporalio.converter import PayloadConverter

from worker.contract.activities import INVOKE_FUNCTION, MINT_TASK_SECRET, SEND_MESSAGE
from worker.contract.history import STEP_TRAIL_MEMO, Event, StepTrail, compact, timestamp
from worker.contract.run import PARENT_STEP_MEMO
from worker.contract.tokens import REPORT_SIGNAL, MalformedToken, TaskToken


class _Builder:
    def __init__(self, converter: PayloadConverter) -> None:
        self.converter = converter
        self.events: list[Event] = []
        self.scheduled: dict[int, tuple[int, str]] = {}  # Temporal event id -> (FDL id, step)
        self.minted = 0  # task tokens minted so far (their numbers are 1, 2, ...)
        self.waiting: dict[int, int] = {}  # token number -> Temporal id of its TaskScheduled
        self.submits: set[int] = set()  # Temporal ids of activities that submit a waiting task
        self.reported: set[int] = set()  # token numbers whose first report was seen

    def next_run(self) -> None:
        """Forget what links events of the run before (Temporal ids, token numbers)."""
        self.scheduled, self.waiting, self.submits, self.reported = {}, {}, set(), set()
        self.minted = 0

    def add(
        self, kind: str, source: HistoryEvent, step: str, detail: dict[str, Any], answers: int = 0
    ) -> int:
        event_id = len(self.events) + 1
        schedule_id, step_of = self.scheduled.get(answers, (0, step))
        self.events.append(
            Event(
                id=event_id,
                type=kind,
                step=step or step_of,
                time=timestamp(source.event_time.ToDatetime().replace(tzinfo=UTC)),
                schedule_id=schedule_id,
                detail=compact(detail),
            )
        )
        return event_id

    def value(self, payloads: Payloads | None) -> Any:
        if payloads is None or not payloads.payloads:
            return None
        return self.one(payloads.payloads[0])

    def one(self, payload: Payload) -> Any:
        return _decoded(self.converter, payload)


def _decoded(converter: PayloadConverter, payload: Payload) -> Any:
    try:
        return converter.from_payload(payload)
    except Exception:  # an undecodable payload is shown as such, never fatal here
        return "<undecodable payload>"


def _failure(failure: Failure) -> dict[str, str]:
    error = (
        failure.application_failure_info.type
        if failure.HasField("application_failure_info")
        else ""
    )
    cause = failure.message
    if failure.HasField("cause") and not error:
        return _failure(failure.cause)
    return {"error": error, "cause": cause}


def derive(events: Sequence[HistoryEvent], converter: PayloadConverter) -> list[Event]:
    """The FDL events Temporal's history shows, in order (see the module docstring)."""
    return derive_runs([events], converter)


def derive_runs(runs: Sequence[Sequence[HistoryEvent]], converter: PayloadConverter) -> list[Event]:
    """The FDL events of an execution that continued as new, from its runs' histories
    (oldest first): one list, numbered on across runs, with one ``ExecutionStarted``.

    Temporal event ids and task token numbers are a run's own, so what links an event to
    the one it answers starts afresh with each run.
    """
    out = _Builder(converter)
    for number, events in enumerate(runs):
        if number:
            out.next_run()
        for event in events:
            if number and event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                continue
            _one(out, event)
    return out.events


def step_trail(events: Sequence[HistoryEvent], converter: PayloadConverter) -> StepTrail:
    """The run's step trail: the ``pass``, ``choice``, ``succeed`` and ``fail`` steps it ran,
    as the run wrote them into its memo when it ended (empty while it runs, and for runs of
    releases before the trail)."""
    trail = StepTrail()
    for event in events:
        if event.event_type != EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
            continue
        fields = event.workflow_properties_modified_event_attributes.upserted_memo.fields
        if STEP_TRAIL_MEMO in fields:
            trail = StepTrail.from_memo(_decoded(converter, fields[STEP_TRAIL_MEMO]))
    return trail


def runs_trail(runs: Sequence[Sequence[HistoryEvent]], converter: PayloadConverter) -> StepTrail:
    """The step trails of an execution's runs (oldest first), one after the other."""
    steps: list[list[str]] = []
    omitted = 0
    for events in runs:
        trail = step_trail(events, converter)
        steps.extend(trail.steps)
        omitted += trail.omitted
    return StepTrail(steps=steps, omitted=omitted)


def _one(out: _Builder, event: HistoryEvent) -> None:
    kind = event.event_type
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        run = out.value(event.workflow_execution_started_event_attributes.input)
        flow_input = run.get("input") if isinstance(run, dict) else run
        out.add("ExecutionStarted", event, "", {"input": flow_input})
    elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        _activity_scheduled(out, event)
    elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        _activity_completed(out, event)
    elif kind == EventType.EVENT_TYPE_MARKER_RECORDED:
        _marker(out, event)
    elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        _reported(out, event)
    elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        attrs_f = event.activity_task_failed_event_attributes
        if attrs_f.scheduled_event_id in out.scheduled:
            detail = _failure(attrs_f.failure)
            out.add("TaskFailed", event, "", detail, attrs_f.scheduled_event_id)
    elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
        attrs_t = event.activity_task_timed_out_event_attributes
        if attrs_t.scheduled_event_id in out.scheduled:
            detail = {"error": "FnF.TaskTimeout", "cause": attrs_t.failure.message}
            out.add("TaskTimedOut", event, "", detail, attrs_t.scheduled_event_id)
    else:
        _child_or_timer_or_end(out, event)


def _activity_scheduled(out: _Builder, event: HistoryEvent) -> None:
    attrs = event.activity_task_scheduled_event_attributes
    call = out.value(attrs.input)
    call = call if isinstance(call, dict) else {}
    step = str(call.get("step_path", ""))
    if attrs.activity_type.name == INVOKE_FUNCTION:
        detail = {"resource": call.get("binding"), "input": call.get("input")}
    elif attrs.activity_type.name == SEND_MESSAGE:
        detail = {"resource": f"{call.get('target')}/{call.get('name')}", "body": call.get("body")}
    else:
        return  # the registry lookup and other engine activities are not FDL tasks
    fdl_id = out.add("TaskScheduled", event, step, detail)
    out.scheduled[event.event_id] = (fdl_id, step)
    number = _token_number(call)
    if number is not None and number <= out.minted and number not in out.waiting:
        out.waiting[number] = event.event_id
        out.submits.add(event.event_id)


def _token_number(value: Any) -> int | None:
    """The number of the first task token found anywhere in an activity's input."""
    if isinstance(value, str):
        for candidate in (value, *_json_strings(value)):
            try:
                return TaskToken.decode(candidate).number
            except MalformedToken:
                continue
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        found = _token_number(item)
        if found is not None:
            return found
    return None


def _json_strings(text: str) -> list[str]:
    """The strings inside ``text`` when it is JSON (a message body holding the token)."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return []
    found: list[str] = []
    stack = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _activity_completed(out: _Builder, event: HistoryEvent) -> None:
    attrs = event.activity_task_completed_event_attributes
    if attrs.scheduled_event_id not in out.scheduled:
        return
    result = out.value(attrs.result)
    if isinstance(result, dict) and result.get("kind") == "message_sent":
        value: Any = {
            "MessageId": result.get("message_id"),
            "MessageBodyMD5": result.get("body_md5"),
            "RequestId": result.get("request_id"),
        }
    else:
        value = result.get("value") if isinstance(result, dict) else result
    if attrs.scheduled_event_id in out.submits:
        out.add("TaskSubmitted", event, "", value or {}, attrs.scheduled_event_id)
    else:
        out.add("TaskSucceeded", event, "", {"output": value}, attrs.scheduled_event_id)


def _marker(out: _Builder, event: HistoryEvent) -> None:
    """A local activity's marker: a task token minted, or a call of a ``local: true``
    function (one attempt: its step path is the activity id's part before ``#``)."""
    attrs = event.marker_recorded_event_attributes
    data = out.value(attrs.details["data"]) if "data" in attrs.details else None
    if not isinstance(data, dict):
        return
    if data.get("activity_type") == MINT_TASK_SECRET:
        out.minted += 1
        return
    if data.get("activity_type") != INVOKE_FUNCTION:
        return
    step = str(data.get("activity_id", "")).rsplit("#", 1)[0]
    fdl_id = out.add("TaskScheduled", event, step, {"local": True})
    out.scheduled[event.event_id] = (fdl_id, step)
    if attrs.HasField("failure"):
        if attrs.failure.HasField("timeout_failure_info"):
            detail = {"error": "FnF.TaskTimeout", "cause": attrs.failure.message}
            out.add("TaskTimedOut", event, "", detail, event.event_id)
        else:
            out.add("TaskFailed", event, "", _failure(attrs.failure), event.event_id)
        return
    result = out.value(attrs.details["result"]) if "result" in attrs.details else None
    value = result.get("value") if isinstance(result, dict) else result
    out.add("TaskSucceeded", event, "", {"output": value}, event.event_id)


def _reported(out: _Builder, event: HistoryEvent) -> None:
    """A task report: the first one for a token ends its waiting task."""
    attrs = event.workflow_execution_signaled_event_attributes
    if attrs.signal_name != REPORT_SIGNAL:
        return
    report = out.value(attrs.input)
    if not isinstance(report, dict):
        return
    try:
        number = TaskToken.decode(str(report.get("token", ""))).number
    except MalformedToken:
        return
    scheduled = out.waiting.get(number)
    if scheduled is None or number in out.reported:
        return
    out.reported.add(number)
    if report.get("succeeded"):
        out.add("TaskSucceeded", event, "", {"output": report.get("output")}, scheduled)
    else:
        detail = {"error": report.get("error", ""), "cause": report.get("cause", "")}
        out.add("TaskFailed", event, "", detail, scheduled)


def _child_or_timer_or_end(out: _Builder, event: HistoryEvent) -> None:
    kind = event.event_type
    if kind == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        attrs = event.start_child_workflow_execution_initiated_event_attributes
        run = out.value(attrs.input)
        run = run if isinstance(run, dict) else {}
        step_payload = attrs.memo.fields.get(PARENT_STEP_MEMO)
        step = str(out.one(step_payload)) if step_payload is not None else ""
        detail = {
            "flowName": attrs.workflow_type.name,
            "name": run.get("execution_name"),
            "input": run.get("input"),
        }
        fdl_id = out.add("TaskScheduled", event, step, detail)
        out.scheduled[event.event_id] = (fdl_id, step)
        number = _token_number(run.get("input"))
        if number is not None and number <= out.minted and number not in out.waiting:
            out.waiting[number] = event.event_id  # the report, not the child's end, ends it
            out.submits.add(event.event_id)
    elif kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
        attrs_s = event.child_workflow_execution_started_event_attributes
        detail = {"workflowId": attrs_s.workflow_execution.workflow_id}
        out.add("TaskStarted", event, "", detail, attrs_s.initiated_event_id)
    elif kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
        attrs_c = event.child_workflow_execution_completed_event_attributes
        if attrs_c.initiated_event_id not in out.submits:
            detail = {"output": out.value(attrs_c.result)}
            out.add("TaskSucceeded", event, "", detail, attrs_c.initiated_event_id)
    elif kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
        attrs_x = event.child_workflow_execution_failed_event_attributes
        if attrs_x.initiated_event_id not in out.submits:
            failed = _failure(attrs_x.failure)
            out.add("TaskFailed", event, "", failed, attrs_x.initiated_event_id)
    elif kind == EventType.EVENT_TYPE_TIMER_STARTED:
        attrs_t = event.timer_started_event_attributes
        step = str(out.one(event.user_metadata.summary)) if event.HasField("user_metadata") else ""
        seconds = attrs_t.start_to_fire_timeout.ToTimedelta().total_seconds()
        fdl_id = out.add("TimerStarted", event, step, {"seconds": seconds})
        out.scheduled[event.event_id] = (fdl_id, step)
    elif kind == EventType.EVENT_TYPE_TIMER_FIRED:
        attrs_f = event.timer_fired_event_attributes
        out.add("TimerFired", event, "", {}, attrs_f.started_event_id)
