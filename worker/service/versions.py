"""CloudFlow's flow versions and aliases, kept in the flow's registry entry.

A **published version** (PublishFlowVersion) is a numbered snapshot of the flow's current
revision: 1, 2, ... never reused. An **alias** routes to one or two published versions with
weights totalling 100. ``StartExecution``'s qualifier names the definition an execution runs:
nothing (the current revision), a version number, or an alias, whose weighted choice is made
once, at start, and recorded in the execution's memo (:func:`resolve_qualifier`).

Writes are signals to the entry's workflow (see :mod:`worker.contract.registry`), checked
here first against the entry as read; a publish is read back to learn whether it won its
number (two writers at once: one gets ``ConcurrentUpdateError``).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from translator.rules import check_name
from worker.contract.registry import (
    DELETE_ALIAS_SIGNAL,
    DELETE_VERSION_SIGNAL,
    MAX_ALIASES,
    MAX_PUBLISHED,
    PUBLISH_VERSION_SIGNAL,
    SET_ALIAS_SIGNAL,
    DefinitionState,
    DeleteByName,
    FlowAlias,
    PublishedVersion,
    PublishVersion,
    Route,
)
from worker.service.errors import (
    ConcurrentUpdateError,
    FlowAliasAlreadyExists,
    FlowAliasNotExists,
    FlowNotExists,
    FlowVersionNotExists,
    InvalidArgument,
)
from worker.service.flows import (
    RegisteredFlow,
    handle_of,
    is_published_number,
    now,
    read_state,
    registered,
)

READ_BACK_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 0)
"""Pauses between the reads that look for a publish's own version (a read may lag a write)."""

QUALIFIER_MEMO = "fdlQualifier"
"""Memo key of an execution started with a qualifier: the qualifier as given."""
FLOW_VERSION_MEMO = "fdlFlowVersion"
"""Memo key of an execution that runs a published version: its number."""


def version_json(flow_name: str, version: PublishedVersion) -> dict[str, Any]:
    """The wire form of a published version (PublishFlowVersion, ListFlowVersions), plus
    ``Revision`` (the content hash of its definition)."""
    return {
        "FlowName": flow_name,
        "Version": str(version.number),
        "Description": version.description,
        "CreatedTime": version.created,
        "Revision": version.revision.version,
    }


def alias_json(alias: FlowAlias) -> dict[str, Any]:
    """The wire form of an alias (Create/Update/Describe/ListFlowAliases)."""
    return {
        "Name": alias.name,
        "Description": alias.description,
        "RoutingConfigurations": [
            {"Version": str(route.version), "Weight": route.weight} for route in alias.routes
        ],
        "CreatedTime": alias.created,
        "LastModifiedTime": alias.modified,
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Qualified:
    """The definition a qualifier names, and what the execution's memo records."""

    flow: RegisteredFlow
    memo: dict[str, str]


async def publish_version(
    client: Client, flow_name: str, description: str = ""
) -> PublishedVersion:
    """Snapshot the flow's current revision as its next version number.

    Raises:
        FlowNotExists: no such flow.
        InvalidArgument: the flow holds :data:`MAX_PUBLISHED` versions already.
        ConcurrentUpdateError: another publish took the number at the same moment.
    """
    state = await read_state(client, flow_name)
    if len(state.published) >= MAX_PUBLISHED:
        raise InvalidArgument(
            f"flow {flow_name!r} has {MAX_PUBLISHED} published versions, the most it may "
            "hold: delete one first"
        )
    request = PublishVersion(
        number=state.next_number,
        description=description,
        created=now(),
        request_id=uuid.uuid4().hex,
    )
    await _signal(client, flow_name, PUBLISH_VERSION_SIGNAL, request)
    for delay in READ_BACK_DELAYS:
        after = await read_state(client, flow_name)
        for version in after.published:
            if version.request_id == request.request_id:
                return version
        if after.next_number > request.number:
            break  # another publish took the number
        await asyncio.sleep(delay)
    raise ConcurrentUpdateError(f"flow {flow_name!r} changed while publishing; retry")


async def list_versions(client: Client, flow_name: str) -> list[PublishedVersion]:
    """The flow's published versions, newest first."""
    return list(reversed((await read_state(client, flow_name)).published))


async def delete_version(client: Client, flow_name: str, version: str) -> None:
    """Delete a published version that no alias routes to.

    Raises:
        FlowVersionNotExists: no such version.
        InvalidArgument: an alias routes to it.
    """
    state = await read_state(client, flow_name)
    _published(state, version)
    users = [a.name for a in state.aliases if any(str(r.version) == version for r in a.routes)]
    if users:
        raise InvalidArgument(f"version {version} of flow {flow_name!r} is routed to by {users}")
    await _signal(client, flow_name, DELETE_VERSION_SIGNAL, DeleteByName(name=version))


async def set_alias(
    client: Client,
    flow_name: str,
    name: str,
    routes: list[tuple[str, int]] | None,
    *,
    description: str | None = None,
    create: bool,
) -> FlowAlias:
    """Create (``create``) or update an alias routing to one or two published versions.

    Args:
        routes: ``(version, weight)`` pairs whose weights total 100; ``None`` keeps the
            alias's routes (update only).
        description: ``None`` keeps the alias's description.

    Raises:
        FlowAliasAlreadyExists / FlowAliasNotExists: as ``create`` expects.
        FlowVersionNotExists: a route names no published version.
        InvalidArgument: a bad name, route count or weights.
    """
    _check_alias_name(name)
    state = await read_state(client, flow_name)
    old = next((a for a in state.aliases if a.name == name), None)
    if create and old is not None:
        raise FlowAliasAlreadyExists(f"flow {flow_name!r} already has an alias named {name!r}")
    if not create and old is None:
        raise FlowAliasNotExists(f"flow {flow_name!r} has no alias named {name!r}")
    if old is None and len(state.aliases) >= MAX_ALIASES:
        raise InvalidArgument(f"flow {flow_name!r} has {MAX_ALIASES} aliases, the most it may hold")
    if routes is None and old is None:
        raise InvalidArgument("an alias needs one or two routes (version and weight)")
    alias = FlowAlias(
        name=name,
        description=(old.description if old else "") if description is None else description,
        routes=_routes(state, routes) if routes is not None else old.routes if old else (),
        created=old.created if old else now(),
        modified=now(),
    )
    await _signal(client, flow_name, SET_ALIAS_SIGNAL, alias)
    return alias


async def describe_alias(client: Client, flow_name: str, name: str) -> FlowAlias:
    """An alias of the flow.

    Raises:
        FlowAliasNotExists: no such alias.
    """
    state = await read_state(client, flow_name)
    return _alias(state, name)


async def list_aliases(client: Client, flow_name: str) -> list[FlowAlias]:
    """The flow's aliases, by name."""
    return list((await read_state(client, flow_name)).aliases)


async def delete_alias(client: Client, flow_name: str, name: str) -> None:
    """Delete an alias; executions it routed keep their version.

    Raises:
        FlowAliasNotExists: no such alias.
    """
    _alias(await read_state(client, flow_name), name)
    await _signal(client, flow_name, DELETE_ALIAS_SIGNAL, DeleteByName(name=name))


async def resolve_qualifier(client: Client, flow_name: str, qualifier: str) -> Qualified:
    """The definition ``qualifier`` names: "" the current revision, a number that published
    version, else an alias (its weighted choice is made here, once).

    Raises:
        FlowNotExists, FlowVersionNotExists, FlowAliasNotExists: nothing of that name.
    """
    state = await read_state(client, flow_name)
    if not qualifier:
        return Qualified(flow=registered(state), memo={})
    memo = {QUALIFIER_MEMO: qualifier}
    if is_published_number(qualifier):
        version = qualifier
    else:
        routes = _alias(state, qualifier).routes
        chosen = random.choices(routes, weights=[r.weight for r in routes])[0]
        version = str(chosen.version)
    return Qualified(flow=registered(state, version), memo=memo | {FLOW_VERSION_MEMO: version})


def _routes(state: DefinitionState, routes: list[tuple[str, int]]) -> tuple[Route, ...]:
    if not 1 <= len(routes) <= 2:
        raise InvalidArgument("an alias routes to one or two versions")
    if sum(weight for _, weight in routes) != 100 or any(w < 0 for _, w in routes):
        raise InvalidArgument("the weights of an alias's routes must total 100")
    if len({version for version, _ in routes}) != len(routes):
        raise InvalidArgument("an alias routes to two different versions")
    return tuple(
        Route(version=_published(state, version).number, weight=weight)
        for version, weight in routes
    )


def _published(state: DefinitionState, version: str) -> PublishedVersion:
    found = next((v for v in state.published if str(v.number) == version.strip()), None)
    if found is None:
        raise FlowVersionNotExists(f"flow {state.name!r} has no published version {version!r}")
    return found


def _alias(state: DefinitionState, name: str) -> FlowAlias:
    found = next((a for a in state.aliases if a.name == name), None)
    if found is None:
        raise FlowAliasNotExists(f"flow {state.name!r} has no alias named {name!r}")
    return found


async def _signal(client: Client, flow_name: str, signal: str, payload: Any) -> None:
    try:
        await handle_of(client, flow_name).signal(signal, payload)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise FlowNotExists(f"flow {flow_name!r} does not exist") from None
        raise


def _check_alias_name(name: str) -> None:
    try:
        check_name("alias", name)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None
