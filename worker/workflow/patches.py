"""Every behaviour change of workflow code that running executions could notice, by patch id.

Executions started by an earlier release replay the current code after an upgrade. A change
that would make the code issue different commands for an old history goes behind
``workflow.patched(<id>)``: the new path runs in new executions (and records a marker), the
old path keeps running in executions recorded without that marker. The policy (README,
"Upgrades and replay"):

1. add the id here with the release that introduced it and what changed;
2. keep the old path until no execution of the releases before it can still run;
3. the replay corpus of every earlier release (``tests/fixtures/histories/<release>/``)
   must still replay, and the corpus recorded with the new code shows the new path.
"""

from __future__ import annotations

OWNED_CALLBACK_SUBMIT = "fdl-0.2-owned-callback-submit"
"""0.2: the submit of a ``waitForCallback`` attempt (the message send, the function call, the
child start) is cancelled and awaited when the attempt ends (a report won, it timed out, it
failed), so no submit outlives its attempt and no late ``TaskSubmitted`` shifts event ids.
Before, a submit still in flight kept running after its attempt ended."""

REGISTRY_BOUNDED = "fdl-0.2-registry-bounded"
"""0.2: a flow's registry workflow carries a bounded entry into its next run (the newest
``MAX_REVISIONS`` revisions) and the short history limit (``HISTORY_LIMIT``); before, every
revision was carried and entries kept the 2,000-event limit they were created with."""

FLOW_TASK_QUEUE = "fdl-0.2-flow-task-queue"
"""0.2: an execution a workflow starts (a subflow task's child, a schedule fire) runs on the
task queue its flow was registered with (``fdl.resolve_flow`` returns it), or the queue a
schedule names, so it lands on the workers of the flow's own project. Before, it ran on the
starting workflow's own task queue."""

YIELD_POINTS = "fdl-0.2-yield-points"
"""0.2: after every 200 step entries the run yields to Temporal (local activity ``fdl.yield``),
so long stretches of ``pass``/``choice`` steps never hold one activation for seconds (the SDK
takes an activation over 2 s for a deadlock). Before, a foreach of 2,000 pass-only items ran
in one activation and was failed as a deadlock, forever."""

WORK_BUDGET = "fdl-0.2-work-budget"
"""0.2: at most 500 activities and child workflows of one run are in flight at once, across all
nested parallel and foreach steps; the rest wait their turn. Before, nested fan-outs could ask
for more than Temporal's 2,000 pending activities, and every workflow task then failed."""

NESTED_CONTINUE_AS_NEW = "fdl-0.2-nested-continue-as-new"
"""0.2: a run continues as new at any step boundary, nested ones too (inside a branch, an
iteration, a choice option, a task between attempts, a wait), carrying the state of every
running step list; it parks before the history budget with room for the work in flight.
Before, only boundaries between top-level steps continued as new, so a loop in a branch or a
big foreach grew one history until Temporal ended the workflow."""

DATA_GUARDS = "fdl-0.2-data-guards"
"""0.2: data that is not plain JSON (NaN, a lone surrogate, ...) in a function result, a
callback output or a child output fails the step with ``FnF.InvalidLocal``; a step whose input
alone cannot fit the step data limit (a foreach whose results cannot) fails before it starts
work; a value over Temporal's payload limit fails the step with ``FnF.DataLimitExceeded``,
which no ``catch`` takes, also when a function reports it; a callback report that would
exceed the step data limit is refused to its reporter and the task keeps waiting. Before,
such data failed every workflow task (retried forever) or failed the execution late."""

FUNCTION_CALLS = "fdl-0.2-function-calls"
"""0.2: how a run schedules function calls. Once a call's result names the functions the
worker binds with ``local: true`` (``FunctionResult.local``), the run calls those as local
activities; every call's activity id is its step path and a number (``each[3]/echo#57``)
instead of a summary holding the step path (a summary is one more payload per call, which
cost a fan-out over a tenth of the worker's time). Before, every call was a regular activity
with a sequence number as its id and the step path as its summary."""

ASYNC_INVOCATION = "fdl-0.2-async-invocation"
"""0.2: ``serviceParams.InvocationType: Async`` makes a ``requestResponse`` function call
fire-and-forget (``$local`` = ``{}``) and a ``waitForCallback`` one not wait for the function.
Before, the parameter was read and ignored."""

TOKEN_IN_EVERY_TASK = "fdl-0.2-token-in-every-task"
"""0.2: a task of any pattern whose mappings or service parameters read
``$context.task.token`` gets a fresh token per attempt (a local activity mints it). Before,
only ``waitForCallback`` tasks had one; the others read ``""``."""

STEP_TRAIL = "fdl-0.2-step-trail"
"""0.2: a run that ran ``pass``, ``choice``, ``succeed`` or ``fail`` steps writes their paths
(and each choice's option) into its memo when it ends (one memo upsert per run, key
``fdlStepTrail``), so the console and the derived history show them without a worker.
Before, only the ``fdl.history`` query knew them."""

RELEASED_WITH_STEP_TRAIL = frozenset(
    {
        YIELD_POINTS,
        WORK_BUDGET,
        NESTED_CONTINUE_AS_NEW,
        DATA_GUARDS,
        FUNCTION_CALLS,
        ASYNC_INVOCATION,
        TOKEN_IN_EVERY_TASK,
        STEP_TRAIL,
    }
)
"""The patches that first shipped in the same build as the step trail: a run that switched one
on was recorded by code that writes the trail (``Pacing.since``). ``OWNED_CALLBACK_SUBMIT``,
``REGISTRY_BOUNDED`` and ``FLOW_TASK_QUEUE`` shipped earlier, in a 0.1.0 build without it
(its corpus: ``tests/fixtures/histories/0.1.0.post1/``), so they prove nothing."""
