"""How an execution ended, in FDL's words: stops by people, and ends by Temporal's limits."""

from __future__ import annotations

import pytest
from temporalio.exceptions import TerminatedError

from worker.contract import outcome
from worker.contract.outcome import SERVER_IDENTITY, StopDetails


def test_a_stop_keeps_its_error_and_cause() -> None:
    ended = outcome.from_stop(StopDetails(error="Late", cause="too late"), "Late: too late")
    assert (ended.status, ended.error, ended.cause) == ("Stopped", "Late", "too late")


def test_a_terminate_by_another_tool_is_a_stop_with_its_reason() -> None:
    ended = outcome.from_stop(None, "cleanup", identity="ops@laptop")
    assert (ended.status, ended.error, ended.cause) == (
        "Stopped",
        "FnF.ExecutionStopped",
        "cleanup",
    )


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("Workflow history count exceeds limit.", "its history passed Temporal's limit of events"),
        ("Workflow history size exceeds limit.", "its history passed Temporal's size limit"),
        ("Transaction size exceeds limit.", "one of its steps wrote more than Temporal takes"),
        ("Something new.", "Something new."),
    ],
)
def test_temporal_ending_an_execution_is_a_failure_that_says_which_limit(
    reason: str, words: str
) -> None:
    ended = outcome.from_stop(None, reason, identity=SERVER_IDENTITY)
    assert (ended.status, ended.error) == ("Failed", "FnF.RuntimeError")
    assert ended.cause.startswith(f"Temporal ended the execution: {words}")
    assert ended.cause.endswith(f"({reason})")


def test_a_terminated_child_seen_as_a_failure_reads_the_same() -> None:
    # A parent learns of a terminated child from its TerminatedError (no identity there).
    ended = outcome.from_failure(TerminatedError("Workflow history count exceeds limit."))
    assert (ended.status, ended.error) == ("Failed", "FnF.RuntimeError")
