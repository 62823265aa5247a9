"""Definition commands: ``fdl validate`` (check files, report every problem) and ``fdl compile``.

Both are thin edges over :func:`translator.compile_file`. Problems go to stderr as
``FILE:LINE:COL: key.path: message`` with the source line and a caret, or to stdout as JSON
with ``--json``; the exit code is 1 when any file is invalid or missing. Unexpected errors
are one line unless ``--debug`` asks for the traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from cli.common import EXIT_INVALID, err
from cli.options import DebugOption, ResolveRefsOption
from translator import DefinitionError, Problem, compile_file


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``compile`` to ``app``."""
    app.command("validate")(validate)
    app.command("compile")(compile_command)


def validate(
    files: Annotated[
        list[Path], typer.Argument(help="FDL definitions to check.", show_default=False)
    ],
    resolve_refs: ResolveRefsOption = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the problems as a JSON list on stdout instead."),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Check FDL files and report every problem, with file, line, column and key path."""
    problems: list[Problem] = []
    for path in files:
        found = _check(path, resolve_refs=resolve_refs, debug=debug)
        problems.extend(found)
        if as_json:
            continue
        if found:
            err("\n".join(problem.render() for problem in found))
        else:
            print(f"{path}: ok")
    if as_json:
        print(json.dumps([_as_json(problem) for problem in problems], indent=2))
    if problems:
        raise typer.Exit(EXIT_INVALID)


def compile_command(
    file: Annotated[Path, typer.Argument(help="The FDL definition.", show_default=False)],
    resolve_refs: ResolveRefsOption = False,
    debug: DebugOption = False,
) -> None:
    """Compile an FDL file and print its IR as canonical JSON."""
    try:
        flow = compile_file(file, resolve_refs=resolve_refs)
    except DefinitionError as error:
        err(error.render())
        raise typer.Exit(EXIT_INVALID) from None
    except Exception as error:
        _internal(file, error, debug)
    sys.stdout.write(flow.dumps())


def _check(path: Path, *, resolve_refs: bool, debug: bool) -> list[Problem]:
    try:
        compile_file(path, resolve_refs=resolve_refs)
    except DefinitionError as error:
        return error.problems
    except Exception as error:
        _internal(path, error, debug)
    return []


def _internal(path: Path, error: Exception, debug: bool) -> NoReturn:
    """A bug, not bad input: one line, or the traceback with ``--debug``."""
    if debug:
        raise error
    err(f"{path}: internal error: {type(error).__name__}: {error} (rerun with --debug)")
    raise typer.Exit(EXIT_INVALID) from None


def _as_json(problem: Problem) -> dict[str, Any]:
    span = problem.span
    return {
        "file": problem.file,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "path": problem.key_path,
        "message": problem.message,
    }
