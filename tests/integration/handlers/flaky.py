"""A handler that fails a given number of times with a given error class, then succeeds."""

from __future__ import annotations

import json
from typing import Any

ATTEMPTS: list[dict[str, Any]] = []


class Throttled(Exception):
    """A function-defined error to retry on."""


class Fatal(Exception):
    """A function-defined error to catch."""


def fail_then_succeed(event: bytes, context: Any) -> dict[str, Any]:
    """Fails ``failures`` times with ``Throttled``, then returns the number of attempts."""
    evt = json.loads(event)
    ATTEMPTS.append(evt)
    if len(ATTEMPTS) <= evt["failures"]:
        raise Throttled(f"attempt {len(ATTEMPTS)} throttled")
    return {"attempts": len(ATTEMPTS)}


def fatal(event: bytes, context: Any) -> dict[str, Any]:
    """Always raises ``Fatal`` with the event's ``why``."""
    ATTEMPTS.append(json.loads(event))
    raise Fatal(json.loads(event).get("why", "fatal"))
