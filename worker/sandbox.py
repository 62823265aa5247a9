"""The workflow sandbox of an fdl worker: what it shares, and how it re-imports workflow code.

Temporal's sandbox imports the modules of a workflow again for every workflow run, in a fresh
module namespace, and watches what they do (a clock read, a file, a thread fail the run). Two
things here keep that safety net and make it cheap:

- :data:`PASSTHROUGH_MODULES`, the few modules it shares instead: only what workflow code reads
  and nothing that acts;
- :class:`CodeOnce`, which finds and reads the bytecode of the project's modules once per
  process. The sandbox still executes every workflow module again for each run, from the same
  code objects, so it checks exactly what it checked before; it no longer looks each module up
  on disk and unmarshals it again (about 1.6 ms of the 4.2 ms a run's imports took, measured
  with ``bench/sandbox_bench.py``).

A worker therefore runs the workflow code it started with: a source file edited under a running
worker changes nothing until the worker restarts (as with any module imported once), where
before a new run would have mixed the edited module with the shared ones.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec, SourceFileLoader
from types import CodeType, ModuleType

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSTHROUGH_MODULES = (
    "translator.ir",
    "translator.rules",
    "translator.expr",
    "translator.plainjson",
    "worker.contract",
    "worker.workflow.records",
    "worker.workflow.parking",
    "worker.workflow.sizes",
)
"""Modules the sandbox shares with the worker instead of re-importing them for every run.

Only what workflow code reads and nothing that acts: the IR and the expression evaluator
(pure, no module-level mutable state), the FDL rules and the plain-JSON checks, the payload
contract (shared so the worker and the workflow decode the same classes), the interpreter's
plain records, the states of parked step lists and the size memo (pure data and functions).
Everything else a workflow imports, ``worker.workflow`` itself included, is re-imported inside
the sandbox for every run, so the sandbox checks it; ``tests/unit/test_workflow_imports.py``
proves what that closure holds."""

PROJECT_PACKAGES = frozenset({"worker", "translator"})
"""The packages whose modules :class:`CodeOnce` reads once (the workflow code among them)."""


class CodeOnce(MetaPathFinder):
    """Finds the modules of ``packages`` once, and reads each one's code once, per process.

    Every later import of such a module (each workflow run's, in the sandbox) gets a copy of
    the first spec and the same code object, which Python executes into the new module as
    usual. Modules that are not plain source files are left to the usual finders.
    """

    def __init__(self, packages: frozenset[str] = PROJECT_PACKAGES) -> None:
        self.packages = packages
        self._specs: dict[str, ModuleSpec] = {}

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] not in self.packages:
            return None
        spec = self._specs.get(fullname)
        if spec is None:
            found = self._usual_spec(fullname, path, target)
            if found is None or type(found.loader) is not SourceFileLoader:
                return None
            found.loader = _CodeOnceLoader(fullname, found.loader.path)
            spec = self._specs.setdefault(fullname, found)
        fresh = copy.copy(spec)  # each import marks its own spec while it initializes
        if spec.submodule_search_locations is not None:
            fresh.submodule_search_locations = list(spec.submodule_search_locations)
        return fresh

    def _usual_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        # The usual finders (an editable install brings its own), not another CodeOnce.
        for finder in sys.meta_path:
            if not isinstance(finder, CodeOnce) and hasattr(finder, "find_spec"):
                spec: ModuleSpec | None = finder.find_spec(fullname, path, target)
                if spec is not None:
                    return spec
        return None


class _CodeOnceLoader(SourceFileLoader):
    """A source file loader that keeps the code object it read."""

    _code: CodeType | None = None

    def get_code(self, fullname: str) -> CodeType | None:
        if self._code is None:
            self._code = super().get_code(fullname)
        return self._code


def read_code_once() -> None:
    """Put a :class:`CodeOnce` first on ``sys.meta_path`` (once per process)."""
    if not any(isinstance(finder, CodeOnce) for finder in sys.meta_path):
        sys.meta_path.insert(0, CodeOnce())


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandboxed runner, sharing only :data:`PASSTHROUGH_MODULES` and reading the
    project's code once (:func:`read_code_once`)."""
    read_code_once()
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    return SandboxedWorkflowRunner(restrictions=restrictions)
