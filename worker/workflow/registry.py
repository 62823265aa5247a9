"""The registry workflow ``fdl.FlowDefinition``: one long-lived workflow per registered flow.

Its own event history is the record (see :mod:`worker.contract.registry`); the workflow only
keeps the same fold in memory and continues as new before its history grows large.
"""

from __future__ import annotations

from temporalio import workflow

from worker.contract.registry import PUBLISH_SIGNAL, DefinitionState, FlowVersion, fold
from worker.contract.run import DEFINITION_WORKFLOW


@workflow.defn(name=DEFINITION_WORKFLOW)
class FlowDefinition:
    """Keeps a flow's versions and continues as new before its history grows large.

    Nothing reads this workflow's memory (no queries): clients fold its history, which is
    why the registry works while no worker runs.
    """

    @workflow.init
    def __init__(self, state: DefinitionState) -> None:
        self._state = state

    @workflow.run
    async def run(self, state: DefinitionState) -> None:
        """Wait until the history is long, then continue as new with every version."""
        await workflow.wait_condition(self._history_is_long)
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(self._state)

    @workflow.signal(name=PUBLISH_SIGNAL)
    def publish(self, version: FlowVersion) -> None:
        """Record a new version (see :func:`fold`)."""
        self._state = fold(self._state, version)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self._state.history_limit
        )
