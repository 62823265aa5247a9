"""The SDK core's log lines: through Python logging, with its benign noise held back."""

from __future__ import annotations

import logging

import pytest

from worker.service.connection import CORE_LOGGER, runtime


def test_a_workflow_task_of_an_ended_execution_is_no_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime()  # installs the forwarding and its filter
    core = logging.getLogger(CORE_LOGGER)
    with caplog.at_level(logging.WARNING, logger=CORE_LOGGER):
        core.warning(
            "[sdk_core::temporalio_sdk_core::worker::workflow] Task not found when completing "
            "{'error': 'Workflow task not found.'}"
        )
        core.warning("[sdk_core::temporalio_sdk_core::worker::activities] Activity not found")
    assert [record.getMessage() for record in caplog.records] == [
        "[sdk_core::temporalio_sdk_core::worker::activities] Activity not found"
    ]
    with caplog.at_level(logging.DEBUG, logger=CORE_LOGGER):
        core.warning("Task not found when completing {}")
    assert caplog.records[-1].getMessage() == "Task not found when completing {}"
