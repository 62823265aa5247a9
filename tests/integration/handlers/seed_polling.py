"""Seed 003's two FC functions, as the article prints them, with only Python 3 syntax changes.

StartJob and GetJobStatus of the fnf-demo service. ``start_time`` is module state set when
the function is first loaded (an FC cold start), and the status compares wall-clock time
with the ``delay`` of the input.
"""

# ruff: noqa: UP031 -- the article's %-formatting, kept as written
import json
import logging
import time
import uuid


def handler(event, context):  # type: ignore[no-untyped-def]
    logger = logging.getLogger()
    id = uuid.uuid4()
    logger.info("Started job with ID %s" % id)
    return {"job_id": str(id)}


start_time = int(time.time())


def get_job_status(event, context):  # type: ignore[no-untyped-def]
    evt = json.loads(event)
    logger = logging.getLogger()
    job_id = evt["job_id"]
    logger.info("Started job with ID %s" % job_id)

    now = int(time.time())
    status = "running"

    delay = 60
    if "delay" in evt:
        delay = evt["delay"]

    if now - start_time > delay:
        status = "success"

    try_count = 0
    if "try_count" in evt:
        try_count = evt["try_count"]

    try_count = try_count + 1
    logger.info("Job %s, status %s, try_count %d" % (job_id, status, try_count))
    return {"job_id": job_id, "job_status": status, "try_count": try_count}
