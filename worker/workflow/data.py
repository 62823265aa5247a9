"""The data rules of FDL (reference section 3): inputs, outputs, locals, mappings, context.

Pure functions over JSON values, used by the interpreter inside the workflow sandbox. The one
place where a missing path becomes an FDL error: every evaluation goes through :func:`read`
or the mapping helpers here, which turn ``MissingPathError`` into ``FnF.RuntimeError`` with a
cause naming the step, the place and the path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from temporalio import workflow

from translator import ir, plainjson, rules
from translator.expr import MissingPathError, Scope, evaluate_mappings, evaluate_source
from worker.workflow import errors, patches
from worker.workflow.records import JSONObject


def merge(base: JSONObject, over: JSONObject) -> JSONObject:
    """Shallow merge: top-level keys of ``over`` win (reference 3.1)."""
    return {**base, **over}


def default_child_input(parent_input: JSONObject, parent_local: JSONObject) -> JSONObject:
    """A child's input without ``inputMappings``: parent input + parent local, local wins."""
    return merge(parent_input, parent_local)


def step_input(
    mappings: Sequence[ir.Mapping] | None,
    parent_input: JSONObject,
    parent_local: JSONObject,
    context: JSONObject,
    where: str,
) -> JSONObject:
    """A step's input: its ``inputMappings`` or the default child input.

    In ``inputMappings`` ``$input`` and ``$local`` are the parent's, and ``$`` / ``$.x`` read
    the default child input (reference 3.4 recommendation).
    """
    default = default_child_input(parent_input, parent_local)
    if mappings is None:
        return default
    scope = Scope(input=parent_input, local=parent_local, context=context, dollar=default)
    return mapped(mappings, scope, f"{where}: inputMappings")


def step_output(
    mappings: Sequence[ir.Mapping] | None,
    own_input: JSONObject,
    local: Any,
    default: JSONObject,
    context: JSONObject,
    where: str,
) -> JSONObject:
    """A step's output: its ``outputMappings`` (``$input`` = its input, ``$local`` = its local)
    or ``default`` (the local, or ``{}`` for parallel and foreach)."""
    if mappings is None:
        return default
    scope = Scope(input=own_input, local=local, context=context, dollar=own_input)
    return mapped(mappings, scope, f"{where}: outputMappings")


def mapped(mappings: Sequence[ir.Mapping], scope: Scope, where: str) -> JSONObject:
    """Evaluate a mapping list into a new object (only the mapped targets).

    Raises:
        FlowError: ``FnF.RuntimeError`` when a source path is missing.
    """
    try:
        return evaluate_mappings(mappings, scope)
    except MissingPathError as exc:
        raise errors.runtime_error(f"{where}: {exc}") from None


def own_scope(own_input: JSONObject, context: JSONObject) -> Scope:
    """The scope of ``serviceParams``, conditions, collections and wait paths: ``$`` = own input."""
    return Scope(input=own_input, local={}, context=context, dollar=own_input)


def read(source: ir.Source, scope: Scope, where: str) -> Any:
    """Evaluate one source (a path must exist).

    Raises:
        FlowError: ``FnF.RuntimeError`` when the path is missing.
    """
    try:
        return evaluate_source(source, scope)
    except MissingPathError as exc:
        raise errors.runtime_error(f"{where}: {exc}") from None


def as_local(result: Any, where: str) -> JSONObject:
    """A task's ``$local`` from its raw result: an object, or a string holding a JSON object.

    Raises:
        FlowError: ``FnF.InvalidLocal`` for anything else.
    """
    value = result
    if isinstance(result, str):
        try:
            value = json.loads(result)
        except ValueError:
            value = result
    if isinstance(value, dict):
        problem = plainjson.problem(value)
        if problem is not None and workflow.patched(patches.DATA_GUARDS):
            raise errors.FlowError(
                rules.INVALID_LOCAL, f"{where}: the task result is not plain JSON: {problem}"
            )
        return value
    shown = json.dumps(result, ensure_ascii=False)
    if len(shown) > 200:
        shown = shown[:200] + "..."
    raise errors.FlowError(
        rules.INVALID_LOCAL, f"{where}: the task result must be a JSON object, got {shown}"
    )


def context(
    *,
    flow_name: str,
    execution_name: str,
    execution_input: JSONObject,
    step_name: str,
    event_id: int,
) -> JSONObject:
    """The ``$context`` object a step sees (reference section 4).

    ``step.eventId`` is the interpreter's count of step entries in this execution (see
    :class:`worker.steps.runtime.Runtime`); ``task.token`` stays empty until callbacks exist.
    """
    return {
        "execution": {"name": execution_name, "input": execution_input},
        "flow": {"name": flow_name},
        "step": {"name": step_name, "eventId": event_id},
        "task": {"token": ""},
    }


def check_step_size(
    path: str,
    own_input: JSONObject,
    local: Any,
    output: JSONObject,
    limit: int,
    size: Callable[[Any], int] = plainjson.utf8_size,
) -> None:
    """Fail the execution when a step's data outgrows ``limit`` bytes (compact UTF-8 JSON).

    Raises:
        UncatchableError: ``FnF.DataLimitExceeded``, naming the step and the sizes.
    """
    if limit <= 0:
        return
    sizes = [size(value) for value in (own_input, local, output)]
    if sum(sizes) > limit:
        raise errors.UncatchableError(
            rules.DATA_LIMIT_EXCEEDED,
            f"{path}: the step's input, local and output take {sum(sizes)} bytes "
            f"({sizes[0]} + {sizes[1]} + {sizes[2]}), over the limit of {limit} bytes",
        )


def least_local_size(count: int) -> int:
    """The fewest bytes the ``$local`` of a parallel or foreach of ``count`` lists takes:
    ``[{},{},...]``."""
    return 3 * count + 1 if count else 2
