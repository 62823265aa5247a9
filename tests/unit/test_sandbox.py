"""The workflow sandbox reads the project's code once and still runs it fresh for every run."""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import SourceFileLoader
from typing import Any

import pytest
import temporalio.workflow
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

import worker
import worker.workflow
from worker.sandbox import CodeOnce, read_code_once, workflow_runner
from worker.workflow.interpreter import FlowInterpreter


def test_a_module_is_found_and_read_once_and_executed_for_every_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    finder = CodeOnce()
    first = finder.find_spec("worker.workflow.data", worker.workflow.__path__)
    assert first is not None and first.loader is not None
    one = importlib.util.module_from_spec(first)
    first.loader.exec_module(one)

    def no_disk(self: Any, path: str) -> bytes:
        raise AssertionError(f"read {path} again")

    monkeypatch.setattr(SourceFileLoader, "get_data", no_disk)
    second = finder.find_spec("worker.workflow.data", worker.workflow.__path__)
    assert second is not None and second.loader is not None
    assert second is not first  # each import initializes its own spec
    two = importlib.util.module_from_spec(second)
    second.loader.exec_module(two)
    assert one is not two and one.check_step_size is not two.check_step_size
    assert one.check_step_size.__code__ is two.check_step_size.__code__


def test_a_package_keeps_its_own_search_path_list() -> None:
    finder = CodeOnce()
    first, second = finder.find_spec("worker.workflow"), finder.find_spec("worker.workflow")
    assert first is not None and second is not None
    assert first.submodule_search_locations == second.submodule_search_locations
    assert first.submodule_search_locations is not second.submodule_search_locations


def test_other_modules_are_left_to_the_usual_finders() -> None:
    finder = CodeOnce()
    assert finder.find_spec("json") is None
    assert finder.find_spec("worker.no_such_module", worker.__path__) is None


def test_the_finder_is_installed_once() -> None:
    read_code_once()
    read_code_once()
    assert sum(isinstance(finder, CodeOnce) for finder in sys.meta_path) == 1


async def test_each_run_executes_the_workflow_modules_again_from_the_code_read_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = workflow_runner()
    made: list[Any] = []
    create = SandboxedWorkflowRunner.create_instance

    def keep(self: SandboxedWorkflowRunner, details: Any) -> Any:
        made.append(create(self, details))
        return made[-1]

    monkeypatch.setattr(SandboxedWorkflowRunner, "create_instance", keep)
    definition = temporalio.workflow._Definition.must_from_class(FlowInterpreter)
    runner.prepare_workflow(definition)

    def no_disk(self: Any, path: str) -> bytes:
        raise AssertionError(f"read {path} again")

    monkeypatch.setattr(SourceFileLoader, "get_data", no_disk)
    runner.prepare_workflow(definition)
    first, second = (run.importer.new_modules["worker.workflow.data"] for run in made)
    assert first is not second and sys.modules["worker.workflow.data"] not in (first, second)
    assert first.check_step_size.__code__ is second.check_step_size.__code__
    # the shared modules stay shared
    shared = (
        run.importer.new_modules.get("translator.ir", sys.modules["translator.ir"]) for run in made
    )
    assert all(module is sys.modules["translator.ir"] for module in shared)
