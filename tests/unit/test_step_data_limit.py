"""The step data limit of reference 3.7: input + local + output of one step, 32 KiB by default."""

from __future__ import annotations

import pytest

from translator import rules
from worker.workflow import data, errors


def test_data_under_the_limit_passes() -> None:
    data.check_step_size("s", {"a": "x" * 100}, {}, {"b": 1}, limit=200)


def test_data_over_the_limit_fails_uncatchably_with_the_sizes() -> None:
    with pytest.raises(errors.UncatchableError) as caught:
        data.check_step_size("fan[2]/big", {"a": "x" * 100}, {"l": 1}, {"b": 1}, limit=110)
    assert caught.value.error == "FnF.DataLimitExceeded"
    assert caught.value.cause == (
        "fan[2]/big: the step's input, local and output take 122 bytes (108 + 7 + 7), "
        "over the limit of 110 bytes"
    )


def test_sizes_count_utf8_bytes_of_compact_json() -> None:
    data.check_step_size("s", {"k": "é"}, {}, {}, limit=len('{"k":"é"}'.encode()) + 4)
    with pytest.raises(errors.UncatchableError):
        data.check_step_size("s", {"k": "é"}, {}, {}, limit=len('{"k":"é"}'.encode()) + 3)


def test_a_limit_of_zero_turns_the_check_off() -> None:
    data.check_step_size("s", {"a": "x" * 100_000}, {}, {}, limit=0)


def test_the_default_is_32_kib() -> None:
    assert rules.STEP_DATA_LIMIT == 32768


def test_clients_take_the_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.service.runs import step_data_limit

    monkeypatch.delenv("FDL_STEP_DATA_LIMIT", raising=False)
    assert step_data_limit() == 32768
    monkeypatch.setenv("FDL_STEP_DATA_LIMIT", "65536")
    assert step_data_limit() == 65536
    monkeypatch.setenv("FDL_STEP_DATA_LIMIT", "64k")
    with pytest.raises(ValueError, match="FDL_STEP_DATA_LIMIT='64k': give the limit in bytes"):
        step_data_limit()
