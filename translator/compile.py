"""The translator's entry points and last stage: validated model -> IR.

:func:`compile_text` runs the pipeline (:mod:`~translator.source` -> :mod:`~translator.parse`
-> :mod:`~translator.validate`) and raises one :class:`DefinitionError` listing every problem;
only a model without problems is turned into :class:`translator.ir.Flow`, so the builders here
can rely on every required field being present.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from translator import ir, model
from translator.errors import DefinitionError, Problem
from translator.parse import parse_flow
from translator.source import Reporter, load
from translator.validate import validate_flow

T = TypeVar("T")


def compile_text(text: str, *, filename: str = "<string>", resolve_refs: bool = False) -> ir.Flow:
    """Compile FDL text into the IR.

    Args:
        text: the YAML definition.
        filename: the name used in problem messages.
        resolve_refs: turn ``!Ref Service/Function`` into ``acs:fc:::services/S/functions/F``
            (a deployment-time substitution; an error otherwise).

    Returns:
        The compiled flow.

    Raises:
        DefinitionError: the definition is invalid; every problem found is listed.
    """
    reporter = Reporter(filename, text)
    flow = None
    # The trees built here are acyclic, yet allocating them triggers full garbage collections
    # that find nothing: pausing the collector halves the time for large flows (bench/).
    collecting = gc.isenabled()
    gc.disable()
    try:
        root = load(text, reporter, resolve_refs=resolve_refs)
        if root is not None or not reporter.problems:
            flow = parse_flow(root, reporter)
        if flow is not None:
            validate_flow(flow, reporter)
        if reporter.problems or flow is None:
            raise DefinitionError(reporter.problems)
        return _flow(flow)
    except RecursionError:
        reporter.add(None, "", "the definition is nested too deeply")
        raise DefinitionError(reporter.problems) from None
    finally:
        if collecting:
            gc.enable()


def compile_file(path: str | Path, *, resolve_refs: bool = False) -> ir.Flow:
    """Compile an FDL file (UTF-8); problems name the file as given.

    Raises:
        DefinitionError: the file cannot be read or the definition is invalid.
    """
    filename = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise DefinitionError(
            [Problem(filename, None, "", f"cannot read the file: {reason}")]
        ) from None
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start})"
        raise DefinitionError([Problem(filename, None, "", message)]) from None
    return compile_text(text, filename=filename, resolve_refs=resolve_refs)


def _present(value: T | None) -> T:
    if value is None:  # unreachable: the model had no problems
        raise AssertionError("compiling a model with holes")
    return value


def _flow(flow: model.Flow) -> ir.Flow:
    return ir.Flow(
        version=_present(flow.version),
        steps=_steps(_present(flow.steps)),
        input_mappings=flow.input_mappings,
        output_mappings=flow.output_mappings,
        timeout_seconds=flow.timeout_seconds,
        description=flow.description,
    )


def _steps(step_list: model.StepList) -> tuple[ir.Step, ...]:
    return tuple(_BUILDERS[type(step)](step, _common(step)) for step in step_list.steps)


def _common(step: model.Step) -> dict[str, Any]:
    return {
        "name": _present(step.name).value,
        "input_mappings": step.input_mappings,
        "output_mappings": step.output_mappings,
        "end": step.end,
    }


def _task(step: Any, common: dict[str, Any]) -> ir.Step:
    task: model.Task = step
    return ir.TaskStep(
        **common,
        resource=_present(task.resource).value,
        pattern=task.pattern.value if task.pattern else "requestResponse",
        service_params=tuple(
            ir.ServiceParam(name=param.name.value, source=param.source)
            for param in task.service_params
        ),
        timeout_seconds=task.timeout_seconds,
        retry=task.retry,
        catch=tuple(
            ir.CatchPolicy(errors=policy.errors, goto=_present(policy.goto).value)
            for policy in task.catch
        ),
        error_mappings=task.error_mappings,
    )


def _wait(step: Any, common: dict[str, Any]) -> ir.Step:
    wait: model.Wait = step
    return ir.WaitStep(**common, duration=wait.duration, timestamp=wait.timestamp)


def _option(option: model.Option) -> ir.ChoiceOption:
    return ir.ChoiceOption(
        condition=option.condition,
        steps=_steps(option.steps) if option.steps else (),
        goto=option.goto.value if option.goto else None,
    )


def _choice(step: Any, common: dict[str, Any]) -> ir.Step:
    choice: model.Choice = step
    return ir.ChoiceStep(
        **common,
        choices=tuple(_option(option) for option in choice.choices),
        default=_option(choice.default) if choice.default else None,
    )


def _parallel(step: Any, common: dict[str, Any]) -> ir.Step:
    parallel: model.Parallel = step
    branches = tuple(ir.Branch(steps=_steps(branch)) for branch in parallel.branches)
    return ir.ParallelStep(**common, branches=branches)


def _foreach(step: Any, common: dict[str, Any]) -> ir.Step:
    foreach: model.Foreach = step
    return ir.ForeachStep(
        **common,
        collection=_present(foreach.collection),
        item=_present(foreach.item),
        index=foreach.index,
        max_concurrency=foreach.max_concurrency,
        steps=_steps(_present(foreach.steps)),
    )


def _fail(step: Any, common: dict[str, Any]) -> ir.Step:
    fail: model.Fail = step
    return ir.FailStep(**common, error=fail.error, cause=fail.cause)


_BUILDERS: dict[type[model.Step], Callable[[Any, dict[str, Any]], ir.Step]] = {
    model.Task: _task,
    model.Pass: lambda step, common: ir.PassStep(**common),
    model.Wait: _wait,
    model.Choice: _choice,
    model.Parallel: _parallel,
    model.Foreach: _foreach,
    model.Succeed: lambda step, common: ir.SucceedStep(**common),
    model.Fail: _fail,
}
