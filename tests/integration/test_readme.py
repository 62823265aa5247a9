"""The README's examples, run in the README's order against one Temporal server.

A comment on the line before a fenced block says what the test does with it:

- ``<!-- readme-test: run -->`` runs the block. In a ``console`` block each ``$ `` line is a
  command and the lines under it are its output, compared with what the command prints
  (stdout and stderr, as a terminal shows them); a command shown without output must exit 0.
  An ``sh`` block runs as one script that must exit 0; a ``python`` block as one script too.
  ``run worker=PATH`` starts ``fdl worker --config PATH`` before the block, as the README's
  ``fdl dev`` in another terminal would, and keeps it running until the last block: every
  project's worker serves its own task queue, so the examples cannot take each other's
  tasks whatever runs beside them.
- ``<!-- readme-test: file=NAME -->`` writes the block to ``NAME`` before anything runs
  (examples name files the README shows further down).
- ``<!-- readme-test: skip: REASON -->`` never runs the block; the reason says why.

Every ``sh``, ``console`` and ``python`` block needs one of them. In compared output, ids that
differ on every run (UUIDs, message ids, version hashes, times, ``fdl-run-`` queues) match any
id of their kind, and a line ``...`` matches any number of lines.

The blocks run in a copy of ``examples/``, with ``TEMPORAL_ADDRESS`` pointed at the session's
dev server and a namespace of their own (prepared with ``fdl setup``'s service), so other
tests' flows and workers never meet them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.client import Client

from worker.local.devserver import DevServer
from worker.service.setup import prepare_namespace

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
RUNNABLE = {"sh", "console", "python"}
MARKER = re.compile(
    r"<!-- readme-test: (?P<action>run|file=\S+|skip: .+?)(?P<options>( \S+=\S+)*) -->"
)
FENCE = re.compile(r"^```(\w*)$")
IDS = [
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"\bfdl-run-[0-9a-f]{12}\b"), "fdl-run-<id>"),
    (re.compile(r"\b[0-9A-F]{32}\b"), "<message-id>"),
    (re.compile(r"\b[0-9a-f]{12}\b"), "<version>"),
    (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\b"), "<time>"),
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """A fenced block of the README and the marker before it."""

    line: int
    language: str
    text: str
    action: str
    options: dict[str, str]

    @property
    def id(self) -> str:
        return f"README.md:{self.line}"


def blocks() -> list[Block]:
    lines = README.read_text(encoding="utf-8").splitlines()
    found, at = [], 0
    while at < len(lines):
        fence = FENCE.match(lines[at].strip())  # list items indent their blocks
        if not fence:
            at += 1
            continue
        end = next(n for n in range(at + 1, len(lines)) if lines[n].strip() == "```")
        marker = MARKER.fullmatch(lines[at - 1].strip()) if at else None
        options = dict(o.split("=", 1) for o in marker["options"].split()) if marker else {}
        text = textwrap.dedent("\n".join(lines[at + 1 : end])) + "\n"
        action = marker["action"] if marker else ""
        found.append(
            Block(line=at + 1, language=fence[1], text=text, action=action, options=options)
        )
        at = end + 1
    return found


def test_every_example_is_marked() -> None:
    unmarked = [b.id for b in blocks() if b.language in RUNNABLE and not b.action]
    assert unmarked == [], "mark these blocks with <!-- readme-test: ... --> (see this module)"
    for block in blocks():
        if block.action == "run":
            assert block.language in RUNNABLE, block.id
        if block.action.startswith("skip"):
            assert len(block.action) > len("skip: ") + 10, f"{block.id}: say why it is skipped"


@pytest.fixture(scope="module")
async def namespace(dev_server: DevServer) -> str:
    name = f"readme-{uuid.uuid4().hex[:8]}"
    await prepare_namespace(await Client.connect(dev_server.address, namespace=name))
    return name


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the examples to run in (their state and the files examples write land here)."""
    root = tmp_path_factory.mktemp("readme")
    ignore = shutil.ignore_patterns("__pycache__", ".fdl", "*.db")
    shutil.copytree(ROOT / "examples", root / "examples", ignore=ignore)
    for block in blocks():
        if block.action.startswith("file="):
            target = root / block.action.removeprefix("file=")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def env(dev_server: DevServer, namespace: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "FDL_"))}
    env |= {"TEMPORAL_ADDRESS": dev_server.address, "TEMPORAL_NAMESPACE": namespace}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_examples_run_in_order(workdir: Path, env: dict[str, str]) -> None:
    with ExitStack() as workers:
        started: set[str] = set()
        for block in blocks():
            if block.action != "run":
                continue
            config = block.options.get("worker")
            if config and config not in started:
                workers.enter_context(background_worker(config, workdir, env))
                started.add(config)
            if block.language == "console":
                run_console(block, workdir, env)
            else:
                suffix = ".py" if block.language == "python" else ".sh"
                code, output = run_script(block.text, suffix, workdir, env)
                assert code == 0, f"{block.id} exited {code}:\n{output}"


@contextmanager
def background_worker(config: str, workdir: Path, env: dict[str, str]) -> Iterator[None]:
    worker = subprocess.Popen(
        ["fdl", "worker", "--config", config], cwd=workdir, env=env, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        assert "worker ready" in (worker.stderr.readline() if worker.stderr else "")
        yield
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def run_script(
    text: str, suffix: str, workdir: Path, env: dict[str, str], *, stop_on_error: bool = True
) -> tuple[int, str]:
    """Run ``text`` as a bash or Python script; jobs it leaves in the background are ended."""
    script = workdir / f"readme-block{suffix}"
    script.write_text(text, encoding="utf-8")
    program = [sys.executable] if suffix == ".py" else ["bash", "-e" if stop_on_error else "+e"]
    log = workdir / "readme-block.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*program, str(script)], cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            code = proc.wait(timeout=120)
        finally:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    return code, log.read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    text: str
    expected: list[str]


def commands(block: Block) -> list[Command]:
    found: list[Command] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            found.append(Command(text=line[2:], expected=[]))
        elif found and found[-1].text.endswith("\\"):
            found[-1] = Command(text=found[-1].text + "\n" + line, expected=[])
        elif found:
            found[-1].expected.append(line)
    return found


def run_console(block: Block, workdir: Path, env: dict[str, str]) -> None:
    steps = commands(block)
    script = ["__rc=0"]
    for n, step in enumerate(steps):
        script += [f"printf '\\036cmd {n}\\n'", "(exit $__rc)", step.text, "__rc=$?"]
        script.append("printf '\\036rc %d\\n' $__rc")
    code, output = run_script("\n".join(script) + "\n", ".sh", workdir, env, stop_on_error=False)
    assert code == 0, output
    results = re.findall(r"\x1ecmd (\d+)\n(.*?)\x1erc (\d+)\n", output, re.S)
    assert len(results) == len(steps), output
    for step, (_, printed, rc) in zip(steps, results, strict=True):
        where = f"{block.id}: $ {step.text}"
        if step.expected:
            assert matches(step.expected, printed), (
                f"{where}\nexpected:\n{chr(10).join(step.expected)}\ngot:\n{printed}"
            )
        else:
            assert rc == "0", f"{where} exited {rc}:\n{printed}"


def normalized(text: str) -> str:
    for pattern, placeholder in IDS:
        text = pattern.sub(placeholder, text)
    return "\n".join(line.rstrip() for line in text.splitlines())


def matches(expected: list[str], printed: str) -> bool:
    pattern = "".join(
        r"(?:.*\n)*?" if line == "..." else re.escape(normalized(line)) + r"\n" for line in expected
    )
    return re.fullmatch(pattern, normalized(printed) + "\n") is not None
