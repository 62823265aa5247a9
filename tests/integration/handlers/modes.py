"""Handlers for the function-call modes: Async invocations, tokens, local functions."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

FINISHED: list[dict[str, Any]] = []


async def slow_note(event: bytes, context: Any) -> dict[str, Any]:
    """Sleeps ``seconds``, then notes the event (when it finished) and returns it."""
    evt = json.loads(event)
    await asyncio.sleep(float(evt.get("seconds", 0)))
    FINISHED.append({**evt, "at": time.monotonic()})
    return {"noted": evt.get("label")}


async def broken(event: bytes, context: Any) -> dict[str, Any]:
    """Always fails."""
    raise RuntimeError("the Async call broke")


def busy(event: bytes, context: Any) -> dict[str, Any]:
    """Sleeps ``seconds`` in its thread."""
    time.sleep(float(json.loads(event)["seconds"]))
    return {"done": True}


def hand_over(event: bytes, context: Any) -> dict[str, Any]:
    """Write the event's ``task_token`` to the file ``token_file``, stay ``seconds`` longer,
    then return ``{}``."""
    from handlers.callbacks import hand_over_token

    hand_over_token(event, context)
    time.sleep(float(json.loads(event).get("seconds", 0)))
    return {}
