"""Names the console tests of one session share (a module of its own: ``conftest`` is a
module name every test folder has)."""

from __future__ import annotations

import uuid

SUFFIX = f"_{uuid.uuid4().hex[:6]}"
"""Appended to the flow names: the session's server is shared with other tests."""
PREFIX = f"console-{uuid.uuid4().hex[:6]}"
"""Task queues of the scenario workers start with this."""
TEMPORAL_UI = "http://127.0.0.1:8233"
