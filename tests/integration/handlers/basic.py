"""Small FC-style handlers: ``handler(event: bytes, context)`` as Function Compute calls them."""

from __future__ import annotations

import json
from typing import Any


class BookFlightError(Exception):
    """A function's own error type; FDL sees its class name as the error name."""


def echo(event: bytes, context: Any) -> dict[str, Any]:
    """Return the event unchanged (as an object)."""
    return dict(json.loads(event))


def echo_text(event: bytes, context: Any) -> str:
    """Return the event as JSON text, the way many FC functions return ``json.dumps(...)``."""
    return event.decode("utf-8")


def echo_bytes(event: bytes, context: Any) -> bytes:
    """Return the event as bytes."""
    return event


def not_an_object(event: bytes, context: Any) -> list[int]:
    """A result FDL cannot use as ``$local``."""
    return [1, 2, 3]


def book_flight(event: bytes, context: Any) -> dict[str, Any]:
    """Always fails with a function-defined error."""
    raise BookFlightError(f"no seats on {json.loads(event).get('flight', '?')}")


def describe_context(event: bytes, context: Any) -> dict[str, Any]:
    """Report what the handler learned from its ``context`` argument."""
    return {
        "request_id": context.request_id,
        "function": {
            "name": context.function.name,
            "handler": context.function.handler,
            "memory": context.function.memory,
            "timeout": context.function.timeout,
        },
        "service": {"name": context.service.name, "qualifier": context.service.qualifier},
        "region": context.region,
        "account_id": context.account_id,
        "has_credentials": hasattr(context.credentials, "access_key_id"),
        "event_type": type(event).__name__,
    }


async def async_echo(event: bytes, context: Any) -> dict[str, Any]:
    """An async handler (awaited directly, no thread)."""
    return {"async": True, **json.loads(event)}
