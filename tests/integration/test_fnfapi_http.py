"""The FnF API over real HTTP: signatures, long polling, bad input of every kind, and a fuzz run.

Each test starts the real ``fdl api serve`` process on an ephemeral loopback port; requests are
sent with the official SDKs or, where a test must forge or break one, with httpx.
"""

from __future__ import annotations

import asyncio
import json
import random
import string
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from alibabacloud_fnf20190315 import models as fnf
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from api_helpers import (
    FDL,
    api_server,
    legacy_call,
    legacy_client,
    new_client,
    signed,
)
from helpers import running_worker
from temporalio.client import Client

from worker.fnfapi.actions import ACTIONS
from worker.local.devserver import DevServer

WAIT = """\
version: v1
type: flow
steps:
  - type: wait
    name: pause
    duration: $.seconds
"""


@pytest.fixture
def signed_api(dev_server: DevServer, task_queue: str) -> Iterator[str]:
    with api_server(dev_server, task_queue) as url:
        yield url


@pytest.fixture
def open_api(dev_server: DevServer, task_queue: str) -> Iterator[str]:
    with api_server(dev_server, task_queue, keys=False) as url:
        yield url


def refused(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert body["RequestId"] == response.headers["x-acs-request-id"]
    return response.status_code, body.get("Code", "")


# --- signatures --------------------------------------------------------------------------


def test_a_wrong_secret_is_refused_with_signature_not_match_by_both_sdks(signed_api: str) -> None:
    with pytest.raises(ClientException) as new:
        new_client(signed_api, secret="wrong").list_flows(fnf.ListFlowsRequest())
    assert (new.value.code, new.value.status_code) == ("SignatureNotMatch", 403)
    with pytest.raises(ServerException) as legacy:
        legacy_call(legacy_client(signed_api, secret="wrong"), "ListFlows")
    assert (legacy.value.get_error_code(), legacy.value.get_http_status()) == (
        "SignatureNotMatch",
        403,
    )


def test_altered_stale_and_replayed_requests_are_refused(signed_api: str) -> None:
    good = signed({"Action": "ListFlows", "Limit": "1"})
    assert httpx.get(signed_api, params=good).status_code == 200
    assert refused(httpx.get(signed_api, params=good)) == (400, "SignatureNonceUsed")
    altered = {**signed({"Action": "ListFlows", "Limit": "1"}), "Limit": "2"}
    assert refused(httpx.get(signed_api, params=altered)) == (403, "SignatureNotMatch")
    stale = signed({"Action": "ListFlows"}, Timestamp="2020-01-01T00:00:00Z")
    assert refused(httpx.get(signed_api, params=stale)) == (403, "RequestTimeTooSkewed")
    stranger = signed({"Action": "ListFlows"}, AccessKeyId="someone-else")
    assert refused(httpx.get(signed_api, params=stranger)) == (403, "InvalidAccessKeyID")
    as_post = signed({"Action": "ListFlows"}, method="GET")
    assert refused(httpx.post(signed_api, data=as_post)) == (403, "SignatureNotMatch")
    form = signed({"Action": "ListFlows"}, method="POST")
    assert httpx.post(signed_api, data=form).status_code == 200  # form fields are signed too
    unsigned = {"Action": "ListFlows", "Version": "2019-03-15"}
    assert refused(httpx.get(signed_api, params=unsigned)) == (400, "MissingRequiredParams")


def test_the_open_mode_refuses_to_bind_beyond_loopback(dev_server: DevServer) -> None:
    done = subprocess.run(
        [FDL, "api", "serve", "--open", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: refusing to serve without signature checks on 0.0.0.0")
    assert "Traceback" not in done.stderr


# --- long polling ------------------------------------------------------------------------


@pytest.fixture
async def worker_and_api(
    client: Client, task_queue: str, dev_server: DevServer
) -> AsyncIterator[str]:
    async with running_worker(client, task_queue):
        with api_server(dev_server, task_queue) as url:
            yield url


async def test_describe_execution_long_polls_until_the_execution_ends(worker_and_api: str) -> None:
    sdk = new_client(worker_and_api)
    flow = f"poll_{uuid.uuid4().hex[:8]}"
    create = fnf.CreateFlowRequest(name=flow, definition=WAIT, description="", type="FDL")
    await asyncio.to_thread(sdk.create_flow, create)
    for name, seconds in (("short", 1), ("long", 600)):
        start = fnf.StartExecutionRequest(
            flow_name=flow, execution_name=name, input=json.dumps({"seconds": seconds})
        )
        await asyncio.to_thread(sdk.start_execution, start)

    async def describe(name: str, wait: int) -> tuple[str, float]:
        began = time.monotonic()
        request = fnf.DescribeExecutionRequest(
            flow_name=flow, execution_name=name, wait_time_seconds=wait
        )
        answer = await asyncio.to_thread(sdk.describe_execution, request)
        return answer.body.status, time.monotonic() - began

    status, took = await describe("short", 30)
    assert status == "Succeeded" and took < 15  # back when it ended, not after 30 s
    status, took = await describe("long", 2)
    assert status == "Running" and took >= 2  # still running: the whole wait
    status, took = await describe("long", 0)
    assert status == "Running" and took < 2
    with pytest.raises(ClientException) as too_long:
        await describe("long", 61)
    assert too_long.value.code == "InvalidArgument" and "WaitTimeSeconds" in too_long.value.message


# --- bad input ---------------------------------------------------------------------------

COMMON = {"Version": "2019-03-15", "Format": "JSON"}


def test_bad_input_answers_the_original_error_shape(open_api: str) -> None:
    def get(**params: str) -> tuple[int, str]:
        return refused(httpx.get(open_api, params=params))

    assert get(Version="2019-03-15") == (400, "MissingRequiredParams")
    assert get(**COMMON, Action="DescribeMapRun") == (400, "ActionNotSupported")
    assert get(**COMMON, Action="NoSuchThing") == (400, "ActionNotSupported")
    assert get(Action="ListFlows", Version="2015-06-06") == (400, "APIVersionNotSupported")
    assert get(Action="ListFlows") == (400, "MissingRequiredParams")
    assert get(**COMMON, Action="DescribeFlow") == (400, "MissingRequiredParams")
    assert get(**COMMON, Action="DescribeFlow", Name="no/slash") == (400, "InvalidArgument")
    assert get(**COMMON, Action="ListFlows", Limit="many") == (400, "InvalidArgument")
    assert get(**COMMON, Action="ListFlows", Limit="0") == (400, "InvalidArgument")
    assert get(**COMMON, Action="StartExecution", FlowName="f", Input="{bad") == (
        400,
        "InvalidArgument",
    )
    assert get(**COMMON, Action="StartExecution", FlowName="f", Input="[1]") == (
        400,
        "InvalidArgument",
    )
    assert get(**COMMON, Action="StartExecution", FlowName="nope_zz") == (404, "FlowNotExists")
    assert get(**COMMON, Action="CreateSchedule", FlowName="f", ScheduleName="s",
               CronExpression="* * *", Enable="maybe") == (400, "InvalidArgument")  # fmt: skip
    huge = httpx.post(open_api, params={**COMMON, "Action": "CreateFlow"},
                      content=b"Definition=" + b"x" * (2 * 1024 * 1024),
                      headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert refused(huge) == (400, "EntityTooLarge")
    not_utf8 = httpx.get(f"{open_api}/?Action=ListFlows&Version=2019-03-15&Name=%ff")
    assert refused(not_utf8) == (400, "InvalidArgument")
    body = httpx.get(open_api, params={**COMMON, "Action": "DescribeFlow", "Name": "nope_zz"})
    assert set(body.json()) == {"Code", "Message", "RequestId"}
    assert body.headers["content-type"] == "application/json"


def random_text(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return ""
    if kind == 1:
        return str(rng.randint(-(2**70), 2**70))
    if kind == 2:
        return rng.choice(
            ["true", "False", "{}", "[]", "null", "NaN", '{"a": 1}', "2026-01-01T00:00:00Z"]
        )
    if kind == 3:
        return "".join(rng.choice("ab_-9/:#%&=+ \t\n\x00") for _ in range(rng.randrange(1, 40)))
    if kind == 4:
        return "x" * rng.randrange(100, 3000)
    if kind == 5:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 20)))
    if kind == 6:
        return "version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n" * rng.randrange(
            1, 3
        )
    return "".join(rng.choice(string.ascii_letters) for _ in range(rng.randrange(1, 12)))


PARAMS = [
    "Name", "FlowName", "ExecutionName", "ScheduleName", "Definition", "Description", "Type",
    "Input", "Output", "Payload", "Limit", "NextToken", "WaitTimeSeconds", "Status", "Enable",
    "CronExpression", "TaskToken", "Error", "Cause", "Qualifier", "FlowVersion",
    "RoutingConfigurations", "StartedTimeBegin", "MetadataOnly", "ExecutionNamePrefix",
    "Environment", "ExecutionMode",
]  # fmt: skip
CALM = {"StartSyncExecution", "DescribeExecution"}
"""Actions that may wait; the fuzz run keeps their waits at zero."""


def random_request(rng: random.Random) -> dict[str, Any]:
    action = rng.choice([*ACTIONS, "Nope", "", "DescribeMapRun"])
    params = {"Action": action, "Version": rng.choice(["2019-03-15"] * 9 + ["x"])}
    for name in rng.sample(PARAMS, rng.randrange(0, 8)):
        params[name] = random_text(rng)
    if action in CALM:
        params["WaitTimeSeconds"] = "0"
        params["FlowName"] = params.get("FlowName", "") + "_fuzz_nope"
    if rng.random() < 0.5:
        return {"method": "GET", "params": params}
    body = "&".join(f"{k}={v}" for k, v in params.items()).encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 500)))
    content_type = rng.choice(["application/x-www-form-urlencoded", "text/plain", ""])
    return {"method": "POST", "content": body, "headers": {"content-type": content_type}}


def test_a_fuzz_run_of_thousands_of_requests_gets_no_500_and_the_server_stays_up(
    open_api: str,
) -> None:
    rng = random.Random(20260301)
    statuses: dict[int, int] = {}
    with httpx.Client(base_url=open_api, timeout=30) as http:
        for _ in range(2500):
            sent = random_request(rng)
            response = http.request(url="/", **sent)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code < 500, (sent, response.text)
            body = response.json()
            assert "RequestId" in body and ("Code" in body) == (response.status_code >= 400)
        alive = http.get("/", params={**COMMON, "Action": "DescribeRegions"})
    assert alive.status_code == 200
    assert statuses.get(400, 0) > 1000 and len(statuses) >= 3, statuses
