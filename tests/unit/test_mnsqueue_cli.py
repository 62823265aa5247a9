"""``fdl queue``: create, send, list, peek on a file, and serve until SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from mns.account import Account
from mns.queue import Message
from typer.testing import CliRunner

from cli import queue as queue_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """The fdl app stand-in."""

    queue_cli.register(app)
    return app


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["queue", *args])
    return result.exit_code, result.stdout, result.stderr


def test_create_send_list_and_peek(app: typer.Typer, tmp_path: Path) -> None:
    db = str(tmp_path / "q.db")
    assert run(app, "create", "jobs", "--visibility-timeout", "5", "--db", db)[0] == 0
    code, out, _ = run(app, "send", "jobs", '{"task_token": "t"}', "--priority", "2", "--db", db)
    assert code == 0
    message_id = out.strip()
    code, out, _ = run(app, "list", "--json", "--db", db)
    [listed] = json.loads(out)
    assert (listed["QueueName"], listed["ActiveMessages"]) == ("jobs", 1)
    assert listed["VisibilityTimeout"] == 5
    code, out, _ = run(app, "peek", "jobs", "--db", db)
    assert out.split() == [message_id, "priority", "2", '{"task_token":', '"t"}']
    assert "jobs" in run(app, "list", "--db", db)[1]


def test_queue_errors_exit_1_without_traceback(app: typer.Typer, tmp_path: Path) -> None:
    assert run(app, "create", "jobs", "--db", str(tmp_path / "q.db"))[0] == 0
    code, _, err = run(app, "peek", "nothere", "--db", str(tmp_path / "q.db"))
    assert code == 1
    assert err == "error: QueueNotExist: The queue name you provided is not exist.\n"
    code, _, err = run(app, "send", "jobs", "x", "--priority", "17", "--db", str(tmp_path / "q.db"))
    assert (code, err) == (
        1,
        "error: InvalidArgument: The value of Priority should between 1 and 16.\n",
    )


def test_serve_needs_both_or_no_credentials(app: typer.Typer) -> None:
    assert run(app, "serve", "--access-id", "only-id")[0] == 2


def test_serve_answers_the_sdk_until_sigterm(tmp_path: Path) -> None:
    program = (
        "import typer; from cli import queue\n"
        "app = typer.Typer()\n"
        "app.callback()(lambda: None)\n"
        "queue.register(app); app()\n"
    )
    args = ["queue", "serve", "--port", "0", "--db", str(tmp_path / "q.db")]
    args += ["--access-id", "id", "--access-key", "key"]
    server = subprocess.Popen(
        [sys.executable, "-c", program, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = (server.stdout.readline() if server.stdout else "").strip()
        assert url.startswith("http://127.0.0.1:")
        queue = Account(url, "id", "key").get_queue("jobs")
        queue.set_encoding(False)
        queue.send_message(Message("hello"))
        assert queue.receive_message(0).message_body == "hello"
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=10)
    assert server.returncode == 0
    assert "stopping" in err
