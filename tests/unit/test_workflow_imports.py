"""What workflow code imports, and which way imports run between the roles of the code.

Workflow code must be deterministic, so what it can reach is checked three ways:

- its import closure, taken from a fresh interpreter that imports the workflow modules, holds
  none of the modules that do I/O (YAML, HTTP, SQLite, pydantic, the HTTP server, the local
  queue) nor any client-side or activity code;
- the modules the sandbox passes through (``worker.sandbox.PASSTHROUGH_MODULES``, which the
  sandbox therefore does not watch) and the workflow modules call no clock, no random source
  and no asyncio waiting, by their source;
- imports between the roles run one way (``ALLOWED``), with no cycle anywhere.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from worker.sandbox import PASSTHROUGH_MODULES

ROOT = Path(__file__).resolve().parents[2]

WORKFLOW_ROOTS = (
    "worker.workflow.interpreter",
    "worker.workflow.registry",
    "worker.workflow.trigger",
)
"""The modules that define the workflows a worker registers."""

FORBIDDEN_IN_WORKFLOWS = (
    "yaml",
    "httpx",
    "sqlite3",
    "pydantic",
    "http.server",
    "worker.local",
    "worker.service",
    "worker.activities",
    "worker.config",
    "translator.source",
    "translator.parse",
    "translator.compile",
)
FORBIDDEN_MODULES = {"time", "random", "uuid", "os", "threading", "socket", "secrets"}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "fromtimestamp"}
FORBIDDEN_ASYNCIO = {
    "sleep",
    "wait",
    "wait_for",
    "as_completed",
    "to_thread",
    "run",
    "ensure_future",
}
"""asyncio tasks and gather are deterministic in a workflow; its clocks, ``wait`` and
unsupervised futures are not (``workflow.sleep``, ``workflow.wait`` and owned tasks replace
them)."""

ALLOWED: dict[str, set[str]] = {
    "translator": {"translator"},
    "worker.contract": {
        "translator.rules",
        "translator.ir",
        "translator.plainjson",
        "worker.contract",
    },
    "worker.workflow": {
        "translator.rules",
        "translator.ir",
        "translator.expr",
        "translator.plainjson",
        "worker.contract",
    },
    "worker.local": {"worker.contract"},
    "worker.config": {"translator", "worker.contract", "worker.config_source"},
    "worker.config_source": {"translator"},
    "worker.preflight": {
        "translator",
        "worker.activities",
        "worker.config",
        "worker.config_source",
        "worker.local",
    },
    "worker.service": {"translator", "worker.contract", "worker.service"},
    "worker.fnfapi": {"translator", "worker.contract", "worker.service", "worker.local"},
    "worker.console": {"translator", "worker.contract", "worker.service", "worker.local"},
    "worker.activities": {
        "translator.rules",
        "translator.plainjson",
        "worker.contract",
        "worker.config",
        "worker.local",
        "worker.service",
    },
    "worker": set(),
    "worker.process": {"worker"},
    "cli": {"cli", "translator", "worker"},
}
"""Which project modules each role may import (its own package always). Longest prefix wins."""


def loaded_after_import(*modules: str) -> list[str]:
    """Every module in ``sys.modules`` of a fresh interpreter after importing ``modules``."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return list(json.loads(done.stdout))


def forbidden_in(loaded: list[str]) -> list[str]:
    return [
        name
        for name in loaded
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_WORKFLOWS)
    ]


def test_the_workflow_import_closure_holds_nothing_that_does_io() -> None:
    # Every module of worker.workflow, with the ones a run imports only when a step needs
    # them (the subflow, message and concurrent executors).
    workflow_modules = sorted(
        name for name in MODULES if name == "worker.workflow" or name.startswith("worker.workflow.")
    )
    loaded = loaded_after_import(*WORKFLOW_ROOTS, *workflow_modules)
    assert {"worker.workflow.interpreter", "worker.workflow.steps.subflow"} <= set(loaded)
    assert forbidden_in(loaded) == []


def test_the_closure_check_sees_what_a_client_module_pulls_in() -> None:
    # The same check over the client-side façade finds YAML and the service: it can fail.
    found = forbidden_in(loaded_after_import("worker.service.client"))
    assert "yaml" in found
    assert "worker.service.client" in found


def test_translator_ir_loads_no_yaml_front_end() -> None:
    loaded = loaded_after_import("translator.ir", "translator.expr")
    assert "yaml" not in loaded
    assert "translator.parse" not in loaded


def project_files() -> list[Path]:
    return sorted(
        path
        for package in ("translator", "worker", "cli")
        for path in (ROOT / package).rglob("*.py")
    )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Project modules ``path`` imports anywhere in its body (function-level imports too)."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            # `from package import module` imports the module (the package's __init__ only
            # runs along); `from module import name` imports the module itself.
            children = {f"{base}.{alias.name}" for alias in node.names} & MODULES
            found.update(children or {base})
    return found & MODULES


MODULES = {module_name(path) for path in project_files()}


def role_of(module: str, table: dict[str, set[str]]) -> str:
    matches = [role for role in table if module == role or module.startswith(role + ".")]
    return max(matches, key=len)


GRAPH = {module_name(path): imports_of(path) for path in project_files()}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_run_one_way_between_roles(module: str) -> None:
    role = role_of(module, ALLOWED)
    allowed = ALLOWED[role] | {role}
    wrong = sorted(
        target
        for target in GRAPH[module]
        if not any(target == ok or target.startswith(ok + ".") for ok in allowed)
    )
    assert wrong == [], f"{module} ({role}) may not import {wrong}"


def test_no_import_cycle_anywhere() -> None:
    # Tarjan-free check: a module may not reach itself through the import graph. Package
    # __init__ modules that re-export their children are edges like any other.
    def reaches(start: str) -> bool:
        seen: set[str] = set()
        stack = [t for t in GRAPH[start] if t != start]
        while stack:
            current = stack.pop()
            if current == start:
                return True
            if current in seen:
                continue
            seen.add(current)
            stack.extend(t for t in GRAPH.get(current, ()) if not start.startswith(t + "."))
        return False

    cycles = [module for module in GRAPH if reaches(module)]
    assert cycles == []


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


def top_level_imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


DETERMINISTIC = sorted(
    path
    for path in project_files()
    if any(
        module_name(path) == prefix or module_name(path).startswith(prefix + ".")
        for prefix in (*PASSTHROUGH_MODULES, "worker.workflow")
    )
)


@pytest.mark.parametrize("path", DETERMINISTIC, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_workflow_and_passthrough_code_makes_no_nondeterministic_calls(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert top_level_imports(tree) & FORBIDDEN_MODULES == set()
    assert nondeterministic_calls(tree) == []


def test_the_call_check_catches_clock_reads_sleeps_and_a_random_import() -> None:
    tree = ast.parse("import random\nfrom datetime import datetime\nx = datetime.now()\n")
    assert top_level_imports(tree) & FORBIDDEN_MODULES == {"random"}
    assert nondeterministic_calls(tree) == ["line 3: datetime.now()"]
    assert nondeterministic_calls(ast.parse("workflow.now()")) == []
    assert nondeterministic_calls(ast.parse("asyncio.ensure_future(x)")) == [
        "line 1: asyncio.ensure_future()"
    ]
