"""Checks before anything starts: a project's bindings and queue file, against its flows.

A binding mistake would otherwise surface only when a step runs (``FC.FunctionNotFound``, a
``ModuleNotFoundError`` as the task's error) and a worker would say "ready" regardless.
``fdl validate --config``, ``fdl run`` and ``fdl worker``/``fdl dev`` ask here first:

- :func:`unbound`: every FC function a flow calls has a binding in ``fdl.yaml`` (located at
  the task's ``resourceArn`` in the flow file, with the closest bound name as a suggestion);
- :func:`handlers`: every Python handler imports and is callable (located at its
  ``handler:`` in ``fdl.yaml``). The modules are imported in a separate interpreter, so the
  worker itself still imports each one on its first call, like an FC cold start;
- :func:`queue_file`: the local queue file exists as a queue file or can be created;
  :func:`mns_destinations`: with the ``mns`` backend, every queue and topic a flow sends to
  exists (MNS creates none on send), asked of the endpoint.

Each returns :class:`~translator.errors.Problem` s, rendered as ``FILE:LINE:COL: key.path:
message`` like every definition problem.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from translator import ir
from translator.errors import Problem
from translator.references import references
from translator.source import Reporter, load, locate
from worker import config_source
from worker.activities.messages import mns_account
from worker.config import QUEUE_DB_ENV, ConfigError, ProjectConfig
from worker.local.mnsqueue import queuefile

PROBE_TIMEOUT = 60.0
"""Seconds the handler modules may take to import in the probe interpreter."""

_PROBE = r"""
import difflib, importlib, json, pkgutil, sys
base, targets = sys.argv[1], json.loads(sys.argv[2])
sys.path.insert(0, base)
answer, sys.stdout = sys.stdout, sys.stderr  # what the modules print stays out of the answer

def close(name, names):
    found = difflib.get_close_matches(name, sorted(set(names)), n=1)
    return f" (did you mean {found[0]!r}?)" if found else ""

def missing(name):
    parent, _, leaf = name.rpartition(".")
    if parent and not hasattr(sys.modules.get(parent), "__path__"):
        return f"no module {name!r}: {parent!r} is a module, not a package"
    where = list(sys.modules[parent].__path__) if parent else [base]
    names = [m.name for m in pkgutil.iter_modules(where)]
    return f"no module {name!r} in {where[0]}{close(leaf, names)}"

def probe(target):
    module_name, _, attributes = target.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name + ".").startswith(exc.name + "."):
            return missing(exc.name)  # the handler's own module (not one it imports)
        return f"importing {module_name!r} failed: ModuleNotFoundError: {exc}"
    except BaseException as exc:
        return f"importing {module_name!r} failed: {type(exc).__name__}: {exc}"
    owner = module_name
    for attribute in attributes.split("."):
        if not hasattr(obj, attribute):
            names = [n for n in dir(obj) if not n.startswith("_")]
            return f"{owner!r} has no attribute {attribute!r}{close(attribute, names)}"
        obj, owner = getattr(obj, attribute), f"{owner}.{attribute}"
    if not callable(obj):
        return f"{target!r} is not callable (it is a {type(obj).__name__})"
    return None

answer.write(json.dumps({key: probe(target) for key, target in targets.items()}))
"""
"""The probe: imports each handler and answers ``{binding key: problem or null}`` as JSON.
Standard library only, and the project's folder goes on ``sys.path`` as the worker puts it."""


def unbound(file: str, text: str, flow: ir.Flow, config: ProjectConfig) -> list[Problem]:
    """The FC functions ``flow`` (compiled from ``text`` of ``file``) calls without a binding."""
    bound = sorted(config.functions)
    where = str(config.file) if config.file is not None else "fdl.yaml (none found)"
    reporter = Reporter(file, text)
    root = None
    for reference in references(flow):
        resource = reference.resource
        if not isinstance(resource, ir.FunctionResource) or resource.binding_name in bound:
            continue
        if root is None:
            root = load(text, Reporter(file, text))
        close = difflib.get_close_matches(resource.binding_name, bound, n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"function {resource.binding_name!r} is not bound in {where}{hint}"
        reporter.add(locate(root, reference.loc), reference.path, message)
    return reporter.problems


def used_functions(flows: Iterable[ir.Flow]) -> set[str]:
    """The ``service/function`` keys the flows call."""
    return {
        reference.resource.binding_name
        for flow in flows
        for reference in references(flow)
        if isinstance(reference.resource, ir.FunctionResource)
    }


def sends_messages(flows: Iterable[ir.Flow]) -> bool:
    """Whether any of the flows has a task sending to an MNS queue or topic."""
    kinds = (ir.QueueResource, ir.TopicResource)
    return any(isinstance(r.resource, kinds) for flow in flows for r in references(flow))


def handlers(config: ProjectConfig, keys: Iterable[str] | None = None) -> list[Problem]:
    """Problems of the Python handlers bound to ``keys`` (default: every binding)."""
    wanted = config.functions if keys is None else set(keys)
    targets = {
        key: binding.handler
        for key, binding in config.functions.items()
        if key in wanted and binding.handler is not None
    }
    if not targets:
        return []
    found = _probe(config.base_dir, targets)
    return [
        _config_problem(config, ("functions", key, "handler"), message)
        for key, message in found.items()
        if message
    ]


def queue_file(config: ProjectConfig) -> list[Problem]:
    """A problem when the project's local queue file can neither be used nor created."""
    if config.queues.backend != "local":
        return []
    reason = queuefile.problem(config.queue_db)
    if reason is None:
        return []
    if os.environ.get(QUEUE_DB_ENV):
        return [Problem("", None, "", f"{QUEUE_DB_ENV}: queue file {config.queue_db} {reason}")]
    return [_config_problem(config, ("queues", "db"), f"queue file {config.queue_db} {reason}")]


MNS_TIMEOUT = 10
"""Seconds to wait for the MNS endpoint when checking that queues and topics exist."""


def mns_destinations(file: str, text: str, flow: ir.Flow, config: ProjectConfig) -> list[Problem]:
    """With the ``mns`` backend: the queues and topics ``flow`` sends to that do not exist."""
    sends = [
        r for r in references(flow) if isinstance(r.resource, ir.QueueResource | ir.TopicResource)
    ]
    if config.queues.backend != "mns" or not sends:
        return []
    try:
        account = mns_account(config.queues)
    except ConfigError as exc:
        return exc.problems
    account.mns_client.http.set_connection_timeout(MNS_TIMEOUT)
    reporter, root, checked = Reporter(file, text), load(text, Reporter(file, text)), set()
    for reference in sends:
        resource = reference.resource
        kind, name = _destination(resource)
        if (kind, name) in checked:
            continue
        checked.add((kind, name))
        problem = _mns_problem(account, kind, name, config.queues.endpoint or "")
        if problem:
            reporter.add(locate(root, reference.loc), reference.path, problem)
    return reporter.problems


def _destination(resource: ir.Resource) -> tuple[str, str]:
    if isinstance(resource, ir.TopicResource):
        return "topic", resource.topic
    assert isinstance(resource, ir.QueueResource)
    return "queue", resource.queue


def _mns_problem(account: Any, kind: str, name: str, endpoint: str) -> str | None:
    from mns.mns_exception import MNSExceptionBase, MNSServerException  # type: ignore[import-untyped]

    target = account.get_topic(name) if kind == "topic" else account.get_queue(name)
    try:
        with warnings.catch_warnings():  # the SDK warns about attributes it reads for us
            warnings.simplefilter("ignore", DeprecationWarning)
            target.get_attributes()
    except MNSServerException as exc:
        if exc.type in ("QueueNotExist", "TopicNotExist"):
            return f"{kind} {name!r} does not exist at {endpoint} (MNS creates none on send)"
        return f"cannot check {kind} {name!r} at {endpoint}: {exc.type}: {exc.message}"
    except MNSExceptionBase as exc:
        return f"cannot check {kind} {name!r} at {endpoint}: {exc.type}: {exc.message}"
    return None


def _probe(base_dir: Path, targets: dict[str, str]) -> dict[str, str | None]:
    command = [sys.executable, "-c", _PROBE, str(base_dir), json.dumps(targets)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        reason = f"importing the handler modules took longer than {PROBE_TIMEOUT:g} s"
        return dict.fromkeys(targets, reason)
    try:
        answer: dict[str, str | None] = json.loads(done.stdout)
    except ValueError:  # the module ended the interpreter while it was imported
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return dict.fromkeys(targets, f"importing the handler modules ended Python: {last}")
    return answer


def _config_problem(config: ProjectConfig, loc: tuple[str, ...], message: str) -> Problem:
    """A problem located at ``loc`` in the project's ``fdl.yaml`` (just the message without)."""
    if config.file is None:
        return Problem("", None, "", message)
    span, line = config_source.span_of(config.file, loc)
    return Problem(str(config.file), span, ".".join(loc), message, line)


def check(
    config: ProjectConfig,
    flows: Iterable[tuple[str, str, ir.Flow]] | None = None,
) -> None:
    """Check a project before anything starts.

    Args:
        config: the project config.
        flows: ``(file, text, compiled flow)`` of the flows about to run; ``None`` checks
            every binding and the queue file, as a worker serving any flow needs them.

    Raises:
        ConfigError: every problem found, located where possible.
    """
    problems: list[Problem] = []
    if flows is None:
        problems += handlers(config)
        problems += queue_file(config)
    else:
        listed = list(flows)
        for file, text, flow in listed:
            problems += unbound(file, text, flow, config)
            problems += mns_destinations(file, text, flow, config)
        problems += handlers(config, used_functions(flow for _, _, flow in listed))
        if sends_messages(flow for _, _, flow in listed):
            problems += queue_file(config)
    if problems:
        raise ConfigError(problems)
