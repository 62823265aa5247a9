"""The embedded server never outlives the process that started it, even one killed by SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from worker.local.devserver import free_port, port_open

STARTER = """
import sys, time
from worker.local.devserver import DevServer
server = DevServer(port=int(sys.argv[1]), ui_port=None).start()
print(server.process.pid, flush=True)
time.sleep(600)
"""


def test_the_server_stops_when_its_starter_is_killed() -> None:
    port = free_port()
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert starter.stdout is not None
    server_pid = int(starter.stdout.readline())
    assert port_open("127.0.0.1", port)

    starter.send_signal(signal.SIGKILL)
    starter.wait(timeout=10)

    deadline = time.monotonic() + 20
    while port_open("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.1)
    outlived = port_open("127.0.0.1", port)
    if outlived:  # clean up the orphan this test made before failing
        with contextlib.suppress(ProcessLookupError):
            os.kill(server_pid, signal.SIGKILL)
    assert not outlived, "the server outlived its starter"
