"""The ``fdl.invoke_function`` activity: one attempt of a task step calling an FC function.

It looks the function up in the project's bindings (:mod:`worker.activities.bindings`), sends it the
step's mapped input as the event, and returns the raw result. FDL retry and catch happen in the
workflow, so the activity runs once per attempt and reports failures as non-retryable
``ApplicationError``s typed with the FDL error name.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from translator import plainjson, rules
from worker.activities import tracebacks
from worker.activities.bindings import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_SECONDS,
    FCContext,
    FunctionMeta,
    Functions,
    ServiceMeta,
    function_error,
)
from worker.config import ProjectConfig
from worker.contract.activities import INVOKE_FUNCTION, FunctionResult, InvokeFunction

HEARTBEAT_SECONDS = 1.0
"""How often a running invocation heartbeats, so cancellation reaches it (the SDK throttles)."""

T = TypeVar("T")


class FunctionActivities:
    """The function-calling activities of one worker, bound to a project config.

    Args:
        config: the project config with the ``functions:`` bindings.
    """

    def __init__(self, config: ProjectConfig) -> None:
        self._local = sorted(key for key, spec in config.functions.items() if spec.local)
        self._http: httpx.AsyncClient | None = None
        self._functions = Functions(config, self._http_client)

    def _http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT_SECONDS)
        return self._http

    @property
    def http(self) -> httpx.AsyncClient | None:
        """The HTTP client of HTTP bindings (``None`` until one is called, and once closed)."""
        return self._http

    async def aclose(self) -> None:
        """Release the HTTP connections (handler threads are daemons that end on their own)."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    @activity.defn(name=INVOKE_FUNCTION)
    async def invoke_function(self, call: InvokeFunction) -> FunctionResult:
        """Invoke the bound function once with the step's mapped input as the event."""
        binding, spec = self._functions.get(call.binding)
        service, _, function = call.binding.partition("/")
        timeout = spec.timeout or call.timeout_seconds
        context = FCContext(
            request_id=str(uuid.uuid4()),
            function=FunctionMeta(
                name=function,
                handler=binding.target,
                memory=DEFAULT_MEMORY_MB,
                timeout=timeout or DEFAULT_TIMEOUT_SECONDS,
            ),
            service=ServiceMeta(name=service, qualifier=call.qualifier),
            region=call.region,
            account_id=call.account,
        )
        event = json.dumps(call.input, ensure_ascii=False).encode()
        try:
            raw = await _heartbeating(binding.invoke(event, context, timeout))
        except ApplicationError as exc:
            frames = tracebacks.format_frames(exc.__cause__)
            activity.logger.warning(
                "%s: %s failed with %s: %s%s",
                call.step_path,
                call.binding,
                exc.type,
                exc.message,
                f"\nhandler traceback (most recent call last):\n{frames.rstrip()}"
                if frames
                else "",
            )
            raise
        return FunctionResult(value=json_result(raw, call.binding), local=self._local)


def json_result(raw: Any, binding: str) -> Any:
    """The function's return value as plain JSON: bytes are UTF-8 text; other values must be
    JSON (no NaN, no lone surrogates, ...: :mod:`translator.plainjson`), and fit one payload.

    Raises:
        ApplicationError: ``FnF.InvalidLocal`` for a value that is not plain JSON,
            ``FnF.DataLimitExceeded`` for one over Temporal's payload limit (the workflow
            lets no ``catch`` take it).
    """
    if isinstance(raw, bytes | bytearray):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise function_error(
                rules.INVALID_LOCAL, f"{binding} returned bytes that are not UTF-8"
            ) from None
    value = raw
    try:
        if plainjson.problem(raw) is not None:  # tuples and dict subclasses become plain JSON
            with contextlib.suppress(TypeError, ValueError, RecursionError):  # said below
                value = json.loads(json.dumps(raw, allow_nan=False))
            plainjson.check(value, "result")
        if isinstance(value, str) and value.lstrip().startswith("{"):
            plainjson.check(json.loads(value), "result")  # a JSON object in a string
    except plainjson.NotPlainJSON as exc:
        raise function_error(
            rules.INVALID_LOCAL, f"{binding} returned a value that is not plain JSON: {exc}"
        ) from None
    except ValueError:
        pass  # text that is not JSON: the workflow tells the task what it needed
    size = plainjson.payload_size(value)
    if size > rules.PAYLOAD_LIMIT:
        raise function_error(
            rules.DATA_LIMIT_EXCEEDED,
            f"{binding} returned {size} bytes, over the {rules.PAYLOAD_LIMIT} bytes one "
            "result may take",
        )
    return value


async def _heartbeating(invocation: Awaitable[T]) -> T:
    # Cancellation reaches an activity only through a heartbeat response; without this a
    # cancelled parallel branch would leave its function running until it returned. A timer
    # (not a task and a wait per call) beats while the invocation runs.
    loop = asyncio.get_running_loop()
    handle: asyncio.TimerHandle | None = None

    def beat() -> None:
        nonlocal handle
        activity.heartbeat()
        handle = loop.call_later(HEARTBEAT_SECONDS, beat)

    handle = loop.call_later(HEARTBEAT_SECONDS, beat)
    try:
        return await invocation
    finally:
        handle.cancel()
