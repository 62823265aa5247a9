"""``fdl run``, ``fdl worker`` and ``fdl dev`` as a user runs them: real processes, real servers.

The embedded-server tests move the embedded ports with ``FDL_DEV_PORT`` / ``FDL_DEV_UI_PORT``
so they never meet a server someone else runs on 7233.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mns.account import Account
from mns.queue import Message

from worker.local.devserver import DevServer, free_port, port_open

ROOT = Path(__file__).resolve().parents[2]
FDL = str(Path(sys.executable).parent / "fdl")
ORDERS = ROOT / "examples" / "orders"
ORDER_OUTPUT_KEYS = {"prices", "reservation", "tier"}

FAILING_FLOW = """\
version: v1
type: flow
steps:
  - type: fail
    name: refuse
    error: OrderRejected
    cause: no stock left
"""


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env.update(extra)
    return env


def run_fdl(
    *args: str, env: dict[str, str], cwd: Path = ROOT, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FDL, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    """The orders example copied into a fresh directory (its .fdl/ state lands there)."""
    shutil.copytree(ORDERS, tmp_path / "orders", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "orders"


def test_run_starts_the_embedded_server_when_nothing_answers(orders: Path) -> None:
    port, ui_port = free_port(), free_port()
    env = environment(FDL_DEV_PORT=str(port), FDL_DEV_UI_PORT=str(ui_port))

    done = run_fdl("run", "flow.yaml", "--input", "@input.json", env=env, cwd=orders)

    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert output.keys() >= ORDER_OUTPUT_KEYS
    assert f"no Temporal server at 127.0.0.1:{port}: starting the embedded one" in done.stderr
    assert f"Temporal Web UI: http://127.0.0.1:{ui_port}" in done.stderr
    assert "on task queue 'fdl-run-" in done.stderr, "the in-process worker's own queue"
    assert (orders / ".fdl" / "temporal.db").exists()
    assert not port_open("127.0.0.1", port), "the embedded server outlived fdl run"


def test_run_prints_the_error_and_cause_of_a_failed_flow(
    dev_server: DevServer, tmp_path: Path, task_queue: str
) -> None:
    (tmp_path / "reject.yaml").write_text(FAILING_FLOW)
    env = environment(TEMPORAL_ADDRESS=dev_server.address)
    args = ("run", "reject.yaml", "--task-queue", task_queue)

    human = run_fdl(*args, env=env, cwd=tmp_path)
    scripted = run_fdl(*args, "--json", env=env, cwd=tmp_path)

    assert human.returncode == 3
    assert "flow failed: OrderRejected" in human.stderr
    assert "cause: no stock left" in human.stderr
    assert "Traceback" not in human.stderr
    assert scripted.returncode == 3
    assert json.loads(scripted.stdout) == {
        "Status": "Failed",
        "Error": "OrderRejected",
        "Cause": "no stock left",
    }


def test_run_refuses_bad_input_with_exit_1(dev_server: DevServer, orders: Path) -> None:
    env = environment(TEMPORAL_ADDRESS=dev_server.address)

    done = run_fdl("run", "flow.yaml", "--input", "[1, 2]", env=env, cwd=orders)

    assert done.returncode == 1
    assert "--input" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def worker_process(dev_server: DevServer, task_queue: str) -> Iterator[subprocess.Popen[str]]:
    env = environment(TEMPORAL_ADDRESS=dev_server.address)
    process = subprocess.Popen(
        [FDL, "worker", "--task-queue", task_queue, "--config", str(ORDERS / "fdl.yaml")],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def read_until(stream: object, needle: str, timeout: float = 60) -> str:
    """Lines of a child's pipe up to and including the first one containing ``needle``."""
    assert hasattr(stream, "readline")
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return "".join(seen)
    raise AssertionError(f"{needle!r} never appeared; got:\n{''.join(seen)}")


def test_worker_serves_flows_and_stops_cleanly_on_sigterm(
    dev_server: DevServer, task_queue: str, worker_process: subprocess.Popen[str]
) -> None:
    assert worker_process.stderr is not None
    read_until(worker_process.stderr, f"worker ready on task queue {task_queue!r}")
    env = environment(TEMPORAL_ADDRESS=dev_server.address)

    done = run_fdl(
        "run",
        str(ORDERS / "flow.yaml"),
        "--input",
        f"@{ORDERS / 'input.json'}",
        "--task-queue",
        task_queue,
        "--no-worker",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert f"on task queue {task_queue!r}" in done.stderr
    assert json.loads(done.stdout).keys() >= ORDER_OUTPUT_KEYS

    worker_process.send_signal(signal.SIGTERM)
    assert worker_process.wait(timeout=30) == 0
    rest = worker_process.stderr.read()
    assert "worker stopped" in rest
    assert "Traceback" not in rest


def test_dev_serves_the_web_ui_and_the_queue_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port, ui_port, queue_port = free_port(), free_port(), free_port()
    process = subprocess.Popen(
        [
            FDL,
            "dev",
            "--port",
            str(port),
            "--ui-port",
            str(ui_port),
            "--queue-port",
            str(queue_port),
        ],
        env=environment(),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = read_until(process.stdout, "press Ctrl-C to stop")
        assert f"Temporal server: 127.0.0.1:{port}" in banner
        assert f"Temporal Web UI: http://127.0.0.1:{ui_port}" in banner
        assert httpx.get(f"http://127.0.0.1:{ui_port}/", timeout=10).status_code == 200
        assert f"MNS queue API: http://127.0.0.1:{queue_port}" in banner
        sent = Account(f"http://127.0.0.1:{queue_port}", "any", "any").get_queue("jobs")
        sent.set_encoding(False)
        sent.send_message(Message("hello"))
        assert (tmp_path / ".fdl" / "queue.db").exists()
        assert process.stderr is not None
        read_until(process.stderr, "worker ready on task queue 'fdl'")

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert not port_open("127.0.0.1", port), "the dev server outlived fdl dev"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_dev_prints_the_queue_file_it_really_serves(orders: Path) -> None:
    """Started from another folder, ``fdl dev --config`` serves the project's queue file."""
    elsewhere = orders.parent
    for as_json in (False, True):
        port, ui_port, queue_port = free_port(), free_port(), free_port()
        process = subprocess.Popen(
            [FDL, "dev", "--config", "orders/fdl.yaml", "--port", str(port),
             "--ui-port", str(ui_port), "--queue-port", str(queue_port),
             *(["--json"] if as_json else [])],
            env=environment(), cwd=elsewhere, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            if as_json:
                served = json.loads(process.stdout.readline())
                assert served["QueueFile"] == str(orders / ".fdl" / "queue.db")
                assert served["TaskQueue"] == "fdl-orders"
                assert served["QueueApi"] == f"http://127.0.0.1:{queue_port}"
                assert served["TemporalAddress"] == f"127.0.0.1:{port}"
            else:
                banner = read_until(process.stdout, "press Ctrl-C to stop")
                queue_line = (
                    f"MNS queue API: http://127.0.0.1:{queue_port} "
                    f"(queues in {Path('orders', '.fdl', 'queue.db')})"
                )
                assert queue_line in banner.splitlines()
                assert "worker serving task queue 'fdl-orders'" in banner
            assert (orders / ".fdl" / "queue.db").is_file()
            assert not (elsewhere / ".fdl" / "queue.db").exists()
            read_until(process.stderr, "worker ready on task queue 'fdl-orders'")
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
