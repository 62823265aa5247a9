"""Links into the web console: where it is served and the one place that knows its URL layout.

Here, in the service, rather than in ``worker.console``: the code that starts executions puts
a link to the execution's console page into the Temporal Web UI's summary, and the console
(which imports the service, never the other way) builds its own links with the same rule.
"""

from __future__ import annotations

import os
from urllib.parse import quote

CONSOLE_PORT = 8236
"""The console's default port (beside the Web UI's 8233 and the local queue API's 8234)."""
CONSOLE_PORT_ENV = "FDL_CONSOLE_PORT"
"""Moves the console's port (``fdl console``, ``fdl dev``)."""
CONSOLE_URL_ENV = "FDL_CONSOLE_URL"
"""The console's base URL (``http://127.0.0.1:8236``); executions started while it is set
link to their console page from the Temporal Web UI."""


def console_url() -> str:
    """The console's base URL from ``FDL_CONSOLE_URL`` (empty when unset)."""
    return os.environ.get(CONSOLE_URL_ENV, "").strip().rstrip("/")


def execution_path(flow: str, execution: str) -> str:
    """The path of an execution's page (``/executions/<flow>/<execution>``)."""
    return f"/executions/{quote(flow, safe='')}/{quote(execution, safe='')}"


def execution_link(flow: str, execution: str, base: str | None = None) -> str:
    """The full URL of an execution's page, or ``""`` when no console URL is configured."""
    base = console_url() if base is None else base.rstrip("/")
    return f"{base}{execution_path(flow, execution)}" if base else ""
