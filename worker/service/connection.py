"""The one way every client part of fdl reaches Temporal: address, namespace and task queue.

Settings follow the ``temporal`` CLI and are read the same way by every command, the Python
client and the HTTP API:

- ``TEMPORAL_ADDRESS``: the frontend ``host:port``; unset, the embedded server's address,
  ``127.0.0.1:<FDL_DEV_PORT>`` (7233 unless ``FDL_DEV_PORT`` moves it);
- ``TEMPORAL_NAMESPACE``: the namespace (``default``);
- ``FDL_TASK_QUEUE``: the task queue workers serve and executions are started on; it
  overrides the project's queue (``task_queue:`` of ``fdl.yaml``, else ``fdl-<its folder>``),
  and ``fdl`` is the queue of work that belongs to no project.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
from dataclasses import dataclass

import temporalio.runtime
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.service import RPCError, RPCStatusCode

from worker.contract.converter import DATA_CONVERTER
from worker.contract.run import DEFAULT_TASK_QUEUE

ADDRESS_ENV = "TEMPORAL_ADDRESS"
NAMESPACE_ENV = "TEMPORAL_NAMESPACE"
TASK_QUEUE_ENV = "FDL_TASK_QUEUE"
DEV_PORT_ENV = "FDL_DEV_PORT"
"""Frontend port of the embedded server (``fdl dev``, ``fdl run``), and so of the default
address."""
DEV_UI_PORT_ENV = "FDL_DEV_UI_PORT"
"""Web UI port of the embedded server."""

DEFAULT_DEV_PORT = 7233
DEFAULT_DEV_UI_PORT = 8233
DEFAULT_NAMESPACE = "default"


class ServerUnreachable(Exception):
    """No Temporal server answers at the address; the message says how to start or name one."""


class NamespaceNotFound(ServerUnreachable):
    """The server answers but has no such namespace; the message names it and the fix."""


def env_port(name: str, default: int) -> int:
    """A port number from the environment variable ``name``, else ``default``.

    Raises:
        ValueError: the variable is set but is not a port number.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"{name}={value!r} is not a port number (1-65535)")
    return int(value)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a client connects.

    Attributes:
        address: ``host:port`` of the Temporal frontend.
        namespace: the Temporal namespace.
        explicit: the address came from ``TEMPORAL_ADDRESS`` (so nothing embedded is started).
    """

    address: str
    namespace: str
    explicit: bool


def target(address: str | None = None, namespace: str | None = None) -> Target:
    """The address and namespace to use: the arguments, else the environment, else defaults."""
    named = address or os.environ.get(ADDRESS_ENV, "").strip()
    return Target(
        address=named or f"127.0.0.1:{env_port(DEV_PORT_ENV, DEFAULT_DEV_PORT)}",
        namespace=namespace or os.environ.get(NAMESPACE_ENV, "").strip() or DEFAULT_NAMESPACE,
        explicit=bool(named),
    )


def task_queue(name: str | None = None, project: str | None = None) -> str:
    """The task queue to use: the one resolver of every command, worker and client.

    Args:
        name: a queue named explicitly (``--task-queue``).
        project: the project's queue (``ProjectConfig.project_task_queue``), if there is a
            project.

    Returns:
        ``name``, else ``FDL_TASK_QUEUE``, else ``project``, else ``fdl``.
    """
    return explicit_task_queue(name) or project or DEFAULT_TASK_QUEUE


def explicit_task_queue(name: str | None = None) -> str | None:
    """A queue the user named: ``name``, else ``FDL_TASK_QUEUE``, else ``None``.

    Where a registered flow records its queue, only an explicit queue overrides it.
    """
    return name or os.environ.get(TASK_QUEUE_ENV, "").strip() or None


CORE_LOGGER = "temporalio.core"
"""The Python logger the SDK core's own messages go to (by default the core prints them on
stdout, where ``fdl run --json`` writes its JSON)."""

_RUNTIME_INSTALLED = False

BENIGN_CORE_MESSAGES = ("Task not found when completing",)
"""Core warnings that say nothing is wrong: a worker finished a workflow task of an
execution that had ended meanwhile (stopped, terminated, timed out; ``fdl run`` stopping its
execution on Ctrl-C meets it every time). Shown only when the core logger logs DEBUG."""


class _BenignCoreLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not any(text in record.getMessage() for text in BENIGN_CORE_MESSAGES):
            return True
        return logging.getLogger(CORE_LOGGER).isEnabledFor(logging.DEBUG)


def runtime() -> Runtime:
    """The SDK runtime every client of this process uses: the core's log lines go through
    Python logging (stderr), never to stdout.

    It is installed as the default runtime, which :func:`_release_runtime` drops at exit.
    """
    global _RUNTIME_INSTALLED
    if not _RUNTIME_INSTALLED:
        core_logger = logging.getLogger(CORE_LOGGER)
        core_logger.addFilter(_BenignCoreLines())
        forwarding = LogForwardingConfig(logger=core_logger)
        filter_ = TelemetryFilter(core_level="WARN", other_level="ERROR")
        telemetry = TelemetryConfig(logging=LoggingConfig(filter=filter_, forwarding=forwarding))
        Runtime.set_default(Runtime(telemetry=telemetry), error_if_already_set=False)
        _RUNTIME_INSTALLED = True
    return Runtime.default()


async def connect(
    address: str | None = None, namespace: str | None = None, *, check_namespace: bool = True
) -> Client:
    """A client connected to :func:`target`'s server, with fdl's data converter and runtime.

    Args:
        address: the frontend ``host:port`` (default: :func:`target`).
        namespace: the namespace (default: :func:`target`).
        check_namespace: fail at once when the namespace does not exist (``fdl setup``,
            which creates it, connects without the check).

    Raises:
        ServerUnreachable: nothing answers there (one line, with what to do).
        NamespaceNotFound: the namespace does not exist.
    """
    where = target(address, namespace)
    _release_runtime_at_exit()
    try:
        client = await Client.connect(
            where.address,
            namespace=where.namespace,
            runtime=runtime(),
            data_converter=DATA_CONVERTER,
        )
    except RuntimeError as exc:
        raise ServerUnreachable(unreachable_message(where.address, exc)) from None
    # Checked once here: a missing namespace would otherwise surface later as "not found"
    # answers that read like a missing execution or flow.
    if not check_namespace:
        return client
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=where.namespace)
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise NamespaceNotFound(
                f"namespace {where.namespace!r} does not exist on {where.address}: create it "
                f"(temporal operator namespace create --namespace {where.namespace}) or set "
                f"{NAMESPACE_ENV} to an existing one"
            ) from None
        if exc.status == RPCStatusCode.UNAVAILABLE:
            raise ServerUnreachable(unreachable_message(where.address, exc)) from None
        raise
    return client


def unreachable_message(address: str, exc: BaseException | None = None) -> str:
    """The one line every command prints when no server answers at ``address``."""
    detail = ""
    if exc is not None and "ConnectError" not in str(exc) and "transport" not in str(exc):
        detail = f" ({exc})"
    return (
        f"no Temporal server answers at {address}{detail}: start one with `fdl dev`, "
        f"or set {ADDRESS_ENV} to a running server"
    )


_RELEASE_REGISTERED = False


def _release_runtime_at_exit() -> None:
    """Free Temporal's native runtime before the interpreter shuts down, not during.

    Left to the interpreter's own teardown, the runtime's threads may touch Python objects
    while it finalizes, and the process then dies with SIGABRT or SIGSEGV after the program
    has finished (an open SDK bug: a short script that started a workflow crashed at exit in 7
    of 60 runs here). Dropping the default runtime from an ``atexit`` hook, while the
    interpreter is still whole, made it 0 of 100.
    """
    global _RELEASE_REGISTERED
    if not _RELEASE_REGISTERED:
        atexit.register(_release_runtime)
        _RELEASE_REGISTERED = True


def _release_runtime() -> None:
    holder = getattr(temporalio.runtime, "_runtime_ref", None)
    if holder is not None and hasattr(holder, "_default_runtime"):
        holder._default_runtime = None
    gc.collect()
