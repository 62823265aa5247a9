"""Handlers that record the events they receive, so tests can check what each step was sent.

The worker runs in the test process, so a module-level list is visible to the test; tests
clear it first (integration tests run one at a time).
"""

from __future__ import annotations

import json
from typing import Any

CALLS: list[tuple[str, dict[str, Any]]] = []


def _record(name: str, event: bytes) -> dict[str, Any]:
    evt: dict[str, Any] = json.loads(event)
    CALLS.append((name, evt))
    return evt


def probe(event: bytes, context: Any) -> dict[str, Any]:
    """Reference 3.8's probe: returns ``{"status": "done"}``."""
    _record("probe", event)
    return {"status": "done"}


def count(event: bytes, context: Any) -> dict[str, Any]:
    """Returns ``{"n": n + 1}`` for an event ``{"n": n}`` (a loop counter)."""
    evt = _record("count", event)
    return {"n": evt.get("n", 0) + 1}


def record(event: bytes, context: Any) -> dict[str, Any]:
    """Returns ``{"seen": event}``."""
    return {"seen": _record("record", event)}


def named(event: bytes, context: Any) -> str:
    """Returns ``{"<name>": true}`` as JSON text, the name taken from the event."""
    evt = _record("named", event)
    return json.dumps({evt["name"]: True})
