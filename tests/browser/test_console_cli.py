"""``fdl execution show`` and ``fdl console`` as users run them, against the scenario runs.

``fdl execution show`` prints what the goldens of ``tests/golden/console`` hold for the
recorded runs of the same scenarios; only durations differ from run to run, so both sides
have them masked before they are compared.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import scenarios
from console_session import SUFFIX
from temporalio.client import Client

from worker.local.devserver import DevServer, free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "console"
FDL = str(Path(sys.executable).parent / "fdl")
DURATION = re.compile(r"\d+ h \d+ min|\d+ min \d+ s|\d+(?:\.\d+)? s\b")


def environment(address: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env["TEMPORAL_ADDRESS"] = address
    return env


def fdl(address: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FDL, *args], env=environment(address), capture_output=True, text=True, timeout=120
    )


def masked(text: str) -> str:
    return DURATION.sub("<duration>", text.replace(SUFFIX, ""))


async def finished(dev_server: DevServer, scenario: scenarios.Scenario) -> None:
    client = await Client.connect(dev_server.address, namespace=dev_server.namespace)
    await scenarios.wait(client, scenario)


@pytest.mark.parametrize(
    ("key", "code"),
    [("oss", 0), ("polling", 0), ("orders", 0), ("declined", 0), ("failed", 3)],
)
async def test_fdl_execution_show_prints_the_golden_tree(
    key: str, code: int, dev_server: DevServer, started: dict[str, scenarios.Scenario]
) -> None:
    scenario = started[key]
    await finished(dev_server, scenario)
    shown = fdl(dev_server.address, "execution", "show", scenario.flow, scenario.execution)
    assert shown.returncode == code, shown.stderr
    golden = (GOLDEN / f"show-{key}.txt").read_text(encoding="utf-8")
    assert masked(shown.stdout) == masked(golden)


async def test_fdl_execution_show_of_the_subflow_and_its_exports(
    dev_server: DevServer, started: dict[str, scenarios.Scenario], tmp_path: Path
) -> None:
    oss = started["oss"]
    await finished(dev_server, oss)
    history = fdl(dev_server.address, "execution", "history", oss.flow, oss.execution, "--json")
    child = next(e for e in json.loads(history.stdout)["Events"] if e["Type"] == "TaskStarted")
    name = json.loads(child["EventDetail"])["name"]
    drawing, page = tmp_path / "run.svg", tmp_path / "run.html"
    shown = fdl(
        dev_server.address, "execution", "show", "restoreFlow", name,
        "--svg", str(drawing), "--html", str(page),
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    golden = (GOLDEN / "show-oss-subflow.txt").read_text(encoding="utf-8")
    assert masked(shown.stdout) == masked(golden)
    assert drawing.read_text().startswith("<svg ")
    assert drawing.read_text().count('data-state="succeeded"') == 6
    assert "<svg " in page.read_text() and "<title>execution " in page.read_text()


async def test_fdl_execution_show_json_and_errors(
    dev_server: DevServer, started: dict[str, scenarios.Scenario]
) -> None:
    failed = started["failed"]
    await finished(dev_server, failed)
    shown = fdl(dev_server.address, "execution", "show", failed.flow, failed.execution, "--json")
    assert shown.returncode == 3
    document = json.loads(shown.stdout)
    assert (document["Status"], document["Error"], document["source"]) == (
        "Failed",
        "KeyError",
        "interpreter",
    )
    assert document["steps"]["priceItems[*]/price"] == {
        "state": "failed",
        "visits": ["priceItems[0]/price", "priceItems[1]/price"],
    }
    missing = fdl(dev_server.address, "execution", "show", failed.flow, "no-such-run")
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"error: ExecutionNotExists: execution 'no-such-run' of flow '{failed.flow}' does not exist"
    )


def test_fdl_console_serves_until_stopped(dev_server: DevServer) -> None:
    process = subprocess.Popen(
        [FDL, "console", "--port", "0"],
        env=environment(dev_server.address),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/flows", timeout=30).status_code == 200
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0


def test_fdl_console_without_a_server_says_so() -> None:
    address = f"127.0.0.1:{free_port()}"
    done = fdl(address, "console", "--port", "0")
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: no Temporal server answers at {address}")
