"""Preparing a Temporal namespace for fdl (the service behind ``fdl setup``).

A namespace serves fdl once it exists and has the search attributes every execution carries
(:data:`REQUIRED_SEARCH_ATTRIBUTES`: ``FdlFlow``, a Keyword). :func:`prepare_namespace`
creates what is missing and leaves what is there, so it is safe to run again, against the
embedded dev server, a bare ``temporal server start-dev`` or a real cluster.
:func:`setup_hint` turns the error a command meets in an unprepared namespace into one line
that names what is missing and the command that fixes it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from google.protobuf.duration_pb2 import Duration
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.workflowservice.v1 import (
    CountWorkflowExecutionsRequest,
    DescribeNamespaceRequest,
    RegisterNamespaceRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from worker.contract.run import FLOW_NAME_KEY

REQUIRED_SEARCH_ATTRIBUTES: dict[str, IndexedValueType.ValueType] = {
    FLOW_NAME_KEY.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
}
"""Custom search attributes fdl sets on executions and schedules, with their types."""

SETUP_COMMAND = "fdl setup"
"""The command that prepares a namespace (named in every hint)."""

NAMESPACE_RETENTION = timedelta(days=3)
"""Retention of closed executions in a namespace fdl creates (the ``temporal`` CLI's default)."""

REGISTRY_NAMESPACE_SUFFIX = "-fdl"
"""A flow registry namespace is named ``<namespace>-fdl``."""

READY_TIMEOUT = 30.0
"""Seconds to wait for a new namespace or search attribute to reach every frontend."""

Status = Literal["created", "present"]


class SetupError(Exception):
    """The namespace could not be prepared; the message says why and what to run instead."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SetupStep:
    """One thing a namespace needs, and whether setup created it or found it.

    Attributes:
        item: what it is, e.g. ``namespace default`` or ``search attribute FdlFlow (Keyword)``.
        status: ``created`` or ``present``.
    """

    item: str
    status: Status


@dataclass(frozen=True, slots=True, kw_only=True)
class SetupReport:
    """What :func:`prepare_namespace` did, in order.

    Attributes:
        namespace: the namespace prepared.
        steps: one entry per namespace and search attribute.
    """

    namespace: str
    steps: tuple[SetupStep, ...]

    def to_json(self) -> dict[str, object]:
        """The report for ``--json`` (``Namespace``, ``Steps``: ``Item``, ``Status``)."""
        return {
            "Namespace": self.namespace,
            "Steps": [{"Item": step.item, "Status": step.status} for step in self.steps],
        }


def registry_namespace(namespace: str) -> str:
    """The name of the flow registry namespace that belongs to ``namespace``."""
    return namespace + REGISTRY_NAMESPACE_SUFFIX


def type_name(value: IndexedValueType.ValueType) -> str:
    """``Keyword`` for ``INDEXED_VALUE_TYPE_KEYWORD``: the name the ``temporal`` CLI takes."""
    name = IndexedValueType.Name(value).removeprefix("INDEXED_VALUE_TYPE_")
    return "".join(part.capitalize() for part in name.split("_"))


def create_attribute_command(namespace: str, name: str) -> str:
    """The ``temporal`` CLI command an operator runs to add one required search attribute."""
    kind = type_name(REQUIRED_SEARCH_ATTRIBUTES[name])
    return (
        f"temporal operator search-attribute create --namespace {namespace} "
        f"--name {name} --type {kind}"
    )


async def prepare_namespace(
    client: Client,
    *,
    with_registry_namespace: bool = False,
    timeout: float = READY_TIMEOUT,
) -> SetupReport:
    """Create the client's namespace and its search attributes where they are missing.

    Idempotent: what exists is left as it is and reported as ``present``. A new namespace
    or attribute is waited for until the frontend accepts it (at most ``timeout`` seconds),
    so executions can start as soon as this returns.

    Args:
        client: a client connected to the namespace to prepare.
        with_registry_namespace: also create ``<namespace>-fdl`` for the flow registry.
        timeout: seconds to wait for new things to become usable.

    Raises:
        SetupError: something could not be created; the message names the ``temporal``
            command an operator can run instead, or the conflict to resolve.
    """
    deadline = time.monotonic() + timeout
    namespace = client.namespace
    steps = [await ensure_namespace(client, namespace, deadline)]
    for name in REQUIRED_SEARCH_ATTRIBUTES:
        steps.append(await ensure_search_attribute(client, name, deadline))
    if with_registry_namespace:
        steps.append(await ensure_namespace(client, registry_namespace(namespace), deadline))
    return SetupReport(namespace=namespace, steps=tuple(steps))


async def wait_until_serving(address: str, timeout: float) -> None:
    """Wait until the Temporal frontend at ``address`` answers its health check.

    For a server that is still starting (the setup step of a compose file starts with it):
    its port opens a moment before the frontend serves.

    Raises:
        SetupError: nothing served within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            client = await Client.connect(address)
            if await client.service_client.check_health(timeout=timedelta(seconds=5)):
                return
        except (RuntimeError, RPCError):  # not listening yet, or "Frontend is not healthy yet"
            pass
        if time.monotonic() > deadline:
            raise SetupError(f"no Temporal server serving at {address} after {timeout:g} s")
        await asyncio.sleep(1)


async def ensure_namespace(client: Client, namespace: str, deadline: float) -> SetupStep:
    """Register ``namespace`` unless it exists; wait until the frontend knows it."""
    item = f"namespace {namespace}"
    if await _namespace_exists(client, namespace):
        return SetupStep(item=item, status="present")
    request = RegisterNamespaceRequest(
        namespace=namespace,
        description="fdl-temporal",
        workflow_execution_retention_period=Duration(
            seconds=int(NAMESPACE_RETENTION.total_seconds())
        ),
    )
    try:
        await client.workflow_service.register_namespace(request)
    except RPCError as exc:
        if exc.status != RPCStatusCode.ALREADY_EXISTS:  # created meanwhile by someone else
            raise SetupError(
                f"cannot create namespace {namespace}: {exc.message.rstrip('.')}; an operator "
                f"can create it with: temporal operator namespace create --namespace {namespace}"
            ) from None
    await _until(lambda: _namespace_usable(client, namespace), deadline, item)
    return SetupStep(item=item, status="created")


async def ensure_search_attribute(client: Client, name: str, deadline: float) -> SetupStep:
    """Add the required search attribute ``name`` unless the namespace has it."""
    namespace = client.namespace
    wanted = REQUIRED_SEARCH_ATTRIBUTES[name]
    item = f"search attribute {name} ({type_name(wanted)})"
    command = create_attribute_command(namespace, name)
    try:
        existing = await _custom_attributes(client)
        if name in existing:
            _check_type(namespace, name, existing[name])
            return SetupStep(item=item, status="present")
        await _add_attribute(client, name, deadline)
        # The server ignores an add of a name another request has just added with another
        # type, so the type is checked again afterwards.
        _check_type(namespace, name, (await _custom_attributes(client)).get(name, wanted))
    except RPCError as exc:
        raise SetupError(
            f"cannot add search attribute {name} to namespace {namespace}: "
            f"{exc.message.rstrip('.')}; "
            f"an operator can add it with: {command}"
        ) from None
    await _until(lambda: _attribute_usable(client, name), deadline, item)
    return SetupStep(item=item, status="created")


async def _add_attribute(client: Client, name: str, deadline: float) -> None:
    """Add ``name``; a namespace created a moment ago may still be unknown to the frontend."""
    request = AddSearchAttributesRequest(
        namespace=client.namespace, search_attributes={name: REQUIRED_SEARCH_ATTRIBUTES[name]}
    )
    while True:
        try:
            await client.operator_service.add_search_attributes(request)
            return
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.5)


def _check_type(namespace: str, name: str, found: IndexedValueType.ValueType) -> None:
    wanted = REQUIRED_SEARCH_ATTRIBUTES[name]
    if found != wanted:
        raise SetupError(
            f"search attribute {name} of namespace {namespace} has type {type_name(found)}, "
            f"fdl needs {type_name(wanted)}: remove it with `temporal operator "
            f"search-attribute remove --namespace {namespace} --name {name}`, then run "
            f"`{SETUP_COMMAND}` again"
        )


async def _custom_attributes(client: Client) -> dict[str, IndexedValueType.ValueType]:
    response = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    return dict(response.custom_attributes)


async def _namespace_exists(client: Client, namespace: str) -> bool:
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace)
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise SetupError(f"cannot read namespace {namespace}: {exc.message}") from None
    return True


async def _namespace_usable(client: Client, namespace: str) -> bool:
    """Whether the frontend serves ``namespace``: it caches namespaces, and for about a
    second also the answer that one does not exist."""
    try:
        await client.workflow_service.count_workflow_executions(
            CountWorkflowExecutionsRequest(namespace=namespace)
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise SetupError(f"cannot use namespace {namespace}: {exc.message}") from None
    return True


async def _attribute_usable(client: Client, name: str) -> bool:
    """Whether the frontend accepts a query on ``name`` (its caches may lag a new attribute)."""
    try:
        await client.count_workflows(f"{name} = ''")
    except RPCError as exc:
        if exc.status in (RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.NOT_FOUND):
            return False
        raise SetupError(f"cannot check search attribute {name}: {exc.message}") from None
    return True


async def _until(check: Callable[[], Awaitable[bool]], deadline: float, item: str) -> None:
    while not await check():
        if time.monotonic() > deadline:
            raise SetupError(
                f"{item} was created but the server does not use it yet; "
                f"run `{SETUP_COMMAND}` again in a minute"
            )
        await asyncio.sleep(0.5)


_MISSING_ATTRIBUTE = re.compile(
    r"(?:Namespace (?P<namespace>\S+) has no mapping defined for search attribute "
    r"|invalid search attribute: )(?P<name>\w+)"
)
_MISSING_NAMESPACE = re.compile(r"Namespace (?P<namespace>\S+) is not found")


def setup_hint(exc: BaseException, namespace: str = "") -> str | None:
    """One line for an error caused by an unprepared namespace, else ``None``.

    Recognises the server's answers when a required search attribute is missing (starting
    an execution or a schedule: "Namespace default has no mapping defined for search
    attribute FdlFlow"; listing: "invalid search attribute: FdlFlow") and when the namespace
    does not exist. The exception may also be the cause or context of ``exc``.

    Args:
        exc: the exception a command caught.
        namespace: the namespace the command used, for messages that do not name it.

    Returns:
        e.g. ``namespace default has no search attribute FdlFlow (Keyword), which fdl needs:
        run `fdl setup``, or ``None`` when ``exc`` is something else.
    """
    rpc = _rpc_error(exc)
    if rpc is None:
        return None
    missing = _MISSING_ATTRIBUTE.search(rpc.message)
    if missing and missing["name"] in REQUIRED_SEARCH_ATTRIBUTES:
        where = missing["namespace"] or namespace
        kind = type_name(REQUIRED_SEARCH_ATTRIBUTES[missing["name"]])
        subject = f"namespace {where}" if where else "the namespace"
        return (
            f"{subject} has no search attribute {missing['name']} ({kind}), which fdl needs: "
            f"run `{SETUP_COMMAND}`"
        )
    absent = _MISSING_NAMESPACE.search(rpc.message)
    if rpc.status == RPCStatusCode.NOT_FOUND and absent:
        return f"namespace {absent['namespace']} does not exist: run `{SETUP_COMMAND}`"
    return None


def _rpc_error(exc: BaseException | None) -> RPCError | None:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, RPCError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
