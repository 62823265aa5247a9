"""The plain-JSON rules data must follow where it enters an execution, and the sizes."""

from __future__ import annotations

import json

import pytest

from translator import plainjson
from translator.rules import MAX_JSON_DEPTH, MAX_NUMBER_DIGITS


def nested(depth: int) -> object:
    value: object = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"a": [1, 2.5, "é", None, True], "b": {"c": "日本"}},
        {"big": 10**MAX_NUMBER_DIGITS - 1, "small": -(10**MAX_NUMBER_DIGITS - 1)},
        nested(MAX_JSON_DEPTH),
        "😀",
    ],
    ids=["empty", "mixed", "integer-range", "deepest", "astral-text"],
)
def test_plain_values_pass(value: object) -> None:
    plainjson.check(value)
    assert plainjson.problem(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": float("nan")}, "$.a: nan is not a JSON number"),
        ({"a": [1, float("inf")]}, "$.a[1]: inf is not a JSON number"),
        ({"s": "ok\udcff"}, "$.s: the string holds a lone surrogate (U+DCFF), which is not text"),
        ({"k\ud800": 1}, "$ (key 'k\\ud800'): the string holds a lone surrogate (U+D800)"),
        ({"n": 10**MAX_NUMBER_DIGITS}, "$.n: a number of over 300 digits (997 bits)"),
        ([1, -(10**MAX_NUMBER_DIGITS)], "$[1]: a number of over 300 digits"),
        ({"x y": (1, 2)}, '$["x y"]: a tuple is not a JSON value'),
        ({1: "a"}, "$: object key 1 is not a string"),
        (nested(MAX_JSON_DEPTH + 1), "nested deeper than 100 levels"),
    ],
    ids=[
        "nan",
        "infinity",
        "lone-surrogate",
        "surrogate-key",
        "too-big",
        "too-small",
        "tuple",
        "int-key",
        "too-deep",
    ],
)
def test_what_is_not_plain_json_is_named_with_its_path(value: object, message: str) -> None:
    with pytest.raises(plainjson.NotPlainJSON) as info:
        plainjson.check(value)
    assert str(info.value).startswith(message) or message in str(info.value)


def test_a_huge_integer_is_named_without_printing_it() -> None:
    # str() of an integer of 5,000 digits raises in Python 3.11: the message must not need it.
    assert "a number of over 300 digits" in (plainjson.problem({"n": 10**5000}) or "")


def test_parse_refuses_nan_and_names_where() -> None:
    with pytest.raises(plainjson.NotPlainJSON, match="--input: not valid JSON: NaN is not"):
        plainjson.parse('{"x": NaN}', "--input")
    with pytest.raises(plainjson.NotPlainJSON, match=r"--input\.s: the string holds a lone"):
        plainjson.parse('{"s": "\\ud800"}', "--input")
    assert plainjson.parse('{"s": "\\u00e9"}', "--input") == {"s": "é"}


def test_sizes_are_utf8_and_payload_bytes() -> None:
    value = {"s": "é日", "n": [1, 2]}
    assert plainjson.utf8_size(value) == len('{"s":"é日","n":[1,2]}'.encode())
    assert plainjson.payload_size(value) == len(json.dumps(value, separators=(",", ":")))
    assert plainjson.payload_size(value) > plainjson.utf8_size(value)
