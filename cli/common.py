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

from translator import DefinitionError, compile_file, ir
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
    """Parse ``text`` (JSON, or ``@file`` holding JSON) that must be a JSON object."""
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{what}: cannot read {path}: {exc.strerror}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{what}: not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise UserError(f"{what}: must be a JSON object, got {type(value).__name__}")
    return value
