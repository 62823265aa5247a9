"""Drawing a laid-out flow graph as SVG text, optionally coloured by a run.

The SVG is self-contained (its style sheet is inside), so the same text serves the web
console's pages, ``fdl execution show --svg`` and ``fdl flow graph --svg``. Every step is a
``<g class="node" data-node="<id>" data-state="<state>">`` and every choice option a
``<g class="chip" data-option="<id>">``: the browser's live updates and the browser tests
read and change those attributes, never the geometry.
"""

from __future__ import annotations

from html import escape

from worker.console.graph import FlowGraph
from worker.console.layout import Box, Chip, Drawing, Edge, Frame, Terminal, layout
from worker.console.runstate import STATE_LABELS, RunState
from worker.console.summary import edge_taken, status_lines

STYLE = """
.fdl-graph { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.fdl-graph .node rect, .fdl-graph .node polygon { fill: #fff; stroke: #64748b; stroke-width: 1.5; }
.fdl-graph .node .name { font-size: 13px; font-weight: bold; fill: #0f172a; }
.fdl-graph .node .detail, .fdl-graph .node .status { font-size: 11px; fill: #475569; }
.fdl-graph .node { cursor: pointer; }
.fdl-graph .node.selected rect, .fdl-graph .node.selected polygon { stroke-width: 3.5; }
.fdl-graph .node.kind-fail rect { stroke-width: 2.5; }
.fdl-graph .node.kind-succeed rect { stroke-width: 2.5; }
.fdl-graph [data-state=not_reached] rect, .fdl-graph [data-state=not_reached] polygon
  { fill: #f8fafc; stroke: #cbd5e1; }
.fdl-graph [data-state=not_reached] text { fill: #94a3b8; }
.fdl-graph [data-state=skipped] rect, .fdl-graph [data-state=skipped] polygon
  { fill: #f8fafc; stroke: #cbd5e1; stroke-dasharray: 4 3; }
.fdl-graph [data-state=skipped] text { fill: #94a3b8; }
.fdl-graph [data-state=running] rect, .fdl-graph [data-state=running] polygon
  { fill: #dbeafe; stroke: #2563eb; }
.fdl-graph [data-state=waiting] rect, .fdl-graph [data-state=waiting] polygon
  { fill: #ede9fe; stroke: #7c3aed; stroke-dasharray: 6 3; }
.fdl-graph [data-state=succeeded] rect, .fdl-graph [data-state=succeeded] polygon
  { fill: #dcfce7; stroke: #16a34a; }
.fdl-graph [data-state=retried] rect, .fdl-graph [data-state=retried] polygon
  { fill: #dcfce7; stroke: #d97706; stroke-width: 2.5; }
.fdl-graph [data-state=failed] rect, .fdl-graph [data-state=failed] polygon
  { fill: #fee2e2; stroke: #dc2626; stroke-width: 2.5; }
.fdl-graph [data-state=caught] rect, .fdl-graph [data-state=caught] polygon
  { fill: #ffedd5; stroke: #ea580c; }
.fdl-graph [data-state=cancelled] rect, .fdl-graph [data-state=cancelled] polygon
  { fill: #e5e7eb; stroke: #6b7280; }
.fdl-graph .chip rect { fill: #f1f5f9; stroke: #94a3b8; }
.fdl-graph .chip text { font-size: 11px; fill: #334155; }
.fdl-graph .chip[data-state=taken] rect { fill: #e0f2fe; stroke: #0284c7; stroke-width: 1.5; }
.fdl-graph .chip[data-state=skipped] rect { fill: #f8fafc; stroke-dasharray: 4 3; }
.fdl-graph .chip[data-state=skipped] text { fill: #94a3b8; }
.fdl-graph .frame { fill: none; stroke: #94a3b8; stroke-dasharray: 5 4; }
.fdl-graph .frame-label { font-size: 11px; fill: #64748b; }
.fdl-graph .edge { fill: none; stroke: #94a3b8; stroke-width: 1.4; }
.fdl-graph .edge.edge-catch { stroke-dasharray: 5 3; stroke: #f59e0b; }
.fdl-graph .edge.taken { stroke: #1e293b; stroke-width: 2.2; }
.fdl-graph .edge.edge-catch.taken { stroke: #ea580c; }
.fdl-graph .edge-label { font-size: 10px; fill: #b45309; }
.fdl-graph .terminal rect { fill: #1e293b; }
.fdl-graph .terminal text { font-size: 12px; fill: #fff; font-weight: bold; }
"""

STATUS_CHAR = 6.7
"""Width of one character of the 11 px status line."""

_MARKERS = (
    '<marker id="fdl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
    'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
    '<path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker>'
    '<marker id="fdl-arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
    'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
    '<path d="M0,0 L10,5 L0,10 z" fill="#1e293b"/></marker>'
)


def render(graph: FlowGraph, run: RunState | None = None, *, title: str = "") -> str:
    """The SVG of ``graph``; with ``run``, nodes, options and edges show what happened."""
    lines = status_lines(graph, run) if run is not None else {}
    return draw(layout(graph, status_line=run is not None), run, lines, title=title)


def draw(
    drawing: Drawing,
    run: RunState | None = None,
    lines: dict[str, str] | None = None,
    *,
    title: str = "",
) -> str:
    """The SVG of a laid-out graph (see :func:`render`)."""
    width, height = round(drawing.width), round(drawing.height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fdl-graph" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title or "flow graph")}">',
        f"<style>{STYLE}</style><defs>{_MARKERS}</defs>",
    ]
    parts.extend(_frame(frame) for frame in drawing.frames)
    # Taken edges last: where edges share a segment (a split into options, a join), the
    # path the execution went along is the one on top.
    taken = {n for n, edge in enumerate(drawing.edges) if run is not None and edge_taken(edge, run)}
    order = sorted(range(len(drawing.edges)), key=lambda n: n in taken)
    parts.extend(_edge(n, drawing.edges[n], n in taken) for n in order)
    parts.extend(_chip(chip, run) for chip in drawing.chips)
    status = lines if drawing.status_line else None
    parts.extend(_box(box, run, status) for box in drawing.boxes)
    parts.extend(_terminal(terminal) for terminal in drawing.terminals)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _frame(frame: Frame) -> str:
    node = frame.node
    label = f"{len(node.branches)} branches" if node.kind == "parallel" else "each iteration"
    return (
        f'<rect class="frame frame-{node.kind}" data-node="{escape(node.id)}" '
        f'x="{_n(frame.x)}" y="{_n(frame.y)}" width="{_n(frame.w)}" height="{_n(frame.h)}" '
        f'rx="8"/><text class="frame-label" x="{_n(frame.x + 6)}" y="{_n(frame.y - 4)}">'
        f"{escape(label)}</text>"
    )


def _edge(number: int, edge: Edge, taken: bool) -> str:
    classes = f"edge edge-{edge.kind}" + (" taken" if taken else "")
    path = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in edge.points)
    marker = ""
    if edge.kind != "join":
        marker = f' marker-end="url(#fdl-arrow{"-taken" if taken else ""})"'
    text = ""
    if edge.label:
        (x0, y0), (x1, _) = edge.points[0], edge.points[1]
        text = (
            f'<text class="edge-label" x="{_n(min(x0, x1) + 4)}" y="{_n(y0 - 4)}">'
            f"{escape(edge.label)}</text>"
        )
    return f'<path class="{classes}" data-edge="{number}" d="{path}"{marker}/>{text}'


def _chip(chip: Chip, run: RunState | None) -> str:
    state = run.options.get(chip.option.id, "") if run is not None else ""
    state_attr = f' data-state="{state}"' if state else ""
    return (
        f'<g class="chip" data-option="{escape(chip.option.id)}"{state_attr}>'
        f"<title>{escape(chip.option.label)}</title>"
        f'<rect x="{_n(chip.x)}" y="{_n(chip.y)}" width="{_n(chip.w)}" height="22" rx="11"/>'
        f'<text x="{_n(chip.x + chip.w / 2)}" y="{_n(chip.y + 15)}" text-anchor="middle">'
        f"{escape(chip.text)}</text></g>"
    )


def _box(box: Box, run: RunState | None, status: dict[str, str] | None) -> str:
    node = box.node
    node_run = run.nodes.get(node.id) if run is not None else None
    state_attr = f' data-state="{node_run.state}"' if node_run is not None else ""
    tooltip = f"{node.id}: {node.detail}"
    if node_run is not None:
        tooltip += f" ({STATE_LABELS[node_run.state]})"
    if status and status.get(node.id):
        tooltip += f"\n{status[node.id]}"
    x, y, w, h = _n(box.x), _n(box.y), _n(box.w), _n(box.h)
    cx = _n(box.cx)
    if node.kind == "choice":
        inset = 10
        points = (
            f"{_n(box.x + inset)},{y} {_n(box.x + box.w - inset)},{y} "
            f"{_n(box.x + box.w)},{_n(box.cy)} {_n(box.x + box.w - inset)},{_n(box.y + box.h)} "
            f"{_n(box.x + inset)},{_n(box.y + box.h)} {x},{_n(box.cy)}"
        )
        shape = f'<polygon points="{points}"/>'
    else:
        radius = 18 if node.kind in ("pass", "succeed", "fail") else 6
        shape = f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{radius}"/>'
    lines = [
        f'<text class="name" x="{cx}" y="{_n(box.y + 18)}" text-anchor="middle">'
        f"{escape(node.name)}</text>",
        f'<text class="detail" x="{cx}" y="{_n(box.y + 33)}" text-anchor="middle">'
        f"{escape(node.detail)}</text>",
    ]
    if status is not None:
        text = _fit(status.get(node.id, ""), box.w)
        lines.append(
            f'<text class="status" x="{cx}" y="{_n(box.y + 49)}" text-anchor="middle">'
            f"{escape(text)}</text>"
        )
    return (
        f'<g class="node kind-{node.kind}" data-node="{escape(node.id)}"{state_attr} '
        f'tabindex="0"><title>{escape(tooltip)}</title>{shape}{"".join(lines)}</g>'
    )


def _fit(text: str, width: float) -> str:
    """``text`` cut to the characters of 11 px monospace that fit in a node ``width`` wide."""
    room = int((width - 12) / STATUS_CHAR)
    return text if len(text) <= room else text[: max(0, room - 1)] + "…"


def _terminal(terminal: Terminal) -> str:
    label = "Start" if terminal.kind == "start" else "End"
    return (
        f'<g class="terminal terminal-{terminal.kind}"><rect x="{_n(terminal.x)}" '
        f'y="{_n(terminal.y)}" width="64" height="26" rx="13"/><text x="{_n(terminal.x + 32)}" '
        f'y="{_n(terminal.y + 17)}" text-anchor="middle">{label}</text></g>'
    )
