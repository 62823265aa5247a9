"""Which of a flow's functions run as local activities, as the worker's ``fdl.yaml`` says.

A binding with ``local: true`` runs as a Temporal local activity. That is the worker's
configuration, which workflow code cannot read (a replay on a worker with another file would
take other decisions), so the run asks once, through the ``fdl.function_modes`` local
activity, whose answer is recorded in the history and replays identically. The question is
asked at the first function call of each run, for every function the flow calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import timedelta

from temporalio import workflow

from translator import ir
from worker.contract.activities import FUNCTION_MODES, FunctionModes, LocalFunctions
from worker.workflow import patches


class LocalBindings:
    """The answer for one run, asked on first use (concurrent first uses share one question).

    Args:
        bindings: the ``service/function`` keys of every function the flow calls.
    """

    def __init__(self, bindings: Sequence[str]) -> None:
        self._bindings = list(bindings)
        self._local: frozenset[str] | None = None
        self._asking: asyncio.Task[frozenset[str]] | None = None

    async def is_local(self, binding: str) -> bool:
        """Whether ``binding`` runs as a local activity in this run."""
        if self._local is None:
            if not workflow.patched(patches.FUNCTION_CALLS):
                self._local = frozenset()
            else:
                if self._asking is None:
                    self._asking = asyncio.create_task(self._ask())
                self._local = await asyncio.shield(self._asking)
        return binding in self._local

    async def _ask(self) -> frozenset[str]:
        answer: LocalFunctions = await workflow.execute_local_activity(
            FUNCTION_MODES,
            FunctionModes(bindings=self._bindings),
            result_type=LocalFunctions,
            start_to_close_timeout=timedelta(seconds=10),
            summary="which functions run as local activities",
        )
        return frozenset(answer.local)


def flow_bindings(steps: Iterable[ir.Step]) -> list[str]:
    """The ``service/function`` keys of every FC function the steps call, nested ones too."""
    found: dict[str, None] = {}
    for step in steps:
        match step:
            case ir.TaskStep(resource=ir.FunctionResource() as resource):
                found[resource.binding_name] = None
            case ir.ChoiceStep():
                for option in (*step.choices, *([step.default] if step.default else [])):
                    found.update(dict.fromkeys(flow_bindings(option.steps)))
            case ir.ParallelStep():
                for branch in step.branches:
                    found.update(dict.fromkeys(flow_bindings(branch.steps)))
            case ir.ForeachStep():
                found.update(dict.fromkeys(flow_bindings(step.steps)))
            case _:
                pass
    return list(found)
