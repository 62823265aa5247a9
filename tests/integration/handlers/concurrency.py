"""A synchronous handler that measures how many invocations run at the same time.

Each call waits (up to a few seconds) until the peak reaches ``expect``, so the test sees the
full concurrency even when the worker receives the activity tasks one by one, and then stays a
little longer (``HOLD_SECONDS``): if the interpreter let more than ``expect`` run, the extra
calls would arrive during the hold and push the peak above it; if it let fewer, the peak would
stay below.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

_lock = threading.Condition()
_running = 0
PEAK = 0
HOLD_SECONDS = 0.2


def reset() -> None:
    """Forget earlier measurements."""
    global PEAK, _running
    with _lock:
        PEAK = 0
        _running = 0


def measure(event: bytes, context: Any) -> dict[str, Any]:
    """Record concurrency; returns ``{"doubled": item * 2}``."""
    global PEAK, _running
    evt = json.loads(event)
    with _lock:
        _running += 1
        PEAK = max(PEAK, _running)
        _lock.notify_all()
        _lock.wait_for(lambda: evt["expect"] <= PEAK, timeout=3)
    time.sleep(HOLD_SECONDS)
    with _lock:
        _running -= 1
    return {"doubled": evt["item"] * 2}
