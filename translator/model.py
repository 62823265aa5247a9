"""The translator's two intermediate data models, passed from stage to stage.

The located syntax tree (:class:`ScalarNode`, :class:`MappingNode`, :class:`SequenceNode`)
is what :mod:`translator.source` makes of the YAML: plain values with 1-based spans. The FDL
model (:class:`Flow`, :class:`StepList`, one class per step type) is what
:mod:`translator.parse` builds from it and :mod:`translator.validate` checks. The model
mirrors the IR step for step, but keeps the source location of everything a later rule
has to point at (step names, ``goto`` targets, the resource, ``pattern``, ``serviceParams``
keys), and it tolerates holes: a field whose value was reported as a problem is ``None``, so
validation still runs over the rest of the document and every problem is reported at once.
Leaves that need no location (mappings, retry policies, conditions) are already IR nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeAlias, TypeVar

from translator import ir
from translator.errors import Span

T = TypeVar("T")

ScalarValue: TypeAlias = str | int | float | bool | None

# --- the located syntax tree -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScalarNode:
    """A resolved scalar.

    Attributes:
        value: the value by YAML 1.1 safe rules (timestamps kept as their text).
        span: where the value starts.
        text_column: 1-based column where ``value`` (a string) appears verbatim on the span's
            line, or ``None`` when it does not (folded, escaped, block or synthesized text);
            used to point inside expressions.
    """

    value: ScalarValue
    span: Span
    text_column: int | None = None

    def span_at(self, offset: int) -> Span:
        """The position of character ``offset`` of the value, or the value's own span."""
        if self.text_column is None:
            return self.span
        return Span(self.span.line, self.text_column + offset)


@dataclass(frozen=True, slots=True)
class Key:
    """A mapping key: its text as written (YAML 1.1 would make ``on`` a boolean) and span."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class MappingNode:
    """A mapping with unique string keys, in document order."""

    items: tuple[tuple[Key, Node], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class SequenceNode:
    """A sequence of nodes."""

    items: tuple[Node, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class InvalidNode:
    """A value already reported as a problem (a bad tag); later stages skip it quietly."""

    span: Span


Node: TypeAlias = ScalarNode | MappingNode | SequenceNode | InvalidNode


def key_path(parent: str, key: str | int) -> str:
    """Extend an FDL key path: ``steps`` + 2 -> ``steps[2]``; ``steps[2]`` + ``goto``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def to_json(node: Node) -> Any:
    """The plain JSON value of a node (mapping keys are strings; invalid parts become null)."""
    if isinstance(node, ScalarNode):
        return node.value
    if isinstance(node, MappingNode):
        return {key.name: to_json(value) for key, value in node.items}
    if isinstance(node, SequenceNode):
        return [to_json(item) for item in node.items]
    return None


# --- the FDL model -----------------------------------------------------------------------------


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
    """A ``task`` step (reference 6.1)."""

    resource: Located[ir.Resource] | None = None
    pattern: Located[ir.Pattern] | None = None
    service_params: tuple[Param, ...] = ()
    timeout_seconds: float | None = None
    retry: tuple[ir.RetryPolicy, ...] = ()
    catch: tuple[Catch, ...] = ()
    error_mappings: tuple[ir.Mapping, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pass(Step):
    """A ``pass`` step (reference 6.2)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Wait(Step):
    """A ``wait`` step; exactly one of ``duration``/``timestamp`` once valid (6.3)."""

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
    """A ``choice`` step (reference 6.4)."""

    choices: tuple[Option, ...] = ()
    default: Option | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Parallel(Step):
    """A ``parallel`` step: one step list per branch (reference 6.5)."""

    branches: tuple[StepList, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Foreach(Step):
    """A ``foreach`` step (reference 6.6); ``max_concurrency`` is already capped."""

    collection: ir.Path | None = None
    item: str | None = None
    index: str | None = None
    max_concurrency: int = 100
    steps: StepList | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Succeed(Step):
    """A ``succeed`` step (reference 6.7)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fail(Step):
    """A ``fail`` step (reference 6.8); omitted error and cause are empty."""

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
