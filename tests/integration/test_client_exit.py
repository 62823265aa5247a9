"""A short program that uses the client ends with its own exit code, not a crash.

Temporal's native runtime, left to the interpreter's own teardown, could touch Python objects
while the interpreter finalizes: a short script that started a workflow then died with
SIGABRT or SIGSEGV after printing its result (7 runs in 60 here). ``connect`` frees the
runtime from an ``atexit`` hook instead. The crash is a race, so the script runs several
times: without the hook about half of such batches crash.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from worker.local.devserver import DevServer

SCRIPT = """
import asyncio, sys, uuid
from worker.service.connection import connect

async def main() -> None:
    client = await connect(sys.argv[1])
    name = f"exit-{uuid.uuid4().hex}"
    handle = await client.start_workflow("nothing", id=name, task_queue="none")
    await handle.terminate()
    print("done")

asyncio.run(main())
"""


def test_a_short_client_program_exits_cleanly(dev_server: DevServer, tmp_path: Path) -> None:
    script = tmp_path / "short.py"
    script.write_text(SCRIPT)
    codes = []
    for _ in range(10):
        done = subprocess.run(
            [sys.executable, str(script), dev_server.address],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert done.stdout.strip() == "done", done.stderr
        codes.append(done.returncode)
    assert codes == [0] * 10
