"""Errors a user can act on: a handler's exception shows where in the handler it was raised.

A handler that raises shows its exception's type, message and the handler's own frames
(file and line, none of fdl's or temporalio's) in ``fdl run``, ``fdl execution describe``
and the worker log, and Temporal keeps those frames as the failure's stack trace in the
history. An error nobody expected is one line with a hint; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import helpers
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client, WorkflowFailureError

from cli import app as fdl_app
from worker.local.devserver import DevServer

FDL = str(Path(sys.executable).parent / "fdl")
ROOT = Path(__file__).resolve().parents[2]
SHOP = """\
import json


def lookup(order):
    return order["missing_key"]


def charge(event, context):
    return {"total": lookup(json.loads(event))}
"""
FLOW = """\
version: v1
type: flow
steps:
  - type: task
    name: charge
    resourceArn: acs:fc:::services/shop/functions/charge
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "shop.py").write_text(SHOP)
    (tmp_path / "fdl.yaml").write_text("functions:\n  shop/charge: {handler: shop:charge}\n")
    (tmp_path / "flow.yaml").write_text(FLOW)
    return tmp_path


@pytest.fixture
def env(dev_server: DevServer) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    return clean | {"TEMPORAL_ADDRESS": dev_server.address}


def fdl(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FDL, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def without_carets(text: str) -> list[str]:
    """The lines of a traceback without the ``~~~^^^`` marks under expressions (3.11+)."""
    return [line for line in text.splitlines() if line.strip(" ~^")]


def handler_frames(project: Path) -> list[str]:
    shop = project / "shop.py"
    return [
        "handler traceback (most recent call last):",
        f'  File "{shop}", line 9, in charge',
        '    return {"total": lookup(json.loads(event))}',
        f'  File "{shop}", line 5, in lookup',
        '    return order["missing_key"]',
    ]


def test_run_and_describe_show_the_handlers_own_frames(project: Path, env: dict[str, str]) -> None:
    name = f"e-{uuid.uuid4().hex[:8]}"
    ran = fdl("run", "flow.yaml", "-e", name, cwd=project, env=env)

    assert ran.returncode == 3
    lines = without_carets(ran.stderr)
    assert lines[1:] == ["flow failed: KeyError", "cause: 'missing_key'", *handler_frames(project)]
    assert "temporalio" not in ran.stderr and str(ROOT / "worker") not in ran.stderr

    described = fdl("execution", "describe", project.name, name, cwd=project, env=env)
    assert described.returncode == 0, described.stderr
    assert without_carets(described.stdout)[-5:] == handler_frames(project)
    as_json = fdl("execution", "describe", project.name, name, "--json", cwd=project, env=env)
    info = json.loads(as_json.stdout)
    assert (info["Error"], info["Cause"]) == ("KeyError", "'missing_key'")
    assert without_carets(info["StackTrace"]) == handler_frames(project)[1:]


async def test_the_history_keeps_the_handlers_frames_as_the_failures_stack_trace(
    project: Path, env: dict[str, str], client: Client
) -> None:
    name = f"e-{uuid.uuid4().hex[:8]}"
    ran = fdl("run", "flow.yaml", "-e", name, "--json", cwd=project, env=env)
    assert without_carets(json.loads(ran.stdout)["StackTrace"]) == handler_frames(project)[1:]

    history = await client.get_workflow_handle(f"{project.name}:{name}").fetch_history()
    traces = []
    for event in history.events:
        for attributes in ("activity_task_failed", "workflow_execution_failed"):
            if event.HasField(f"{attributes}_event_attributes"):
                failure = getattr(event, f"{attributes}_event_attributes").failure
                traces.append((failure.application_failure_info.type, failure.cause.stack_trace))
    assert [kind for kind, _ in traces] == ["KeyError", "KeyError"]
    for _, trace in traces:
        assert f'File "{project / "shop.py"}", line 5, in lookup' in trace
        assert "temporalio" not in trace


def test_the_worker_log_shows_the_handlers_frames(project: Path, env: dict[str, str]) -> None:
    worker = subprocess.Popen(
        [FDL, "worker"], cwd=project, env=env, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert worker.stderr is not None
        assert "worker ready" in worker.stderr.readline()
        flow = f"shop_{uuid.uuid4().hex[:8]}"
        assert fdl("flow", "create", flow, "flow.yaml", cwd=project, env=env).returncode == 0
        started = fdl("execution", "start", flow, "--wait", cwd=project, env=env)
        assert started.returncode == 3
        assert without_carets(started.stdout)[-5:] == handler_frames(project)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, log = worker.communicate(timeout=30)
    assert "charge: shop/charge failed with KeyError: 'missing_key'\n" in log
    for line in handler_frames(project):
        assert line in log


def test_an_unexpected_error_is_one_line_and_a_hint_unless_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(fdl_app.setup, "prepare_namespace", broken)
    monkeypatch.setattr(fdl_app.setup.connection, "connect", _fake_connect)

    assert fdl_app.run(["setup"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "error: internal error: RuntimeError: the disk is on fire "
        "(rerun with --debug for the traceback, and please report it)\n"
    )
    assert fdl_app.run(["setup", "--debug"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith("please report it)\n")


async def _fake_connect(*args: object, **kwargs: object) -> object:
    return object()


FOREACH_FAILS = """\
version: v1
type: flow
steps:
  - type: pass
    name: prepare
  - type: foreach
    name: book
    iterationMapping: {collection: $.flights, item: flight}
    steps:
      - type: task
        name: seat
        resourceArn: acs:fc:::services/demo/functions/book_flight
        inputMappings: [{target: flight, source: $input.flight}]
"""


async def test_a_failed_execution_names_its_fdl_error_and_failing_step_in_the_web_ui(
    client: Client,
) -> None:
    # What the Temporal Web UI shows of a failed workflow: the failure's message (the cause)
    # and, where a stack trace goes, the FDL error and the failing step (the handler's own
    # frames stay on the failure's cause); the current details say the same in one line.
    queue = f"errors-{uuid.uuid4().hex[:8]}"
    project = helpers.config({"demo/book_flight": {"handler": "handlers.basic:book_flight"}})
    async with helpers.running_worker(client, queue, project):
        handle = await helpers.start(client, queue, FOREACH_FAILS, {"flights": ["MU5101"]})
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    events = (await handle.fetch_history()).events
    closing = events[-1]
    assert closing.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED
    failure = closing.workflow_execution_failed_event_attributes.failure
    assert failure.message == "no seats on MU5101"
    assert failure.application_failure_info.type == "BookFlightError"
    assert failure.stack_trace.splitlines() == [
        "FDL error: BookFlightError",
        "failing step: book[0]/seat",
        "cause: no seats on MU5101",
        "the handler's stack trace is on this failure's cause",
    ]
    assert "book_flight" in failure.cause.stack_trace  # the handler's frames, as before
    assert metadata.current_details == "**Failed** with `BookFlightError` at step `book[0]/seat`"
