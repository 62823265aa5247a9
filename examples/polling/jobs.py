"""The two Function Compute handlers of seed 003, brought to Python 3.

They are called the way Function Compute calls them: ``handler(event, context)`` with the
event as JSON bytes. ``start_job`` pretends to submit a job; ``get_job_status`` reports
"success" once ``delay`` seconds have passed since this module was loaded.
"""

import json
import logging
import time
import uuid

start_time = int(time.time())


def start_job(event, context):
    logger = logging.getLogger()
    job_id = uuid.uuid4()
    logger.info("Started job with ID %s", job_id)
    return {"job_id": str(job_id)}


def get_job_status(event, context):
    evt = json.loads(event)
    logger = logging.getLogger()
    job_id = evt["job_id"]
    now = int(time.time())
    status = "running"
    delay = evt.get("delay", 60)
    if now - start_time > delay:
        status = "success"
    try_count = evt.get("try_count", 0) + 1
    logger.info("Job %s, status %s, try_count %d", job_id, status, try_count)
    return {"job_id": job_id, "job_status": status, "try_count": try_count}
