"""Seed 003's StartJob / GetJobStatus with a clock the tests control.

The article's logic is kept: GetJobStatus answers "success" once more than ``delay`` seconds
have passed since the job started, otherwise "running", and counts ``try_count`` up by one.
Two changes make it deterministic under the time-skipping test server:

- "now" is the time the invocation was scheduled in *workflow time*
  (``activity.info().current_attempt_scheduled_time``), so the flow's 10-second waits advance
  it although they take no real time; floats, not ``int(time.time())``, so no truncation;
- the start is recorded by StartJob for its job id. The article's GetJobStatus measures from
  its own cold start (module-level ``start_time``), which in the article happened as the job
  started; with a lazily loaded handler that would be the first poll, 10 s later.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from temporalio import activity

STARTED: dict[str, float] = {}
POLLS: list[dict[str, Any]] = []


def now() -> float:
    """Workflow time at which this invocation was scheduled (seconds since the epoch)."""
    return activity.info().current_attempt_scheduled_time.timestamp()


def start_job(event: bytes, context: Any) -> dict[str, Any]:
    """Start a job; returns its id."""
    job_id = str(uuid.uuid4())
    STARTED[job_id] = now()
    return {"job_id": job_id}


def get_job_status(event: bytes, context: Any) -> dict[str, Any]:
    """The job's status: "success" once more than ``delay`` seconds (default 60) passed."""
    evt = json.loads(event)
    job_id = evt["job_id"]
    status = "running"
    delay = evt.get("delay", 60)
    if now() - STARTED[job_id] > delay:
        status = "success"
    try_count = evt.get("try_count", 0) + 1
    POLLS.append({"status": status, "try_count": try_count})
    return {"job_id": job_id, "job_status": status, "try_count": try_count}
