"""The activities the interpreter calls, with their single-dataclass inputs and results.

``fdl.invoke_function`` runs one attempt of a task step that calls an FC function: it looks
the function up in the project's bindings (:mod:`worker.functions`), sends it the step's
mapped input as the event, and returns the raw result. FDL retry and catch happen in the
workflow, so the activity runs once per attempt and reports failures as non-retryable
``ApplicationError``s typed with the FDL error name.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from translator import rules
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

INVOKE_FUNCTION = "fdl.invoke_function"
"""Activity name of one FC function invocation."""

HEARTBEAT_SECONDS = 1.0
"""How often a running invocation heartbeats, so cancellation reaches it (the SDK throttles)."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class InvokeFunction:
    """Input of ``fdl.invoke_function``: one attempt of a task step calling an FC function.

    Attributes:
        binding: the ``service/function`` key of the project config.
        qualifier: the version or alias the ARN named, if any.
        region: the ARN's region (may be empty).
        account: the ARN's account id (may be empty).
        input: the step's mapped input: the function's event.
        step_path: the step path, e.g. ``fanOut[2]/notify`` (for messages and logs).
        timeout_seconds: the task's ``timeoutSeconds``, if set.
    """

    kind: Literal["invoke_function"] = "invoke_function"
    binding: str
    qualifier: str | None = None
    region: str = ""
    account: str = ""
    input: dict[str, Any]
    step_path: str
    timeout_seconds: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionResult:
    """Result of ``fdl.invoke_function``: the function's return value, as JSON.

    The workflow decides what becomes ``$local`` (an object, or a string holding one).
    """

    kind: Literal["function_result"] = "function_result"
    value: Any


class FunctionActivities:
    """The function-calling activities of one worker, bound to a project config.

    Args:
        config: the project config with the ``functions:`` bindings.
        max_threads: threads for synchronous Python handlers (match the worker's
            ``max_concurrent_activities`` so every running activity has a thread).
    """

    def __init__(self, config: ProjectConfig, *, max_threads: int = 100) -> None:
        self._executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="fdl-fn")
        self._http: httpx.AsyncClient | None = None
        self._functions = Functions(config, self._executor, self._http_client)

    def _http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT_SECONDS)
        return self._http

    async def aclose(self) -> None:
        """Release the HTTP connections and the handler threads."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        self._executor.shutdown(wait=False, cancel_futures=True)

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
            activity.logger.warning(
                "%s: %s failed with %s: %s", call.step_path, call.binding, exc.type, exc.message
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
