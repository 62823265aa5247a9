"""``fdl validate`` and ``fdl compile``: output for people, JSON for scripts, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli import definitions
from translator import compile_file

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "tests" / "golden" / "valid"
INVALID = ROOT / "tests" / "golden" / "invalid"

BAD_FLOW = """\
version: v1
type: flow
steps:
  - type: choice
    name: pay
    choices:
      - condition: $.total > 0
        goto: chargeCard
  - type: wait
    name: pause
"""


@pytest.fixture
def app() -> typer.Typer:
    # Only this module's commands: the test needs neither a worker nor a Temporal client.
    app = typer.Typer()
    definitions.register(app)
    return app


@pytest.fixture
def bad_flow(tmp_path: Path) -> Path:
    path = tmp_path / "flow.yaml"
    path.write_text(BAD_FLOW, encoding="utf-8")
    return path


def invoke(app: typer.Typer, *args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def test_validate_prints_ok_per_valid_file(app: typer.Typer) -> None:
    first, second = VALID / "polling.yaml", VALID / "mns-callback.yaml"
    code, out, err = invoke(app, "validate", first, second)
    assert (code, out, err) == (0, f"{first}: ok\n{second}: ok\n", "")


def test_validate_reports_every_problem_with_a_caret_and_exits_1(
    app: typer.Typer, bad_flow: Path
) -> None:
    code, out, err = invoke(app, "validate", bad_flow)
    assert code == 1
    assert out == ""
    assert err == (
        f"{bad_flow}:8:15: steps[0].choices[0].goto: unknown step 'chargeCard'\n"
        "            goto: chargeCard\n"
        "                  ^\n"
        f"{bad_flow}:9:5: steps[1]: missing required key 'duration' (or 'timestamp')"
        " in a wait step\n"
        "      - type: wait\n"
        "        ^\n"
    )


def test_validate_checks_every_file_even_after_a_bad_one(app: typer.Typer, bad_flow: Path) -> None:
    good = VALID / "polling.yaml"
    code, out, err = invoke(app, "validate", bad_flow, good)
    assert code == 1
    assert out == f"{good}: ok\n"
    assert err.count(str(bad_flow)) == 2


def test_validate_json_lists_problems_of_all_files(app: typer.Typer, bad_flow: Path) -> None:
    code, out, err = invoke(app, "validate", "--json", bad_flow, VALID / "polling.yaml")
    assert (code, err) == (1, "")
    assert json.loads(out) == [
        {
            "File": str(bad_flow),
            "Line": 8,
            "Column": 15,
            "Path": "steps[0].choices[0].goto",
            "Message": "unknown step 'chargeCard'",
        },
        {
            "File": str(bad_flow),
            "Line": 9,
            "Column": 5,
            "Path": "steps[1]",
            "Message": "missing required key 'duration' (or 'timestamp') in a wait step",
        },
    ]


def test_validate_json_of_valid_files_is_an_empty_list(app: typer.Typer) -> None:
    code, out, _ = invoke(app, "validate", "--json", VALID / "polling.yaml")
    assert (code, json.loads(out)) == (0, [])


def test_validate_a_missing_file_is_a_clear_error(app: typer.Typer, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    code, out, err = invoke(app, "validate", missing)
    assert (code, out) == (1, "")
    assert err == f"{missing}: cannot read the file: No such file or directory\n"


def test_validate_json_reports_a_missing_file_without_position(
    app: typer.Typer, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.yaml"
    code, out, _ = invoke(app, "validate", "--json", missing)
    assert code == 1
    assert json.loads(out) == [
        {
            "File": str(missing),
            "Line": None,
            "Column": None,
            "Path": "",
            "Message": "cannot read the file: No such file or directory",
        }
    ]


def test_resolve_refs_flag_turns_refs_into_arns(app: typer.Typer) -> None:
    subflow = VALID / "oss-restore-flow.yaml"
    code, _, err = invoke(app, "validate", subflow)
    assert code == 1 and "needs --resolve-refs" in err
    code, out, err = invoke(app, "validate", "--resolve-refs", subflow)
    assert (code, out, err) == (0, f"{subflow}: ok\n", "")


def test_compile_prints_the_canonical_ir(app: typer.Typer) -> None:
    path = VALID / "schedule-workers.yaml"
    code, out, err = invoke(app, "compile", path)
    assert (code, err) == (0, "")
    assert out == compile_file(path).dumps()
    assert out == (VALID / "schedule-workers.ir.json").read_text(encoding="utf-8")


def test_compile_with_resolve_refs(app: typer.Typer) -> None:
    path = VALID / "oss-restore-flow.yaml"
    code, out, _ = invoke(app, "compile", "--resolve-refs", path)
    assert code == 0
    assert "acs:fc:::services/OSSRestoreService/functions/restoreFunction" in out


def test_compile_of_an_invalid_file_prints_problems_and_nothing_on_stdout(
    app: typer.Typer,
) -> None:
    path = INVALID / "goto-unknown-step.yaml"
    code, out, err = invoke(app, "compile", path)
    assert (code, out) == (1, "")
    assert (
        err.splitlines()[0] == f"{path}:11:15: steps[1].choices[0].goto: unknown step 'chargeCard'"
    )
    assert err.splitlines()[2].strip() == "^"


def test_an_internal_error_is_one_line_unless_debug(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(definitions, "compile_file", broken)
    code, out, err = invoke(app, "validate", VALID / "polling.yaml")
    assert (code, out) == (1, "")
    assert (
        err == f"{VALID / 'polling.yaml'}: internal error: KeyError: 'oops' (rerun with --debug)\n"
    )
    result = CliRunner().invoke(app, ["compile", "--debug", str(VALID / "polling.yaml")])
    assert isinstance(result.exception, KeyError)


def test_usage_errors_exit_2(app: typer.Typer) -> None:
    code, _, _ = invoke(app, "validate")
    assert code == 2
