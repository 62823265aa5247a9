"""Function bindings without Temporal: Python handlers, HTTP result mapping, unknown keys."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from temporalio.exceptions import ApplicationError

from worker.activities.bindings import FCContext, FunctionMeta, Functions, ServiceMeta, http_result
from worker.activities.functions import json_result
from worker.config import ProjectConfig

CONTEXT = FCContext(
    request_id="r-1",
    function=FunctionMeta(name="f", handler="h", memory=128, timeout=60),
    service=ServiceMeta(name="s", qualifier=None),
)


def functions(tmp_path: Path, module: str, spec: dict[str, dict[str, object]]) -> Functions:
    (tmp_path / "fc_mod.py").write_text(module, encoding="utf-8")
    config = ProjectConfig.from_mapping({"functions": spec}, base_dir=tmp_path)
    return Functions(config, lambda: httpx.AsyncClient())


HANDLERS = """
import json
class JobFailed(Exception):
    pass
def ok(event, context):
    assert isinstance(event, bytes)
    return {"got": json.loads(event), "rid": context.request_id}
def boom(event, context):
    raise JobFailed("it broke")
async def aok(event, context):
    return "done"
def slow(event, context):
    import time
    time.sleep(0.5)
"""


async def test_python_handler_called_fc_way(tmp_path: Path) -> None:
    binding, _ = functions(tmp_path, HANDLERS, {"s/ok": {"handler": "fc_mod:ok"}}).get("s/ok")
    result = await binding.invoke(json.dumps({"a": 1}).encode(), CONTEXT, None)
    assert result == {"got": {"a": 1}, "rid": "r-1"}


async def test_async_handler_is_awaited(tmp_path: Path) -> None:
    binding, _ = functions(tmp_path, HANDLERS, {"s/a": {"handler": "fc_mod:aok"}}).get("s/a")
    assert await binding.invoke(b"{}", CONTEXT, None) == "done"


async def test_handler_exception_gives_class_name(tmp_path: Path) -> None:
    binding, _ = functions(tmp_path, HANDLERS, {"s/b": {"handler": "fc_mod:boom"}}).get("s/b")
    with pytest.raises(ApplicationError) as info:
        await binding.invoke(b"{}", CONTEXT, None)
    assert (info.value.type, info.value.message) == ("JobFailed", "it broke")
    assert info.value.non_retryable


async def test_binding_timeout_is_task_timeout(tmp_path: Path) -> None:
    spec = {"s/slow": {"handler": "fc_mod:slow", "timeout": 0.05}}
    binding, _ = functions(tmp_path, HANDLERS, spec).get("s/slow")
    with pytest.raises(ApplicationError) as info:
        await binding.invoke(b"{}", CONTEXT, 0.05)
    assert info.value.type == "FnF.TaskTimeout"


async def test_missing_module_fails_with_its_class_name(tmp_path: Path) -> None:
    spec = {"s/x": {"handler": "no_such_module_here:f"}}
    binding, _ = functions(tmp_path, HANDLERS, spec).get("s/x")
    with pytest.raises(ApplicationError) as info:
        await binding.invoke(b"{}", CONTEXT, None)
    assert info.value.type == "ModuleNotFoundError"
    assert "cannot load no_such_module_here:f" in info.value.message


def test_unknown_binding_is_function_not_found(tmp_path: Path) -> None:
    with pytest.raises(ApplicationError) as info:
        functions(tmp_path, HANDLERS, {}).get("svc/missing")
    assert info.value.type == "FC.FunctionNotFound"
    assert "'svc/missing' is not bound; add it to fdl.yaml" in info.value.message


@pytest.mark.parametrize(
    ("status", "body", "error", "cause"),
    [
        (429, "slow down", "FC.ResourceThrottled", "HTTP 429: slow down"),
        (500, "oops", "FC.InternalServerError", "HTTP 500: oops"),
        (503, "", "FC.InternalServerError", "HTTP 503: "),
        (404, "nope", "FC.FunctionNotFound", "HTTP 404: nope"),
        (400, "bad", "FC.InvalidArgument", "HTTP 400: bad"),
        (500, '{"errorType": "JobFailed", "errorMessage": "no"}', "JobFailed", "no"),
    ],
)
def test_http_errors(status: int, body: str, error: str, cause: str) -> None:
    with pytest.raises(ApplicationError) as info:
        http_result(httpx.Response(status, text=body))
    assert (info.value.type, info.value.message) == (error, cause)


def test_http_fc_error_header_on_200() -> None:
    response = httpx.Response(
        200,
        text='{"errorType": "BookFlightError", "errorMessage": "full"}',
        headers={"x-fc-error-type": "UnhandledInvocationError"},
    )
    with pytest.raises(ApplicationError) as info:
        http_result(response)
    assert (info.value.type, info.value.message) == ("BookFlightError", "full")


def test_http_success_returns_body_text() -> None:
    assert http_result(httpx.Response(200, text='{"a": 1}')) == '{"a": 1}'


def _nested(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


def test_json_result() -> None:
    assert json_result(b'{"a": 1}', "s/f") == '{"a": 1}'
    assert json_result((1, 2), "s/f") == [1, 2]
    with pytest.raises(ApplicationError, match="not plain JSON: result: a set is not") as info:
        json_result({1}, "s/f")
    assert info.value.type == "FnF.InvalidLocal"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"x": float("nan")}, r"result\.x: nan is not a JSON number"),
        ({"s": "\ud800"}, r"result\.s: the string holds a lone surrogate \(U\+D800\)"),
        ('{"x": NaN}', r"result\.x: nan is not a JSON number"),
        ({"n": 10**400}, r"result\.n: a number of over 300 digits"),
        ({"deep": _nested(120)}, r"nested deeper than 100 levels"),
    ],
    ids=["nan", "lone-surrogate", "nan-in-json-text", "huge-integer", "too-deep"],
)
def test_json_result_refuses_what_is_not_plain_json(raw: object, says: str) -> None:
    with pytest.raises(ApplicationError, match=says) as info:
        json_result(raw, "s/f")
    assert info.value.type == "FnF.InvalidLocal"
    assert info.value.non_retryable


def test_json_result_over_the_payload_limit_is_a_data_limit_error() -> None:
    with pytest.raises(ApplicationError, match=r"s/f returned \d+ bytes, over the") as info:
        json_result({"blob": "x" * 3_000_000}, "s/f")
    assert info.value.type == "FnF.DataLimitExceeded"
    with pytest.raises(ApplicationError, match="not UTF-8"):
        json_result(b"\xff", "s/f")
