"""The flow registry's records: one long-lived ``fdl.FlowDefinition`` workflow per flow.

A flow's registry entry is a workflow (id ``fdl/flow/<name>``) whose own event history is
the record: its start input holds the versions known when the run began, and every
``publish`` signal adds one. Signals are stored by the server even when no worker runs, so
clients write (start, signal) and read (fold the history with :func:`fold`) without any
worker; when a worker does run the workflow, it only keeps the same fold in memory and
continues as new, carrying every version, before its history grows large. Deleting a flow
terminates its workflow.

The payloads and :func:`fold` are pure so that the workflow
(:mod:`worker.workflow.registry`) and the client-side reader (:mod:`worker.service.flows`)
share them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any, Literal

PUBLISH_SIGNAL = "publish"
"""Signal that adds a version (a :class:`FlowVersion`) to a flow's registry entry."""

HISTORY_LIMIT = 2000
"""Events after which a running definition workflow continues as new."""

HASH_LENGTH = 12
"""Hex digits of the sha256 kept as a version name (48 bits: collisions are not a concern
for the handful of versions one flow has)."""


def content_hash(definition: dict[str, Any]) -> str:
    """The version name of a compiled definition: sha256 of its canonical JSON, shortened."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_LENGTH]


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowVersion:
    """One stored version of a flow.

    Attributes:
        version: :func:`content_hash` of ``definition``.
        definition: the compiled flow (``translator.ir.Flow.to_json()``).
        source: the FDL text it was compiled from.
        description: the flow's description as given with this version ("" = keep the last).
        created: when the version was written (RFC 3339 UTC, the writer's clock).
        task_queue: the task queue the flow's executions run on from now ("" = keep the
            last): the queue of the project that published the version.
    """

    kind: Literal["flow_version"] = "flow_version"
    version: str
    definition: dict[str, Any]
    source: str
    description: str = ""
    created: str
    task_queue: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DefinitionState:
    """A flow's registry entry: the start input of each run of its definition workflow.

    Attributes:
        name: the flow name.
        created: when the flow was created (RFC 3339 UTC).
        description: the current description.
        versions: every version in publication order; the last is the current one.
        history_limit: events after which the workflow continues as new.
        task_queue: the task queue the flow's executions run on ("" for flows registered
            before flows recorded one: the starter's queue then).
    """

    kind: Literal["flow_definition"] = "flow_definition"
    name: str
    created: str
    description: str = ""
    versions: tuple[FlowVersion, ...] = ()
    history_limit: int = HISTORY_LIMIT
    task_queue: str = ""


def fold(state: DefinitionState, published: FlowVersion) -> DefinitionState:
    """The entry after a ``publish`` signal.

    A version equal to the current one (same hash) adds nothing; only a new description or
    task queue it carries is kept. Publishing an older definition again makes it current
    again.
    """
    description = published.description or state.description
    task_queue = published.task_queue or state.task_queue
    current = state.versions[-1].version if state.versions else None
    if published.version == current:
        return replace(state, description=description, task_queue=task_queue)
    versions = (*state.versions, published)
    return replace(state, description=description, task_queue=task_queue, versions=versions)
