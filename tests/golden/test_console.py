"""Golden files of what ``fdl flow graph`` and ``fdl execution show`` print and draw.

- ``console/graph-NAME.txt`` / ``.svg``: ``fdl flow graph`` of each example flow (its stdout,
  and the file ``--svg`` writes).
- ``console/show-KEY.txt`` / ``.svg``: ``fdl execution show`` of each recorded execution of
  ``tests/fixtures/console`` (seed 002 and its subflow, seed 003, orders succeeded, caught
  and failed); ``show-KEY-derived.txt`` the same execution seen without a worker. The
  integration tests compare the live command's output with these, durations aside.

Set ``FDL_UPDATE_GOLDEN=1`` to rewrite them, then review every changed file by eye.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli.app import app
from translator import ir
from worker.console import graph as graphs
from worker.console import svg
from worker.console.fold import fold
from worker.console.runstate import events_from_json, parse_detail
from worker.console.tree import execution_title, flow_tree
from worker.service.executions import ExecutionInfo

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "console"
FIXTURES = ROOT / "tests" / "fixtures" / "console"
UPDATE = os.environ.get("FDL_UPDATE_GOLDEN") == "1"

FLOWS = {
    "orders": "examples/orders/flow.yaml",
    "polling": "examples/polling/flow.yaml",
    "oss-main": "examples/oss-restore/main.yaml",
    "oss-restore": "examples/oss-restore/restore.yaml",
    "mns-workers": "examples/mns-workers/flow.yaml",
}
RUNS = ["oss", "oss-subflow", "polling", "orders", "declined", "failed"]


def check_golden(golden: Path, actual: str) -> None:
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"{golden.name} is missing; run with FDL_UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_fdl_flow_graph_prints_and_draws_its_golden(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    drawn = tmp_path / "graph.svg"
    result = CliRunner().invoke(
        app, ["flow", "graph", FLOWS[name], "--resolve-refs", "--svg", str(drawn)]
    )
    assert result.exit_code == 0, result.output
    check_golden(HERE / f"graph-{name}.txt", result.stdout)
    check_golden(HERE / f"graph-{name}.svg", drawn.read_text(encoding="utf-8"))


def shown(key: str, source: str) -> tuple[str, str]:
    """What ``fdl execution show`` prints and draws for a recorded execution."""
    document = json.loads((FIXTURES / f"{key}.json").read_text())
    history = document[source]
    events = events_from_json(history)
    graph = graphs.build(ir.Flow.from_json(document["definition"]))
    run = fold(graph, events, status=history["Status"])
    closing = parse_detail(events[-1].detail) if events[-1].type != "ExecutionStarted" else {}
    info = ExecutionInfo(
        flow_name=document["flow"],
        name=document["execution"],
        status=history["Status"],
        started=events[0].time,
        stopped=events[-1].time if history["Status"] != "Running" else None,
        error=str(closing.get("error") or ""),
        cause=str(closing.get("cause") or ""),
    )
    title = execution_title(info)
    terminal = Console(width=1000, no_color=True, highlight=False, file=io.StringIO())
    terminal.print(flow_tree(graph, run, title=title))
    assert isinstance(terminal.file, io.StringIO)
    return terminal.file.getvalue(), svg.render(graph, run, title=title)


@pytest.mark.parametrize("key", RUNS)
def test_fdl_execution_show_prints_and_draws_its_golden(key: str) -> None:
    text, drawing = shown(key, "recorded")
    check_golden(HERE / f"show-{key}.txt", text)
    check_golden(HERE / f"show-{key}.svg", drawing)


@pytest.mark.parametrize("key", RUNS)
def test_fdl_execution_show_without_a_worker_prints_its_golden(key: str) -> None:
    text, _ = shown(key, "derived")
    check_golden(HERE / f"show-{key}-derived.txt", text)


def test_fdl_flow_graph_of_an_invalid_file_prints_its_problems(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: a\n    goto: b\n")
    result = CliRunner().invoke(app, ["flow", "graph", str(broken)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{broken}:6:5: steps[0].goto: " in result.stderr
