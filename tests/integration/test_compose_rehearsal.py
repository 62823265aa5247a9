"""docker-compose.yml's fdl services, rehearsed without Docker.

No Docker engine runs here, so the containers cannot start; what can run is every fdl
command of the file, exactly as written there (read from the file, with its environment),
against a bare ``temporal server start-dev`` that lacks the search attribute, as the
server image does. Only addresses change: the server's, free ports on 127.0.0.1 instead of
``0.0.0.0:8234``, and temporary paths for the queue volume and the project mount.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import BareDevServer
from mns.account import Account

from worker.local.devserver import free_port

ROOT = Path(__file__).resolve().parents[2]
FDL_BIN = str(Path(sys.executable).parent)
SECRETS = {"FDL_QUEUE_ACCESS_ID": "rehearsal-id", "FDL_QUEUE_ACCESS_KEY": "rehearsal-key"}
FLOW = """\
version: v1
type: flow
steps:
  - type: task
    name: notify
    resourceArn: acs:mns:::/queues/jobs/messages
    serviceParams:
      MessageBody: $
    outputMappings:
      - target: messageId
        source: $local.MessageId
"""


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return dict(loaded["services"])


def service_env(service: dict[str, Any], **where: str) -> dict[str, str]:
    """The service's environment, with addresses and paths of this machine in ``where``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env["PATH"] = FDL_BIN + os.pathsep + env.get("PATH", "")
    for key in service["environment"]:
        env[key] = where.get(key) or SECRETS.get(key) or "default"
    return env


def command(service: dict[str, Any], **replace: str) -> list[str]:
    return [replace.get(arg, arg) for arg in service["command"]]


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.wait(timeout=10)


def test_the_fdl_services_run_as_written(
    services: dict[str, Any], tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    port, queue_port = free_port(), free_port()
    project = tmp_path / "project"
    project.mkdir()
    (project / "flow.yaml").write_text(FLOW)
    (project / "fdl.yaml").write_text("queues:\n  backend: local\n")
    where = {
        "TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
        "FDL_QUEUE_DB": str(tmp_path / "volume" / "queue.db"),
        "FDL_CONFIG": str(project / "fdl.yaml"),
        "FDL_TASK_QUEUE": "fdl-polling",  # the file's default, the queue of examples/polling
    }
    (tmp_path / "volume").mkdir()
    setup = services["fdl-setup"]
    processes.append(spawn(command(setup), service_env(setup, **where), tmp_path))
    time.sleep(1)  # setup starts with the server and waits for it
    with BareDevServer(port=port, ui_port=None):
        out, errors = processes[0].communicate(timeout=120)
        assert processes[0].returncode == 0, errors
        assert "search attribute FdlFlow (Keyword): created" in out

        queue = services["fdl-queue"]
        queue_cmd = command(queue, **{"0.0.0.0": "127.0.0.1", "8234": str(queue_port)})
        processes.append(spawn(queue_cmd, service_env(queue, **where), tmp_path))
        url = processes[-1].stdout.readline().strip()  # type: ignore[union-attr]
        assert url == f"http://127.0.0.1:{queue_port}"

        worker = services["fdl-worker"]
        processes.append(spawn(command(worker), service_env(worker, **where), project))
        assert "worker ready on task queue 'fdl-polling'" in processes[-1].stderr.readline()  # type: ignore[union-attr]

        run = subprocess.run(
            ["fdl", "run", "flow.yaml", "--no-worker", "--input", '{"job": 7}'],
            env=service_env(worker, **where), cwd=project, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr

    sent = json.loads(run.stdout)["messageId"]
    jobs = Account(url, *SECRETS.values()).get_queue("jobs")
    jobs.set_encoding(False)
    message = jobs.receive_message(1)
    assert (message.message_id, json.loads(message.message_body)) == (sent, {"job": 7})


def spawn(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
