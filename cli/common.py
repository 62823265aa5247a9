"""What every ``fdl`` command shares: exit codes, error printing, reading definitions and JSON.

Domain errors are caught at the command edge and printed as one line (``--debug`` shows the
traceback instead); tracebacks are never the way a user learns about bad input.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import typer

from translator import DefinitionError, compile_file, ir, plainjson, rules
from worker.config import DEFAULT_CONFIG, ConfigError, ProjectConfig, config_path, load_config

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_FLOW_FAILED = 3


class UserError(Exception):
    """Bad input from the user (a file, an option value); printed without a traceback."""


def err(message: str) -> None:
    """Print a line for people on stderr (stdout stays machine-readable)."""
    print(message, file=sys.stderr, flush=True)


def fail(exc: BaseException, debug: bool = False, code: int = EXIT_INVALID) -> NoReturn:
    """Report ``exc`` and exit with ``code``; with ``debug`` show the traceback too."""
    if debug:
        traceback.print_exception(exc)
    if isinstance(exc, DefinitionError | ConfigError):
        err(exc.render())
    else:
        err(f"error: {exc}")
    raise typer.Exit(code) from None


def trace_block(trace: str) -> str:
    """A handler's frames for people, under the header Python's own tracebacks have."""
    return f"handler traceback (most recent call last):\n{trace}"


def load_definition(path: Path, *, resolve_refs: bool = False) -> ir.Flow:
    """Compile an FDL file; a missing or unreadable file is a :class:`UserError`."""
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    return compile_file(path, resolve_refs=resolve_refs)


def load_project(path: Path | None, beside: Path | None = None) -> ProjectConfig:
    """The project config of a command: ``path``, else ``FDL_CONFIG``, else the ``fdl.yaml``
    beside the flow file ``beside`` (a flow belongs to the project of its folder), else
    ``./fdl.yaml``; none of them means an empty config (no bindings, queue ``fdl``).

    Raises:
        ConfigError: a named file is missing, or the file is invalid (located problems).
    """
    _, explicit = config_path(path)
    if not explicit and beside is not None:
        candidate = beside.parent / DEFAULT_CONFIG
        if candidate.is_file():
            path = candidate
    return load_config(path)


def parse_json_object(text: str, what: str) -> dict[str, Any]:
    """Parse ``text`` (JSON, or ``@file`` holding JSON) that must be a JSON object.

    Raises:
        UserError: the file cannot be read, or the text is not plain JSON within the
            limits of :func:`plain_json`, or not an object; the message names ``what``.
    """
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise UserError(f"{what}: cannot read {path}: {reason}") from None
    value = plain_json(text, what)
    if not isinstance(value, dict):
        raise UserError(f"{what}: must be a JSON object, got {type(value).__name__}")
    return value


def plain_json(text: str, what: str) -> Any:
    """The JSON value of ``text``, refused unless every engine part can carry it.

    The one check of JSON a command hands in: at most :data:`~translator.rules.MAX_REQUEST_BYTES`
    bytes and :data:`~translator.rules.MAX_JSON_DEPTH` levels of nesting, numbers of at most
    :data:`~translator.rules.MAX_NUMBER_DIGITS` digits, and no ``NaN`` or infinity (JSON has
    none; Python's parser accepts them), checked on the text with one-line messages; then
    :mod:`translator.plainjson`, the check every entry into an execution makes (a lone
    surrogate such as ``"\\ud800"`` is valid JSON text but no text).

    Raises:
        UserError: one line naming ``what`` and the limit.
    """
    size = len(text.encode("utf-8"))
    if size > rules.MAX_REQUEST_BYTES:
        raise UserError(f"{what}: {size:,} bytes, at most {rules.MAX_REQUEST_BYTES:,} are accepted")
    depth = nesting(text)
    if depth > rules.MAX_JSON_DEPTH:
        raise UserError(
            f"{what}: nested {depth:,} levels deep, at most {rules.MAX_JSON_DEPTH} are accepted"
        )
    try:
        value = json.loads(text, parse_constant=_not_json, parse_int=_integer, parse_float=_number)
    except json.JSONDecodeError as exc:
        raise UserError(f"{what}: not valid JSON: {exc}") from None
    except _Refused as exc:
        raise UserError(f"{what}: {exc}") from None
    try:
        plainjson.check(value, what)  # what the text checks cannot see: lone surrogates
    except plainjson.NotPlainJSON as exc:
        raise UserError(str(exc)) from None
    return value


class _Refused(ValueError):
    """A value JSON's grammar allows (or Python's parser adds) that the engine does not."""


def nesting(text: str) -> int:
    """How deeply the arrays and objects of JSON ``text`` nest (strings are skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif in_string:
            escaped = char == "\\"
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _not_json(name: str) -> Any:
    raise _Refused(f"{name} is not JSON (JSON numbers have no NaN or infinity)")


def _integer(text: str) -> int:
    _digits(text)
    return int(text)


def _number(text: str) -> float:
    _digits(text)
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"the number {text} is out of range (at most about 1.8e308)")
    return value


def _digits(text: str) -> None:
    digits = sum(char.isdigit() for char in text)
    if digits > rules.MAX_NUMBER_DIGITS:
        raise _Refused(
            f"a number of {digits:,} digits; at most {rules.MAX_NUMBER_DIGITS} are accepted"
        )
