"""The records workflow code passes around: plain data, no behaviour.

Passed through the workflow sandbox with the IR (see :data:`worker.sandbox.PASSTHROUGH_MODULES`):
creating a dataclass costs about half a millisecond, and the sandbox re-imports every other
workflow module for every workflow run, so keeping the records here saves that per run
(``bench/overhead_bench.py``). Being pure data, they cannot break determinism.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, TypeAlias

from worker.contract.run import FlowRun
from worker.contract.tokens import TaskReport

JSONObject: TypeAlias = dict[str, Any]
"""A step's input, output or (usually) local."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepCall:
    """One entry into a step: where it is, what it received and the ``$context`` it sees.

    ``parent_input`` and ``parent_local`` let a waiting task map its input again with each
    attempt's task token (``$context.task.token`` changes per attempt).
    """

    path: str
    input: JSONObject
    context: JSONObject
    parent_input: JSONObject = field(default_factory=dict)
    parent_local: JSONObject = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What a step executor reports back to the step list running it.

    Attributes:
        local: the step's ``$local`` (an array for parallel and foreach).
        goto: the sibling to jump to (choice option, catch).
        stop: the step ended its list successfully (succeed).
        option: the option a choice took (``0``, ``1``, ..., ``default``, ``none``).
    """

    local: Any = field(default_factory=dict)
    goto: str | None = None
    stop: bool = False
    option: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListResult:
    """A finished step list: its local and whether a ``succeed`` step ended it."""

    local: JSONObject
    succeeded: bool


@dataclass(slots=True)
class OpenTask:
    """One minted token in the workflow: its secret, its step, and how it ended.

    Attributes:
        waits: the attempt waits for a report (``waitForCallback``); a token of another
            pattern only names the attempt, and reports for it are refused.
        room: bytes a reported output may take (the step data limit less the step's input);
            0 means no limit.
    """

    secret: str
    step: str
    state: Literal["waiting", "reported", "ended"] = "waiting"
    ended_because: str = ""
    report: TaskReport | None = None
    waits: bool = True
    room: int = 0


@dataclass(frozen=True, slots=True)
class ResolvedStart:
    """What a workflow needs to start an execution of a resolved flow: its input, its
    execution timeout, and the task queue its flow runs on ("" when it recorded none)."""

    run: FlowRun
    execution_timeout: timedelta | None
    task_queue: str = ""
