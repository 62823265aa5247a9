"""The served actions, one module per topic; importing this package fills :data:`ACTIONS`."""

from __future__ import annotations

from worker.fnfapi.actions import executions, flows, schedules, tasks, versions
from worker.fnfapi.actions.base import ACTIONS, Context

__all__ = ["ACTIONS", "Context", "executions", "flows", "schedules", "tasks", "versions"]
