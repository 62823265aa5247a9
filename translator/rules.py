"""The fixed facts of FDL and its service: error names, limits and the rule for names.

One module, pure and free of imports beyond the standard library, shared by the translator (which
checks definitions against these limits) and the worker (which enforces them at run time), so a
limit or an error name is written down exactly once. Section numbers refer to the FDL reference.
"""

from __future__ import annotations

import re

# --- FDL error names (reference 7): what `retry` and `catch` match ---------------------------

ALL = "FnF.ALL"
"""The wildcard that matches every error name in ``retry`` and ``catch``."""
RUNTIME_ERROR = "FnF.RuntimeError"
"""An engine-side problem with the execution's data: a missing path, a bad duration, ..."""
TASK_TIMEOUT = "FnF.TaskTimeout"
"""A task attempt ran longer than its ``timeoutSeconds``."""
INVALID_LOCAL = "FnF.InvalidLocal"
"""A task result that is not a JSON object (nor a string holding one)."""
FAIL = "FnF.Fail"
"""Failure type of an execution ended by a ``fail`` step without ``error`` (never matched)."""
DATA_LIMIT_EXCEEDED = "FnF.DataLimitExceeded"
"""A step's input, local and output together exceed the step data limit (never caught)."""
TIMEOUT = "FnF.Timeout"
"""An execution that ran longer than its flow's ``timeoutSeconds``."""
EXECUTION_STOPPED = "FnF.ExecutionStopped"
"""An execution (or a ``sync`` child) stopped without an error name of its own."""
EXECUTION_ALREADY_EXISTS = "fnf.ExecutionAlreadyExists"
"""A task whose child execution name belongs to a finished execution (the original's name)."""
FLOW_NOT_EXISTS = "FlowNotExists"
"""A subflow task, schedule or start naming a flow that is not registered."""

FC_FUNCTION_NOT_FOUND = "FC.FunctionNotFound"
FC_INVALID_ARGUMENT = "FC.InvalidArgument"
FC_RESOURCE_THROTTLED = "FC.ResourceThrottled"
FC_INTERNAL_SERVER_ERROR = "FC.InternalServerError"
FC_UNKNOWN = "FC.Unknown"

# --- names (reference 12) -------------------------------------------------------------------

NAME_LIMIT = 128
"""Flow, execution, schedule and function names have at most 128 characters."""
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")
"""Flow, execution and FC function names: letters, digits, ``_`` and ``-``, starting with a
letter or ``_``. ``/`` and ``:`` never occur, so ``<flow>:<execution>`` is unambiguous."""
NAME_RULE = "letters, digits, '_' and '-', starting with a letter or '_', at most 128 characters"
""":data:`NAME_PATTERN` in words, for error messages."""


def check_name(kind: str, name: str) -> str:
    """Return ``name`` if it is a legal flow or execution name, else raise ``ValueError``."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"invalid {kind} name {name!r}: use {NAME_RULE}")
    return name


# --- step limits (reference 6 and 12) -------------------------------------------------------

MAX_WAIT_SECONDS = 172_800
"""The longest ``wait``: 2 days."""
MAX_BRANCHES = 100
"""A ``parallel`` step has at most 100 branches."""
MAX_FOREACH_CONCURRENCY = 100
"""At most 100 iterations of a ``foreach`` run at the same time (``maxConcurrency`` is capped)."""
STEP_DATA_LIMIT = 32 * 1024
"""Bytes a step's input, ``$local`` and output may total (reference 3.7): 32 KiB."""
MAX_ERROR_LENGTH = 128
"""Characters of an error name in a task report or a stop request."""
MAX_CAUSE_LENGTH = 4096
"""Characters of a cause in a task report or a stop request."""
EVENT_DETAIL_LIMIT = 32 * 1024
"""Characters of one history event's detail kept (the original limits one event's data)."""
HISTORY_PAGE_EVENTS = 1000
"""Events per page of an execution's history (the original's GetExecutionHistory limit)."""

# --- MNS message options (reference 8.3) ----------------------------------------------------

MNS_PRIORITY = (1, 16)
"""``serviceParams.Priority`` of a queue message: 1 (most urgent) to 16."""
MNS_DELAY_SECONDS = (0, 604_800)
"""``serviceParams.DelaySeconds`` of a queue message: up to 7 days."""

# --- engine limits of this implementation ---------------------------------------------------

HISTORY_BUDGET = 10_240
"""Temporal history events one run of an execution may reach: the run continues as new before
this (at any step boundary, nested ones too), leaving room for the work still in flight.
Temporal warns at 10,240 events and ends a workflow at 51,200; the original service's limit
was 5,000 FDL events."""
HISTORY_SIZE_BUDGET = 8 * 1024 * 1024
"""Bytes of Temporal history one run may reach before it continues as new (Temporal warns at
10 MB and ends a workflow at 50 MB)."""
PAYLOAD_LIMIT = 2_000_000
"""Bytes one value may take in a Temporal payload (a function's input or result, a child's
input or output, an execution's input or output): Temporal refuses payloads over 2 MiB, and
this leaves room for the envelope. Beyond it a step fails with ``FnF.DataLimitExceeded``."""
INLINE_DEFINITION_LIMIT = 256 * 1024
"""Bytes of compiled definition (compact JSON) an execution's start input carries itself;
a larger definition travels by reference (``worker.contract.snapshots``)."""
MAX_PENDING_WORK = 500
"""Activities and child workflows one run of an execution has in flight at once, across all
its parallel branches and foreach iterations (Temporal fails every workflow task of a run
that asks for more than 2,000 of either)."""
STEPS_PER_YIELD = 200
"""Step entries after which the interpreter yields to Temporal (a local activity that returns
at once), so no workflow activation runs long enough to look like a deadlock (2 s)."""
FDL_EVENTS_PER_RUN = 40_000
"""FDL history events one run keeps in memory before the execution continues as new."""
LOCAL_FUNCTION_MAX_SECONDS = 10.0
"""The longest one attempt of a function bound with ``local: true`` may run (a local activity
holds its workflow task open while it runs)."""
MAX_DEFINITION_NODES = 1_000_000
"""YAML nodes a definition may hold (a guard against alias bombs)."""

# --- JSON a user hands in (an execution input, a payload, a task's output) -----------------
# translator.plainjson checks data against these wherever it enters an execution.

MAX_REQUEST_BYTES = 1024 * 1024
"""Bytes of one JSON value handed in: the original service's request limit (1,024 KiB);
Temporal itself refuses payloads of 2 MiB."""
MAX_JSON_DEPTH = 100
"""Levels of nesting of a JSON value handed in. Far more than data needs, and far below
Python's recursion limit, which the engine's JSON and path code would otherwise meet."""
MAX_NUMBER_DIGITS = 300
"""Digits of a number handed in: every such number converts to a float (at most about
1.8e308) without overflow, as comparisons in conditions need."""
