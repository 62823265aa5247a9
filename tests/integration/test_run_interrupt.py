"""Ctrl-C on ``fdl run`` leaves nothing orphaned.

A real SIGINT goes to a real ``fdl run`` process while its execution waits. With the
in-process worker the execution would wait forever on a task queue nobody else serves, so it
is stopped; with ``--no-worker`` the project's workers keep running it, and ``fdl run`` says
how to follow it. Either way the process exits 130.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from worker.local.devserver import DevServer
from worker.service.executions import describe_execution

FDL = str(Path(sys.executable).parent / "fdl")
LINGER = """\
version: v1
type: flow
steps:
  - {type: wait, name: linger, duration: 120}
"""


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    path = tmp_path / "linger.yaml"
    path.write_text(LINGER)
    return path


def interrupted_run(flow_file: Path, address: str, *options: str) -> tuple[str, int, str]:
    """Start ``fdl run``, send it SIGINT once its execution runs; (execution, code, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env |= {"TEMPORAL_ADDRESS": address, "FDL_TASK_QUEUE": f"q-{uuid.uuid4().hex[:8]}"}
    name = f"e-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [FDL, "run", str(flow_file), "-e", name, *options],
        env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    started = process.stderr.readline()
    assert f"execution {name} of flow linger started" in started, started
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    return name, process.returncode, rest


async def test_ctrl_c_stops_the_execution_of_the_in_process_worker(
    flow_file: Path, dev_server: DevServer, client: Client
) -> None:
    name, code, stderr = interrupted_run(flow_file, dev_server.address)

    assert code == 130
    assert stderr == (
        f"interrupted: execution {name} of flow linger stopped (FnF.ExecutionStopped: fdl run "
        "was interrupted, and its in-process worker with it)\n"
    )
    info = await describe_execution(client, "linger", name)
    assert (info.status, info.error) == ("Stopped", "FnF.ExecutionStopped")


async def test_ctrl_c_without_worker_leaves_it_to_the_projects_workers(
    flow_file: Path, dev_server: DevServer, client: Client
) -> None:
    name, code, stderr = interrupted_run(flow_file, dev_server.address, "--no-worker")

    assert code == 130
    assert stderr.startswith(f"interrupted: execution {name} of flow linger keeps running ")
    assert stderr.endswith(f"follow it with: fdl execution describe linger {name} --wait 60\n")
    handle = client.get_workflow_handle(f"linger:{name}")
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    await handle.terminate(reason="test over")
