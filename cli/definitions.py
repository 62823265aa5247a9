"""Definition commands: ``fdl validate`` (check files, report every problem) and ``fdl compile``.

Both are thin edges over :func:`translator.compile_file`. Problems go to stderr as
``FILE:LINE:COL: key.path: message`` with the source line and a caret, or to stdout as JSON
with ``--json``; the exit code is 1 when any file is invalid or missing. With a project
config (``--config``), ``validate`` also checks the flows against it before anything runs:
every function bound, every handler importable and callable, the queue file usable
(:mod:`worker.preflight`). Unexpected errors are one line unless ``--debug`` asks for the
traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from cli.common import EXIT_INVALID, err
from cli.options import DebugOption, ResolveRefsOption
from translator import DefinitionError, Problem, compile_file, ir
from worker import preflight
from worker.config import CONFIG_ENV, ConfigError, load_config

ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar=CONFIG_ENV,
        help="Also check the flows against this project config: every function bound, "
        "importable and callable, the queue file usable.",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``compile`` to ``app``."""
    app.command("validate")(validate)
    app.command("compile")(compile_command)


def validate(
    files: Annotated[
        list[Path], typer.Argument(help="FDL definitions to check.", show_default=False)
    ],
    config: ProjectOption = None,
    resolve_refs: ResolveRefsOption = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the problems as a JSON list on stdout instead."),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Check FDL files and report every problem, with file, line, column and key path.

    With --config, also check the flows against the project: every function they call
    bound, every handler importable and callable, the queue file usable.
    """
    problems: list[Problem] = []
    project = None
    if config is not None:
        try:
            project = load_config(config)
        except ConfigError as exc:
            problems.extend(exc.problems)
            _report(exc.problems, "", as_json)
    flows: list[ir.Flow] = []
    for path in files:
        found, flow = _check(path, resolve_refs=resolve_refs, debug=debug)
        if flow is not None and project is not None:
            text = path.read_text("utf-8")
            found += preflight.unbound(str(path), text, flow, project)
            found += preflight.mns_destinations(str(path), text, flow, project)
            flows.append(flow)
        problems.extend(found)
        _report(found, f"{path}: ok", as_json)
    if project is not None:
        found = preflight.handlers(project, preflight.used_functions(flows))
        if preflight.sends_messages(flows):
            found += preflight.queue_file(project)
        problems.extend(found)
        _report(found, f"{project.file or 'project config'}: ok", as_json)
    if as_json:
        print(json.dumps([as_json_problem(problem) for problem in problems], indent=2))
    if problems:
        raise typer.Exit(EXIT_INVALID)


def _report(found: list[Problem], ok: str, as_json: bool) -> None:
    if as_json:
        return
    if found:
        err("\n".join(problem.render() if problem.file else problem.message for problem in found))
    else:
        print(ok)


def compile_command(
    file: Annotated[Path, typer.Argument(help="The FDL definition.", show_default=False)],
    resolve_refs: ResolveRefsOption = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Scripts: the IR on stdout as always, and problems as a JSON list on stdout "
            "too (as `fdl validate --json` prints them).",
        ),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Compile an FDL file and print its IR as canonical JSON."""
    try:
        flow = compile_file(file, resolve_refs=resolve_refs)
    except DefinitionError as error:
        if as_json:
            print(json.dumps([as_json_problem(p) for p in error.problems], indent=2))
        else:
            err(error.render())
        raise typer.Exit(EXIT_INVALID) from None
    except Exception as error:
        _internal(file, error, debug)
    sys.stdout.write(flow.dumps())


def _check(path: Path, *, resolve_refs: bool, debug: bool) -> tuple[list[Problem], ir.Flow | None]:
    try:
        return [], compile_file(path, resolve_refs=resolve_refs)
    except DefinitionError as error:
        return error.problems, None
    except Exception as error:
        _internal(path, error, debug)


def _internal(path: Path, error: Exception, debug: bool) -> NoReturn:
    """A bug, not bad input: one line, or the traceback with ``--debug``."""
    if debug:
        raise error
    err(f"{path}: internal error: {type(error).__name__}: {error} (rerun with --debug)")
    raise typer.Exit(EXIT_INVALID) from None


def as_json_problem(problem: Problem) -> dict[str, Any]:
    """A problem for scripts: ``File``, ``Line``, ``Column``, ``Path``, ``Message``."""
    span = problem.span
    return {
        "File": problem.file,
        "Line": span.line if span else None,
        "Column": span.column if span else None,
        "Path": problem.key_path,
        "Message": problem.message,
    }
