"""Function bindings: how a task's FC function runs here, as a Python handler or over HTTP.

A project binds each ``service/function`` in ``fdl.yaml`` (see :mod:`worker.config`). A Python
handler is called the Function Compute way, ``handler(event: bytes, context)``; an HTTP binding
receives the event as a JSON POST. Either way a failure becomes an ``ApplicationError`` whose
``type`` is the FDL error name (the exception's class name, or an ``FC.*`` code) and whose
message is the cause, so the interpreter's ``retry``/``catch`` can match it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import importlib
import inspect
import json
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from translator import rules
from worker.activities import tracebacks
from worker.config import FunctionBinding, ProjectConfig

logger = logging.getLogger(__name__)

DEFAULT_MEMORY_MB = 128
"""What ``context.function.memory`` reports (FC's default size); bindings do not limit memory."""
DEFAULT_TIMEOUT_SECONDS = 600.0
"""``context.function.timeout`` and the HTTP timeout when neither binding nor task sets one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionMeta:
    """``context.function`` as FC's Python runtime provides it."""

    name: str
    handler: str
    memory: int
    timeout: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceMeta:
    """``context.service``: the FC service and the qualifier the ARN named (if any)."""

    name: str
    qualifier: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """``context.credentials``; empty here (a local handler uses its own credentials)."""

    access_key_id: str = ""
    access_key_secret: str = ""
    security_token: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FCContext:
    """The ``context`` argument of an FC Python handler."""

    request_id: str
    function: FunctionMeta
    service: ServiceMeta
    credentials: Credentials = field(default_factory=Credentials)
    region: str = ""
    account_id: str = ""


def function_error(error: str, cause: str) -> ApplicationError:
    """The activity failure for an FDL error name (never retried by Temporal: FDL retries).

    A failing function is the flow's business (its ``retry`` and ``catch`` handle it), not the
    worker's: the failure is marked benign, so the SDK does not log it as a worker warning
    with a traceback. The activity logs the error and the handler's own frames instead, and
    the failure's cause keeps them as its stack trace (:mod:`worker.activities.tracebacks`).
    """
    return ApplicationError(
        cause, type=error, non_retryable=True, category=ApplicationErrorCategory.BENIGN
    )


class Binding(Protocol):
    """One bound function."""

    target: str
    """What it calls (the handler spec or the URL), reported as ``context.function.handler``."""

    async def invoke(self, event: bytes, context: FCContext, timeout: float | None) -> Any:
        """Run the function once; return its raw result or raise ``ApplicationError``."""
        ...


class PythonHandler:
    """A ``module.path:callable`` handler, imported on first use relative to the config file.

    The import runs in a thread, not on the worker's event loop (a module that takes seconds
    to import must not stall the heartbeats of every other call). A synchronous handler runs
    in a daemon thread of its own: a call that outlives its timeout cannot be stopped (Python
    cannot kill a thread), so its thread is left to finish, counted and logged, and never
    keeps the worker from shutting down.
    """

    def __init__(self, target: str, base_dir: Path) -> None:
        self.target = target
        self._base_dir = base_dir
        self._handler: Callable[..., Any] | None = None
        self._lock = threading.Lock()

    def _load(self) -> Callable[..., Any]:
        # Imported lazily, like an FC cold start: module-level state (the seed's start_time)
        # begins at the first invocation, and a broken module fails only its own tasks.
        with self._lock:
            if self._handler is None:
                module_name, _, attr_path = self.target.partition(":")
                base = str(self._base_dir)
                if base not in sys.path:
                    sys.path.insert(0, base)
                obj: Any = importlib.import_module(module_name)
                for attr in attr_path.split("."):
                    obj = getattr(obj, attr)
                if not callable(obj):
                    raise TypeError(f"{self.target} is not callable")
                self._handler = obj
            return self._handler

    async def invoke(self, event: bytes, context: FCContext, timeout: float | None) -> Any:
        try:
            handler = (
                await asyncio.to_thread(self._load) if self._handler is None else self._handler
            )
        except Exception as exc:
            failure = function_error(type(exc).__name__, f"cannot load {self.target}: {exc}")
            raise failure from tracebacks.of_handler(exc)
        try:
            return await asyncio.wait_for(self._call(handler, event, context), timeout)
        except TimeoutError:
            # _call turns every exception of the handler into an ApplicationError, so a
            # TimeoutError here is wait_for's own.
            if not inspect.iscoroutinefunction(handler):
                logger.warning(
                    "%s did not return within %s seconds; its thread runs on until it returns "
                    "(%d such threads now)",
                    self.target,
                    timeout,
                    HANDLER_THREADS.overdue + 1,
                )
            raise function_error(
                rules.TASK_TIMEOUT, f"{self.target} did not return within {timeout} seconds"
            ) from None

    async def _call(self, handler: Callable[..., Any], event: bytes, context: FCContext) -> Any:
        try:
            if inspect.iscoroutinefunction(handler):
                result = await handler(event, context)
            else:
                result = await HANDLER_THREADS.run(handler, event, context)
            return await result if inspect.isawaitable(result) else result
        except Exception as exc:
            # The cause carries the handler's own frames: Temporal keeps them as the
            # failure's stack trace, and every view of the failure shows them.
            raise function_error(type(exc).__name__, str(exc)) from tracebacks.of_handler(exc)


class HandlerThreads:
    """Runs synchronous handlers, each call in a daemon thread of its own.

    The call runs in a copy of the activity's context, so a handler can still call
    ``temporalio.activity.info()`` / ``heartbeat()`` from its thread. ``overdue`` counts the
    calls whose caller stopped waiting (a timeout) while their thread still runs.
    """

    def __init__(self) -> None:
        self.running = 0
        self.overdue = 0
        self._lock = threading.Lock()

    async def run(self, handler: Callable[..., Any], *args: Any) -> Any:
        """Run ``handler(*args)`` in a new daemon thread and wait for its result."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()
        call = functools.partial(contextvars.copy_context().run, handler, *args)
        thread = threading.Thread(
            target=self._thread, args=(call, loop, done), name="fdl-handler", daemon=True
        )
        with self._lock:
            self.running += 1
        thread.start()
        try:
            return await done
        except asyncio.CancelledError:
            with self._lock:
                self.overdue += 1
            raise

    def _thread(
        self, call: Callable[[], Any], loop: asyncio.AbstractEventLoop, done: asyncio.Future[Any]
    ) -> None:
        outcome: tuple[bool, Any]
        try:
            outcome = (True, call())
        except BaseException as exc:  # delivered to the awaiting activity, re-raised there
            outcome = (False, exc)
        with self._lock:
            self.running -= 1
            if done.cancelled():
                self.overdue -= 1
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, done, outcome)


def _settle(done: asyncio.Future[Any], outcome: tuple[bool, Any]) -> None:
    if done.done():
        return
    ok, value = outcome
    if ok:
        done.set_result(value)
    else:
        done.set_exception(value)


HANDLER_THREADS = HandlerThreads()
"""The threads of synchronous handlers in this process."""


class HttpEndpoint:
    """A function behind an HTTP endpoint: POST the event JSON, the response body is the result."""

    def __init__(self, target: str, client: Callable[[], httpx.AsyncClient]) -> None:
        self.target = target
        self._client = client

    async def invoke(self, event: bytes, context: FCContext, timeout: float | None) -> Any:
        headers = {"content-type": "application/json", "x-fc-request-id": context.request_id}
        try:
            response = await self._client().post(
                self.target, content=event, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException:
            raise function_error(
                rules.TASK_TIMEOUT, f"{self.target} did not answer within {timeout} seconds"
            ) from None
        except httpx.HTTPError as exc:
            raise function_error(rules.FC_UNKNOWN, f"{self.target}: {exc!r}") from None
        return http_result(response)


def http_result(response: httpx.Response) -> str:
    """The body of a successful response, or the FDL error an FC-style failure maps to.

    An error body in FC's own shape, ``{"errorType": X, "errorMessage": Y}``, gives error ``X``
    (also on a 200 response marked with FC's ``X-Fc-Error-Type`` header); otherwise 429 is
    ``FC.ResourceThrottled``, 404 ``FC.FunctionNotFound``, other 4xx ``FC.InvalidArgument`` and
    5xx ``FC.InternalServerError``.
    """
    text = response.text
    failed = response.status_code >= 400 or "x-fc-error-type" in response.headers
    if not failed:
        return text
    name, message = _fc_error_body(text)
    if name is None:
        name = response.headers.get("x-fc-error-type") or _status_error(response.status_code)
    cause = message if message is not None else f"HTTP {response.status_code}: {text[:1000]}"
    raise function_error(name, cause)


def _fc_error_body(text: str) -> tuple[str | None, str | None]:
    try:
        body = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(body, dict) or not isinstance(body.get("errorType"), str):
        return None, None
    message = body.get("errorMessage")
    return body["errorType"], message if isinstance(message, str) else json.dumps(message)


def _status_error(status: int) -> str:
    if status == 429:
        return rules.FC_RESOURCE_THROTTLED
    if status == 404:
        return rules.FC_FUNCTION_NOT_FOUND
    if status >= 500:
        return rules.FC_INTERNAL_SERVER_ERROR
    if status >= 400:
        return rules.FC_INVALID_ARGUMENT
    return rules.FC_UNKNOWN


class Functions:
    """The bound functions of one project config, created on first use."""

    def __init__(self, config: ProjectConfig, client: Callable[[], httpx.AsyncClient]) -> None:
        self._config = config
        self._client = client
        self._bindings: dict[str, Binding] = {}

    def get(self, key: str) -> tuple[Binding, FunctionBinding]:
        """The binding of ``service/function`` and its config.

        Raises:
            ApplicationError: ``FC.FunctionNotFound`` when ``fdl.yaml`` does not bind ``key``.
        """
        spec = self._config.functions.get(key)
        if spec is None:
            raise function_error(
                rules.FC_FUNCTION_NOT_FOUND,
                f"function {key!r} is not bound; add it to fdl.yaml under 'functions:' "
                f"with a 'handler: module:callable' or a 'url: http://...'",
            )
        if key not in self._bindings:
            self._bindings[key] = self._make(spec)
        return self._bindings[key], spec

    def _make(self, spec: FunctionBinding) -> Binding:
        if spec.handler is not None:
            return PythonHandler(spec.handler, self._config.base_dir)
        assert spec.url is not None  # the config validator guarantees exactly one
        return HttpEndpoint(spec.url, self._client)
