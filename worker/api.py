"""The names and payloads shared by the interpreter, the worker process and its clients.

Everything a client needs to start an FDL execution on Temporal is here: the workflow
input (:class:`FlowRun`), the workflow id rule, the default task queue and the search
attribute that carries the flow name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from temporalio.common import SearchAttributeKey

DEFAULT_TASK_QUEUE = "fdl"
"""Task queue served by ``fdl worker`` unless ``--task-queue`` says otherwise."""

FLOW_NAME_KEY = SearchAttributeKey.for_keyword("FdlFlow")
"""Search attribute set on every execution: the flow name (the UI can filter on it)."""


def workflow_id(flow_name: str, execution_name: str) -> str:
    """The Temporal workflow id of an FDL execution: ``<flow>:<execution>``."""
    return f"{flow_name}:{execution_name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowRun:
    """The single input of the interpreter workflow.

    The workflow type is the flow name (a dynamic workflow), so the Web UI lists runs by flow.

    Attributes:
        flow_name: the FDL flow name.
        execution_name: the FDL execution name (the workflow id is ``<flow>:<execution>``).
        definition: the compiled flow, ``translator.ir.Flow.to_json()``.
        input: the execution input (a JSON object).
    """

    kind: Literal["flow_run"] = "flow_run"
    flow_name: str
    execution_name: str
    definition: dict[str, Any]
    input: dict[str, Any]
