"""The registry workflow ``fdl.FlowDefinition``: one long-lived workflow per registered flow.

Its own event history is the record (see :mod:`worker.contract.registry`); the workflow only
keeps the same fold in memory and continues as new before its history grows long.
"""

from __future__ import annotations

from temporalio import workflow

from worker.contract.registry import (
    DELETE_ALIAS_SIGNAL,
    DELETE_VERSION_SIGNAL,
    PUBLISH_SIGNAL,
    PUBLISH_VERSION_SIGNAL,
    SET_ALIAS_SIGNAL,
    DefinitionState,
    DeleteByName,
    FlowAlias,
    FlowVersion,
    PublishVersion,
    bounded,
    fold,
    fold_signal,
)
from worker.contract.run import DEFINITION_WORKFLOW
from worker.workflow.patches import REGISTRY_BOUNDED


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
        """Wait until the history is long, then continue as new with the entry."""
        await workflow.wait_condition(self._history_is_long)
        await workflow.wait_condition(workflow.all_handlers_finished)
        carried = self._state
        if workflow.patched(REGISTRY_BOUNDED):
            carried = bounded(carried)
        workflow.continue_as_new(carried)

    @workflow.signal(name=PUBLISH_SIGNAL)
    def publish(self, version: FlowVersion) -> None:
        """Record a new revision (see :func:`fold`)."""
        self._state = fold(self._state, version)

    @workflow.signal(name=PUBLISH_VERSION_SIGNAL)
    def publish_version(self, request: PublishVersion) -> None:
        """Snapshot the current revision as the next published version."""
        self._state = fold_signal(self._state, PUBLISH_VERSION_SIGNAL, request)

    @workflow.signal(name=DELETE_VERSION_SIGNAL)
    def delete_version(self, request: DeleteByName) -> None:
        """Forget a published version."""
        self._state = fold_signal(self._state, DELETE_VERSION_SIGNAL, request)

    @workflow.signal(name=SET_ALIAS_SIGNAL)
    def set_alias(self, alias: FlowAlias) -> None:
        """Create or replace an alias."""
        self._state = fold_signal(self._state, SET_ALIAS_SIGNAL, alias)

    @workflow.signal(name=DELETE_ALIAS_SIGNAL)
    def delete_alias(self, request: DeleteByName) -> None:
        """Forget an alias."""
        self._state = fold_signal(self._state, DELETE_ALIAS_SIGNAL, request)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self._state.history_limit
        )
