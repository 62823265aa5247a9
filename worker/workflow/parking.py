"""Where a run of an execution stopped when it continued as new: the states of its step lists.

A run's Temporal history has a budget (:mod:`worker.workflow.pacing`). When it is spent the
run *parks*: no new step starts, the work in flight (activities, child workflows, callbacks)
finishes, and every step list that was running stops at a step boundary, raising
:class:`Parked` with its state. The states nest like the steps do: a list paused inside a
``foreach`` holds the foreach's state, which holds the paused lists of its running iterations,
and so on. The flow's own list ends up with the whole tree, which travels (compressed) to the
next run of the same execution; that run rebuilds the coroutines from it and goes on as if
nothing happened: same locals, same results, same FDL event ids.

Steps that park in the middle rather than at a boundary: ``wait`` (the time it still has to
wait), a ``task`` between attempts (its retry counters and when the next attempt may start),
and the steps holding lists (``choice``, ``parallel``, ``foreach``).
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from worker.workflow.records import JSONObject


@dataclass(frozen=True, slots=True, kw_only=True)
class ListState:
    """A step list stopped before (or inside) its step ``step``.

    Attributes:
        step: the step to run next, or the step in progress when ``inside`` is set.
        local: the list's local so far.
        inside: the progress of ``step`` when it had been entered already.
    """

    step: str
    local: JSONObject
    inside: StepProgress | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepProgress:
    """A step stopped while running: its ``StepEntered`` event id and its own state."""

    entered: int
    state: StepState


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeachState:
    """A foreach's progress: ``locals[i]`` for the iterations that finished, the states of
    the ones that were running, and the first position not started yet."""

    done: dict[int, JSONObject] = field(default_factory=dict)
    running: dict[int, ListState] = field(default_factory=dict)
    next: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ParallelState:
    """A parallel's progress: the locals of finished branches, the states of the others."""

    done: dict[int, JSONObject] = field(default_factory=dict)
    running: dict[int, ListState] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceState:
    """The option a choice took (its position; -1 is ``default``) and that list's state."""

    option: int
    inner: ListState


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitState:
    """A ``wait`` step: the workflow time (seconds since the epoch) it waits until."""

    until: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskState:
    """A task between attempts: attempts made, each retry policy's count, and the workflow
    time the next attempt may start (0: at once)."""

    attempts: int
    counters: list[int]
    until: float = 0.0


StepState: TypeAlias = ForeachState | ParallelState | ChoiceState | WaitState | TaskState


class Parked(Exception):
    """Raised by a step list (or a step) that stopped because the run is parking."""

    def __init__(self, state: Any) -> None:
        super().__init__("the run is continuing as new")
        self.state = state


# --- the tree as JSON (and compressed, for the continue-as-new input) -----------------------


def encode(state: ListState) -> str:
    """The state tree as compact text: JSON, zlib, base64 (locals repeat a lot)."""
    text = json.dumps(_list_json(state), separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")


def decode(text: str) -> ListState:
    """The state tree :func:`encode` wrote."""
    raw = zlib.decompress(base64.b64decode(text)).decode("utf-8")
    return _list_from(json.loads(raw))


def _list_json(state: ListState) -> JSONObject:
    data: JSONObject = {"step": state.step, "local": state.local}
    if state.inside is not None:
        data["entered"] = state.inside.entered
        data["inside"] = _step_json(state.inside.state)
    return data


def _list_from(data: JSONObject) -> ListState:
    inside = None
    if "inside" in data:
        inside = StepProgress(entered=data["entered"], state=_step_from(data["inside"]))
    return ListState(step=data["step"], local=data["local"], inside=inside)


def _lanes_json(done: dict[int, JSONObject], running: dict[int, ListState]) -> JSONObject:
    # The finished locals as one list by position (null where not finished): a foreach of
    # 100,000 items has them nearly all, and a list serializes fastest.
    locals_: list[JSONObject | None] = [None] * (max(done) + 1 if done else 0)
    for position, local in done.items():
        locals_[position] = local
    return {
        "done": locals_,
        "running": [[position, _list_json(lane)] for position, lane in sorted(running.items())],
    }


def _step_json(state: StepState) -> JSONObject:
    match state:
        case ForeachState():
            return {"kind": "foreach", "next": state.next, **_lanes_json(state.done, state.running)}
        case ParallelState():
            return {"kind": "parallel", **_lanes_json(state.done, state.running)}
        case ChoiceState():
            return {"kind": "choice", "option": state.option, "inner": _list_json(state.inner)}
        case WaitState():
            return {"kind": "wait", "until": state.until}
        case TaskState():
            return {
                "kind": "task",
                "attempts": state.attempts,
                "counters": state.counters,
                "until": state.until,
            }


def _step_from(data: JSONObject) -> StepState:
    kind = data["kind"]
    if kind in ("foreach", "parallel"):
        done = {position: local for position, local in enumerate(data["done"]) if local is not None}
        running = {int(position): _list_from(lane) for position, lane in data["running"]}
        if kind == "foreach":
            return ForeachState(done=done, running=running, next=data["next"])
        return ParallelState(done=done, running=running)
    if kind == "choice":
        return ChoiceState(option=data["option"], inner=_list_from(data["inner"]))
    if kind == "wait":
        return WaitState(until=data["until"])
    if kind == "task":
        return TaskState(attempts=data["attempts"], counters=data["counters"], until=data["until"])
    raise ValueError(f"unknown step state {kind!r}")
