"""The flow registry's records: one long-lived ``fdl.FlowDefinition`` workflow per flow.

A flow's registry entry is a workflow (id ``fdl/flow/<name>``) whose own event history is
the record: its start input holds the entry when the run began, and every signal changes it:
``publish`` adds a revision (a definition, named by its content hash), ``publish_version``,
``delete_version``, ``set_alias`` and ``delete_alias`` manage the published versions
(numbered snapshots, CloudFlow's PublishFlowVersion) and the aliases that route to them.
Signals are stored by the server even when no worker runs, so clients write (start, signal)
and read (fold the history with :func:`fold_signal`) without any worker; when a worker does
run the workflow, it keeps the same fold in memory and continues as new before its history
grows long. Deleting a flow terminates its workflow.

The entry is bounded: the current revision and at most :data:`MAX_REVISIONS` - 1 earlier
ones, at most :data:`MAX_PUBLISHED` published versions and :data:`MAX_ALIASES` aliases, and a
run continues as new after :data:`HISTORY_LIMIT` events, so a reader folds a short history.

The payloads and the folds are pure so that the workflow (:mod:`worker.workflow.registry`)
and the client-side reader (:mod:`worker.service.flows`) share them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any, Literal

PUBLISH_SIGNAL = "publish"
"""Signal that adds a revision (a :class:`FlowVersion`) to a flow's registry entry."""
PUBLISH_VERSION_SIGNAL = "publish_version"
"""Signal that snapshots the current revision as the next published version."""
DELETE_VERSION_SIGNAL = "delete_version"
SET_ALIAS_SIGNAL = "set_alias"
"""Signal that creates or replaces an alias (a :class:`FlowAlias`)."""
DELETE_ALIAS_SIGNAL = "delete_alias"

HISTORY_LIMIT = 200
"""Events after which a running definition workflow continues as new (entries created before
this limit carry 2,000 until their next continue-as-new)."""
MAX_REVISIONS = 10
"""Revisions kept: the current one and nine earlier ones (the oldest are dropped)."""
MAX_PUBLISHED = 50
"""Published versions a flow may hold at once (PublishFlowVersion refuses more)."""
MAX_ALIASES = 20
"""Aliases a flow may hold at once."""

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
class PublishedVersion:
    """A published version: a numbered snapshot of a revision (CloudFlow's flow version).

    Attributes:
        number: 1, 2, ... in publication order (numbers are never reused).
        revision: the snapshot of the definition.
        description: the version's description.
        created: when it was published (RFC 3339 UTC).
        request_id: the id of the publish request, so its writer can find it.
    """

    kind: Literal["published_version"] = "published_version"
    number: int
    revision: FlowVersion
    description: str = ""
    created: str
    request_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishVersion:
    """Payload of ``publish_version``: snapshot the current revision as version ``number``."""

    kind: Literal["publish_version"] = "publish_version"
    number: int
    description: str = ""
    created: str
    request_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One route of an alias: a published version and its weight (percent)."""

    kind: Literal["route"] = "route"
    version: int
    weight: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowAlias:
    """A name that routes executions to one or two published versions by weight.

    Attributes:
        name: the alias name.
        description: its description.
        routes: one or two routes whose weights total 100.
        created, modified: when it was created and last changed (RFC 3339 UTC).
    """

    kind: Literal["flow_alias"] = "flow_alias"
    name: str
    description: str = ""
    routes: tuple[Route, ...]
    created: str
    modified: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteByName:
    """Payload of ``delete_version`` (the number as text) and ``delete_alias``."""

    kind: Literal["delete_by_name"] = "delete_by_name"
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DefinitionState:
    """A flow's registry entry: the start input of each run of its definition workflow.

    Attributes:
        name: the flow name.
        created: when the flow was created (RFC 3339 UTC).
        description: the current description.
        versions: the kept revisions in publication order; the last is the current one.
        history_limit: events after which the workflow continues as new.
        published: the published versions, oldest first.
        next_number: the number the next published version gets.
        aliases: the aliases, by name.
        task_queue: the task queue the flow's executions run on ("" for flows registered
            before flows recorded one: the starter's queue then).
    """

    kind: Literal["flow_definition"] = "flow_definition"
    name: str
    created: str
    description: str = ""
    versions: tuple[FlowVersion, ...] = ()
    history_limit: int = HISTORY_LIMIT
    published: tuple[PublishedVersion, ...] = ()
    next_number: int = 1
    aliases: tuple[FlowAlias, ...] = ()
    task_queue: str = ""


SIGNAL_PAYLOADS: dict[str, type[Any]] = {
    PUBLISH_SIGNAL: FlowVersion,
    PUBLISH_VERSION_SIGNAL: PublishVersion,
    DELETE_VERSION_SIGNAL: DeleteByName,
    SET_ALIAS_SIGNAL: FlowAlias,
    DELETE_ALIAS_SIGNAL: DeleteByName,
}
"""The payload type of every signal that changes an entry (readers decode them by name)."""


def fold(state: DefinitionState, published: FlowVersion) -> DefinitionState:
    """The entry after a ``publish`` signal.

    A version equal to the current one (same hash) adds nothing; only a new description or
    task queue it carries is kept. Publishing an older definition again makes it current
    again. Only the newest :data:`MAX_REVISIONS` revisions are kept.
    """
    description = published.description or state.description
    task_queue = published.task_queue or state.task_queue
    current = state.versions[-1].version if state.versions else None
    if published.version == current:
        return replace(state, description=description, task_queue=task_queue)
    versions = (*state.versions, published)[-MAX_REVISIONS:]
    return replace(state, description=description, task_queue=task_queue, versions=versions)


def fold_signal(state: DefinitionState, name: str, payload: Any) -> DefinitionState:
    """The entry after the signal ``name`` with its decoded ``payload``; a payload that does
    not apply (a stale version number, a full list) changes nothing."""
    if name == PUBLISH_SIGNAL and isinstance(payload, FlowVersion):
        return fold(state, payload)
    if name == PUBLISH_VERSION_SIGNAL and isinstance(payload, PublishVersion):
        return _publish_version(state, payload)
    if name == DELETE_VERSION_SIGNAL and isinstance(payload, DeleteByName):
        kept = tuple(v for v in state.published if str(v.number) != payload.name)
        return replace(state, published=kept)
    if name == SET_ALIAS_SIGNAL and isinstance(payload, FlowAlias):
        others = tuple(a for a in state.aliases if a.name != payload.name)
        if len(others) >= MAX_ALIASES:
            return state
        return replace(state, aliases=tuple(sorted((*others, payload), key=lambda a: a.name)))
    if name == DELETE_ALIAS_SIGNAL and isinstance(payload, DeleteByName):
        return replace(state, aliases=tuple(a for a in state.aliases if a.name != payload.name))
    return state


def _publish_version(state: DefinitionState, request: PublishVersion) -> DefinitionState:
    if (
        request.number != state.next_number
        or not state.versions
        or len(state.published) >= MAX_PUBLISHED
    ):
        return state  # another writer took this number first: the writer sees its absence
    version = PublishedVersion(
        number=request.number,
        revision=state.versions[-1],
        description=request.description,
        created=request.created,
        request_id=request.request_id,
    )
    return replace(state, published=(*state.published, version), next_number=request.number + 1)


def bounded(state: DefinitionState) -> DefinitionState:
    """The entry a run carries into its next one: the kept revisions, the short limit."""
    return replace(
        state,
        versions=state.versions[-MAX_REVISIONS:],
        history_limit=min(state.history_limit, HISTORY_LIMIT),
    )
