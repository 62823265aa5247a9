"""The flow graph as a terminal tree (rich): ``fdl flow graph`` and ``fdl execution show``.

The tree follows the same nesting as the drawing: containers hold their branches, options
(with their conditions and gotos) and foreach bodies. With a run, every step starts with a
mark for its state and ends with its status line (durations, retries, iterations); a failed
step that failed by itself (not through a child) shows its error and cause below it.
"""

from __future__ import annotations

from rich.text import Text
from rich.tree import Tree

from worker.console.graph import FlowGraph, StepList, StepNode
from worker.console.runstate import RunState
from worker.console.summary import duration_text, seconds_between, status_lines
from worker.service.executions import ExecutionInfo

MARKS: dict[str, tuple[str, str]] = {
    "succeeded": ("✓", "green"),
    "retried": ("↻", "yellow"),
    "failed": ("✗", "bold red"),
    "caught": ("⚠", "dark_orange"),
    "running": ("▶", "blue"),
    "waiting": ("⏸", "magenta"),
    "cancelled": ("⊘", "bright_black"),
    "skipped": ("–", "bright_black"),
    "not_reached": ("·", "bright_black"),
}
"""A mark and a style per state; the README lists the same marks."""


def flow_tree(graph: FlowGraph, run: RunState | None = None, *, title: str) -> Tree:
    """The tree of ``graph``, with the states of ``run`` when given."""
    tree = Tree(Text(title, style="bold"), guide_style="bright_black")
    lines = status_lines(graph, run) if run is not None else {}
    _add_list(tree, graph.root, run, lines)
    return tree


def execution_title(info: ExecutionInfo) -> str:
    """``execution E of flow F: Failed, 2.3 s, KeyError: 'price'``."""
    parts = [info.status]
    took = duration_text(seconds_between(info.started, info.stopped))
    if took:
        parts.append(took)
    if info.error:
        parts.append(f"{info.error}: {info.cause}" if info.cause else info.error)
    return f"execution {info.name} of flow {info.flow_name}: {', '.join(parts)}"


def _add_list(parent: Tree, steps: StepList, run: RunState | None, lines: dict[str, str]) -> None:
    for node in steps.steps:
        branch = parent.add(_label(node, run, lines))
        _add_failure(branch, node, run)
        if node.kind == "choice":
            for option in node.options:
                text = Text(f"if {option.label}" if option.key.isdigit() else option.label)
                state = run.options.get(option.id) if run is not None else None
                if option.goto:
                    text.append(f" → goto {option.goto}", style="cyan")
                if state is not None:
                    text.append(f" ({state})", style="bright_black" if state == "skipped" else "")
                _add_list(branch.add(text), option.steps, run, lines)
        elif node.kind == "parallel":
            for number, nested in enumerate(node.branches):
                _add_list(branch.add(Text(f"branch {number}")), nested, run, lines)
        elif node.body is not None:
            _add_list(branch, node.body, run, lines)


def _label(node: StepNode, run: RunState | None, lines: dict[str, str]) -> Text:
    text = Text()
    if run is not None:
        mark, style = MARKS[run.nodes[node.id].state]
        text.append(f"{mark} ", style=style)
    text.append(node.name, style="bold")
    text.append(f"  {node.detail}", style="bright_black")
    if node.end:
        text.append("  end", style="cyan")
    for catch in node.catch:
        text.append(f"  catch {', '.join(catch.errors)} → goto {catch.goto}", style="cyan")
    status = lines.get(node.id, "")
    if status:
        text.append(f"  {status}")
    return text


def _add_failure(branch: Tree, node: StepNode, run: RunState | None) -> None:
    if run is None:
        return
    node_run = run.nodes[node.id]
    if node_run.state != "failed" or not node_run.visits:
        return
    children = [child for nested in node.lists for child in nested.steps]
    if any(run.nodes[child.id].state == "failed" for child in children):
        return  # the child that failed says why
    failed = [visit for visit in node_run.visits if visit.state == "failed"]
    error = failed[-1].error
    text = Text(f"{error.get('error') or 'failed'}", style="red")
    if error.get("cause"):
        text.append(f": {error['cause']}")
    if failed[-1].iterations:
        text.append(f"  ({failed[-1].path})", style="bright_black")
    branch.add(text)
