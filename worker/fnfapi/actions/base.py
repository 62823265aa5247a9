"""The action table: every served action by name, with the context its handler gets.

A handler takes the request's :class:`~worker.fnfapi.params.Params` and answers the
response's fields (without ``RequestId``, which the app adds). Handlers only read
parameters, call the service (:class:`~worker.client.FdlClient`) and return the service
objects' wire forms (their ``to_json()``): the behaviour lives in the service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from worker.fnfapi.params import Params
from worker.service.client import FdlClient

Handler = Callable[["Context", Params], Awaitable[dict[str, Any]]]

ACTIONS: dict[str, Handler] = {}
"""Served actions by name; any other action answers ``ActionNotSupported``."""

DEFAULT_LIMIT = 60
"""Page size of the list actions when ``Limit`` is not given (the original's default)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """What every handler may use.

    Attributes:
        fdl: the service.
        report_wait: seconds a task report waits for the execution's decision (below the
            SDKs' 10 s read timeout).
        sync_timeout: seconds StartSyncExecution waits for the execution to end.
    """

    fdl: FdlClient
    report_wait: float = 5.0
    sync_timeout: float = 300.0


def action(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated handler as the action ``name``."""

    def register(handler: Handler) -> Handler:
        ACTIONS[name] = handler
        return handler

    return register


def page(items: list[dict[str, Any]], key: str, next_token: str) -> dict[str, Any]:
    """A list response; ``NextToken`` is left out on the last page (as the original does)."""
    return {key: items, "NextToken": next_token} if next_token else {key: items}


def slice_page(
    items: list[Any], name_of: Callable[[Any], str], params: Params, high: int = 1000
) -> tuple[list[Any], str]:
    """A page of ``items`` (sorted by name) from the name in ``NextToken`` on."""
    limit = params.integer("Limit", DEFAULT_LIMIT, 1, high)
    start = params.optional("NextToken")
    rest = [item for item in items if name_of(item) >= start]
    return rest[:limit], name_of(rest[limit]) if len(rest) > limit else ""
