"""Inputs that used to end in tracebacks are refused with one line each, exit 1.

JSON handed to a command (``--input``, ``--payload``, ``--output``) must be plain JSON within
the limits every engine part can carry (``translator.rules``): at most 1 MiB, 100 levels
deep, numbers of at most 300 digits, no NaN or infinity. A queue ``--db`` that is not a
queue file is one line, and a ``--db`` in a folder that does not exist creates nothing.
No server is needed: every check comes before any connection.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from worker.contract.tokens import TaskToken

FLOW = "version: v1\ntype: flow\nsteps:\n  - {type: pass, name: hello}\n"
TOKEN = TaskToken(workflow_id="f:e", run_id="r", number=1, secret="0" * 32).encode()


@pytest.fixture(autouse=True)
def unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(("FDL_", "TEMPORAL_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")  # never reached: inputs come first


def fdl(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def commands_taking_json(tmp_path: Path, value: str) -> dict[str, list[str]]:
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW)
    return {
        "--input": ["run", str(flow), "--input", value],
        "--input ": ["execution", "start", "demo", "--input", value],
        "--payload": ["schedule", "create", "demo", "nightly", "--cron", "0 0 3 * * *",
                      "--payload", value],
        "--output": ["task", "succeed", TOKEN, "--output", value],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested 100,000 levels deep, at most 100 are accepted"),
        ('{"n": ' + "7" * 5000 + "}", "a number of 5,000 digits; at most 300 are accepted"),
        ('{"n": NaN}', "NaN is not JSON (JSON numbers have no NaN or infinity)"),
        ('{"n": -Infinity}', "-Infinity is not JSON (JSON numbers have no NaN or infinity)"),
        ('{"n": 1e999}', "the number 1e999 is out of range (at most about 1.8e308)"),
        ('{"n": ' + "1" * 3 * 1024 * 1024 + "}", "3,145,735 bytes, at most 1,048,576 are accepted"),
    ],
    ids=["deep", "digits", "nan", "infinity", "overflow", "3 MB"],
)
def test_json_beyond_the_limits_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "input.json"
    file.write_text(text)
    for option, args in commands_taking_json(tmp_path, f"@{file}").items():
        code, out, err = fdl(*args)
        assert (code, out) == (1, ""), option
        assert err == f"error: {option.strip()}: {message}\n", option


def test_json_within_the_limits_passes_the_check(tmp_path: Path) -> None:
    deep = "[" * 99 + "]" * 99
    value = '{"deep": ' + deep + ', "n": ' + "9" * 300 + ', "s": "[[[[\\"{{"}'
    code, _, err = fdl("run", tmp_path / "missing.yaml", "--input", value)
    assert code == 1 and "no such file" in err  # the input was accepted; the file is next


def test_queue_commands_refuse_a_file_that_is_not_a_queue_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    for db, reason in [
        (text, "is not a queue file (not an SQLite database)"),
        (other, "is an SQLite database without queues, not a queue file"),
    ]:
        for args in (["list"], ["peek", "jobs"], ["send", "jobs", "hi"], ["create", "jobs"]):
            code, out, err = fdl("queue", *args, "--db", db)
            assert (code, out, err) == (1, "", f"error: queue file {db} {reason}\n"), args
    assert text.read_text() == "not a database\n"


def test_a_db_in_a_folder_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "typo" / "q.db"
    for args in (["list"], ["peek", "jobs"]):
        code, _, err = fdl("queue", *args, "--db", typo)
        assert (code, err) == (1, f"error: no queue file at {typo} (check --db, or create a "
                                   "queue first)\n")  # fmt: skip
    for args in (["send", "jobs", "hi"], ["create", "jobs"]):
        code, _, err = fdl("queue", *args, "--db", typo)
        assert (code, err) == (1, f"error: --db {typo}: folder {typo.parent} does not exist\n")
    assert not typo.parent.exists()


def test_the_default_queue_file_is_created_with_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert fdl("queue", "create", "jobs")[0] == 0
    assert (tmp_path / ".fdl" / "queue.db").is_file()
