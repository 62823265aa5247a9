"""Seed 002, the OSS restore application, run as a user runs it: ``examples/oss-restore``.

The two flows are the article's (``tests/fixtures/flows/oss-restore-*.yaml``, copied
unchanged into the example; the subflow's ``!Ref`` tags are resolved by
``fdl flow create --resolve-refs``). The handlers simulate a bucket of 250 archived objects
(plus 150 Standard ones, so the last page has nothing to restore) in a SQLite file named by
the input's ``endpoint``: listed 100 keys a page, each object restored after three status
checks. The seed's ``pollInterval`` is an input (10 s in the article); the tests pass 0.5.

What "restored exactly once" means here (as with real OSS, where restoring an object that is
already restoring is a no-op): the execution succeeds, every archived object ends
``restored``, every object's restore was *started* once and Standard objects were never
touched. The normal run also shows exactly one restore request per object; when a worker is
killed, a function it was running may run again elsewhere (at-least-once), which the
idempotent handler absorbs, so that test counts duplicate requests instead of forbidding them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from worker.local.devserver import DevServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "oss-restore"
FIXTURES = ROOT / "tests" / "fixtures" / "flows"
FDL = str(Path(sys.executable).parent / "fdl")
ARCHIVED, STANDARD = 250, 150


def load_oss() -> ModuleType:
    spec = importlib.util.spec_from_file_location("oss_example", EXAMPLE / "oss.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def environment(address: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env["TEMPORAL_ADDRESS"] = address
    return env


def fdl(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FDL, *args], env=env, cwd=EXAMPLE, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    path = tmp_path / "bucket.db"
    load_oss().create_bucket(str(path), "archive-bucket", ARCHIVED, standard=STANDARD, polls=3)
    return path


def seed_input(bucket: Path, tmp_path: Path, poll_interval: float = 0.5) -> Path:
    document = json.loads((EXAMPLE / "input.json").read_text())
    document.update(endpoint=str(bucket), pollInterval=poll_interval)
    path = tmp_path / "input.json"
    path.write_text(json.dumps(document))
    return path


def register_flows(env: dict[str, str], task_queue: str) -> tuple[str, str]:
    """``fdl flow create`` for both flows; the subflow name is fixed by the main flow's ARN, so
    an earlier test may have registered it: then an update moves it to this test's queue."""
    main = f"mainRestoreFlow_{uuid.uuid4().hex[:8]}"
    for name, file, extra in (
        ("restoreFlow", "restore.yaml", ["--resolve-refs"]),
        (main, "main.yaml", []),
    ):
        done = fdl("flow", "create", name, file, *extra, "--task-queue", task_queue, env=env)
        if name == "restoreFlow" and "already exists" in done.stderr:
            done = fdl("flow", "update", name, file, *extra, "--task-queue", task_queue, env=env)
        assert done.returncode == 0, done.stderr
    return main, "restoreFlow"


def objects(bucket: Path) -> list[tuple[str, str, str, int, int]]:
    with sqlite3.connect(bucket) as db:
        return db.execute(
            "SELECT key, storage_class, state, restores_started, restore_requests FROM objects"
        ).fetchall()


def invocations(bucket: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(bucket, timeout=30) as db:
        return db.execute("SELECT function, pid FROM invocations ORDER BY id").fetchall()


def assert_every_object_restored_once(bucket: Path) -> int:
    """The final state; returns how many restore requests were repeats."""
    rows = objects(bucket)
    archived = [row for row in rows if row[1] == "Archive"]
    standard = [row for row in rows if row[1] == "Standard"]
    assert len(archived) == ARCHIVED and len(standard) == STANDARD
    assert {row[2] for row in archived} == {"restored"}
    assert {row[3] for row in archived} == {1}, "some restore was started twice"
    assert all(row[4] >= 1 for row in archived)
    assert {(row[2], row[4]) for row in standard} == {("archived", 0)}
    return sum(row[4] - 1 for row in archived)


def test_the_example_runs_the_seed_flows_unchanged() -> None:
    assert (EXAMPLE / "main.yaml").read_text() == (FIXTURES / "oss-restore-main.yaml").read_text()
    assert (EXAMPLE / "restore.yaml").read_text() == (
        FIXTURES / "oss-restore-flow.yaml"
    ).read_text()


@pytest.fixture
def worker_factory(dev_server: DevServer, task_queue: str) -> Iterator[Any]:
    """Start ``fdl worker`` processes on the test's task queue; all are killed at the end."""
    started: list[subprocess.Popen[str]] = []

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [FDL, "worker", "--task-queue", task_queue, "--config", str(EXAMPLE / "fdl.yaml")],
            env=environment(dev_server.address),
            cwd=EXAMPLE,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        started.append(process)
        assert process.stderr is not None
        line = process.stderr.readline()
        while line and "worker ready" not in line:
            line = process.stderr.readline()
        assert "worker ready" in line, "the worker did not start"
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_seed_002_end_to_end_through_the_cli(
    dev_server: DevServer, task_queue: str, bucket: Path, tmp_path: Path, worker_factory: Any
) -> None:
    env = environment(dev_server.address)
    worker_factory()
    main, _ = register_flows(env, task_queue)
    done = fdl(
        "execution",
        "start",
        main,
        "--name",
        "restore-all",
        "--input",
        f"@{seed_input(bucket, tmp_path)}",
        "--wait",
        "--json",
        "--task-queue",
        task_queue,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    output = json.loads(result["Output"])
    assert output["end"] is True and output["empty"] is True
    assert output["marker"] == f"logs/log-{STANDARD - 1:05d}"
    assert assert_every_object_restored_once(bucket) == 0
    calls = [function for function, _ in invocations(bucket)]
    assert calls.count("listArchiveFiles") == 4  # 100 + 100 + 100 + 100 keys
    assert calls.count("restore") == calls.count("restore:start") == ARCHIVED

    history = fdl("execution", "history", main, "restore-all", "--json", env=env)
    assert history.returncode == 0, history.stderr
    events = json.loads(history.stdout)["Events"]
    children = [e for e in events if e["Type"] == "TaskStarted"]
    assert [e["StepName"] for e in children] == ["checkEmpty/invokeRestoreFlow"] * 3
    assert events[-1]["Type"] == "ExecutionSucceeded"
    people = fdl("execution", "history", main, "restore-all", env=env)
    assert people.returncode == 0, people.stderr
    assert people.stdout.startswith(f"execution restore-all of flow {main}: Succeeded, ")
    assert "StepEntered         checkEmpty/invokeRestoreFlow" in people.stdout
    missing = fdl("execution", "history", main, "no-such-run", env=env)
    assert missing.returncode == 1
    assert f"execution 'no-such-run' of flow '{main}' does not exist" in missing.stderr


def test_a_second_worker_joins_and_killing_the_first_loses_nothing(
    dev_server: DevServer, task_queue: str, bucket: Path, tmp_path: Path, worker_factory: Any
) -> None:
    env = environment(dev_server.address)
    first = worker_factory()
    main, _ = register_flows(env, task_queue)
    # Slower restores and polls (about 4 s a page), so the run is still in its first pages
    # when the second worker has joined and the first one is killed inside a restore.
    with sqlite3.connect(bucket) as db:
        db.execute("UPDATE settings SET latency = 0.2")
    started = fdl(
        "execution",
        "start",
        main,
        "--name",
        "restore-kill",
        "--input",
        f"@{seed_input(bucket, tmp_path, poll_interval=1)}",
        "--task-queue",
        task_queue,
        env=env,
    )
    assert started.returncode == 0, started.stderr

    wait_for(lambda: any(pid == first.pid for _, pid in invocations(bucket)), "worker 1 works")
    second = worker_factory()
    wait_for(lambda: any(pid == second.pid for _, pid in invocations(bucket)), "worker 2 works")
    # Kill worker 1 while it is inside a restore call (started, not finished).
    wait_for(lambda: in_flight(bucket, first.pid) > 0, "worker 1 runs a restore")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    killed_at = len(invocations(bucket))
    restored = sum(row[2] == "restored" for row in objects(bucket))
    assert restored < ARCHIVED, "the run ended before a worker could be killed"
    assert in_flight(bucket, first.pid) > 0, "worker 1 was not killed inside a call"

    done = fdl("execution", "describe", main, "restore-kill", "--wait", "60", "--json", env=env)
    deadline = time.monotonic() + 180
    while '"Running"' in done.stdout and time.monotonic() < deadline:
        done = fdl("execution", "describe", main, "restore-kill", "--wait", "60", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Status"] == "Succeeded", done.stdout
    repeats = assert_every_object_restored_once(bucket)
    after_kill = invocations(bucket)[killed_at:]
    assert after_kill and {pid for _, pid in after_kill} == {second.pid}
    assert "restore" in {function for function, _ in after_kill}
    print(f"restore requests run twice because a worker died: {repeats}")


def in_flight(bucket: Path, pid: int) -> int:
    """Restore calls worker ``pid`` started and did not finish."""
    calls = [function for function, by in invocations(bucket) if by == pid]
    return calls.count("restore:start") - calls.count("restore")


def wait_for(check: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)
