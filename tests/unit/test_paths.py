"""Mapping paths and sources (reference 3.3-3.6): parsing, evaluation, constants and errors."""

from __future__ import annotations

from typing import Any

import pytest

from translator import ir
from translator.errors import ExpressionError
from translator.expr import (
    MissingPathError,
    Scope,
    evaluate_mappings,
    evaluate_path,
    evaluate_source,
    is_reference,
    parse_path,
    parse_source,
)

STEP = Scope(
    input={
        "order": {"id": 42, "lines": [{"sku": "A"}, {"sku": "B"}]},
        "key_info": ["k0", "k1"],
        "events": [{"oss": {"object": {"key": "a.txt"}}}],
        "with space": {"x": 1},
        "it's": 2,
        "名前": "ok",
        "a-b_c$": 3,
        "empty": {},
        "nil": None,
    },
    local={"Data": {"FrontResult": {"Name": "Li"}}, "marker": "", "zero": 0},
    context={
        "execution": {"name": "exec-1", "input": "{}"},
        "flow": {"name": "demo"},
        "task": {"token": "dG9rZW4="},
        "step": {"name": "s1", "eventId": 17},
    },
    dollar={"messageTag": "tag-1", "x": {"y": [10, 20]}},
)

# A foreach's $local: one element per iteration.
FOREACH = Scope(
    input={},
    local=[
        {"name": "a", "status": "ok", "parts": [1, 2]},
        {"name": "b", "parts": []},
        {"status": "failed", "parts": [3]},
        "not an object",
        {"name": "d", "parts": "not an array"},
    ],
    context={},
    dollar=[[1, [2]], [3], "x", [[4, 5]]],
)

READS = [
    ("$input.order.id", 42),
    ("$input.order", {"id": 42, "lines": [{"sku": "A"}, {"sku": "B"}]}),
    ("$input.key_info[0]", "k0"),
    ("$input.key_info[1]", "k1"),
    ("$input.events[0].oss.object.key", "a.txt"),
    ("$input.order.lines[1].sku", "B"),
    ("$input['with space'].x", 1),
    ('$input["with space"]', {"x": 1}),
    ("$input['it\\'s']", 2),
    ("$input.名前", "ok"),
    ("$input.a-b_c$", 3),
    ("$input.empty", {}),
    ("$input.nil", None),
    ("$local.Data.FrontResult.Name", "Li"),
    ("$local.marker", ""),
    ("$local.zero", 0),
    ("$local", STEP.local),
    ("$context.execution.name", "exec-1"),
    ("$context.flow.name", "demo"),
    ("$context.task.token", "dG9rZW4="),
    ("$context.step.eventId", 17),
    ("$", STEP.dollar),
    ("$.messageTag", "tag-1"),
    ("$.x.y[1]", 20),
    ("$['x']['y'][0]", 10),
    ("$input.order.lines[*].sku", ["A", "B"]),
    ("$input.key_info[*]", ["k0", "k1"]),
]


@pytest.mark.parametrize(("text", "expected"), READS, ids=[t for t, _ in READS])
def test_reads(text: str, expected: Any) -> None:
    assert evaluate_path(parse_path(text), STEP) == expected


WILDCARDS = [
    ("$local[*].name", ["a", "b", "d"]),
    ("$local[*].status", ["ok", "failed"]),
    ("$local[*].parts", [[1, 2], [], [3], "not an array"]),
    ("$local[*].parts[*]", [1, 2, 3]),
    ("$local[*].parts[0]", [1, 3]),
    ("$local[*].missing", []),
    ("$local[1]", {"name": "b", "parts": []}),
    ("$[*]", [[1, [2]], [3], "x", [[4, 5]]]),
    ("$[*][*]", [1, [2], 3, [4, 5]]),
    ("$[*][*][*]", [2, 4, 5]),
    ("$[*][1]", [[2]]),
]


@pytest.mark.parametrize(("text", "expected"), WILDCARDS, ids=[t for t, _ in WILDCARDS])
def test_wildcards_flatten_and_skip(text: str, expected: Any) -> None:
    assert evaluate_path(parse_path(text), FOREACH) == expected


MISSING = [
    ("$input.nope", STEP, "no key 'nope'"),
    ("$input.order.nope.x", STEP, "no key 'nope'"),
    ("$input.key_info[2]", STEP, "index 2 out of range (length 2)"),
    ("$input.order.id.x", STEP, "cannot read key 'x' of a number"),
    ("$input.key_info[0].x", STEP, "cannot read key 'x' of a string"),
    ("$input.nil.x", STEP, "cannot read key 'x' of null"),
    ("$input.key_info.x", STEP, "cannot read key 'x' of an array"),
    ("$input.order[0]", STEP, "cannot read index 0 of an object"),
    ("$input.order[*]", STEP, "cannot apply [*] to an object"),
    ("$context.task.token.x", STEP, "cannot read key 'x' of a string"),
    ("$local.name", FOREACH, "cannot read key 'name' of an array"),
    ("$local[9][*]", FOREACH, "index 9 out of range (length 5)"),
    ("$local[3][*]", FOREACH, "cannot apply [*] to a string"),
]


@pytest.mark.parametrize(("text", "scope", "reason"), MISSING, ids=[t for t, _, _ in MISSING])
def test_missing_paths_raise(text: str, scope: Scope, reason: str) -> None:
    with pytest.raises(MissingPathError) as caught:
        evaluate_path(parse_path(text), scope)
    assert str(caught.value) == f"path '{text}' does not exist: {reason}"
    assert caught.value.path == text


def test_missing_path_message_in_full() -> None:
    with pytest.raises(MissingPathError) as caught:
        evaluate_path(parse_path("$input.order.lines[5].sku"), STEP)
    assert str(caught.value) == (
        "path '$input.order.lines[5].sku' does not exist: index 5 out of range (length 2)"
    )


# --- sources: references and constants ------------------------------------------------------------

REFERENCES = ["$", "$.x", "$[0]", "$input", "$input.a", "$input[0]", "$local", "$local.a",
              "$context", "$context.task.token", "$.", "$input..a"]  # fmt: skip
LITERAL_STRINGS = ["", "/", "POST", "value", "$inputs", "$locals.x", "$contextual", "$foo",
                   "$$x", "$ input", " $input", "input", "dummy_email@dummy_address",
                   "Failed to execute subflow"]  # fmt: skip


@pytest.mark.parametrize("text", REFERENCES)
def test_is_reference(text: str) -> None:
    assert is_reference(text) is True


@pytest.mark.parametrize("text", LITERAL_STRINGS, ids=[repr(t) for t in LITERAL_STRINGS])
def test_literal_strings_are_not_references(text: str) -> None:
    assert is_reference(text) is False
    assert parse_source(text) == ir.Constant(value=text)


CONSTANTS = [0, -1, 52428800, 2.5, "", "/", "POST", "get-train-status", {}, [], ["A", "B"],
             {"a": "b", "c": 1}, {"Content-Type": "application/json"}, True, False, None,
             {"nested": "$input.a"}, ["$local.x"]]  # fmt: skip


@pytest.mark.parametrize("value", CONSTANTS, ids=[repr(v) for v in CONSTANTS])
def test_constants_of_every_json_type(value: Any) -> None:
    source = parse_source(value)
    assert source == ir.Constant(value=value)
    result = evaluate_source(source, STEP)
    assert result == value and type(result) is type(value)


def test_reference_sources_parse_as_paths() -> None:
    assert parse_source("$input.order.id") == ir.Path(
        root="input", segments=(ir.Key(name="order"), ir.Key(name="id")), text="$input.order.id"
    )


# --- mapping lists --------------------------------------------------------------------------------


def mapping(target: str, source: Any) -> ir.Mapping:
    return ir.Mapping(target=target, source=parse_source(source))


MAPPINGS = [
    pytest.param([], {}, id="empty list -> {}"),
    pytest.param([("id", "$input.order.id")], {"id": 42}, id="one path"),
    pytest.param([("a", 1), ("b", "$local.marker")], {"a": 1, "b": ""}, id="only targets"),
    pytest.param([("a", 1), ("a", 2)], {"a": 2}, id="last wins"),
    pytest.param([("a", "$input.order.id"), ("a", None)], {"a": None}, id="last wins with null"),
    pytest.param([("a.b", 1)], {"a.b": 1}, id="target is one literal key"),
    pytest.param([("all", "$input.key_info")], {"all": ["k0", "k1"]}, id="whole array"),
    pytest.param(
        [("token", "$context.task.token"), ("tag", "$.messageTag"), ("method", "POST")],
        {"token": "dG9rZW4=", "tag": "tag-1", "method": "POST"},
        id="mixed roots and constants",
    ),
]


@pytest.mark.parametrize(("entries", "expected"), MAPPINGS)
def test_evaluate_mappings(entries: list[tuple[str, Any]], expected: dict[str, Any]) -> None:
    assert evaluate_mappings([mapping(t, s) for t, s in entries], STEP) == expected


def test_mapping_with_a_missing_path_names_it() -> None:
    entries = [mapping("ok", 1), mapping("bad", "$local.marker2")]
    with pytest.raises(MissingPathError, match=r"path '\$local\.marker2' does not exist"):
        evaluate_mappings(entries, STEP)


def test_evaluate_path_results_are_safe_to_mutate() -> None:
    data = {"a": {"b": [1, {"c": 2}]}, "list": [{"x": [1]}]}
    scope = Scope(input=data, local={}, context={}, dollar={})
    whole = evaluate_path(parse_path("$input.a"), scope)
    projected = evaluate_path(parse_path("$input.list[*].x"), scope)
    whole["b"][1]["c"] = 99
    projected[0].append(2)
    assert data == {"a": {"b": [1, {"c": 2}]}, "list": [{"x": [1]}]}


def test_mappings_share_values_instead_of_copying_them() -> None:
    # The interpreter never changes a value, and a copy per step made a foreach whose steps
    # read $input.items copy the whole collection for every iteration.
    items = list(range(1000))
    scope = Scope(input={"items": items}, local={}, context={}, dollar={})
    constant = ir.Constant(value={"k": [1]})
    mapped = evaluate_mappings(
        [mapping("all", "$input.items"), ir.Mapping(target="c", source=constant)], scope
    )
    assert mapped["all"] is items
    assert mapped["c"] is constant.value


# --- parsing --------------------------------------------------------------------------------------

PARSED = [
    ("$", "dollar", ()),
    ("$input", "input", ()),
    ("$local", "local", ()),
    ("$context", "context", ()),
    ("$.a", "dollar", (ir.Key(name="a"),)),
    ("$[3]", "dollar", (ir.Index(index=3),)),
    ("$input.a[0][*]", "input", (ir.Key(name="a"), ir.Index(index=0), ir.Wildcard())),
    ("$local['a b'][\"c.d\"]", "local", (ir.Key(name="a b"), ir.Key(name="c.d"))),
    ("$context['']", "context", (ir.Key(name=""),)),
    ("$input['a]b']", "input", (ir.Key(name="a]b"),)),
    ("$input.0", "input", (ir.Key(name="0"),)),
    ("$input[007]", "input", (ir.Index(index=7),)),
]


@pytest.mark.parametrize(("text", "root", "segments"), PARSED, ids=[t for t, _, _ in PARSED])
def test_parse_path(text: str, root: str, segments: tuple[ir.Segment, ...]) -> None:
    assert parse_path(text) == ir.Path(root=root, segments=segments, text=text)  # type: ignore[arg-type]


PATH_ERRORS = [
    ("value", "a path must start with $input, $local, $context or $, not 'value'", 0),
    ("$inputs.a", "a path must start with $input, $local, $context or $, not '$inputs'", 0),
    ("", "a path must start with $input, $local, $context or $, not ''", 0),
    ("$input..a", "recursive descent '..' is not supported", 6),
    ("$..a", "recursive descent '..' is not supported", 1),
    ("$input.a[?(@.b)]", "filter expressions '[?(...)]' are not supported", 8),
    ("$input.a[1:3]", "slices are not supported: '[1:3]'", 8),
    ("$input.a[:]", "slices are not supported: '[:]'", 8),
    ("$input.a[-1]", "negative indexes are not supported: '[-1]'", 8),
    ("$input.a[0,1]", "unions are not supported: '[0,1]'", 8),
    ("$input.a[x]", "expected a number, '*' or a quoted key inside brackets, got '[x]'", 8),
    ("$input.a[]", "expected a number, '*' or a quoted key inside brackets, got '[]'", 8),
    ("$input.a[ 0 ]", "expected a number, '*' or a quoted key inside brackets, got '[ 0 ]'", 8),
    ("$input.", "expected a key after '.'", 7),
    ("$input.a.", "expected a key after '.'", 9),
    ("$input.[0]", "expected a key after '.'", 7),
    ("$input.a.*", "wildcard '.*' is not supported; use '[*]'", 8),
    ("$input.a[0", "unterminated '['", 8),
    ("$input[", "unterminated '['", 6),
    ("$input['a", "unterminated quoted key", 7),
    ("$input['a'", "expected ']' after the quoted key", 10),
    ("$input['a'x]", "expected ']' after the quoted key", 10),
    ("$input.a b", "unexpected ' ' in path; expected '.' or '['", 8),
    ("$input.a+1", "unexpected '+' in path; expected '.' or '['", 8),
    ("$input[1]x", "unexpected 'x' in path; expected '.' or '['", 9),
    ("$input[1234567890123456]", "index 1234567890123456 is too large", 6),
]


@pytest.mark.parametrize(
    ("text", "message", "offset"), PATH_ERRORS, ids=[t or "<empty>" for t, _, _ in PATH_ERRORS]
)
def test_rejected_paths(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_path(text)
    assert (caught.value.message, caught.value.offset) == (message, offset)


def test_malformed_reference_source_is_rejected() -> None:
    with pytest.raises(ExpressionError, match=r"recursive descent"):
        parse_source("$local..x")
