"""Plain JSON: the values FDL data may hold, checked where data enters, and their sizes.

FDL data (execution inputs, function results, callback outputs, child outputs, constants in a
definition) is JSON. Python's ``json`` module accepts more than JSON readers elsewhere do:
``NaN`` and ``Infinity``, strings holding lone UTF-16 surrogates (``"\\ud800"``, what
``os.listdir`` returns for a file name that is not UTF-8), integers of any size (Python
refuses to print one of over 4,300 digits) and nesting until the interpreter's stack runs
out. Such a value inside an execution fails later, far from where it came in (encoding it as
UTF-8 raises, another SDK cannot read it), so every place where data enters checks it once
with :func:`check` and refuses it there, with the path of the offending value. The limits are
those of JSON a user hands in (``translator.rules``, which the CLI also checks on the text).

The sizes FDL and Temporal limit are measured here too: :func:`utf8_size` is the step data
limit's measure (compact UTF-8 JSON, reference 3.7), :func:`payload_size` what Temporal's JSON
converter stores (compact, non-ASCII escaped), which Temporal's payload limit applies to.

Pure and deterministic: the translator, the workflow sandbox, activities and clients share it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from translator.rules import MAX_JSON_DEPTH, MAX_NUMBER_DIGITS

PLAIN_JSON_RULE = (
    f"no NaN or Infinity, no lone surrogates in strings, numbers of at most "
    f"{MAX_NUMBER_DIGITS} digits, at most {MAX_JSON_DEPTH} levels of nesting"
)
""":func:`check`'s rules in words, for messages and documentation."""


class NotPlainJSON(ValueError):
    """A value that is not plain JSON.

    Attributes:
        path: where in the value, as a path (``$.items[3].name``).
        problem: what is wrong there.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def check(value: Any, root: str = "$") -> None:
    """Raise :class:`NotPlainJSON` unless ``value`` is plain JSON (see :data:`PLAIN_JSON_RULE`).

    Args:
        value: a decoded JSON value (dicts with string keys, lists, strings, numbers,
            booleans, ``None``).
        root: how the path of an offending value starts.
    """
    try:
        _check(value, 0)
    except _Found as found:
        path = root + "".join(reversed(found.segments))
        if len(path) > PATH_SHOWN:
            path = path[: PATH_SHOWN - 3] + "..."
        raise NotPlainJSON(path, found.problem) from None


def problem(value: Any) -> str | None:
    """Why ``value`` is not plain JSON (``"<path>: <problem>"``), or ``None`` when it is."""
    try:
        check(value)
    except NotPlainJSON as exc:
        return str(exc)
    return None


PATH_SHOWN = 200
"""Characters of an offending value's path shown in a message."""


class _Found(Exception):
    """What is wrong, and the path to it, collected innermost first as it propagates."""

    def __init__(self, problem: str, segment: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.segments = [segment] if segment else []


def _check(value: Any, depth: int) -> None:
    # Paths are built only for the one offending value, on the way out. Exact types first:
    # inside the workflow sandbox isinstance() is a Python function, and inputs are large.
    kind = type(value)
    if kind is str:
        if not value.isascii():
            _check_text(value)
    elif kind is list:
        _check_depth(depth)
        _check_list(value, depth)
    elif kind is dict:
        _check_depth(depth)
        for key, item in value.items():
            if type(key) is not str:
                raise _Found(f"object key {key!r} is not a string")
            if not key.isascii():
                try:
                    _check_text(key)
                except _Found as found:
                    found.segments.append(f" (key {key[:40]!r})")
                    raise
            try:
                _check(item, depth + 1)
            except _Found as found:
                found.segments.append(_key_segment(key))
                raise
    else:
        _check_other(value, depth)


_TOO_BIG = 10**MAX_NUMBER_DIGITS
"""The smallest integer with more digits than a number may have."""


def _check_list(value: list[Any], depth: int) -> None:
    for position, item in enumerate(value):
        kind = type(item)
        if kind is int and -_TOO_BIG < item < _TOO_BIG:
            continue  # the common case of a long list, without a call
        if kind is str and item.isascii():
            continue
        try:
            _check(item, depth + 1)
        except _Found as found:
            found.segments.append(f"[{position}]")
            raise


def _check_other(value: Any, depth: int) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not -_TOO_BIG < value < _TOO_BIG:
            raise _Found(
                f"a number of over {MAX_NUMBER_DIGITS} digits ({value.bit_length()} bits); at "
                f"most {MAX_NUMBER_DIGITS} are accepted"
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Found(f"{value!r} is not a JSON number")
    elif isinstance(value, str | list | dict):
        _check(_plain_copy(value), depth)  # a subclass (OrderedDict, ...): check its content
    else:
        raise _Found(f"a {type(value).__name__} is not a JSON value")


def _plain_copy(value: str | list[Any] | dict[str, Any]) -> Any:
    if isinstance(value, str):
        return str(value)
    return list(value) if isinstance(value, list) else dict(value)


def _check_depth(depth: int) -> None:
    if depth >= MAX_JSON_DEPTH:
        raise _Found(f"nested deeper than {MAX_JSON_DEPTH} levels")


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise _Found(
            f"the string holds a lone surrogate (U+{code:04X}), which is not text"
        ) from None


def _key_segment(key: str) -> str:
    if key.isidentifier():
        return f".{key}"
    return f"[{json.dumps(key, ensure_ascii=False)}]"


def utf8_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON (the step data limit's measure)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def payload_size(value: Any) -> int:
    """Bytes of ``value`` as Temporal's JSON converter writes it (compact, ASCII-escaped)."""
    return len(json.dumps(value, separators=(",", ":")))


def parse(text: str | bytes, what: str) -> Any:
    """Parse JSON text and check that it is plain JSON.

    Raises:
        NotPlainJSON: the text is not JSON, or holds a value that is not plain JSON
            (``NaN``, a lone surrogate, ...); the message starts with ``what``.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise NotPlainJSON(what, f"not valid JSON: {exc}") from None
    check(value, what)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")
