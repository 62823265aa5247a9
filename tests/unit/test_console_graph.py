"""The console's flow graph and its layout: structure from the IR, paths, geometry."""

from __future__ import annotations

from pathlib import Path

import pytest

from translator import compile_file, compile_text
from worker.console import graph as graphs
from worker.console.layout import Drawing, layout
from worker.console.svg import render

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "orders": ROOT / "examples/orders/flow.yaml",
    "polling": ROOT / "examples/polling/flow.yaml",
    "oss-main": ROOT / "examples/oss-restore/main.yaml",
    "oss-restore": ROOT / "examples/oss-restore/restore.yaml",
    "mns-workers": ROOT / "examples/mns-workers/flow.yaml",
}


def build(name: str) -> graphs.FlowGraph:
    return graphs.build(compile_file(EXAMPLES[name], resolve_refs=True))


def test_nodes_are_path_patterns_in_document_order() -> None:
    assert list(build("orders").nodes) == [
        "priceItems",
        "priceItems[*]/price",
        "prepare",
        "prepare[0]/reserve",
        "prepare[1]/settle",
        "prepare[1]/note",
        "charge",
        "route",
        "bigOrder",
        "done",
        "declined",
    ]


def test_choice_options_keep_conditions_gotos_and_an_implicit_no_match() -> None:
    check = build("polling").nodes["CheckJobComplete"]
    assert [(o.key, o.label, o.goto) for o in check.options] == [
        ("0", '$.status == "success"', "JobSucceeded"),
        ("1", "$.try_count > 3", "JobFailed"),
        ("2", '$.status == "running"', "Wait10s"),
        ("none", "no match", None),
    ]
    route = build("orders").nodes["route"]
    assert [o.id for o in route.options] == ["route?0", "route?default"]
    assert not route.falls_through  # both options jump
    assert check.falls_through  # nothing matched: on to the next step


def test_details_say_what_each_step_does() -> None:
    nodes = build("orders").nodes
    assert nodes["priceItems"].detail == "foreach item in $.items"
    assert nodes["priceItems[*]/price"].detail == "task fc shop/price"
    assert nodes["prepare"].detail == "parallel, 2 branches"
    assert nodes["prepare[1]/settle"].detail == "wait 1 s"
    assert nodes["charge"].catch == (
        graphs.CatchEdge(errors=("PaymentDeclined",), goto="declined"),
    )
    main = build("oss-main").nodes
    assert main["checkEmpty/invokeRestoreFlow"].detail == "task flow restoreFlow (sync)"
    assert build("oss-restore").nodes["Wait"].detail == "wait $.pollInterval"
    worker = build("mns-workers").nodes["workersForeach[*]/workerTask"]
    assert worker.detail == "task mns queue workers (waitForCallback)"
    assert worker.pattern == "waitForCallback"


@pytest.mark.parametrize(
    ("path", "resolved"),
    [
        ("priceItems", ("priceItems", ())),
        ("priceItems[2]/price", ("priceItems[*]/price", (2,))),
        ("prepare[1]/note", ("prepare[1]/note", ())),
        ("prepare[7]/note", None),
        ("route/bigOrder", None),
        ("nowhere", None),
    ],
)
def test_recorded_paths_resolve_to_nodes(path: str, resolved: object) -> None:
    assert build("orders").resolve(path) == resolved


NESTED = """
version: v1
type: flow
steps:
  - type: foreach
    name: outer
    iterationMapping: {collection: $.rows, item: row}
    steps:
      - type: choice
        name: pick
        choices:
          - condition: $.row == 1
            steps:
              - type: pass
                name: same
        default:
          steps:
            - type: foreach
              name: inner
              iterationMapping: {collection: $.row, item: cell}
              steps:
                - type: pass
                  name: same
"""


def test_nested_foreach_paths_and_same_names_in_two_options() -> None:
    graph = graphs.build(compile_text(NESTED))
    assert graph.resolve("outer[3]/pick/inner[4]/same") == ("outer[*]/pick/inner[*]/same", (3, 4))
    assert graph.resolve("outer[0]/pick/same") == ("outer[*]/pick/same", (0,))
    same_named = [node.id for node in graph.walk() if node.name == "same"]
    assert same_named == ["outer[*]/pick/same", "outer[*]/pick/inner[*]/same"]


def boxes(drawing: Drawing) -> dict[str, tuple[float, float, float, float]]:
    return {box.node.id: (box.x, box.y, box.w, box.h) for box in drawing.boxes}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_layout_places_every_node_once_without_overlaps(name: str) -> None:
    graph = build(name)
    drawing = layout(graph)
    placed = boxes(drawing)
    assert set(placed) == set(graph.nodes)
    rects = list(placed.values())
    for i, (x1, y1, w1, h1) in enumerate(rects):
        for x2, y2, w2, h2 in rects[i + 1 :]:
            apart = x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
            assert apart, f"boxes overlap in {name}"
    for x, y, w, h in rects:
        assert x >= 0 and x + w <= drawing.width and y >= 0 and y + h <= drawing.height


def test_gotos_run_in_lanes_right_of_the_column_and_enter_their_target() -> None:
    graph = build("polling")
    drawing = layout(graph)
    placed = boxes(drawing)
    column_right = max(x + w for x, _, w, _ in placed.values())
    gotos = [edge for edge in drawing.edges if edge.kind == "goto"]
    assert [edge.option for edge in gotos] == [
        "CheckJobComplete?0",
        "CheckJobComplete?1",
        "CheckJobComplete?2",
    ]
    lanes = [edge.points[-3][0] for edge in gotos]
    assert len(set(lanes)) == 3 and min(lanes) > column_right
    wait = placed["Wait10s"]
    assert gotos[2].points[-1][0] == wait[0] + wait[2]  # enters the loop's target from the right
    assert wait[1] <= gotos[2].points[-1][1] <= wait[1] + wait[3]


def test_the_same_definition_draws_the_same_svg() -> None:
    first = render(build("orders"), title="orders")
    assert first == render(build("orders"), title="orders")
    assert first.count('class="node ') == 11
    assert 'data-option="route?default"' in first
    assert 'data-state="' not in first  # no run: no states
