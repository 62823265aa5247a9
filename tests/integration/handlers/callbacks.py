"""A function for ``waitForCallback`` tests: it hands its task token to the test and returns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def hand_over_token(event: bytes, context: Any) -> None:
    """Write the event's ``task_token`` to the file named by ``token_file``; return nothing
    (the engine must discard the return value of a waiting function task)."""
    data = json.loads(event)
    target = Path(data["token_file"])
    partial = target.with_suffix(".partial")
    partial.write_text(data["task_token"], encoding="utf-8")
    partial.rename(target)  # the test polls for the file: it must never see it half written
