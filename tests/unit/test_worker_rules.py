"""Pure interpreter rules that need no server: merges, results, retry backoff, wait values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from translator import ir
from worker.workflow import data, errors
from worker.workflow.steps.simple import duration_seconds, parse_timestamp
from worker.workflow.steps.task import backoff, retry_delay


def test_merge_is_shallow_and_later_wins() -> None:
    assert data.merge({"a": {"x": 1}, "b": 1}, {"a": {"y": 2}}) == {"a": {"y": 2}, "b": 1}


def test_default_child_input_local_wins() -> None:
    assert data.default_child_input({"a": 1, "b": 1}, {"b": 2}) == {"a": 1, "b": 2}


def path(root: ir.PathRoot, key: str, text: str) -> ir.Path:
    return ir.Path(root=root, segments=(ir.Key(name=key),), text=text)


def test_input_mappings_read_parent_scopes_and_dollar_reads_default_input() -> None:
    mappings = (
        ir.Mapping(target="i", source=path("input", "a", "$input.a")),
        ir.Mapping(target="l", source=path("local", "b", "$local.b")),
        ir.Mapping(target="d", source=path("dollar", "b", "$.b")),
    )
    got = data.step_input(mappings, {"a": 1, "b": 1}, {"b": 2}, {}, "s")
    assert got == {"i": 1, "l": 2, "d": 2}


def test_missing_mapping_path_is_runtime_error_naming_it() -> None:
    mappings = (ir.Mapping(target="x", source=path("local", "nope", "$local.nope")),)
    with pytest.raises(errors.FlowError) as info:
        data.step_input(mappings, {}, {}, {}, "outer[2]/probe")
    assert info.value.error == "FnF.RuntimeError"
    assert info.value.cause.startswith("outer[2]/probe: inputMappings: ")
    assert "$local.nope" in info.value.cause


@pytest.mark.parametrize(
    ("raw", "local"),
    [({"a": 1}, {"a": 1}), ('{"a": 1}', {"a": 1}), (' {"b": [1]} ', {"b": [1]})],
)
def test_as_local_accepts_objects_and_json_object_text(
    raw: object, local: dict[str, object]
) -> None:
    assert data.as_local(raw, "t") == local


@pytest.mark.parametrize("raw", [[1], "[1]", "text", 3, None, True, '"quoted"'])
def test_as_local_rejects_everything_else(raw: object) -> None:
    with pytest.raises(errors.FlowError) as info:
        data.as_local(raw, "t")
    assert info.value.error == "FnF.InvalidLocal"
    assert info.value.cause.startswith("t: the task result must be a JSON object, got ")


def policy(errors_: tuple[str, ...], **kwargs: float) -> ir.RetryPolicy:
    return ir.RetryPolicy(errors=errors_, **kwargs)  # type: ignore[arg-type]


def test_backoff_formula_with_cap() -> None:
    p = policy(("E",), interval_seconds=2, multiplier=2, max_interval_seconds=10, max_attempts=5)
    assert [backoff(p, k) for k in range(1, 6)] == [2, 4, 8, 10, 10]


def test_backoff_overflow_is_capped() -> None:
    p = policy(("E",), interval_seconds=2, multiplier=1e300, max_interval_seconds=30)
    assert backoff(p, 50) == 30


def test_retry_uses_first_matching_policy_with_its_own_counter() -> None:
    policies = (
        policy(("A",), interval_seconds=1, max_attempts=2),
        policy(("FnF.ALL",), interval_seconds=5, max_attempts=1, multiplier=3),
        policy(("A", "B"), interval_seconds=100),
    )
    counters = [0, 0, 0]
    assert retry_delay(policies, counters, "A") == 1
    assert retry_delay(policies, counters, "B") == 5  # FnF.ALL comes before the later "B"
    assert retry_delay(policies, counters, "A") == 2
    assert retry_delay(policies, counters, "A") is None  # exhausted; later policies not used
    assert retry_delay(policies, counters, "B") is None
    assert counters == [2, 1, 0]


def test_no_matching_policy_or_zero_attempts_means_no_retry() -> None:
    assert retry_delay((policy(("A",)),), [0], "B") is None
    assert retry_delay((policy(("A",), max_attempts=0),), [0], "A") is None


@pytest.mark.parametrize(("value", "seconds"), [(10, 10.0), (0, 0.0), (1.5, 1.5), ("20", 20.0)])
def test_durations(value: object, seconds: float) -> None:
    assert duration_seconds(value, "w") == seconds


@pytest.mark.parametrize("value", [-1, "soon", True, None, [], float("nan"), "inf"])
def test_bad_durations(value: object) -> None:
    with pytest.raises(errors.FlowError, match="duration must be a non-negative number") as info:
        duration_seconds(value, "w")
    assert info.value.error == "FnF.RuntimeError"


def test_timestamps() -> None:
    assert parse_timestamp("2019-05-02T15:04:05Z", "w") == datetime(
        2019, 5, 2, 15, 4, 5, tzinfo=UTC
    )
    assert parse_timestamp("2019-05-02T15:04:05+08:00", "w") == datetime(
        2019, 5, 2, 15, 4, 5, tzinfo=timezone(timedelta(hours=8))
    )


@pytest.mark.parametrize("value", ["2019-05-02T15:04:05", "yesterday", 1556809445, None])
def test_bad_timestamps(value: object) -> None:
    with pytest.raises(errors.FlowError, match="timestamp must be RFC 3339 with a time zone"):
        parse_timestamp(value, "w")


def test_flow_error_becomes_application_error() -> None:
    failure = errors.FlowError("AuditUnknown", "cannot tell").to_application_error()
    assert (failure.type, failure.message, failure.non_retryable) == (
        "AuditUnknown",
        "cannot tell",
        True,
    )


def test_error_matching() -> None:
    assert errors.matches(["FnF.ALL"], "Anything")
    assert errors.matches(["A", "B"], "B")
    assert not errors.matches(["a"], "A")


def test_fail_without_error_or_cause_still_shows_a_failure() -> None:
    failure = errors.FlowError("", "", where="JobFailed").to_application_error()
    assert (failure.type, failure.message) == ("FnF.Fail", "JobFailed failed without a cause")
