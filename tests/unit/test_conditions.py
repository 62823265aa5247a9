"""Choice conditions (reference 6.4.1): parsing, precedence, coercion rules and rejected forms."""

from __future__ import annotations

from typing import Any

import pytest

from translator import ir
from translator.errors import ExpressionError
from translator.expr import Scope, evaluate_condition, loose_equal, parse_condition

DATA: dict[str, Any] = {
    "n": 5,
    "f": 2.5,
    "zero": 0,
    "s": "abc",
    "num_s": "10",
    "yes": True,
    "no": False,
    "yes_s": "true",
    "nil": None,
    "empty": "",
    "tags": ["a", "b", 3],
    "obj": {"k": 1, "3": "three"},
    "items": [{"id": 1}, {"id": 2}],
    "has more": True,
}


def holds(text: str, data: Any = None) -> bool:
    """Evaluate ``text`` with ``$`` reading ``data`` (``DATA`` by default)."""
    dollar = DATA if data is None else data
    scope = Scope(input={"in": 1}, local={"loc": 2}, context={"ctx": 3}, dollar=dollar)
    return evaluate_condition(parse_condition(text), scope)


def sexpr(expr: ir.Expr) -> str:
    """A compact rendering of the tree, e.g. ``(|| $.a (&& $.b $.c))``."""
    if isinstance(expr, ir.Binary):
        return f"({expr.op} {sexpr(expr.left)} {sexpr(expr.right)})"
    if isinstance(expr, ir.Unary):
        return f"({expr.op} {sexpr(expr.operand)})"
    if isinstance(expr, ir.ArrayLiteral):
        return "[" + " ".join(sexpr(item) for item in expr.items) + "]"
    if isinstance(expr, ir.PathRef):
        return expr.path.text
    return repr(expr.value)


# --- operators on plain values --------------------------------------------------------------------

OPERATORS = [
    ("$.n == 5", True),
    ("$.n == 6", False),
    ("$.n != 6", True),
    ("$.n != 5", False),
    ("$.n < 6", True),
    ("$.n < 5", False),
    ("$.n <= 5", True),
    ("$.n <= 4", False),
    ("$.n > 4", True),
    ("$.n > 5", False),
    ("$.n >= 5", True),
    ("$.n >= 6", False),
    ("$.yes && $.yes", True),
    ("$.yes && $.no", False),
    ("$.no || $.yes", True),
    ("$.no || $.no", False),
    ("!$.no", True),
    ("!$.yes", False),
    ("-$.n == -5", True),
    ("-$.n < 0", True),
    ("$.f == 2.5", True),
    ("12.5 > 12", True),
    ("1.5e1 == 15", True),
    ('$.s == "abc"', True),
    ("$.s == `abc`", True),
    ('"b" in $.tags', True),
    ('"z" in $.tags', False),
]


@pytest.mark.parametrize(("text", "expected"), OPERATORS, ids=[t for t, _ in OPERATORS])
def test_operators(text: str, expected: bool) -> None:
    assert holds(text) is expected


# --- precedence and grouping ----------------------------------------------------------------------

TREES = [
    ("$.a || $.b && $.c", "(|| $.a (&& $.b $.c))"),
    ("$.a && $.b || $.c", "(|| (&& $.a $.b) $.c)"),
    ("$.a == 1 && $.b", "(&& (== $.a 1) $.b)"),
    ("$.a || $.b == 1", "(|| $.a (== $.b 1))"),
    ("$.a < 1 == true", "(== (< $.a 1) True)"),
    ("$.a == $.b != $.c", "(!= (== $.a $.b) $.c)"),
    ("$.a || $.b || $.c", "(|| (|| $.a $.b) $.c)"),
    ("!$.a == 1", "(== (! $.a) 1)"),
    ("!($.a == 1)", "(! (== $.a 1))"),
    ("-$.a < 1", "(< (- $.a) 1)"),
    ("-1 == -2.5", "(== -1 -2.5)"),
    ("--1", "1"),
    ("!!$.a", "(! (! $.a))"),
    ("$.a && ($.b || $.c)", "(&& $.a (|| $.b $.c))"),
    ("(($.a))", "$.a"),
    ('"x" in $.a == true', "(== (in 'x' $.a) True)"),
    ("$.a in [1, -2, $.b]", "(in $.a [1 -2 $.b])"),
    ("[] == $.a", "(== [] $.a)"),
    ("$.has_more && ($.event_id >= 4000 || $.total >= $.limit)",
     "(&& $.has_more (|| (>= $.event_id 4000) (>= $.total $.limit)))"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "tree"), TREES, ids=[t for t, _ in TREES])
def test_precedence_and_grouping(text: str, tree: str) -> None:
    assert sexpr(parse_condition(text).expr) == tree


def test_condition_keeps_its_text() -> None:
    assert parse_condition(" $.a == 1 ").text == " $.a == 1 "


def test_parentheses_change_the_result() -> None:
    assert holds("$.yes || $.yes && $.no") is True
    assert holds("($.yes || $.yes) && $.no") is False


PATHS_IN_CONDITIONS = [
    ("$input.in == 1", True),
    ("$local.loc == 2", True),
    ("$context.ctx == 3", True),
    ("$.items[1].id == 2", True),
    ("$['has more']", True),
    ('$["has more"] && $.yes', True),
    ("2 in $.items[*].id", True),
    ("3 in $.items[*].id", False),
    ("$.obj.k==1", True),
    ("$.n>4&&$.n<6", True),
]


@pytest.mark.parametrize(
    ("text", "expected"), PATHS_IN_CONDITIONS, ids=[t for t, _ in PATHS_IN_CONDITIONS]
)
def test_paths_in_conditions(text: str, expected: bool) -> None:
    assert holds(text) is expected


# --- strings --------------------------------------------------------------------------------------

STRINGS = [
    ('"a\\"b"', 'a"b'),
    ('"a\\\\b"', "a\\b"),
    ('"a\\nb"', "a\nb"),
    ('"a\\tb"', "a\tb"),
    ('"\\u00e9"', "é"),
    ('"\\ud83d\\ude00"', "😀"),
    ("`a\\nb`", "a\\nb"),
    ('`say "hi"`', 'say "hi"'),
    ('""', ""),
    ("``", ""),
]


@pytest.mark.parametrize(("text", "value"), STRINGS, ids=[t for t, _ in STRINGS])
def test_string_literals(text: str, value: str) -> None:
    assert parse_condition(text).expr == ir.Literal_(value=value)


# --- in -------------------------------------------------------------------------------------------

MEMBERSHIP = [
    ('"a" in $.tags', True),
    ("3 in $.tags", True),
    ('"3" in $.tags', True),  # elements compare with the == rules
    ('"c" in $.tags', False),
    ('"k" in $.obj', True),
    ("3 in $.obj", True),  # the left side's string form is the key
    ('"x" in $.obj', False),
    ('"a" in $.s', False),  # a string is not a container
    ('"a" in $.nil', False),
    ('"a" in $.missing', False),
    ('"b" in ["a", "b"]', True),
    ('"c" in ["a", "b"]', False),
    ("$.n in [1, 5]", True),
    ("true in [1]", True),
    ("$.missing in [null]", True),
    ("1 in []", False),
    ("[1, 2] in [[1, 2]]", True),
    ('$.s in [`abc`, "def"]', True),
]


@pytest.mark.parametrize(("text", "expected"), MEMBERSHIP, ids=[t for t, _ in MEMBERSHIP])
def test_in(text: str, expected: bool) -> None:
    assert holds(text) is expected


# --- the == coercion rules ------------------------------------------------------------------------

EQUALITY = [
    pytest.param(1, 1.0, True, id="rule1: 1 == 1.0"),
    pytest.param(2, 3, False, id="rule1: 2 != 3"),
    pytest.param(True, True, True, id="rule2: true == true"),
    pytest.param(True, False, False, id="rule2: true != false"),
    pytest.param(1, "1", True, id="rule3: 1 == '1'"),
    pytest.param("10", "10.0", True, id="rule3: '10' == '10.0'"),
    pytest.param(-2.5, "-2.5", True, id="rule3: -2.5 == '-2.5'"),
    pytest.param(1, "1e0", True, id="rule3: 1 == '1e0'"),
    pytest.param(2, "3", False, id="rule3: 2 != '3'"),
    pytest.param(True, "true", True, id="rule4: true == 'true'"),
    pytest.param("TRUE", True, True, id="rule4: 'TRUE' == true"),
    pytest.param(False, "FALSE", True, id="rule4: false == 'FALSE'"),
    pytest.param(True, "false", False, id="rule4: true != 'false'"),
    pytest.param(None, False, True, id="rule4: null == false"),
    pytest.param(0, False, True, id="rule4: 0 == false"),
    pytest.param(2, True, True, id="rule4: 2 == true"),
    pytest.param(None, 0, True, id="rule4: null == 0"),
    pytest.param(None, None, True, id="rule4: null == null"),
    pytest.param("true", "TRUE", True, id="rule4: 'true' == 'TRUE'"),
    pytest.param(True, "True", False, id="rule5: true != 'True'"),
    pytest.param("abc", "ABC", False, id="rule5: 'abc' != 'ABC'"),
    pytest.param("abc", "abc", True, id="rule5: 'abc' == 'abc'"),
    pytest.param("", None, False, id="rule5: '' != null"),
    pytest.param("nan", "nan", True, id="rule5: 'nan' strings compare exactly"),
    pytest.param(1, "nan", False, id="rule5: 'nan' is not a number"),
    pytest.param(1, "inf", False, id="rule5: 'inf' is not a number"),
    pytest.param(0, "", False, id="rule5: '' is not a number"),
    pytest.param(1, " 1", False, id="rule5: spaces are not part of a number"),
    pytest.param({"a": [1, 2]}, {"a": [1.0, 2]}, True, id="rule5: objects structural"),
    pytest.param({"a": 1}, {"a": 1, "b": 2}, False, id="rule5: objects differ in keys"),
    pytest.param([1, "x"], [1, "x"], True, id="rule5: arrays structural"),
    pytest.param([1, 2], [2, 1], False, id="rule5: arrays ordered"),
    pytest.param([True], [1], False, id="rule5: nested true is not 1"),
    pytest.param(["1"], [1], False, id="rule5: nested values compare strictly"),
    pytest.param({}, None, False, id="rule5: object != null"),
    pytest.param([], False, False, id="rule5: array != false"),
]


@pytest.mark.parametrize(("a", "b", "expected"), EQUALITY)
def test_loose_equal(a: Any, b: Any, expected: bool) -> None:
    assert loose_equal(a, b) is expected
    assert loose_equal(b, a) is expected


COERCION_IN_CONDITIONS = [
    ('$.yes == "true"', True),
    ('"TRUE" == $.yes', True),
    ('$.no == "true"', False),
    ('$.num_s == 10', True),
    ("$.n == 5.0", True),
    ("$.nil == false", True),
    ("$.missing == false", True),
    ("$.missing == null", True),
    ("$.zero == false", True),
    ('$.s == "ABC"', False),
    ('$.s != "ABC"', True),
    ('$.obj == $.obj', True),
    ('$.tags == ["a", "b", 3]', True),
    ('$.tags != ["a", "b"]', True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"), COERCION_IN_CONDITIONS, ids=[t for t, _ in COERCION_IN_CONDITIONS]
)
def test_coercion_in_conditions(text: str, expected: bool) -> None:
    assert holds(text) is expected


# --- ordering -------------------------------------------------------------------------------------

ORDERING = [
    ('$.num_s > 9', True),  # both number-convertible: numeric, not "10" < "9"
    ('"10" > "9"', True),
    ('"-2.5" < 0', True),
    ('"abc" < "abd"', True),
    ('"b" > "abc"', True),
    ('"B" < "a"', True),  # lexicographic by code point
    ('"10" < "9x"', True),  # "9x" is no number: the string forms compare
    ("5 < \"a\"", True),  # "5" < "a"
    ("true > false", True),  # "true" > "false"
    ('$.s >= "abc"', True),
    ("$.nil < 1", False),
    ("$.nil > 1", False),
    ("$.missing < 1", False),
    ("$.missing >= 0", False),
    ("1 <= $.missing", False),
    ("$.nil <= $.nil", False),
    ('$.missing < "a"', False),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), ORDERING, ids=[t for t, _ in ORDERING])
def test_ordering(text: str, expected: bool) -> None:
    assert holds(text) is expected


# --- missing paths, bare paths, logical and unary operators ---------------------------------------

TRUTH = [
    ("$.yes", True),
    ("$.no", False),
    ("$.yes_s", True),
    ("$.n", True),
    ("$.zero", False),
    ("$.nil", False),
    ("$.missing", False),
    ("$.missing.deeper[3]", False),
    ("$.s", False),  # a string other than true/false does not convert
    ("$.obj", False),
    ("$.tags", False),
    ("$.items[*].id", False),
    ("!$.missing", True),
    ("!$.obj", False),  # a non-convertible operand makes the whole condition false
    ("!$.n", False),
    ("!!$.yes_s", True),
    ("$.obj && true", False),
    ("$.obj || true", False),  # ... even where the other side would decide it
    ("true || $.obj", True),  # short-circuit: the right side is never read
    ("!($.obj == 1)", True),
    ("$.missing || $.n", True),
    ("$.n && $.missing", False),
    ("-$.num_s == -10", True),
    ("-$.s == null", True),  # negating a non-number yields null
    ("-$.yes == null", True),
    ("-$.missing == null", True),
    ('-"abc"', False),
]


@pytest.mark.parametrize(("text", "expected"), TRUTH, ids=[t for t, _ in TRUTH])
def test_truth_of_values(text: str, expected: bool) -> None:
    assert holds(text) is expected


def test_conditions_work_on_any_root_value() -> None:
    assert holds("$ == 3", 3) is True
    assert holds("$[1] == 2", [1, 2]) is True
    assert holds("$.a == null", "not an object") is True


# --- rejected forms -------------------------------------------------------------------------------

ERRORS = [
    ("", "empty condition", 0),
    ("   ", "empty condition", 0),
    ("$.a + 1", "arithmetic operator '+' is not supported in conditions", 4),
    ("$.a * 2 > 1", "arithmetic operator '*' is not supported in conditions", 4),
    ("$.a / 2", "arithmetic operator '/' is not supported in conditions", 4),
    ("$.a % 2", "arithmetic operator '%' is not supported in conditions", 4),
    ("$.a - 1 > 0", "arithmetic operator '-' is not supported in conditions", 4),
    ('$.a =~ "x.*"', "regular expression match '=~' is not supported in conditions", 4),
    ('$.a !~ "x"', "regular expression match '!~' is not supported in conditions", 4),
    ("$.status == done", "unknown name 'done'; strings need quotes", 12),
    ("TRUE", "unknown name 'TRUE'; strings need quotes", 0),
    ("len($.a) > 1", "function calls are not supported: 'len('", 0),
    ("$.a && contains ($.b)", "function calls are not supported: 'contains('", 7),
    ("$.a = 1", "use '==' to compare", 4),
    ("$.a & $.b", "use '&&' for logical and", 4),
    ("$.a | $.b", "use '||' for logical or", 4),
    ('$.a == "abc', "unterminated string: missing closing '\"'", 7),
    ("$.a == `abc", "unterminated string: missing closing '`'", 7),
    ('"abc\\', "unterminated string: missing closing '\"'", 0),
    ('"a\\qb"', "unknown escape '\\q' in string", 2),
    ('"\\u12"', "invalid escape '\\u12\"' in string", 1),
    ('"\\ud83d"', "lone surrogate '\\ud83d' in string", 1),
    ("($.a == 1", "unclosed '('", 0),
    ("(($.a == 1)", "unclosed '('", 0),
    ("$.a == 1)", "unbalanced ')'", 8),
    ("($.a))", "unbalanced ')'", 5),
    ("$.a in [1, 2", "unclosed '['", 7),
    ("$.a in [1, 2)", "unbalanced ')'", 12),
    ("$.a in 1]", "unbalanced ']'", 8),
    ("$.a in [1,]", "expected a value, got ']'", 10),
    ("()", "expected a value, got ')'", 1),
    ("== 1", "expected a value, got '=='", 0),
    ("$.a ==", "expected a value after '=='", 6),
    ("$.a &&", "expected a value after '&&'", 6),
    ("!", "expected a value after '!'", 1),
    ("$.a 1", "unexpected '1'; expected an operator", 4),
    ('$.a == 1 "x"', "unexpected '\"x\"'; expected an operator", 9),
    ("1, 2", "unexpected ','; expected an operator", 1),
    ("$.a == 1 #", "unexpected character '#'", 9),
    ("$.a == .5", "unexpected character '.'", 7),
    ("1e999 > 1", "number '1e999' is out of range", 0),
    ("$foo == 1", "a path must start with $input, $local, $context or $, not '$foo'", 0),
    ("$.a == $$x", "a path must start with $input, $local, $context or $, not '$$x'", 7),
    ("$.a..b == 1", "recursive descent '..' is not supported", 3),
    ("$.a[?(@.b > 1)]", "filter expressions '[?(...)]' are not supported", 3),
    ("1 == $.a[1:2]", "slices are not supported: '[1:2]'", 8),
    ("$.a[-1] == 1", "negative indexes are not supported: '[-1]'", 3),
    ("$.a. == 1", "expected a key after '.'", 4),
    ("$.a[0 == 1", "unterminated '['", 3),
    ("$input.a['b c] == 1", "unterminated quoted key", 9),
    ("(" * 40 + "1" + ")" * 40, "parentheses and brackets nest more than 32 levels deep", 32),
    ("!" * 200 + "1", "the condition nests more than 100 operations", 0),
    (" || ".join(["$.a"] * 2000), "the condition nests more than 100 operations", 0),
]


@pytest.mark.parametrize(
    ("text", "message", "offset"), ERRORS, ids=[t[:40] or "<empty>" for t, _, _ in ERRORS]
)
def test_rejected_conditions(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_condition(text)
    assert (caught.value.message, caught.value.offset) == (message, offset)
