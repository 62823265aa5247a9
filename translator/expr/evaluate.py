"""Evaluation of parsed paths, mapping sources and conditions: the last stage of ``expr``.

Everything here is pure and deterministic (no I/O, time or randomness) and imports nothing from
``temporalio``, so the interpreter workflow can call it inside the Temporal sandbox. Paths follow
reference 3.5-3.6 (a missing path is an error in mappings, ``null`` in conditions); conditions
follow the gval-like coercion rules of reference 6.4.1, spelled out on each function below.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from translator import ir


@dataclass(frozen=True, slots=True)
class Scope:
    """The values the path roots read; the caller decides what each means (reference 3.3).

    Attributes:
        input: what ``$input`` reads.
        local: what ``$local`` reads.
        context: what ``$context`` reads.
        dollar: what bare ``$`` and ``$.x`` read.
    """

    input: ir.JSONValue
    local: ir.JSONValue
    context: ir.JSONValue
    dollar: ir.JSONValue


class MissingPathError(Exception):
    """A path does not exist in the data (a run-time error in mappings, reference 3.6).

    Attributes:
        path: the path text as written, e.g. ``$input.a.b``.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"path {path!r} does not exist: {reason}")
        self.path = path


# --- paths and sources -------------------------------------------------------------------------

_MISSING: Any = object()  # a step that found nothing; never escapes this module


def evaluate_path(path: ir.Path, scope: Scope) -> ir.JSONValue:
    """Read a path.

    Without wildcards the path must exist. With wildcards (reference 3.5) the result is one flat
    array of every match in document order, flattened across wildcard levels; below the first
    wildcard, elements lacking a key or index (or of the wrong type) are skipped.

    Returns:
        A fresh copy of the value: the caller may mutate it.

    Raises:
        MissingPathError: a missing key, an index out of range, a key or index into the wrong
            type, or ``[*]`` on a non-array before any wildcard.
    """
    return _json_copy(_resolve(path, scope))


def evaluate_source(source: ir.Source, scope: Scope) -> ir.JSONValue:
    """The value of a mapping source: a path's value or a constant.

    The value is shared with the data (or the IR), not copied: the interpreter never changes
    a value once made, and copying made every step of a foreach copy what it read (the whole
    collection, for ``$input.items``). Use :func:`evaluate_path` for a copy to change.

    Raises:
        MissingPathError: see :func:`evaluate_path`.
    """
    if isinstance(source, ir.Path):
        return _resolve(source, scope)
    return source.value


def evaluate_mappings(mappings: Sequence[ir.Mapping], scope: Scope) -> dict[str, ir.JSONValue]:
    """Build the object a mapping list describes: only its targets, in order, the last one winning.

    A target is one literal key; dots in it do not create nested objects (reference 3.3). The
    values are shared, as :func:`evaluate_source` says.

    Raises:
        MissingPathError: a source path does not exist.
    """
    result: dict[str, ir.JSONValue] = {}
    for mapping in mappings:
        result[mapping.target] = evaluate_source(mapping.source, scope)
    return result


def _resolve(path: ir.Path, scope: Scope) -> Any:
    """The value at ``path`` without copying it (shared with the data)."""
    value = getattr(scope, path.root)
    for position, segment in enumerate(path.segments):
        if isinstance(segment, ir.Wildcard):
            return _project(path, position, value)
        found = _step(value, segment)
        if found is _MISSING:
            raise MissingPathError(path.text, _why_missing(value, segment))
        value = found
    return value


def _project(path: ir.Path, position: int, value: Any) -> list[Any]:
    """The segments from the first wildcard (at ``position``) on; see :func:`evaluate_path`."""
    if not isinstance(value, list):
        raise MissingPathError(path.text, f"cannot apply [*] to {_type_name(value)}")
    matches: list[Any] = list(value)
    for segment in path.segments[position + 1 :]:
        if isinstance(segment, ir.Wildcard):
            matches = [item for match in matches if isinstance(match, list) for item in match]
        else:
            found = (_step(match, segment) for match in matches)
            matches = [item for item in found if item is not _MISSING]
    return matches


def _step(value: Any, segment: ir.Key | ir.Index) -> Any:
    """One key or index step, or ``_MISSING``."""
    if isinstance(segment, ir.Key):
        return value.get(segment.name, _MISSING) if isinstance(value, dict) else _MISSING
    if isinstance(value, list) and segment.index < len(value):
        return value[segment.index]
    return _MISSING


def _why_missing(value: Any, segment: ir.Key | ir.Index) -> str:
    if isinstance(segment, ir.Key):
        if isinstance(value, dict):
            return f"no key {segment.name!r}"
        return f"cannot read key {segment.name!r} of {_type_name(value)}"
    if isinstance(value, list):
        return f"index {segment.index} out of range (length {len(value)})"
    return f"cannot read index {segment.index} of {_type_name(value)}"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _json_copy(value: Any) -> Any:
    """A deep copy of JSON data; faster than :func:`copy.deepcopy`, sharing immutable leaves."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value


# --- conditions ----------------------------------------------------------------------------------

# A finite decimal number, as strconv.ParseFloat reads it (ASCII digits only, no spaces).
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_BOOL_STRINGS = {"true": True, "TRUE": True, "false": False, "FALSE": False}


def evaluate_condition(cond: ir.Condition, scope: Scope) -> bool:
    """Whether a choice condition holds. Never raises for any JSON data.

    A missing path reads as ``null``. The value of the whole condition (for example a bare path
    such as ``$.hasMore``) is converted with the boolean rules of :func:`_to_bool`; a value that
    does not convert (an object, an array, another string) is false, and so is the whole
    condition when such a value is an operand of ``&&``, ``||`` or ``!`` (``!{}`` is false).

    Args:
        cond: the parsed condition.
        scope: what the paths read; for a choice, ``dollar`` is the choice's input.

    Returns:
        Whether the choice option is taken.
    """
    try:
        return _to_bool(_value(cond.expr, scope)) is True
    except _Undecidable:
        return False


class _Undecidable(Exception):
    """An operand of ``&&``, ``||`` or ``!`` has no boolean value: the condition is false."""


def _holds(expr: ir.Expr, scope: Scope) -> bool:
    """An operand of ``&&``, ``||`` or ``!`` under the boolean rules (reference 6.4.1)."""
    value = _to_bool(_value(expr, scope))
    if value is None:
        raise _Undecidable
    return value


def loose_equal(a: ir.JSONValue, b: ir.JSONValue) -> bool:
    """FDL ``==`` (reference 6.4.1), the first matching rule deciding.

    1. both numbers (``bool`` is not a number) -> numeric compare;
    2. both booleans -> boolean compare;
    3. both number-convertible (numbers, or strings holding a finite decimal number such as
       ``"10"`` or ``"-2.5"``) -> numeric compare;
    4. both boolean-convertible (booleans; ``null`` as false; ``"true"``, ``"TRUE"``, ``"false"``,
       ``"FALSE"``; numbers, 0 false and others true) -> boolean compare;
    5. otherwise strict deep JSON equality (strings exact, objects and arrays structural,
       ``1 == 1.0``).

    So ``true == "true"``, ``1 == "1"``, ``null == false`` and ``2 == true`` hold and
    ``"abc" == "ABC"`` does not.
    """
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    number_a, number_b = _to_number(a), _to_number(b)
    if number_a is not None and number_b is not None:
        return number_a == number_b
    bool_a, bool_b = _to_bool(a), _to_bool(b)
    if bool_a is not None and bool_b is not None:
        return bool_a == bool_b
    return _json_equal(a, b)


def _value(expr: ir.Expr, scope: Scope) -> Any:
    """The JSON value of an expression; ``None`` stands for null, missing and undefined."""
    if isinstance(expr, ir.Literal_):
        return expr.value
    if isinstance(expr, ir.PathRef):
        try:
            return _resolve(expr.path, scope)
        except MissingPathError:
            return None
    if isinstance(expr, ir.Binary):
        return _binary(expr, scope)
    if isinstance(expr, ir.Unary):
        return _unary(expr, scope)
    return [_value(item, scope) for item in expr.items]


def _unary(expr: ir.Unary, scope: Scope) -> Any:
    """``!x``: not of the boolean rules (a non-convertible operand makes the condition false).
    ``-x``: the negated number of a number-convertible operand, otherwise ``None``."""
    if expr.op == "!":
        return not _holds(expr.operand, scope)
    operand = _value(expr.operand, scope)
    number = _to_number(operand)
    return None if number is None else -number


def _binary(expr: ir.Binary, scope: Scope) -> Any:
    """Logical operators short-circuit; the others evaluate both sides."""
    op = expr.op
    if op == "&&":
        return _holds(expr.left, scope) and _holds(expr.right, scope)
    if op == "||":
        return _holds(expr.left, scope) or _holds(expr.right, scope)
    left, right = _value(expr.left, scope), _value(expr.right, scope)
    if op == "==":
        return loose_equal(left, right)
    if op == "!=":
        return not loose_equal(left, right)
    if op == "in":
        return _contains(right, left)
    return _order(op, left, right)


def _order(op: str, a: Any, b: Any) -> bool:
    """``<``, ``<=``, ``>``, ``>=``: numeric when both sides are number-convertible; otherwise the
    string forms compare lexicographically; a ``null`` or missing side makes the result false."""
    number_a, number_b = _to_number(a), _to_number(b)
    if number_a is not None and number_b is not None:
        a, b = number_a, number_b
    elif a is None or b is None:
        return False
    else:
        a, b = _string_form(a), _string_form(b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    return bool(a > b) if op == ">" else bool(a >= b)


def _contains(container: Any, item: Any) -> bool:
    """``item in container``: an array holds an element loosely equal to ``item``; an object has
    the key that is ``item``'s string form; any other container (null, string, ...) is false."""
    if isinstance(container, list):
        return any(loose_equal(item, element) for element in container)
    if isinstance(container, dict):
        return _string_form(item) in container
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _to_number(value: Any) -> int | float | None:
    """A number, or a string holding a finite decimal number; else ``None`` (booleans too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str) or not _NUMBER.fullmatch(value):
        return None
    if _INTEGER.fullmatch(value) and len(value) < 300:  # exact, and well below int()'s limit
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def _to_bool(value: Any) -> bool | None:
    """The boolean rules: booleans; ``null`` is false; ``"true"``/``"TRUE"``/``"false"``/
    ``"FALSE"``; numbers (0 is false). Anything else does not convert (``None``)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str):
        return _BOOL_STRINGS.get(value)
    if isinstance(value, int | float):
        return value != 0
    return None


def _string_form(value: Any) -> str:
    """Strings as they are; anything else as compact JSON with sorted keys."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str)


def _json_equal(a: Any, b: Any) -> bool:
    """Strict deep JSON equality: unlike Python's ``==``, ``true`` never equals ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_json_equal, a, b))
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return False
    return bool(a == b)
