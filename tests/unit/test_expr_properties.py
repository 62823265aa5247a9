"""Property tests: the expression parsers fail only with ExpressionError, and evaluation of any
condition that parses yields a bool for any JSON data."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from translator import ir
from translator.errors import ExpressionError
from translator.expr import (
    Scope,
    evaluate_condition,
    is_reference,
    parse_condition,
    parse_path,
    parse_source,
)

FAST = settings(max_examples=300, deadline=None)

CONDITION_PIECES = [
    "$.a", "$.b[0]", "$input.x", "$local[*].y", "$context.c", "$['a b']", "$", "$[*]", "$.a.b",
    "1", "0", "-2.5", "1e3", '"s"', '"true"', '"\\u00e9"', "`raw`", "true", "false", "null",
    "in", "||", "&&", "==", "!=", "<", "<=", ">", ">=", "!", "-", "(", ")", "[", "]", ",",
    "+", "=", "&", "|", "=~", "foo", "len(", "$..a", "$.a[", '"open', "`open", "\\", "'", ".",
]  # fmt: skip

PATH_PIECES = ["$", "$input", "$local", "$context", ".", "..", "[", "]", "*", "'", '"', "0",
               "12", "-1", ":", "?", ",", "a", "b c", "名", "\\", " ", "$$"]  # fmt: skip

token_soup = st.lists(st.sampled_from(CONDITION_PIECES), max_size=12).flatmap(
    lambda pieces: st.sampled_from([" ".join(pieces), "".join(pieces)])
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)

# Objects whose keys are the names the generated conditions read, so paths often exist.
json_objects = st.dictionaries(st.sampled_from(["a", "b", "c", "x", "y", "a b"]), json_values)

VALUES = ["$.a", "$.b[0]", "$.a.b", "$['a b']", "$[*]", "$input.x", "$local[*].y", "$context.c",
          "1", "-2.5", '"s"', '"10"', '"true"', "`x`", "true", "false", "null"]  # fmt: skip
BINARY = ["||", "&&", "==", "!=", "<", "<=", ">", ">=", "in"]


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(BINARY), children).map(" ".join)
    prefix = st.tuples(st.sampled_from(["!", "-"]), children).map("".join)
    group = children.map(lambda text: f"({text})")
    array = st.lists(children, max_size=3).map(lambda items: f"[{', '.join(items)}]")
    return binary | prefix | group | array


valid_conditions = st.recursive(st.sampled_from(VALUES), _combine, max_leaves=12)


@FAST
@given(st.text() | token_soup)
def test_parse_condition_raises_only_expression_errors(text: str) -> None:
    try:
        condition = parse_condition(text)
    except ExpressionError as error:
        assert 0 <= error.offset <= len(text)
    else:
        assert condition.text == text


@FAST
@given(valid_conditions, json_objects, json_values, json_values)
def test_conditions_evaluate_to_bool(text: str, dollar: Any, input_: Any, local: Any) -> None:
    condition = parse_condition(text)
    scope = Scope(input=input_, local=local, context={"c": dollar}, dollar=dollar)
    assert type(evaluate_condition(condition, scope)) is bool


@FAST
@given(token_soup, json_objects)
def test_any_condition_that_parses_evaluates_to_bool(text: str, dollar: Any) -> None:
    try:
        condition = parse_condition(text)
    except ExpressionError:
        return
    scope = Scope(input=dollar, local=[dollar], context=None, dollar=dollar)
    assert type(evaluate_condition(condition, scope)) is bool


path_soup = st.lists(st.sampled_from(PATH_PIECES), max_size=10).map("".join)


@FAST
@given(st.text() | path_soup | path_soup.map(lambda text: "$input" + text))
def test_parse_path_raises_only_expression_errors(text: str) -> None:
    try:
        path = parse_path(text)
    except ExpressionError as error:
        assert 0 <= error.offset <= len(text)
    else:
        assert path.text == text and is_reference(text)


@FAST
@given(json_values | path_soup)
def test_parse_source_accepts_every_json_value(value: Any) -> None:
    try:
        source = parse_source(value)
    except ExpressionError:
        assert isinstance(value, str) and is_reference(value)
        return
    if isinstance(value, str) and is_reference(value):
        assert isinstance(source, ir.Path)
    else:
        assert isinstance(source, ir.Constant)
        assert source.value is value
