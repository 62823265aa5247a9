"""The seed 000 worker in Python 3: receive a task message, do the work, report, delete.

It reads the ``workers`` queue with Alibaba's own MNS SDK (``aliyun-mns-sdk``), so it runs
unchanged against real MNS or against ``fdl queue serve`` / ``fdl dev`` (only the endpoint
and the keys differ), and reports with fdl's Python API. A report refused with
``TaskAlreadyCompleted`` means the task ended already (another worker reported it, it timed
out, or its execution ended): the job counts as done and the message is deleted.

Environment: MNS_ENDPOINT (default http://127.0.0.1:8234), AK_ID / AK_SECRET (any values
for a local queue without signature checks), QUEUE (default workers), WAIT_SECONDS (long
poll, default 30), TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (where the flow runs).
"""

from __future__ import annotations

import json
import os
import sys
import time

from mns.account import Account
from mns.mns_exception import MNSExceptionBase, MNSServerException

from worker.service.errors import ServiceError, TaskAlreadyCompleted
from worker.service.reports import TaskReporter


def main() -> None:
    endpoint = os.environ.get("MNS_ENDPOINT", "http://127.0.0.1:8234")
    account = Account(
        endpoint, os.environ.get("AK_ID", "local"), os.environ.get("AK_SECRET", "local")
    )
    queue = account.get_queue(os.environ.get("QUEUE", "workers"))
    queue.set_encoding(False)  # the flow sends plain JSON bodies
    wait_seconds = int(os.environ.get("WAIT_SECONDS", "30"))
    reporter = TaskReporter()
    while True:
        try:
            print("Receiving messages...", flush=True)
            message = queue.receive_message(wait_seconds)
        except MNSServerException as exc:
            if exc.type != "MessageNotExist":
                print(exc, flush=True)
            continue
        except MNSExceptionBase as exc:
            print(exc, flush=True)
            time.sleep(1)
            continue
        print(f"Received message: {message.message_id}, body: {message.message_body}", flush=True)
        body = json.loads(message.message_body)
        worker_name = body["worker_name"]
        work(worker_name)
        try:
            result = reporter.succeed(body["task_token"], {worker_name: "success"})
            print(f"Report worker: {worker_name}, {result.status}", flush=True)
        except TaskAlreadyCompleted as exc:
            print(f"Task already completed ({exc.message})", flush=True)
        except ServiceError as exc:
            print(exc, flush=True)  # a token no execution issued: drop the message
        queue.delete_message(message.receipt_handle)
        print(f"Deleted message: {message.message_id}", flush=True)


def work(worker_name: str) -> None:
    """Your job goes here. FAIL_AFTER_RECEIVE=1 simulates a crash before the report."""
    if os.environ.get("FAIL_AFTER_RECEIVE") == "1":
        print(f"crashing while working for {worker_name}", flush=True)
        os._exit(1)
    print(f"Hello Serverless Workflow from {worker_name}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
