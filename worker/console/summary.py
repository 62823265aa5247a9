"""Short words about a run: a node's status line, durations, which edges were taken.

Shared by the SVG, the web pages and the terminal tree, so all three say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from worker.console.graph import FlowGraph, StepNode
from worker.console.layout import Edge
from worker.console.runstate import NodeRun, RunState, State, Visit


def seconds_between(start: str, end: str | None) -> float | None:
    """Seconds from one RFC 3339 time to another (``None`` when either is missing)."""
    if not start or not end:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return None


def duration_text(seconds: float | None) -> str:
    """``0.04 s``, ``2.3 s``, ``4 min 05 s``, ``2 h 03 min``; empty when unknown."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.2f} s" if seconds < 1 else f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def visit_duration(visit: Visit) -> str:
    """How long a finished visit took (empty while it runs)."""
    return duration_text(seconds_between(visit.entered, visit.exited))


def status_lines(graph: FlowGraph, run: RunState) -> dict[str, str]:
    """The status line of every node (see :func:`status_line`)."""
    return {node.id: status_line(graph, run, node) for node in graph.walk()}


def status_line(graph: FlowGraph, run_state: RunState, node: StepNode) -> str:
    """The third line of a node in a run: what happened, briefly."""
    run = run_state.nodes[node.id]
    state = run.state
    if state in ("not_reached", "skipped"):
        return "skipped" if state == "skipped" else ""
    if node.kind == "foreach" and run.visits:
        count = len(iterations(graph, run_state, node))
        took = visit_duration(run.visits[-1])
        words = f"{count} iteration{'s' if count != 1 else ''}"
        if state == "failed":
            return f"{words}, failed: {run.visits[-1].error.get('error', '')}".rstrip(": ")
        return f"{words}, {took}" if took else words
    if _in_iterations(run):
        return _iterations_line(run)
    visit = run.visits[-1] if run.visits else None
    rounds = f"{len(run.visits)} runs, " if len(run.visits) > 1 else ""
    if visit is None:
        return state.replace("_", " ")
    error = visit.error.get("error") or ""
    if state == "failed":
        return f"{rounds}failed: {error}" if error else f"{rounds}failed"
    if state == "caught":
        return f"{rounds}caught {error}".strip()
    if state == "waiting":
        return f"{rounds}waiting for callback"
    if state == "running":
        attempt = f" (attempt {len(visit.attempts)})" if len(visit.attempts) > 1 else ""
        return f"{rounds}running{attempt}"
    if state == "cancelled":
        return f"{rounds}cancelled"
    took = visit_duration(visit)
    retried = f"retried {visit.retries}×, " if visit.retries else ""
    return f"{rounds}{retried}{took}".rstrip(", ") or "succeeded"


def _in_iterations(run: NodeRun) -> bool:
    return bool(run.visits and run.visits[-1].iterations)


def _iterations_line(run: NodeRun) -> str:
    latest: dict[str, Visit] = {}
    for visit in run.visits:
        latest[visit.path] = visit
    done = sum(1 for v in latest.values() if v.state in ("succeeded", "retried", "caught"))
    failed = sum(1 for v in latest.values() if v.state == "failed")
    retried = sum(1 for v in latest.values() if v.state == "retried")
    text = f"{done}/{len(latest)} iterations ok"
    if retried:
        text += f", {retried} retried"
    return f"{text}, {failed} failed" if failed else text


def edge_taken(edge: Edge, run: RunState) -> bool:
    """Whether the execution went along ``edge``."""
    if edge.option and run.options.get(edge.option) != "taken":
        return False
    if edge.caught:
        return any(v.state == "caught" for v in run.nodes[edge.caught].visits)
    reached = all(
        run.nodes[node_id].state not in ("not_reached", "skipped") for node_id in edge.nodes
    )
    finished = all(run.nodes[node_id].state in _FINISHED for node_id in edge.finished)
    return reached and finished and bool(edge.nodes or edge.finished or edge.option)


_FINISHED = ("succeeded", "retried", "caught")


@dataclass(slots=True, kw_only=True)
class Iteration:
    """One iteration of a foreach visit: its position, state and time span."""

    index: int
    state: State
    started: str
    ended: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "state": self.state,
            "started": self.started,
            "ended": self.ended,
            "duration": duration_text(seconds_between(self.started, self.ended)),
        }


def iterations(graph: FlowGraph, run: RunState, node: StepNode) -> list[Iteration]:
    """The iterations of the latest visit of foreach ``node``, in collection order."""
    visits = run.nodes[node.id].visits
    if node.kind != "foreach" or not visits:
        return []
    latest = visits[-1]
    prefix = f"{latest.path}["
    window_end = latest.last_event if latest.exited is not None else 1 << 62
    found: dict[int, list[Visit]] = {}
    for child in graph.walk():
        if not child.id.startswith(f"{node.id}[*]/"):
            continue
        for visit in run.nodes[child.id].visits:
            if visit.path.startswith(prefix) and (
                latest.first_event <= visit.first_event <= window_end
            ):
                number = visit.path[len(prefix) : visit.path.find("]", len(prefix))]
                found.setdefault(int(number), []).append(visit)
    return [_iteration(index, found[index]) for index in sorted(found)]


def _iteration(index: int, visits: list[Visit]) -> Iteration:
    states = {visit.state for visit in visits}
    order: tuple[State, ...] = ("failed", "running", "waiting", "cancelled")
    state: State = next((candidate for candidate in order if candidate in states), "succeeded")
    ends = [visit.exited for visit in visits]
    return Iteration(
        index=index,
        state=state,
        started=min(visit.entered for visit in visits),
        ended=None if None in ends else max(end for end in ends if end is not None),
    )
