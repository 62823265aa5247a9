"""Trivial handlers for the scale tests: ``async def``, so thousands of calls need no threads."""

from __future__ import annotations

import json
from typing import Any


async def echo(event: bytes, context: Any) -> dict[str, Any]:
    """Return the event."""
    return dict(json.loads(event))


async def bump(event: bytes, context: Any) -> dict[str, Any]:
    """``{"n": n}`` -> ``{"n": n + 1}`` (a loop counter)."""
    return {"n": json.loads(event)["n"] + 1}
