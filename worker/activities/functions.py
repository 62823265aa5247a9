"""The ``fdl.invoke_function`` activity: one attempt of a task step calling an FC function.

It looks the function up in the project's bindings (:mod:`worker.activities.bindings`), sends it the
step's mapped input as the event, and returns the raw result. FDL retry and catch happen in the
workflow, so the activity runs once per attempt and reports failures as non-retryable
``ApplicationError``s typed with the FDL error name.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from translator import rules
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
        return FunctionResult(value=json_result(raw, call.binding))


def json_result(raw: Any, binding: str) -> Any:
    """The function's return value as JSON: bytes are UTF-8 text; other values must be JSON.

    Raises:
        ApplicationError: ``FnF.InvalidLocal`` for a value that cannot be JSON.
    """
    if isinstance(raw, bytes | bytearray):
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise function_error(
                rules.INVALID_LOCAL, f"{binding} returned bytes that are not UTF-8"
            ) from None
    try:
        return json.loads(json.dumps(raw, allow_nan=False))
    except (TypeError, ValueError):
        raise function_error(
            rules.INVALID_LOCAL, f"{binding} returned a {type(raw).__name__}, which is not JSON"
        ) from None


async def _heartbeating(invocation: Awaitable[T]) -> T:
    # Cancellation reaches an activity only through a heartbeat response; without this a
    # cancelled parallel branch would leave its function running until it returned.
    task = asyncio.ensure_future(invocation)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_SECONDS)
            if done:
                return task.result()
            activity.heartbeat()
    finally:
        task.cancel()
