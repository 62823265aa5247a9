"""What the step panel shows about one node: its visits, attempts and foreach iterations.

Plain JSON-able dicts, so the web page renders them and scripts read them from the
console's JSON endpoint alike. A step in a long loop may have thousands of visits; the
panel keeps the latest :data:`VISIT_LIMIT` and says how many earlier ones it left out.
"""

from __future__ import annotations

from typing import Any

from worker.console.graph import FlowGraph
from worker.console.runstate import STATE_LABELS, Attempt, RunState, Visit, parse_detail
from worker.console.summary import duration_text, iterations, seconds_between

VISIT_LIMIT = 25
"""Visits of one step the panel lists (the latest ones)."""


def step_panel(graph: FlowGraph, run: RunState, node_id: str) -> dict[str, Any]:
    """Everything the panel shows about one node.

    Raises:
        KeyError: the graph has no such node.
    """
    node = graph.nodes[node_id]
    node_run = run.nodes[node_id]
    shown = node_run.visits[-VISIT_LIMIT:]
    return {
        "id": node.id,
        "name": node.name,
        "kind": node.kind,
        "detail": node.detail,
        "state": node_run.state,
        "stateLabel": STATE_LABELS[node_run.state],
        "inferred": node_run.inferred,
        "visitCount": len(node_run.visits),
        "earlierVisits": len(node_run.visits) - len(shown),
        "visits": [_visit(visit) for visit in shown],
        "iterations": [it.to_json() for it in iterations(graph, run, node)],
    }


def _visit(visit: Visit) -> dict[str, Any]:
    error = visit.error
    return {
        "path": visit.path,
        "state": visit.state,
        "stateLabel": STATE_LABELS[visit.state],
        "entered": visit.entered,
        "exited": visit.exited,
        "duration": duration_text(seconds_between(visit.entered, visit.exited)),
        "input": visit.input,
        "output": visit.output if visit.exited is not None else None,
        "error": error.get("error", ""),
        "cause": error.get("cause", ""),
        "attempts": [_attempt(attempt) for attempt in visit.attempts],
    }


def _attempt(attempt: Attempt) -> dict[str, Any]:
    error = attempt.error
    started = parse_detail(attempt.started)
    return {
        "number": attempt.number,
        "scheduled": attempt.scheduled,
        "ended": attempt.ended,
        "duration": duration_text(seconds_between(attempt.scheduled, attempt.ended)),
        "outcome": attempt.outcome,
        "error": error.get("error", ""),
        "cause": error.get("cause", ""),
        "childFlow": str(started.get("flowName") or ""),
        "childName": str(started.get("name") or ""),
        "submitted": parse_detail(attempt.submitted),
    }
