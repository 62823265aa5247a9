"""A waiting attempt owns its submit: when the attempt ends, the submit has ended too.

The submit of a ``waitForCallback`` attempt (the message send, the function call, the child
start) runs while the step waits for the report. When the attempt times out with the submit
still in flight, the
submit is cancelled and awaited: nothing of that attempt runs on, and no ``TaskSubmitted``
arrives after the attempt's ``TaskTimedOut`` (it would shift the ids of later events).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from helpers import HERE, history_events, running_worker, start
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from worker.config import ProjectConfig
from worker.local.mnsqueue import QueueStore
from worker.service.history import execution_history

TIMING_OUT_SEND = """
version: v1
type: flow
steps:
  - type: task
    name: job
    resourceArn: acs:mns:::/queues/jobs/messages
    pattern: waitForCallback
    timeoutSeconds: 1
    inputMappings:
      - target: task_token
        source: $context.task.token
    catch:
      - errors: [FnF.TaskTimeout]
        goto: later
  - {type: wait, name: later, duration: 4}
"""


def project(tmp_path: Path) -> ProjectConfig:
    return ProjectConfig.from_mapping(
        {
            "queues": {"db": str(tmp_path / "queue.db")},
        },
        base_dir=HERE,
    )


def lock_database(path: Path, seconds: float, locked: threading.Event) -> None:
    """Hold a write lock on the queue file, so a send blocks until it is released."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    locked.set()
    threading.Event().wait(seconds)
    conn.execute("ROLLBACK")
    conn.close()


async def test_a_send_still_in_flight_when_the_attempt_times_out_leaves_no_late_event(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    QueueStore(tmp_path / "queue.db").close()  # the file and its tables exist
    locked = threading.Event()
    holder = threading.Thread(target=lock_database, args=(tmp_path / "queue.db", 2.5, locked))
    holder.start()
    locked.wait(5)
    try:
        async with running_worker(client, task_queue, project(tmp_path)):
            handle = await start(client, task_queue, TIMING_OUT_SEND)
            await handle.result()
            history = await execution_history(client, "testflow", handle.id.split(":", 1)[1])
    finally:
        holder.join()
    job = [event.type for event in history.events if event.step == "job"]
    assert job == ["StepEntered", "TaskScheduled", "TaskTimedOut", "StepExited"]
    events = await history_events(handle)
    cancelled = [
        e for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED
    ]
    assert len(cancelled) == 1
