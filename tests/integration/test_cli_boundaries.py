"""The CLI at the boundaries: bad input and damaged tokens get one line and exit 1, and
``fdl run --json`` writes nothing but its JSON document on stdout, whatever the SDK logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from worker.contract.tokens import TaskToken
from worker.local.devserver import DevServer

FDL = str(Path(sys.executable).parent / "fdl")

OUTLIVES_ITS_TIMEOUT = """\
version: v1
type: flow
steps:
  - type: task
    name: slow
    resourceArn: acs:fc:::services/demo/functions/slow
    timeoutSeconds: 0.5
    inputMappings: [{target: seconds, source: 0.9}]
    catch:
      - errors: [FnF.TaskTimeout]
        goto: linger
  - type: wait
    name: linger
    duration: 4
"""
SLOW_HANDLER = """\
import json
import time


def slow(event, context):
    time.sleep(json.loads(event)["seconds"])  # a thread: it returns after its timeout
    return {"late": True}
"""


def fdl(*args: str, server: DevServer, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env.update(TEMPORAL_ADDRESS=server.address, TEMPORAL_NAMESPACE=server.namespace)
    return subprocess.run(
        [FDL, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_run_json_prints_only_its_json_when_a_handler_outlives_its_timeout(
    dev_server: DevServer, tmp_path: Path
) -> None:
    (tmp_path / "flow.yaml").write_text(OUTLIVES_ITS_TIMEOUT)
    (tmp_path / "slowfn.py").write_text(SLOW_HANDLER)
    # The binding's own deadline is longer than the task's: Temporal times the attempt out
    # after 0.5 s, the handler returns at 0.9 s (before its first heartbeat could learn of
    # the timeout), and the SDK core warns about the late completion while the run waits.
    (tmp_path / "fdl.yaml").write_text(
        "functions:\n  demo/slow: {handler: 'slowfn:slow', timeout: 30}\n"
    )
    done = fdl("run", "flow.yaml", "--json", server=dev_server, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"Status": "Succeeded", "Output": {}}
    assert done.stdout.count("\n") == 1, "one JSON document, one line"
    # The core did warn (before, on stdout, ahead of the JSON); now the line is on stderr.
    assert "Activity not found on completion" in done.stderr


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"s": "\\ud800"}', "--input.s: the string holds a lone surrogate (U+D800)"),
        ('{"x": NaN}', "--input: NaN is not JSON (JSON numbers have no NaN or infinity)"),
        ('{"n": 1' + "0" * 400 + "}", "--input: a number of 401 digits; at most 300 are accepted"),
    ],
    ids=["lone-surrogate", "nan", "huge-integer"],
)
def test_run_refuses_input_that_is_not_plain_json_before_anything_starts(
    dev_server: DevServer, tmp_path: Path, text: str, says: str
) -> None:
    (tmp_path / "flow.yaml").write_text(
        "version: v1\ntype: flow\nsteps:\n  - {type: pass, name: p}\n"
    )
    done = fdl("run", "flow.yaml", "--input", text, server=dev_server, cwd=tmp_path)
    assert done.returncode == 1
    assert says in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_token_with_a_damaged_run_id_is_an_invalid_token_not_a_traceback(
    dev_server: DevServer,
) -> None:
    token = TaskToken(
        workflow_id="orders:e-1", run_id="not-a-run-id", number=1, secret="0" * 32
    ).encode()
    done = fdl("task", "succeed", token, "--output", "{}", server=dev_server)
    assert done.returncode == 1
    assert "InvalidTaskToken" in done.stderr
    assert "Traceback" not in done.stderr
