"""The graph of a flow: its steps as FDL nests them, built from the IR (pure, no I/O).

A flow is a tree of step lists: the flow's own list, each choice option's steps, each
parallel branch and each foreach body. Control moves down a list, into a container and out
at its bottom, and jumps between siblings with ``goto`` (choice options, ``catch``). This
module keeps that shape instead of flattening it into an arbitrary node-and-edge graph: the
layout (:mod:`worker.console.layout`), the run state (:mod:`worker.console.runstate`) and
the terminal tree (:mod:`worker.console.tree`) all walk the same nesting.

Every step gets a node id that is the *path pattern* of its events: the step path the
interpreter records (``prepare[0]/reserve``, ``checkEmpty/invokeRestoreFlow``) with foreach
iteration numbers written ``[*]`` (``priceItems[*]/price``), so one node stands for all
iterations. :meth:`FlowGraph.resolve` maps a recorded path back to its node.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from translator import ir

StepKind = Literal["task", "pass", "wait", "choice", "parallel", "foreach", "succeed", "fail"]

NO_MATCH = "none"
"""Option key of a choice without ``default``: no condition held, the choice just finishes."""

_INDEXED = re.compile(r"(.+)\[(\d+)\]")


@dataclass(frozen=True, slots=True, kw_only=True)
class CatchEdge:
    """A task's ``catch`` entry: the errors it catches and the sibling it jumps to."""

    errors: tuple[str, ...]
    goto: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StepList:
    """One step list: the flow's, an option's, a branch's or a foreach body.

    Attributes:
        id: a unique id (``""`` for the flow's own list).
        steps: the steps in order.
    """

    id: str
    steps: tuple[StepNode, ...]

    def index(self, name: str) -> int:
        """The position of the step called ``name`` (a ``goto`` target)."""
        return next(i for i, step in enumerate(self.steps) if step.name == name)


@dataclass(frozen=True, slots=True, kw_only=True)
class OptionNode:
    """A choice option: a condition (``None`` for ``default`` and for no match), steps, goto.

    Attributes:
        id: ``<choice id>?<n>`` for ``choices[n]``, ``?default``, or ``?none`` for the
            implicit option of a choice without ``default`` (nothing matched).
        key: ``"0"``, ``"1"``, ..., ``"default"`` or ``"none"``.
        label: the condition text, ``default`` or ``no match``.
    """

    id: str
    key: str
    label: str
    steps: StepList
    goto: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepNode:
    """One step of the flow.

    Attributes:
        id: the path pattern of its events (``priceItems[*]/price``); unique in the graph.
        name: the step name.
        kind: the step type.
        detail: one line saying what it does (``fc shop/price``, ``wait 10 s``).
        end: ``end: true``: the step ends its list.
        pattern: a task's ``pattern`` (``requestResponse``, ``sync``, ``waitForCallback``).
        retries: a task has ``retry`` policies.
        catch: a task's ``catch`` entries.
        options: a choice's options, ``default`` (or no match) last.
        branches: a parallel's branches.
        body: a foreach's steps.
    """

    id: str
    name: str
    kind: StepKind
    detail: str
    end: bool = False
    pattern: str = ""
    retries: bool = False
    catch: tuple[CatchEdge, ...] = ()
    options: tuple[OptionNode, ...] = ()
    branches: tuple[StepList, ...] = ()
    body: StepList | None = None

    @property
    def lists(self) -> tuple[StepList, ...]:
        """The nested step lists, in drawing order."""
        if self.kind == "choice":
            return tuple(option.steps for option in self.options)
        if self.body is not None:
            return (self.body,)
        return self.branches

    @property
    def falls_through(self) -> bool:
        """Whether control can go on to the next sibling after this step."""
        if self.end or self.kind in ("succeed", "fail"):
            return False
        if self.kind == "choice":
            return any(option.goto is None for option in self.options)
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowGraph:
    """A flow's steps as nested lists, with every node reachable by id.

    Attributes:
        root: the flow's own step list.
        nodes: every step by id, in document order.
    """

    root: StepList
    nodes: dict[str, StepNode]
    _cache: dict[str, tuple[str, tuple[int, ...]] | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def walk(self) -> Iterator[StepNode]:
        """Every step node, parents before children, in document order."""
        return iter(self.nodes.values())

    def resolve(self, path: str) -> tuple[str, tuple[int, ...]] | None:
        """The node id of a recorded step path and the foreach iterations on the way.

        ``priceItems[1]/price`` gives ``("priceItems[*]/price", (1,))``; an unknown path
        gives ``None``.
        """
        if path not in self._cache:
            self._cache[path] = self._resolve(path)
        return self._cache[path]

    def _resolve(self, path: str) -> tuple[str, tuple[int, ...]] | None:
        *containers, name = path.split("/")
        built = ""
        iterations: list[int] = []
        for part in containers:
            match = _INDEXED.fullmatch(part)
            if match is None:  # a choice: its options' steps follow its name
                built += f"{part}/"
                continue
            base = built + match.group(1)
            container = self.nodes.get(base)
            if container is None:
                return None
            if container.kind == "foreach":
                iterations.append(int(match.group(2)))
                built = f"{base}[*]/"
            else:
                built = f"{base}[{match.group(2)}]/"
        node_id = built + name
        return (node_id, tuple(iterations)) if node_id in self.nodes else None


def build(flow: ir.Flow) -> FlowGraph:
    """The graph of a compiled flow."""
    root = _list(flow.steps, "", "", set())
    return FlowGraph(root=root, nodes={node.id: node for node in _preorder(root)})


def _preorder(steps: StepList) -> Iterator[StepNode]:
    for node in steps.steps:
        yield node
        for nested in node.lists:
            yield from _preorder(nested)


def _list(steps: tuple[ir.Step, ...], prefix: str, list_id: str, used: set[str]) -> StepList:
    return StepList(id=list_id, steps=tuple(_node(step, prefix, used) for step in steps))


def _node(step: ir.Step, prefix: str, used: set[str]) -> StepNode:
    node_id = _unique(prefix + step.name, used)
    options: tuple[OptionNode, ...] = ()
    branches: tuple[StepList, ...] = ()
    body = None
    if isinstance(step, ir.ChoiceStep):
        options = _options(step, node_id, used)
    elif isinstance(step, ir.ParallelStep):
        branches = tuple(
            _list(branch.steps, f"{node_id}[{n}]/", f"{node_id}[{n}]", used)
            for n, branch in enumerate(step.branches)
        )
    elif isinstance(step, ir.ForeachStep):
        body = _list(step.steps, f"{node_id}[*]/", f"{node_id}[*]", used)
    node = StepNode(
        id=node_id,
        name=step.name,
        kind=step.kind,
        detail=describe(step),
        end=step.end,
        pattern=step.pattern if isinstance(step, ir.TaskStep) else "",
        retries=bool(step.retry) if isinstance(step, ir.TaskStep) else False,
        catch=tuple(CatchEdge(errors=c.errors, goto=c.goto) for c in step.catch)
        if isinstance(step, ir.TaskStep)
        else (),
        options=options,
        branches=branches,
        body=body,
    )
    return node


def _unique(node_id: str, used: set[str]) -> str:
    # Same-named steps in two options of one choice share a recorded path; the second gets
    # a suffix so both can be drawn (its events are attributed to the first).
    unique, number = node_id, 1
    while unique in used:
        number += 1
        unique = f"{node_id}~{number}"
    used.add(unique)
    return unique


def _options(step: ir.ChoiceStep, node_id: str, used: set[str]) -> tuple[OptionNode, ...]:
    entries: list[tuple[str, str, ir.ChoiceOption | None]] = [
        (str(n), option.condition.text if option.condition else "default", option)
        for n, option in enumerate(step.choices)
    ]
    entries.append(
        ("default", "default", step.default)
        if step.default is not None
        else (NO_MATCH, "no match", None)
    )
    return tuple(
        OptionNode(
            id=f"{node_id}?{key}",
            key=key,
            label=label,
            steps=_list(option.steps if option else (), f"{node_id}/", f"{node_id}?{key}", used),
            goto=option.goto if option else None,
        )
        for key, label, option in entries
    )


def describe(step: ir.Step) -> str:
    """One line saying what a step does, e.g. ``task fc shop/price`` or ``wait 10 s``."""
    match step:
        case ir.TaskStep():
            text = f"task {resource_text(step.resource)}"
            return text if step.pattern == "requestResponse" else f"{text} ({step.pattern})"
        case ir.WaitStep():
            if step.duration is not None:
                return f"wait {_source_text(step.duration, ' s')}"
            return f"wait until {_source_text(step.timestamp, '')}"
        case ir.ParallelStep():
            count = len(step.branches)
            return f"parallel, {count} branch{'es' if count != 1 else ''}"
        case ir.ForeachStep():
            text = f"foreach {step.item} in {step.collection.text}"
            return (
                text if step.max_concurrency >= 100 else f"{text}, {step.max_concurrency} at once"
            )
        case ir.FailStep():
            return f"fail {step.error}".rstrip()
        case _:
            return step.kind


def resource_text(resource: ir.Resource) -> str:
    """A task's resource in a few words: ``fc shop/price``, ``flow restoreFlow``."""
    match resource:
        case ir.FunctionResource():
            return f"fc {resource.binding_name}"
        case ir.QueueResource():
            return f"mns queue {resource.queue}"
        case ir.TopicResource():
            return f"mns topic {resource.topic}"
        case ir.FlowResource():
            return f"flow {resource.flow}"
        case ir.ActionResource():
            return f"action {resource.product}:{resource.api}"


def _source_text(source: ir.Source | None, unit: str) -> str:
    if isinstance(source, ir.Path):
        return source.text
    if isinstance(source, ir.Constant):
        value = source.value
        return f"{value:g}{unit}" if isinstance(value, int | float) else f"{value}"
    return "?"
