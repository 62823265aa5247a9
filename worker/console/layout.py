"""A structured layout of a flow graph: FDL's nesting drawn as nested columns (pure geometry).

Why not a general graph layout (Graphviz ``dot``, a Sugiyama implementation)? An FDL flow
is block-structured: every step list runs top to bottom, containers (choice, parallel,
foreach) hold their lists side by side and rejoin below, and the only edges that leave
this shape are ``goto`` jumps between siblings of one list. Laying the blocks out
recursively gives a drawing that reads like the YAML (document order kept, a branch's
steps inside their frame), is identical for identical definitions (golden tests, diffs in
code review) and costs one pass over the steps; a general layout would reorder nodes to
cut crossings, move everything on a small edit, and need a native binary.

Rules: a list is a column of its steps centred on one axis; each goto of a list (a
``catch``, a choice option's ``goto``, an ``end``/``succeed`` jumping to the list's end)
gets its own vertical *lane* to the right of the column and enters its target from the
right. Text is monospace, so widths are computed, not measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from worker.console.graph import FlowGraph, OptionNode, StepList, StepNode

CHAR = 7.3
"""Width of one character of 12 px monospace text."""
NAME_CHAR = 7.9
"""Width of one character of a node's name (13 px bold monospace)."""
NODE_H = 42
STATUS_H = 16
V_GAP = 26
H_GAP = 22
PAD = 12
CHIP_H = 22
LANE = 11
LANE_MARGIN = 16
EXIT_ROW = 9
JOIN_H = 16
TERMINAL_W, TERMINAL_H = 64, 26
STATUS_MIN_W = 220
"""Nodes with a status line are at least this wide (a longer status is cut, see the tooltip)."""
LABEL_LIMIT = 36
"""Characters of a condition shown on its option chip (the full text is its tooltip)."""

Point = tuple[float, float]
EdgeKind = Literal["seq", "branch", "join", "goto", "catch", "end"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Box:
    """A step node's rectangle."""

    node: StepNode
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Chip:
    """A choice option's label at the top of its column."""

    option: OptionNode
    x: float
    y: float
    w: float
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Frame:
    """The dashed outline around a parallel's branches or a foreach body."""

    node: StepNode
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """A polyline with an arrow at its end.

    Attributes:
        points: the corners, first to last.
        kind: what the edge is (sequence, into a branch, rejoining, goto, catch, end jump).
        label: text drawn along it (the caught errors of a catch edge).
        nodes: ids of the steps that must have been reached for the edge to count as taken.
        finished: ids of the steps that must have finished without failing.
        option: the choice option that must have been taken, if any.
        caught: the step whose catch must have fired, if any.
    """

    points: tuple[Point, ...]
    kind: EdgeKind
    label: str = ""
    nodes: tuple[str, ...] = ()
    finished: tuple[str, ...] = ()
    option: str = ""
    caught: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Terminal:
    """The flow's Start and End marks."""

    kind: Literal["start", "end"]
    x: float
    y: float


@dataclass(slots=True, kw_only=True)
class Drawing:
    """Everything to draw, in absolute coordinates."""

    width: float = 0
    height: float = 0
    status_line: bool = False
    boxes: list[Box] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    terminals: list[Terminal] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Size:
    w: float
    h: float
    column: float = 0  # a list's column width (without its lanes)


def layout(graph: FlowGraph, *, status_line: bool = False) -> Drawing:
    """Place every node, chip, frame and edge of ``graph``.

    Args:
        status_line: reserve a third line in every node for its run status.
    """
    engine = _Engine(status_line)
    size = engine.measure_list(graph.root)
    margin = 16
    width = max(size.w, TERMINAL_W) + 2 * margin
    cx = margin + size.column / 2 if graph.root.steps else width / 2
    drawing = engine.drawing
    drawing.terminals.append(Terminal(kind="start", x=cx - TERMINAL_W / 2, y=margin))
    top = margin + TERMINAL_H + V_GAP
    exit_point = engine.place_list(graph.root, margin, top)
    end_y = top + size.h + V_GAP
    drawing.terminals.append(Terminal(kind="end", x=cx - TERMINAL_W / 2, y=end_y))
    first = graph.root.steps[0].id if graph.root.steps else ""
    drawing.edges.append(
        Edge(
            points=((cx, margin + TERMINAL_H), (cx, top)),
            kind="seq",
            nodes=(first,) if first else (),
        )
    )
    if exit_point is not None:
        last = (graph.root.steps[-1].id,) if graph.root.steps else ()
        drawing.edges.append(Edge(points=(exit_point, (cx, end_y)), kind="seq", finished=last))
    drawing.width = width
    drawing.height = end_y + TERMINAL_H + margin
    return drawing


class _Engine:
    def __init__(self, status_line: bool) -> None:
        self.drawing = Drawing(status_line=status_line)
        self.node_h = NODE_H + (STATUS_H if status_line else 0)
        self.sizes: dict[str, _Size] = {}
        self.list_sizes: dict[str, _Size] = {}

    # --- measuring -------------------------------------------------------------------------

    def box_width(self, node: StepNode) -> float:
        text = max(len(node.name) * NAME_CHAR, len(node.detail) * CHAR)
        least = STATUS_MIN_W if self.drawing.status_line else 120
        return float(min(max(text + 2 * PAD, least), 320))

    def measure_list(self, steps: StepList) -> _Size:
        column = max((self.measure_node(node).w for node in steps.steps), default=0.0)
        height = sum(self.measure_node(node).h for node in steps.steps)
        height += V_GAP * max(0, len(steps.steps) - 1)
        height += V_GAP / 2 if _has_end_jump(steps) else 0
        lanes = len(_jumps(steps))
        width = column + (LANE_MARGIN + LANE * lanes if lanes else 0)
        size = _Size(width, height, column)
        self.list_sizes[steps.id] = size
        return size

    def measure_node(self, node: StepNode) -> _Size:
        if node.id in self.sizes:
            return self.sizes[node.id]
        box_w = self.box_width(node)
        if not node.lists:
            size = _Size(box_w, self.node_h)
        else:
            columns = [self.column_size(node, index) for index in range(len(node.lists))]
            inner_w = sum(c.w for c in columns) + H_GAP * (len(columns) - 1) + 2 * PAD
            inner_h = max(c.h for c in columns) + 2 * PAD
            exits = sum(1 for option in node.options if option.goto is not None)
            height = self.node_h + V_GAP + inner_h + EXIT_ROW * exits + JOIN_H
            size = _Size(max(box_w, inner_w), height)
        self.sizes[node.id] = size
        return size

    def column_size(self, node: StepNode, index: int) -> _Size:
        nested = node.lists[index]
        size = self.measure_list(nested)
        if node.kind != "choice":
            return _Size(max(size.w, 60), size.h)
        option = node.options[index]
        chip_w = len(_chip_text(option)) * CHAR + 2 * 8
        gap = V_GAP if nested.steps else 0
        return _Size(max(size.w, chip_w, 60), CHIP_H + gap + size.h)

    # --- placing ---------------------------------------------------------------------------

    def place_list(self, steps: StepList, x: float, y: float) -> Point | None:
        """Place a list with its column's left edge at ``x``; returns its open exit point."""
        size = self.list_sizes[steps.id]
        cx = x + size.column / 2
        if not steps.steps:
            return (cx, y)
        boxes: dict[str, Box] = {}
        option_routes: dict[str, list[Point]] = {}
        previous: Point | None = None
        previous_id = ""
        for node in steps.steps:
            if previous is not None:
                self.drawing.edges.append(
                    Edge(points=(previous, (cx, y)), kind="seq", nodes=(previous_id, node.id))
                )
            box, bottom, routes = self.place_node(node, cx, y)
            boxes[node.id] = box
            option_routes.update(routes)
            previous = bottom if node.falls_through else None
            previous_id = node.id
            y += self.sizes[node.id].h + V_GAP
        last = steps.steps[-1]
        if previous is None and _ends_list(last):
            previous = (cx, y - V_GAP)
        exit_y = y - V_GAP + (V_GAP / 2 if _has_end_jump(steps) else 0)
        self.route_jumps(steps, boxes, x + size.column, (cx, exit_y), option_routes)
        if previous is not None and previous[1] < exit_y:
            self.drawing.edges.append(
                Edge(points=(previous, (cx, exit_y)), kind="join", finished=(last.id,))
            )
        if previous is None and not _has_end_jump(steps):
            return None
        return (cx, exit_y)

    def place_node(
        self, node: StepNode, cx: float, y: float
    ) -> tuple[Box, Point, dict[str, list[Point]]]:
        """Place a node (and its nested lists) centred on ``cx``; returns its box, its
        bottom exit and the routes of its options' gotos so far."""
        size = self.sizes[node.id]
        box_w = self.box_width(node)
        box = Box(node=node, x=cx - box_w / 2, y=y, w=box_w, h=self.node_h)
        self.drawing.boxes.append(box)
        if not node.lists:
            return box, (cx, y + self.node_h), {}
        columns = [self.column_size(node, index) for index in range(len(node.lists))]
        inner_w = sum(c.w for c in columns) + H_GAP * (len(columns) - 1) + 2 * PAD
        frame_y = y + self.node_h + V_GAP
        inner_h = max(c.h for c in columns) + 2 * PAD
        left = cx - inner_w / 2
        if node.kind != "choice":
            self.drawing.frames.append(Frame(node=node, x=left, y=frame_y, w=inner_w, h=inner_h))
        exits_top = frame_y + inner_h
        exit_count = sum(1 for option in node.options if option.goto is not None)
        join_y = exits_top + EXIT_ROW * exit_count + JOIN_H / 2
        bottom = (cx, y + size.h)
        split_y = y + self.node_h + V_GAP / 2
        column_x = left + PAD
        pending: dict[str, list[Point]] = {}
        row = 0
        for index, column in enumerate(columns):
            col_cx = self.column_axis(node, index, column_x, column)
            top = frame_y + PAD
            col_exit = self.place_column(node, index, column_x, top, column)
            nested = node.lists[index].steps
            option = node.options[index].id if node.options else ""
            first = (nested[0].id,) if nested and not option else ()
            last = (nested[-1].id,) if nested else ()
            self.drawing.edges.append(
                Edge(
                    points=((cx, y + self.node_h), (cx, split_y), (col_cx, split_y), (col_cx, top)),
                    kind="branch",
                    nodes=(node.id, *first),
                    option=option,
                )
            )
            goto = node.options[index].goto if node.options else None
            if col_exit is not None and goto is not None:
                row += 1
                exit_y = exits_top + EXIT_ROW * row
                pending[option] = [col_exit, (col_exit[0], exit_y)]
            elif col_exit is not None:
                self.drawing.edges.append(
                    Edge(
                        points=(col_exit, (col_exit[0], join_y), (cx, join_y), bottom),
                        kind="join",
                        nodes=(node.id,),
                        finished=last,
                        option=option,
                    )
                )
            column_x += column.w + H_GAP
        return box, bottom, pending

    def column_axis(self, node: StepNode, index: int, x: float, column: _Size) -> float:
        """The x of the axis of column ``index`` of a container, its left edge at ``x``."""
        nested = node.lists[index]
        list_size = self.list_sizes[nested.id]
        if not nested.steps:
            return x + column.w / 2
        return x + (column.w - list_size.w) / 2 + list_size.column / 2

    def place_column(
        self, node: StepNode, index: int, x: float, y: float, column: _Size
    ) -> Point | None:
        nested = node.lists[index]
        list_size = self.list_sizes[nested.id]
        offset = (column.w - list_size.w) / 2
        if node.kind == "choice":
            option = node.options[index]
            chip_w = len(_chip_text(option)) * CHAR + 2 * 8
            col_cx = self.column_axis(node, index, x, column)
            self.drawing.chips.append(
                Chip(option=option, x=col_cx - chip_w / 2, y=y, w=chip_w, text=_chip_text(option))
            )
            if not nested.steps:
                return (col_cx, y + CHIP_H)
            self.drawing.edges.append(
                Edge(
                    points=((col_cx, y + CHIP_H), (col_cx, y + CHIP_H + V_GAP)),
                    kind="branch",
                    option=option.id,
                    nodes=(nested.steps[0].id,),
                )
            )
            y += CHIP_H + V_GAP
        return self.place_list(nested, x + offset, y)

    def route_jumps(
        self,
        steps: StepList,
        boxes: dict[str, Box],
        column_right: float,
        end_point: Point,
        option_routes: dict[str, list[Point]],
    ) -> None:
        """Draw every goto of the list along its own lane right of the column."""
        arrivals: dict[str, int] = {}
        for lane, jump in enumerate(_jumps(steps)):
            lane_x = column_right + LANE_MARGIN + LANE * lane
            source = boxes[jump.source.id]
            if jump.kind == "goto":
                if jump.option not in option_routes:
                    continue  # the option's steps never finish (they fail): no way out
                start = option_routes[jump.option]
            else:
                start = [(source.x + source.w, source.cy)]
            if jump.target is None:
                target: Point = end_point
                entry = [(lane_x, target[1]), target]
            else:
                box = boxes[jump.target]
                count = arrivals.get(jump.target, 0)
                arrivals[jump.target] = count + 1
                target_y = box.cy + 6 * ((count + 1) // 2) * (-1 if count % 2 else 1)
                entry = [(lane_x, target_y), (box.x + box.w, target_y)]
            points = (*start, (lane_x, start[-1][1]), *entry)
            self.drawing.edges.append(
                Edge(
                    points=tuple(points),
                    kind=jump.kind,
                    label=jump.label,
                    nodes=(jump.source.id,),
                    finished=jump.finished,
                    option=jump.option,
                    caught=jump.source.id if jump.kind == "catch" else "",
                )
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Jump:
    source: StepNode
    target: str | None  # a sibling's node id; None: the end of the list
    kind: EdgeKind
    label: str = ""
    option: str = ""
    finished: tuple[str, ...] = ()


def _jumps(steps: StepList) -> list[_Jump]:
    """The gotos leaving steps of ``steps`` (in drawing order: lanes are given in this order).

    A ``succeed`` or ``end`` step that is the last of its list needs no jump: the list ends
    right below it.
    """
    ids = {node.name: node.id for node in steps.steps}
    jumps: list[_Jump] = []
    last = steps.steps[-1].id if steps.steps else ""
    for node in steps.steps:
        for option in node.options:
            if option.goto is not None:
                ends = (option.steps.steps[-1].id,) if option.steps.steps else ()
                target = ids.get(option.goto)
                jumps.append(
                    _Jump(source=node, target=target, kind="goto", option=option.id, finished=ends)
                )
        for catch in node.catch:
            label = "catch " + ", ".join(catch.errors)
            jumps.append(_Jump(source=node, target=ids.get(catch.goto), kind="catch", label=label))
        if _ends_list(node) and node.id != last:
            jumps.append(_Jump(source=node, target=None, kind="end", finished=(node.id,)))
    return jumps


def _ends_list(node: StepNode) -> bool:
    """A ``succeed`` step, or a step with ``end: true``, ends its list successfully."""
    return node.kind == "succeed" or (node.end and node.kind != "fail")


def _has_end_jump(steps: StepList) -> bool:
    return any(jump.target is None for jump in _jumps(steps))


def _chip_text(option: OptionNode) -> str:
    label = option.label
    return label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"
