"""The validated model: what :mod:`translator.parse` builds and :mod:`translator.validate` checks.

It mirrors the IR step for step, but keeps the source location of everything a later rule
has to point at (step names, ``goto`` targets, the resource, ``pattern``, ``serviceParams``
keys), and it tolerates holes: a field whose value was reported as a problem is ``None``, so
validation still runs over the rest of the document and every problem is reported at once.
Leaves that need no location (mappings, retry policies, conditions) are already IR nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from translator import ir
from translator.errors import Span

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Located(Generic[T]):
    """A value with its span and FDL key path."""

    value: T
    span: Span
    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Catch:
    """A ``catch`` policy; ``goto`` is checked against the task's siblings."""

    errors: tuple[str, ...]
    goto: Located[str] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """A ``serviceParams`` entry: the key's location, the parsed source and the raw value."""

    name: Located[str]
    source: ir.Source
    value_span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """Fields common to every step; ``span``/``path`` locate the step's mapping."""

    name: Located[str] | None
    span: Span
    path: str
    input_mappings: tuple[ir.Mapping, ...] | None = None
    output_mappings: tuple[ir.Mapping, ...] | None = None
    end: bool = False


@dataclass(frozen=True, slots=True)
class StepList:
    """A ``steps`` list: the scope of step names and ``goto`` targets."""

    path: str
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Task(Step):
    resource: Located[ir.Resource] | None = None
    pattern: Located[ir.Pattern] | None = None
    service_params: tuple[Param, ...] = ()
    timeout_seconds: float | None = None
    retry: tuple[ir.RetryPolicy, ...] = ()
    catch: tuple[Catch, ...] = ()
    error_mappings: tuple[ir.Mapping, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pass(Step):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Wait(Step):
    duration: ir.Source | None = None
    timestamp: ir.Source | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """A ``choices`` entry, or the ``default`` (no condition)."""

    condition: ir.Condition | None = None
    steps: StepList | None = None
    goto: Located[str] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice(Step):
    choices: tuple[Option, ...] = ()
    default: Option | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Parallel(Step):
    branches: tuple[StepList, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Foreach(Step):
    collection: ir.Path | None = None
    item: str | None = None
    index: str | None = None
    max_concurrency: int = 100
    steps: StepList | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Succeed(Step):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Fail(Step):
    error: str = ""
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Broken(Step):
    """A step whose ``type`` is missing or unknown; its name still counts for ``goto``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Flow:
    """The whole definition."""

    version: Literal["v1", "v1beta1"] | None
    steps: StepList | None
    input_mappings: tuple[ir.Mapping, ...] | None = None
    output_mappings: tuple[ir.Mapping, ...] | None = None
    timeout_seconds: float | None = None
    description: str | None = None


def nested_lists(step: Step) -> tuple[StepList, ...]:
    """The step lists directly inside ``step`` (choice options, branches, foreach body)."""
    if isinstance(step, Choice):
        options = (*step.choices, *((step.default,) if step.default else ()))
        return tuple(option.steps for option in options if option.steps is not None)
    if isinstance(step, Parallel):
        return step.branches
    if isinstance(step, Foreach) and step.steps is not None:
        return (step.steps,)
    return ()
