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
