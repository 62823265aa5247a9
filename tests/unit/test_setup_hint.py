"""``setup_hint``: the one line a command prints when the namespace is not prepared.

The server texts are the ones Temporal 1.32 answers (``tests/integration/test_setup.py``
meets them on a real server); here every other error must stay unrecognised.
"""

from __future__ import annotations

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.service import RPCError, RPCStatusCode

from worker.service.setup import create_attribute_command, setup_hint, type_name

HINT = (
    "namespace orders has no search attribute FdlFlow (Keyword), which fdl needs: run `fdl setup`"
)


def rpc(message: str, status: RPCStatusCode = RPCStatusCode.INVALID_ARGUMENT) -> RPCError:
    return RPCError(message, status, b"")


def test_a_start_without_the_attribute() -> None:
    error = rpc("Namespace orders has no mapping defined for search attribute FdlFlow")
    assert setup_hint(error) == HINT


def test_a_query_without_the_attribute_names_the_given_namespace() -> None:
    error = rpc("invalid query: invalid search attribute: FdlFlow")
    assert setup_hint(error, namespace="orders") == HINT
    assert setup_hint(error) == (
        "the namespace has no search attribute FdlFlow (Keyword), which fdl needs: run `fdl setup`"
    )


def test_a_missing_namespace() -> None:
    error = rpc("Namespace payments is not found.", RPCStatusCode.NOT_FOUND)
    assert setup_hint(error) == "namespace payments does not exist: run `fdl setup`"


def test_the_error_may_be_the_cause_of_another() -> None:
    try:
        try:
            raise rpc("Namespace orders has no mapping defined for search attribute FdlFlow")
        except RPCError as inner:
            raise RuntimeError("start failed") from inner
    except RuntimeError as outer:
        assert setup_hint(outer) == HINT


@pytest.mark.parametrize(
    "error",
    [
        rpc("invalid query: invalid search attribute: CustomerId"),  # the user's own query
        rpc("Namespace orders has no mapping defined for search attribute Region"),
        rpc("Namespace orders is not found.", RPCStatusCode.INVALID_ARGUMENT),
        rpc("workflow not found", RPCStatusCode.NOT_FOUND),
        ValueError("invalid flow name"),
    ],
    ids=[
        "foreign-query",
        "foreign-attribute",
        "not-found-text-other-status",
        "other",
        "other-type",
    ],
)
def test_other_errors_are_not_setup_problems(error: Exception) -> None:
    assert setup_hint(error) is None


def test_type_names_are_the_temporal_cli_names() -> None:
    assert type_name(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD) == "Keyword"
    assert type_name(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST) == "KeywordList"
    assert create_attribute_command("prod", "FdlFlow") == (
        "temporal operator search-attribute create --namespace prod --name FdlFlow --type Keyword"
    )
