"""Seed 003, the polling flow: StartJob, wait 10 s, GetJobStatus, loop until done or 3 tries.

The flow is the article's YAML (``tests/fixtures/flows/polling.yaml``), compiled as users
compile it. It runs on the time-skipping server, so the 10-second waits cost no real time;
see ``handlers/polling.py`` for how the handlers' clock follows workflow time.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import helpers
import pytest
from handlers import polling
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

FLOW = (Path(__file__).resolve().parents[1] / "fixtures" / "flows" / "polling.yaml").read_text()

CONTROLLED = {
    "fnf-demo/StartJob": {"handler": "handlers.polling:start_job"},
    "fnf-demo/GetJobStatus": {"handler": "handlers.polling:get_job_status"},
}
VERBATIM = {
    "fnf-demo/StartJob": {"handler": "handlers.seed_polling:handler"},
    "fnf-demo/GetJobStatus": {"handler": "handlers.seed_polling:get_job_status"},
}


async def run_polling(
    env: WorkflowEnvironment, functions: dict[str, Any], flow_input: dict[str, Any]
) -> tuple[Any, list[Any]]:
    task_queue = f"poll-{uuid.uuid4().hex[:8]}"
    async with helpers.running_worker(env.client, task_queue, helpers.config(functions)):
        handle = await helpers.start(
            env.client, task_queue, FLOW, flow_input, flow_name="polling", search_attributes=False
        )
        try:
            result: Any = await handle.result()
        except WorkflowFailureError as exc:
            result = exc.cause
        return result, await helpers.history_events(handle)


@pytest.fixture(autouse=True)
def _clear() -> None:
    polling.POLLS.clear()


async def test_job_done_after_20_seconds_succeeds_on_second_poll(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    out, events = await run_polling(time_skipping_env, CONTROLLED, {"delay": 20})
    assert polling.POLLS == [
        {"status": "running", "try_count": 1},
        {"status": "success", "try_count": 2},
    ]
    assert out["job_status"] == "success"
    assert out["try_count"] == 2
    assert set(out) == {"job_id", "job_status", "try_count"}
    timers = [e for e in events if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
    assert len(timers) == 2


async def test_job_that_never_finishes_fails_after_the_fourth_try(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    failure, _ = await run_polling(time_skipping_env, CONTROLLED, {"delay": 10**9})
    assert [poll["try_count"] for poll in polling.POLLS] == [1, 2, 3, 4]
    assert {poll["status"] for poll in polling.POLLS} == {"running"}
    assert isinstance(failure, ApplicationError)
    # JobFailed sets neither error nor cause (reference 6.8): Temporal shows FnF.Fail.
    assert (failure.type, failure.message) == ("FnF.Fail", "JobFailed failed without a cause")


async def test_article_handlers_run_unchanged(time_skipping_env: WorkflowEnvironment) -> None:
    # The verbatim handlers compare wall-clock seconds, which do not advance under time
    # skipping; a negative delay makes the first poll succeed whatever the clock says.
    out, _ = await run_polling(time_skipping_env, VERBATIM, {"delay": -1})
    assert out["job_status"] == "success"
    assert out["try_count"] == 1
    uuid.UUID(out["job_id"])
