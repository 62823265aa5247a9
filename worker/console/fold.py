"""Folding an execution's FDL events into the run state of its flow graph.

The input is the FDL event list alone (``StepEntered``, ``TaskScheduled``, ``StepExited``,
...), whichever source provided it: the interpreter's ``fdl.history`` query, or the events
derived from Temporal's history when no worker answers (which may lack the step events of
steps that run in workflow memory: then task and timer events open a step's *visit* by
themselves, and containers are inferred from their children). No Temporal call is made
here, so the fold is as fast as one pass over the events.

A *visit* is one entry into a step at one concrete path: a step in a ``goto`` loop has a
visit per round, a step of a foreach body one per iteration. A node's state is its latest
visit's (for a foreach body, the most telling state over its iterations); a node never
visited is ``skipped`` inside a choice option that never ran, else ``not_reached``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

from worker.console.graph import FlowGraph, OptionNode, StepNode
from worker.console.runstate import (
    Attempt,
    FdlEvent,
    NodeRun,
    RunState,
    State,
    Visit,
    parse_detail,
)
from worker.contract.history import TRAIL_FAILED, TRAIL_OPTION, compact

_RANK: dict[str, int] = {
    "failed": 0,
    "running": 1,
    "waiting": 2,
    "caught": 3,
    "retried": 4,
    "succeeded": 5,
    "cancelled": 6,
}
"""Which iteration's state a foreach body node shows: the most telling one."""

_CLOSING = {
    "ExecutionSucceeded": "Succeeded",
    "ExecutionFailed": "Failed",
    "ExecutionTimedOut": "TimedOut",
    "ExecutionStopped": "Stopped",
}

_NO_INPUT = '{"input":null}'
"""The ``StepEntered`` detail of a step whose input mappings failed."""

_TASK_END = {"TaskSucceeded", "TaskFailed", "TaskTimedOut"}


def fold(
    graph: FlowGraph,
    events: Iterable[FdlEvent],
    status: str | None = None,
    trail: Iterable[Sequence[str]] = (),
) -> RunState:
    """The run state of ``graph`` after ``events``.

    Args:
        graph: the graph of the definition the execution ran.
        events: its FDL events in order.
        status: the execution status when known from elsewhere; else it is read from the
            closing ``Execution*`` event (``Running`` without one).
        trail: for derived events, the ``[path, what]`` entries of the run's step trail
            (:class:`worker.contract.history.StepTrail`): the ``pass``, ``choice``,
            ``succeed`` and ``fail`` steps that ran, which Temporal's history does not show.
    """
    folder = _Folder(graph)
    for event in events:
        folder.add(event)
    for path, what in trail:
        folder.trail_step(path, what)
    run = folder.finish(status)
    _settle_states(graph, run, folder)
    return run


class _Folder:
    def __init__(self, graph: FlowGraph) -> None:
        self.graph = graph
        self.runs: dict[str, NodeRun] = {node_id: NodeRun() for node_id in graph.nodes}
        self.open: dict[str, Visit] = {}
        self.attempts: dict[int, tuple[Visit, Attempt]] = {}
        self.unknown: dict[str, None] = {}
        self.status = "Running"
        self.started = ""
        self.ended = ""
        self.closing = "{}"

    def add(self, event: FdlEvent) -> None:
        if event.type in _CLOSING:
            self.status, self.ended, self.closing = _CLOSING[event.type], event.time, event.detail
            return
        if event.type == "ExecutionStarted":
            self.started = event.time
            return
        path, retry_timer = event.step, False
        if event.type.startswith("Timer") and ": " in path:
            path, retry_timer = path.split(": ", 1)[0], True  # "<path>: retry after <error>"
        resolved = self.graph.resolve(path) if path else None
        if resolved is None:
            if path:
                self.unknown[path] = None
            return
        if retry_timer:
            return  # the next TaskScheduled of the same visit says the retry happened
        self._step_event(event, path, *resolved)

    def trail_step(self, path: str, what: str) -> None:
        """A step the run's trail names: a visit that ended (or failed) at an unknown time."""
        resolved = self.graph.resolve(path)
        if resolved is None:
            self.unknown[path] = None
            return
        node_id, iterations = resolved
        visit = Visit(path=path, iterations=iterations, first_event=0, explicit=True)
        if what == TRAIL_FAILED:
            failure = parse_detail(self.closing)
            visit.failure = compact(
                {"error": failure.get("error", ""), "cause": failure.get("cause", "")}
            )
        else:
            visit.exited = self.ended
        if what.startswith(TRAIL_OPTION):
            visit.option = what.removeprefix(TRAIL_OPTION)
        self.runs[node_id].visits.append(visit)

    def _visit(
        self, event: FdlEvent, path: str, node_id: str, iterations: tuple[int, ...]
    ) -> Visit:
        visit = self.open.get(path)
        if visit is None:
            visit = Visit(
                path=path, iterations=iterations, first_event=event.id, entered=event.time
            )
            self.open[path] = visit
            self.runs[node_id].visits.append(visit)
        visit.last_event = event.id
        return visit

    def _step_event(
        self, event: FdlEvent, path: str, node_id: str, iterations: tuple[int, ...]
    ) -> None:
        kind = event.type
        if kind == "StepEntered":
            self.open.pop(path, None)
            visit = self._visit(event, path, node_id, iterations)
            visit.explicit, visit.entered_detail = True, event.detail
        elif kind == "StepExited":
            visit = self._visit(event, path, node_id, iterations)
            self._close(visit, event.time, path)
            visit.exited_detail = event.detail
            visit.option = _option(event.detail, visit.option)
        elif kind == "StepFailed":
            self._visit(event, path, node_id, iterations).failure = event.detail
        elif kind == "TaskScheduled":
            visit = self._visit(event, path, node_id, iterations)
            attempt = Attempt(number=len(visit.attempts) + 1, scheduled=event.time)
            attempt.detail = event.detail
            visit.attempts.append(attempt)
            self.attempts[event.id] = (visit, attempt)
        elif kind == "TimerStarted":
            self._visit(event, path, node_id, iterations).timer = event.detail
        elif kind == "TimerFired":
            visit = self._visit(event, path, node_id, iterations)
            if not visit.explicit:
                self._close(visit, event.time, path)
        else:
            self._task_event(event, path, node_id, iterations)

    def _task_event(
        self, event: FdlEvent, path: str, node_id: str, iterations: tuple[int, ...]
    ) -> None:
        found = self.attempts.get(event.schedule_id)
        if found is None:
            visit = self._visit(event, path, node_id, iterations)
            if not visit.attempts:
                visit.attempts.append(Attempt(number=1, scheduled=event.time))
            found = (visit, visit.attempts[-1])
        visit, attempt = found
        visit.last_event = event.id
        if event.type == "TaskStarted":
            attempt.started = event.detail
        elif event.type == "TaskSubmitted":
            attempt.submitted = event.detail
        elif event.type in _TASK_END:
            attempt.ended, attempt.result = event.time, event.detail
            attempt.outcome = {
                "TaskSucceeded": "succeeded",
                "TaskFailed": "failed",
                "TaskTimedOut": "timed_out",
            }[event.type]  # type: ignore[assignment]
            if attempt.outcome == "succeeded" and not visit.explicit:
                self._close(visit, event.time, path)
                visit.exited_detail = event.detail

    def _close(self, visit: Visit, moment: str, path: str) -> None:
        visit.exited = moment
        if self.open.get(path) is visit:
            del self.open[path]

    def finish(self, status: str | None) -> RunState:
        run = RunState(
            status=status or self.status,
            nodes=self.runs,
            started=self.started,
            ended=self.ended,
            closing=self.closing,
            unknown_paths=list(self.unknown),
        )
        for node_id, node_run in self.runs.items():
            node = self.graph.nodes[node_id]
            for visit in node_run.visits:
                visit.state = _visit_state(node, visit, run)
        return run


def _visit_state(node: StepNode, visit: Visit, run: RunState) -> State:
    last = visit.attempts[-1] if visit.attempts else None
    if visit.failure:
        return "failed"
    if visit.exited is not None:
        if last is not None and last.outcome != "succeeded":
            return "caught"
        if visit.explicit and visit.entered_detail == _NO_INPUT:
            return "caught"  # its input mappings failed and catch took over
        return "retried" if visit.retries else "succeeded"
    if last is not None and last.outcome in ("failed", "timed_out") and not visit.explicit:
        return _derived_failure(last, run)
    if run.status != "Running":
        return "cancelled"
    if last is not None and (node.pattern == "waitForCallback" or last.submitted != "{}"):
        return "waiting"
    return "running"


def _derived_failure(last: Attempt, run: RunState) -> State:
    # Without step events, a failed last attempt was either the execution's failure, a
    # retry still to come, or caught (the execution went on without it).
    if run.status == "Running":
        return "running"
    failed = parse_detail(run.closing).get("error")
    return "failed" if failed and failed == last.error.get("error") else "caught"


def _settle_states(graph: FlowGraph, run: RunState, folder: _Folder) -> None:
    """Node states from visits; containers inferred from children; options; skipped steps."""
    lists = run.by_parent()
    for node in reversed(list(graph.walk())):  # children before their containers
        node_run = run.nodes[node.id]
        if node_run.visits:
            node_run.state = _aggregate(node_run.visits)
        else:
            _infer_container(node, run)
        if node.kind == "choice":
            _option_states(node, run, lists)
    _mark_skipped(graph.root.steps, run, skipped=False)


def _aggregate(visits: Sequence[Visit]) -> State:
    latest: dict[str, Visit] = {}
    for visit in visits:
        latest[visit.path] = visit
    if len(latest) == 1:
        return visits[-1].state
    return min((v.state for v in latest.values()), key=lambda state: _RANK.get(state, 9))


def _infer_container(node: StepNode, run: RunState) -> None:
    states = [run.nodes[child.id].state for nested in node.lists for child in nested.steps]
    reached = [state for state in states if state not in ("not_reached", "skipped")]
    if not reached:
        return
    node_run = run.nodes[node.id]
    node_run.inferred = True
    if "failed" in reached:
        node_run.state = "failed"
    elif run.status == "Running" and ({"running", "waiting"} & set(reached)):
        node_run.state = "running"
    elif run.status != "Running" and {"running", "waiting", "cancelled"} & set(reached):
        node_run.state = "cancelled"
    else:
        node_run.state = "succeeded"


def _option_states(node: StepNode, run: RunState, lists: dict[str, list[Visit]]) -> None:
    node_run = run.nodes[node.id]
    taken: set[str] = set()
    unknown = False
    visits: list[Visit | None] = list(node_run.visits) or [None]
    for visit in visits:
        key = _taken_option(node, visit, run, lists)
        if key is None:
            unknown = True
        else:
            taken.add(key)
    if node_run.state in ("not_reached", "skipped"):
        return
    for option in node.options:
        if option.key in taken:
            run.options[option.id] = "taken"
        elif not unknown:
            run.options[option.id] = "skipped"


def _taken_option(
    node: StepNode, visit: Visit | None, run: RunState, lists: dict[str, list[Visit]]
) -> str | None:
    """Which option a choice visit took: recorded, else seen from its steps or its goto."""
    if visit is not None and visit.option is not None:
        return visit.option
    for option in node.options:
        if _option_ran(option, visit, run):
            return option.key
    if visit is None or visit.exited is None:
        return None
    return _option_by_next_step(node, visit, lists)


def _option_ran(option: OptionNode, visit: Visit | None, run: RunState) -> bool:
    for child in option.steps.steps:
        for child_visit in run.nodes[child.id].visits:
            if visit is None or (
                child_visit.path.startswith(visit.path + "/")
                and visit.first_event <= child_visit.first_event <= visit.last_event
            ):
                return True
    return False


def _option_by_next_step(node: StepNode, visit: Visit, lists: dict[str, list[Visit]]) -> str | None:
    # Options without steps show only where control went next in the choice's own list.
    siblings = lists.get(visit.parent_prefix, [])
    position = bisect.bisect_right([v.first_event for v in siblings], visit.last_event)
    following = siblings[position].path.rsplit("/", 1)[-1] if position < len(siblings) else None
    by_goto = [o.key for o in node.options if o.goto is not None and o.goto == following]
    if by_goto:
        return by_goto[0]
    falling = [o.key for o in node.options if o.goto is None and not o.steps.steps]
    return falling[0] if len(falling) == 1 and following is not None else None


def _mark_skipped(steps: Sequence[StepNode], run: RunState, *, skipped: bool) -> None:
    for node in steps:
        node_run = run.nodes[node.id]
        if skipped and not node_run.visits and node_run.state == "not_reached":
            node_run.state = "skipped"
        for option in node.options:
            inner = skipped or run.options.get(option.id) == "skipped"
            _mark_skipped(option.steps.steps, run, skipped=inner)
        for nested in (*node.branches, *((node.body,) if node.body else ())):
            _mark_skipped(nested.steps, run, skipped=skipped)


def _option(detail: str, current: str | None) -> str | None:
    if '"option"' not in detail:
        return current
    value = parse_detail(detail).get("option", current)
    return str(value) if value is not None else "none"
