"""The interpreter's modules keep to deterministic calls without the sandbox watching them.

The worker package is passed through the workflow sandbox (see ``worker.app``), so the
sandbox does not intercept a clock read or a random number in these modules. This test
reads their source instead: no import of a module whose use in workflow code breaks replay,
and no call of the wall clock.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_MODULES = sorted(
    [
        ROOT / "worker" / "interpreter.py",
        ROOT / "worker" / "data.py",
        ROOT / "worker" / "errors.py",
        ROOT / "worker" / "api.py",
        *(ROOT / "worker" / "steps").glob("*.py"),
    ]
)
FORBIDDEN_MODULES = {"time", "random", "uuid", "os", "threading", "socket", "secrets"}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "fromtimestamp"}
FORBIDDEN_ASYNCIO = {"sleep", "wait", "wait_for", "as_completed", "to_thread", "run"}
"""asyncio tasks and gather are deterministic in a workflow; its clocks and ``wait`` are not
(``workflow.sleep`` and ``workflow.wait`` replace them)."""


def imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def nondeterministic_calls(tree: ast.AST) -> list[str]:
    calls = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value.id if isinstance(node.func.value, ast.Name) else ""
        clock = node.func.attr in FORBIDDEN_CALLS and owner != "workflow"
        if clock or (owner == "asyncio" and node.func.attr in FORBIDDEN_ASYNCIO):
            calls.append(f"line {node.lineno}: {ast.unparse(node.func)}()")
    return calls


@pytest.mark.parametrize("path", WORKFLOW_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_workflow_module_makes_no_nondeterministic_calls(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert imported_modules(tree) & FORBIDDEN_MODULES == set()
    assert nondeterministic_calls(tree) == []


def test_the_check_catches_clock_reads_sleeps_and_a_random_import() -> None:
    tree = ast.parse("import random\nfrom datetime import datetime\nx = datetime.now()\n")
    assert imported_modules(tree) & FORBIDDEN_MODULES == {"random"}
    assert nondeterministic_calls(tree) == ["line 3: datetime.now()"]
    assert nondeterministic_calls(ast.parse("workflow.now()")) == []
    assert nondeterministic_calls(ast.parse("await asyncio.sleep(1)")) == [
        "line 1: asyncio.sleep()"
    ]
