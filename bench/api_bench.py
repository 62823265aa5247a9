"""The FnF API's cost: StartExecution + DescribeExecution round trips through the official SDK
and ``fdl api serve``, against the same two operations through ``FdlClient``, in one run.

One embedded dev server and one in-process worker serve both; the API is the real
``fdl api serve`` process (open mode) on a loopback port, as users run it. Each round trip
starts an execution of a one-step flow and long-polls it until it ends
(``WaitTimeSeconds``), so both sides measure the same service calls; the SDK side adds
HTTP, signing, parameter parsing and JSON.

Printed: round trips per second of each, and the SDK's rate as a fraction of FdlClient's.

Usage:  .venv/bin/python bench/api_bench.py [--executions 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from alibabacloud_fnf20190315 import models as fnf
from alibabacloud_fnf20190315.client import Client as SdkClient
from alibabacloud_tea_openapi import models as open_api_models

from worker.config import ProjectConfig
from worker.local.devserver import DevServer
from worker.process import build_worker
from worker.service.client import FdlClient

FLOW = "version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: done\n"


def sdk_round_trips(url: str, flow: str, count: int) -> float:
    """Seconds for ``count`` StartExecution + DescribeExecution pairs through the SDK."""
    sdk = SdkClient(
        open_api_models.Config(
            access_key_id="bench",
            access_key_secret="bench",
            endpoint=urlsplit(url).netloc,
            protocol="http",
            read_timeout=70_000,
        )
    )
    began = time.perf_counter()
    for n in range(count):
        name = f"sdk-{n}"
        sdk.start_execution(fnf.StartExecutionRequest(flow_name=flow, execution_name=name))
        answer = sdk.describe_execution(
            fnf.DescribeExecutionRequest(flow_name=flow, execution_name=name, wait_time_seconds=30)
        )
        assert answer.body.status == "Succeeded", answer.body.status
    return time.perf_counter() - began


async def client_round_trips(fdl: FdlClient, flow: str, count: int) -> float:
    """Seconds for the same pairs through ``FdlClient``."""
    began = time.perf_counter()
    for n in range(count):
        name = f"client-{n}"
        await fdl.start_execution(flow, name=name)
        info = await fdl.describe_execution(flow, name, wait_seconds=30)
        assert info.status == "Succeeded", info.status
    return time.perf_counter() - began


@contextmanager
def api_process(dev: DevServer, queue: str) -> Iterator[str]:
    """``fdl api serve --open --port 0`` for the block; yields its URL once it answers."""
    env = {**os.environ, "TEMPORAL_ADDRESS": dev.address, "TEMPORAL_NAMESPACE": dev.namespace}
    fdl = str(Path(sys.executable).parent / "fdl")
    command = [fdl, "api", "serve", "--open", "--port", "0", "--task-queue", queue]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        time.sleep(2)  # it connects to Temporal after printing its address
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


async def main(count: int) -> None:
    with DevServer(ui_port=None) as dev:
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        fdl = await FdlClient.connect(dev.address, dev.namespace, task_queue=queue)
        project = ProjectConfig.from_mapping({}, base_dir=Path.cwd())
        async with build_worker(fdl.temporal, task_queue=queue, config=project):
            with api_process(dev, queue) as url:
                await fdl.create_flow("bench_api", FLOW)
                await client_round_trips(fdl, "bench_api", 3)  # warm the worker up
                await fdl.create_flow("bench_sdk", FLOW)
                await fdl.create_flow("bench_client", FLOW)
                sdk = await asyncio.to_thread(sdk_round_trips, url, "bench_sdk", count)
                direct = await client_round_trips(fdl, "bench_client", count)
    print(f"round trips (StartExecution + DescribeExecution until done), {count} each:")
    print(f"  FnF SDK over HTTP:  {count / sdk:7.1f}/s")
    print(f"  FdlClient:          {count / direct:7.1f}/s")
    print(f"  SDK / FdlClient:    {direct / sdk:7.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=50)
    asyncio.run(main(parser.parse_args().executions))
