"""Pacing.since: which patches prove a run was recorded by code that writes the step trail."""

from __future__ import annotations

import pytest
from temporalio import workflow

from worker.workflow import pacing, patches


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """workflow.patched, answering from this dict (a replay of a history with those markers)."""
    markers: dict[str, bool] = {}
    monkeypatch.setattr(workflow, "patched", lambda patch: markers.setdefault(patch, False))
    return markers


def test_a_patch_of_the_trails_build_proves_it_without_a_marker(asked: dict[str, bool]) -> None:
    run = pacing.Pacing()
    asked[patches.FUNCTION_CALLS] = True
    assert run.switch(patches.FUNCTION_CALLS)
    assert run.since(patches.STEP_TRAIL)
    assert patches.STEP_TRAIL not in asked  # no marker asked for, none recorded


def test_an_earlier_build_s_patch_proves_nothing(asked: dict[str, bool]) -> None:
    # A 0.1.0 build had these patches and no step trail (corpus 0.1.0.post1).
    run = pacing.Pacing()
    for early in (patches.OWNED_CALLBACK_SUBMIT, patches.FLOW_TASK_QUEUE):
        asked[early] = True
        assert run.switch(early)
    assert not run.since(patches.STEP_TRAIL)
    assert patches.STEP_TRAIL in asked  # the trail's own marker decides


def test_without_any_proof_the_trails_own_marker_decides(asked: dict[str, bool]) -> None:
    asked[patches.STEP_TRAIL] = True
    assert pacing.Pacing().since(patches.STEP_TRAIL)
