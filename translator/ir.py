"""The intermediate representation (IR): the last stage of the translator.

A compiled flow is a tree of frozen dataclasses. Every member of a union carries a
``kind`` discriminator, so the IR round-trips through canonical JSON (``to_json`` /
``from_json``) without guessing. The interpreter workflow receives the JSON form and
rebuilds the tree inside the Temporal sandbox; nothing here imports ``temporalio``.

Paths and conditions are parsed at compile time; the workflow only evaluates them.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

IR_VERSION = 1

JSONValue: TypeAlias = Any
"""User data: anything ``json.loads`` can return."""

_RAW = {"raw": True}  # field metadata: a user JSON value, never decoded as IR


# --- paths and mapping sources -------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Key:
    """``.name`` or ``['name']``: one object member."""

    kind: Literal["key"] = "key"
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Index:
    """``[n]``: one array element (0-based)."""

    kind: Literal["index"] = "index"
    index: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Wildcard:
    """``[*]``: every element; results flatten across wildcard levels."""

    kind: Literal["wildcard"] = "wildcard"


Segment: TypeAlias = Key | Index | Wildcard

PathRoot: TypeAlias = Literal["input", "local", "context", "dollar"]
"""``$input``, ``$local``, ``$context``, or bare ``$`` (whose meaning depends on where it is)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Path:
    """A reference such as ``$input.a[0].b`` or ``$.x``, parsed once at compile time."""

    kind: Literal["path"] = "path"
    root: PathRoot
    segments: tuple[Segment, ...] = ()
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Constant:
    """A literal mapping source of any JSON type."""

    kind: Literal["const"] = "const"
    value: JSONValue = field(metadata=_RAW)


Source: TypeAlias = Path | Constant


@dataclass(frozen=True, slots=True, kw_only=True)
class Mapping:
    """One ``{target, source}`` entry of an input, output or error mapping list."""

    kind: Literal["mapping"] = "mapping"
    target: str
    source: Source


# --- conditions ------------------------------------------------------------------------------

BinaryOp: TypeAlias = Literal["||", "&&", "==", "!=", "<", "<=", ">", ">=", "in"]
UnaryOp: TypeAlias = Literal["!", "-"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Literal_:
    """A string, number, boolean or null literal in a condition."""

    kind: Literal["literal"] = "literal"
    value: JSONValue = field(metadata=_RAW)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArrayLiteral:
    """``[a, b, c]`` on the right of ``in`` (an extension; see the README)."""

    kind: Literal["array"] = "array"
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PathRef:
    """A path read from the choice's input; a missing path reads as null."""

    kind: Literal["pathref"] = "pathref"
    path: Path


@dataclass(frozen=True, slots=True, kw_only=True)
class Unary:
    kind: Literal["unary"] = "unary"
    op: UnaryOp
    operand: Expr


@dataclass(frozen=True, slots=True, kw_only=True)
class Binary:
    kind: Literal["binary"] = "binary"
    op: BinaryOp
    left: Expr
    right: Expr


Expr: TypeAlias = Literal_ | ArrayLiteral | PathRef | Unary | Binary


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """A parsed choice condition together with its source text (for messages and the UI)."""

    kind: Literal["condition"] = "condition"
    text: str
    expr: Expr


# --- task resources ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionResource:
    """``acs:fc:{region}:{account}:services/{service}[.{qualifier}]/functions/{function}``."""

    kind: Literal["fc"] = "fc"
    arn: str
    region: str = ""
    account: str = ""
    service: str
    function: str
    qualifier: str | None = None

    @property
    def binding_name(self) -> str:
        """The ``service/function`` key used by the project config's ``functions:`` table."""
        return f"{self.service}/{self.function}"


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueResource:
    """``acs:mns:{region}:{account}:/queues/{queue}/messages``."""

    kind: Literal["mns_queue"] = "mns_queue"
    arn: str
    region: str = ""
    account: str = ""
    queue: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicResource:
    """``acs:mns:{region}:{account}:/topics/{topic}/messages``."""

    kind: Literal["mns_topic"] = "mns_topic"
    arn: str
    region: str = ""
    account: str = ""
    topic: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowResource:
    """``acs:fnf:::flow/{flow}``: a subflow.

    Its kind is ``fnf_flow``, not ``flow``: kinds must be unique, and ``flow`` is :class:`Flow`'s.
    """

    kind: Literal["fnf_flow"] = "fnf_flow"
    arn: str
    flow: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResource:
    """``action: product:ApiName`` (for example ``fnf:StartExecution``)."""

    kind: Literal["action"] = "action"
    product: str
    api: str


Resource: TypeAlias = (
    FunctionResource | QueueResource | TopicResource | FlowResource | ActionResource
)

Pattern: TypeAlias = Literal["requestResponse", "sync", "waitForCallback"]


# --- error handling ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """One ``retry`` entry; defaults are FDL's (reference 7.3)."""

    kind: Literal["retry"] = "retry"
    errors: tuple[str, ...]
    interval_seconds: float = 1
    max_attempts: int = 3
    multiplier: float = 2
    max_interval_seconds: float = 86400


@dataclass(frozen=True, slots=True, kw_only=True)
class CatchPolicy:
    """One ``catch`` entry: errors to catch and the sibling to jump to."""

    kind: Literal["catch"] = "catch"
    errors: tuple[str, ...]
    goto: str


# --- steps -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceParam:
    """One ``serviceParams`` entry; ``$`` / ``$.x`` read the step's mapped input."""

    kind: Literal["service_param"] = "service_param"
    name: str
    source: Source


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskStep:
    kind: Literal["task"] = "task"
    name: str
    input_mappings: tuple[Mapping, ...] | None = None
    output_mappings: tuple[Mapping, ...] | None = None
    end: bool = False
    resource: Resource
    pattern: Pattern = "requestResponse"
    service_params: tuple[ServiceParam, ...] = ()
    timeout_seconds: float | None = None
    retry: tuple[RetryPolicy, ...] = ()
    catch: tuple[CatchPolicy, ...] = ()
    error_mappings: tuple[Mapping, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PassStep:
    kind: Literal["pass"] = "pass"
    name: str
    input_mappings: tuple[Mapping, ...] | None = None
    output_mappings: tuple[Mapping, ...] | None = None
    end: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitStep:
    """Exactly one of ``duration`` (seconds) and ``timestamp`` (RFC 3339) is set."""

    kind: Literal["wait"] = "wait"
    name: str
    input_mappings: tuple[Mapping, ...] | None = None
    output_mappings: tuple[Mapping, ...] | None = None
    end: bool = False
    duration: Source | None = None
    timestamp: Source | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceOption:
    """A ``choices`` entry (with a condition) or the ``default`` (condition ``None``)."""

    kind: Literal["option"] = "option"
    condition: Condition | None = None
    steps: tuple[Step, ...] = ()
    goto: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceStep:
    kind: Literal["choice"] = "choice"
    name: str
    input_mappings: tuple[Mapping, ...] | None = None
    output_mappings: tuple[Mapping, ...] | None = None
    end: bool = False
    choices: tuple[ChoiceOption, ...]
    default: ChoiceOption | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Branch:
    kind: Literal["branch"] = "branch"
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ParallelStep:
    kind: Literal["parallel"] = "parallel"
    name: str
    input_mappings: tuple[Mapping, ...] | None = None
    output_mappings: tuple[Mapping, ...] | None = None
    end: bool = False
    branches: tuple[Branch, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeachStep:
    kind: Literal["foreach"] = "foreach"
    name: str
    input_mappings: tuple[Mapping, ...] | None = None
    output_mappings: tuple[Mapping, ...] | None = None
    end: bool = False
    collection: Path
    item: str
    index: str | None = None
    max_concurrency: int = 100
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SucceedStep:
    kind: Literal["succeed"] = "succeed"
    name: str
    input_mappings: tuple[Mapping, ...] | None = None
    output_mappings: tuple[Mapping, ...] | None = None
    end: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FailStep:
    kind: Literal["fail"] = "fail"
    name: str
    input_mappings: tuple[Mapping, ...] | None = None
    output_mappings: tuple[Mapping, ...] | None = None
    end: bool = False
    error: str = ""
    cause: str = ""


Step: TypeAlias = (
    TaskStep
    | PassStep
    | WaitStep
    | ChoiceStep
    | ParallelStep
    | ForeachStep
    | SucceedStep
    | FailStep
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Flow:
    """A compiled flow definition."""

    kind: Literal["flow"] = "flow"
    ir_version: int = IR_VERSION
    version: Literal["v1", "v1beta1"] = "v1"
    steps: tuple[Step, ...]
    input_mappings: tuple[Mapping, ...] | None = None
    output_mappings: tuple[Mapping, ...] | None = None
    timeout_seconds: float | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON form (plain dicts and lists)."""
        data: dict[str, Any] = to_json(self)
        return data

    def dumps(self) -> str:
        """Canonical JSON text: sorted keys, two-space indent, trailing newline."""
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @staticmethod
    def from_json(data: dict[str, Any]) -> Flow:
        """Rebuild a flow from its JSON form.

        Raises:
            ValueError: the data is not IR of this version.
        """
        if data.get("kind") != "flow":
            raise ValueError("not an FDL IR flow")
        if data.get("ir_version") != IR_VERSION:
            raise ValueError(
                f"IR version {data.get('ir_version')!r} is not supported (expected {IR_VERSION})"
            )
        flow = from_json(data)
        assert isinstance(flow, Flow)
        return flow


# --- JSON round trip -----------------------------------------------------------------------------

_BY_KIND: dict[str, type[Any]] = {}
for _cls in (
    Key, Index, Wildcard, Path, Constant, Mapping, Literal_, ArrayLiteral, PathRef, Unary, Binary,
    Condition, FunctionResource, QueueResource, TopicResource, FlowResource, ActionResource,
    RetryPolicy, CatchPolicy, ServiceParam, TaskStep, PassStep, WaitStep, ChoiceOption, ChoiceStep,
    Branch, ParallelStep, ForeachStep, SucceedStep, FailStep, Flow,
):  # fmt: skip
    _BY_KIND[str(_cls.__dataclass_fields__["kind"].default)] = _cls

_FIELDS: dict[type[Any], tuple[tuple[str, bool], ...]] = {
    cls: tuple((f.name, bool(f.metadata.get("raw"))) for f in dataclasses.fields(cls))
    for cls in _BY_KIND.values()
}
"""Each node class's fields, and whether each holds a raw JSON value: read once here, not
for every node rebuilt (every workflow run rebuilds its flow from JSON)."""


def to_json(node: Any) -> Any:
    """Turn an IR node (or a tuple of them) into plain JSON values."""
    fields = _FIELDS.get(type(node))
    if fields is not None:  # every start of an execution writes its flow: the fast path
        written: dict[str, Any] = {}
        for name, raw in fields:
            value = getattr(node, name)
            written[name] = value if raw else to_json(value)
        return written
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            out[f.name] = value if f.metadata.get("raw") else to_json(value)
        return out
    if isinstance(node, tuple | list):
        return [to_json(item) for item in node]
    return node


def from_json(data: Any) -> Any:
    """Inverse of :func:`to_json`: dicts with a known ``kind`` become IR nodes, lists tuples."""
    # Exact type checks: the data is decoded JSON, and inside the workflow sandbox every
    # isinstance() goes through a wrapper (this runs for every node of every run's flow).
    kind = type(data)
    if kind is list:
        return tuple([from_json(item) for item in data])
    if kind is not dict:
        return data
    cls = _BY_KIND.get(data.get("kind", ""))
    if cls is None:
        raise ValueError(f"unknown IR node kind {data.get('kind')!r}")
    kwargs: dict[str, Any] = {}
    for name, raw in _FIELDS[cls]:
        if name in data:
            value = data[name]
            kwargs[name] = value if raw else from_json(value)
    return cls(**kwargs)
