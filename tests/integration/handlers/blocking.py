"""A synchronous handler that ignores its timeout (it cannot be interrupted)."""

from __future__ import annotations

import time
from typing import Any


def block_for_a_while(event: bytes, context: Any) -> dict[str, Any]:
    """Sleeps 6 seconds in its thread, whatever the task's timeout says."""
    time.sleep(6)
    return {"slept": 6}
