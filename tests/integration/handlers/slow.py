"""Slow async handlers that record when they start and whether they were cancelled."""

from __future__ import annotations

import asyncio
import json
from typing import Any

STARTED: list[str] = []
CANCELLED: list[str] = []


async def sleeper(event: bytes, context: Any) -> dict[str, Any]:
    """Sleeps ``seconds`` (default 30) unless cancelled; records start and cancellation."""
    evt = json.loads(event)
    label = str(evt.get("label", "?"))
    STARTED.append(label)
    try:
        await asyncio.sleep(float(evt.get("seconds", 30)))
    except asyncio.CancelledError:
        CANCELLED.append(label)
        raise
    return {"slept": label}


class BranchFailed(Exception):
    """Raised by :func:`fail_soon`."""


async def fail_soon(event: bytes, context: Any) -> dict[str, Any]:
    """Fails after a short delay (so the sibling branches are surely running)."""
    await asyncio.sleep(0.3)
    raise BranchFailed("branch failed on purpose")
