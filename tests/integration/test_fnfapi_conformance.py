"""The FnF API against both official SDKs, unmodified: every served action, compared with what
the CLI reports for the same objects.

The server is the real ``fdl api serve`` process on an ephemeral loopback port with access keys;
a worker runs on the test's task queue. SDK calls are blocking, so they run in threads
(``asyncio.to_thread``) while the worker runs on the test's loop.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_fnf20190315 import models as fnf
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from api_helpers import api_server, legacy_call, legacy_client, new_client
from helpers import HERE, running_worker
from temporalio.client import Client
from typer.testing import CliRunner

from cli.app import app
from worker.config import ProjectConfig
from worker.local.devserver import DevServer

WAITING = """\
version: v1
type: flow
steps:
  - type: wait
    name: pause
    duration: $.seconds
  - type: pass
    name: answer
    outputMappings:
      - target: answer
        source: {answer}
"""
CALLBACK = """\
version: v1
type: flow
steps:
  - type: task
    name: job
    resourceArn: acs:fc:::services/demo/functions/handover
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: token_file
        source: $input.token_file
"""
FLOW_FIELDS = {
    *("Name", "Id", "Type", "Definition", "Description", "RoleArn", "ExecutionMode"),
    *("ResourceGroupId", "Environment", "CreatedTime", "LastModifiedTime", "RequestId"),
}
"""What the new SDK's CreateFlow and DescribeFlow models keep (they drop unknown keys)."""
SCHEDULE_FIELDS = {
    *("ScheduleName", "ScheduleId", "Description", "Payload", "CronExpression", "Enable"),
    *("CreatedTime", "LastModifiedTime", "RequestId"),
}


def fresh(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def body(response: Any) -> dict[str, Any]:
    """The response body as the SDK parsed it into its model, back as a dict."""
    return dict(response.body.to_map())


async def cli(*args: str) -> Any:
    result = await asyncio.to_thread(CliRunner().invoke, app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def without_request_id(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "RequestId"}


def same_fields(answer: dict[str, Any], on_cli: dict[str, Any]) -> bool:
    """Every field the SDK's model kept equals what the CLI printed (the CLI prints more)."""
    kept = without_request_id(answer)
    assert kept, "the SDK kept no field"
    return kept == {key: on_cli.get(key) for key in kept}


@pytest.fixture
def project(tmp_path: Path) -> ProjectConfig:
    functions = {"demo/handover": {"handler": "handlers.callbacks:hand_over_token"}}
    return ProjectConfig.from_mapping({"functions": functions}, base_dir=HERE)


@pytest.fixture
async def api(
    client: Client,
    task_queue: str,
    dev_server: DevServer,
    project: ProjectConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[str]:
    monkeypatch.setenv("TEMPORAL_ADDRESS", dev_server.address)
    monkeypatch.setenv("TEMPORAL_NAMESPACE", dev_server.namespace)
    async with running_worker(client, task_queue, project):
        with api_server(dev_server, task_queue) as url:
            yield url


def thread(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return asyncio.to_thread(function, *args, **kwargs)


async def test_flow_actions_with_the_new_sdk_match_the_cli(api: str) -> None:
    sdk = new_client(api)
    name = fresh("flow")
    created = body(
        await thread(
            sdk.create_flow,
            fnf.CreateFlowRequest(
                name=name, definition=WAITING.format(answer="v1"), description="demo", type="FDL"
            ),
        )
    )
    assert set(created) == FLOW_FIELDS
    assert (created["Name"], created["Type"], created["Description"]) == (name, "FDL", "demo")
    assert created["Definition"] == WAITING.format(answer="v1")
    assert created["CreatedTime"].endswith("Z") and created["Environment"] == {"Variables": []}

    updated = body(
        await thread(
            sdk.update_flow,
            fnf.UpdateFlowRequest(name=name, definition=WAITING.format(answer="v2")),
        )
    )
    assert updated["Definition"] == WAITING.format(answer="v2") and updated["Id"] == created["Id"]
    described = body(await thread(sdk.describe_flow, fnf.DescribeFlowRequest(name=name)))
    assert same_fields(described, await cli("flow", "describe", name))
    renamed = body(
        await thread(
            sdk.update_flow, fnf.UpdateFlowRequest(name=name, description="only the description")
        )
    )
    assert (renamed["Definition"], renamed["Description"]) == (
        updated["Definition"],
        "only the description",
    )
    revisions = (await cli("flow", "describe", name))["Versions"]
    assert len(revisions) == 2  # the description alone stores no new revision

    second = fresh("flow")
    await thread(
        sdk.create_flow,
        fnf.CreateFlowRequest(
            name=second, definition=WAITING.format(answer="x"), description="", type="FDL"
        ),
    )
    names, token = [], None
    while True:  # page by page, one flow per page
        listed = body(await thread(sdk.list_flows, fnf.ListFlowsRequest(limit=1, next_token=token)))
        names += [flow["Name"] for flow in listed["Flows"]]
        token = listed.get("NextToken")
        if not token:
            break
    assert {name, second} <= set(names) and names == sorted(names)
    listed_cli = {flow["Name"]: flow for flow in await cli("flow", "list")}
    assert same_fields(described | {"Description": "only the description"}, listed_cli[name])

    deleted = body(await thread(sdk.delete_flow, fnf.DeleteFlowRequest(name=name)))
    assert set(deleted) == {"RequestId"}
    with pytest.raises(ClientException) as refused:
        await thread(sdk.describe_flow, fnf.DescribeFlowRequest(name=name))
    assert (refused.value.code, refused.value.status_code) == ("FlowNotExists", 404)
    with pytest.raises(ClientException) as taken:
        await thread(
            sdk.create_flow,
            fnf.CreateFlowRequest(name=second, definition=WAITING, description="", type="FDL"),
        )
    assert (taken.value.code, taken.value.status_code) == ("FlowAlreadyExists", 409)
    with pytest.raises(ClientException) as invalid:
        await thread(
            sdk.create_flow,
            fnf.CreateFlowRequest(
                name=fresh("bad"),
                definition="version: v1\ntype: flow\nsteps: 3\n",
                description="",
                type="FDL",
            ),
        )
    assert (invalid.value.code, invalid.value.status_code) == ("InvalidArgument", 400)
    assert "steps" in invalid.value.message


async def test_execution_actions_with_the_new_sdk_match_the_cli(api: str) -> None:
    sdk = new_client(api)
    flow = fresh("flow")
    await thread(
        sdk.create_flow,
        fnf.CreateFlowRequest(
            name=flow, definition=WAITING.format(answer="done"), description="", type="FDL"
        ),
    )
    started = body(
        await thread(
            sdk.start_execution,
            fnf.StartExecutionRequest(flow_name=flow, execution_name="a", input='{"seconds": 1}'),
        )
    )
    assert (started["Name"], started["FlowName"], started["Status"]) == ("a", flow, "Running")
    assert json.loads(started["Input"]) == {"seconds": 1}
    again = body(
        await thread(
            sdk.start_execution,
            fnf.StartExecutionRequest(flow_name=flow, execution_name="a", input='{"seconds": 1}'),
        )
    )
    assert again["StartedTime"] == started["StartedTime"]  # a running name: the same execution

    done = body(
        await thread(
            sdk.describe_execution,
            fnf.DescribeExecutionRequest(flow_name=flow, execution_name="a", wait_time_seconds=30),
        )
    )
    assert done["Status"] == "Succeeded" and json.loads(done["Output"]) == {"answer": "done"}
    assert done["FlowDefinition"] == WAITING.format(answer="done")
    assert same_fields(done, await cli("execution", "describe", flow, "a"))
    with pytest.raises(ClientException) as finished:
        await thread(
            sdk.start_execution, fnf.StartExecutionRequest(flow_name=flow, execution_name="a")
        )
    assert (finished.value.code, finished.value.status_code) == ("ExecutionAlreadyExists", 400)

    await thread(
        sdk.start_execution,
        fnf.StartExecutionRequest(flow_name=flow, execution_name="b", input='{"seconds": 600}'),
    )
    stopped = body(
        await thread(
            sdk.stop_execution,
            fnf.StopExecutionRequest(
                flow_name=flow, execution_name="b", error="Halt", cause="by hand"
            ),
        )
    )
    assert stopped["Status"] == "Stopped"
    stopped_cli = await cli("execution", "describe", flow, "b")
    assert same_fields(stopped, stopped_cli | {"RoleArn": ""})
    assert (stopped_cli["Status"], stopped_cli["Error"], stopped_cli["Cause"]) == (
        "Stopped",
        "Halt",
        "by hand",
    )
    with pytest.raises(ClientException) as again_stop:
        await thread(
            sdk.stop_execution, fnf.StopExecutionRequest(flow_name=flow, execution_name="b")
        )
    assert again_stop.value.code == "ExecutionAlreadyCompleted"

    synced = body(
        await thread(
            sdk.start_sync_execution,
            fnf.StartSyncExecutionRequest(
                flow_name=flow, execution_name="s", input='{"seconds": 0}'
            ),
        )
    )
    assert synced["Status"] == "Succeeded" and json.loads(synced["Output"]) == {"answer": "done"}
    assert synced["Name"].startswith("s-")

    pages, token = [], None
    while True:
        listed = body(
            await thread(
                sdk.list_executions,
                fnf.ListExecutionsRequest(flow_name=flow, limit=1, next_token=token),
            )
        )
        pages.append([e["Name"] for e in listed["Executions"]])
        token = listed.get("NextToken")
        if not token:
            break
    assert sorted(n for page in pages for n in page) == sorted(["a", "b", synced["Name"]])
    stopped_only = body(
        await thread(
            sdk.list_executions, fnf.ListExecutionsRequest(flow_name=flow, status="Stopped")
        )
    )
    assert [e["Name"] for e in stopped_only["Executions"]] == ["b"]
    prefixed = body(
        await thread(
            sdk.list_executions,
            fnf.ListExecutionsRequest(
                flow_name=flow, execution_name_prefix="s-", metadata_only=True
            ),
        )
    )
    assert [e["Name"] for e in prefixed["Executions"]] == [synced["Name"]]
    assert "Input" not in prefixed["Executions"][0]
    listed_cli = {e["Name"]: e for e in await cli("execution", "list", flow)}
    assert listed_cli["b"]["Status"] == "Stopped"

    history = body(
        await thread(
            sdk.get_execution_history,
            fnf.GetExecutionHistoryRequest(flow_name=flow, execution_name="a", limit=2),
        )
    )
    events = history["Events"]
    while "NextToken" in history:
        history = body(
            await thread(
                sdk.get_execution_history,
                fnf.GetExecutionHistoryRequest(
                    flow_name=flow, execution_name="a", limit=2, next_token=history["NextToken"]
                ),
            )
        )
        events += history["Events"]
    assert events == (await cli("execution", "history", flow, "a"))["Events"]
    assert next(e["Type"] for e in events) == "ExecutionStarted"
    assert all(isinstance(e["EventId"], int) and isinstance(e["EventDetail"], str) for e in events)

    with pytest.raises(ClientException) as missing:
        await thread(
            sdk.describe_execution,
            fnf.DescribeExecutionRequest(flow_name=flow, execution_name="nope"),
        )
    assert (missing.value.code, missing.value.status_code) == ("ExecutionNotExists", 404)


async def test_schedule_actions_with_the_new_sdk_match_the_cli(api: str) -> None:
    sdk = new_client(api)
    flow = fresh("flow")
    await thread(
        sdk.create_flow,
        fnf.CreateFlowRequest(
            name=flow, definition=WAITING.format(answer="x"), description="", type="FDL"
        ),
    )
    created = body(
        await thread(
            sdk.create_schedule,
            fnf.CreateScheduleRequest(
                flow_name=flow,
                schedule_name="hourly",
                cron_expression="0 0 * * * *",
                payload='{"workers": ["w1"]}',
                enable=True,
                description="every hour",
            ),
        )
    )
    assert set(created) >= SCHEDULE_FIELDS
    assert (created["Enable"], json.loads(created["Payload"])) == (True, {"workers": ["w1"]})
    updated = body(
        await thread(
            sdk.update_schedule,
            fnf.UpdateScheduleRequest(
                flow_name=flow, schedule_name="hourly", enable=False, cron_expression="@every 5m"
            ),
        )
    )
    assert (updated["Enable"], updated["CronExpression"]) == (False, "@every 5m")
    assert updated["ScheduleId"] == created["ScheduleId"]
    described = body(
        await thread(
            sdk.describe_schedule,
            fnf.DescribeScheduleRequest(flow_name=flow, schedule_name="hourly"),
        )
    )
    on_cli = await cli("schedule", "describe", flow, "hourly")
    assert same_fields(described, on_cli)
    await thread(
        sdk.create_schedule,
        fnf.CreateScheduleRequest(
            flow_name=flow, schedule_name="daily", cron_expression="0 0 4 * * *"
        ),
    )
    first = body(
        await thread(sdk.list_schedules, fnf.ListSchedulesRequest(flow_name=flow, limit=1))
    )
    assert [s["ScheduleName"] for s in first["Schedules"]] == ["daily"]
    rest = body(
        await thread(
            sdk.list_schedules,
            fnf.ListSchedulesRequest(flow_name=flow, limit=1, next_token=first["NextToken"]),
        )
    )
    assert [s["ScheduleName"] for s in rest["Schedules"]] == ["hourly"] and "NextToken" not in rest
    with pytest.raises(ClientException) as bad_cron:
        await thread(
            sdk.create_schedule,
            fnf.CreateScheduleRequest(
                flow_name=flow, schedule_name="bad", cron_expression="0 60 4 * * *"
            ),
        )
    assert bad_cron.value.code == "InvalidArgument" and "60" in bad_cron.value.message
    await thread(
        sdk.delete_schedule, fnf.DeleteScheduleRequest(flow_name=flow, schedule_name="daily")
    )
    with pytest.raises(ClientException) as gone:
        await thread(
            sdk.describe_schedule,
            fnf.DescribeScheduleRequest(flow_name=flow, schedule_name="daily"),
        )
    assert (gone.value.code, gone.value.status_code) == ("ScheduleNotExists", 404)
    await thread(
        sdk.delete_schedule, fnf.DeleteScheduleRequest(flow_name=flow, schedule_name="hourly")
    )


async def wait_for_file(path: Path, timeout: float = 30) -> str:
    for _ in range(int(timeout * 20)):
        if path.exists():
            return path.read_text()
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {path}")


async def test_task_reports_with_both_sdks(api: str, tmp_path: Path) -> None:
    sdk, legacy = new_client(api), legacy_client(api)
    flow = fresh("cb")
    await thread(
        sdk.create_flow,
        fnf.CreateFlowRequest(name=flow, definition=CALLBACK, description="", type="FDL"),
    )
    for n, reporter in enumerate(("new", "legacy", "failed")):
        token_file = tmp_path / f"token-{n}"
        await thread(
            sdk.start_execution,
            fnf.StartExecutionRequest(
                flow_name=flow,
                execution_name=reporter,
                input=json.dumps({"token_file": str(token_file)}),
            ),
        )
        token = await wait_for_file(token_file)
        if reporter == "new":
            answer = body(
                await thread(
                    sdk.report_task_succeeded,
                    fnf.ReportTaskSucceededRequest(task_token=token, output='{"by": "new"}'),
                )
            )
        elif reporter == "legacy":
            answer = await thread(
                legacy_call,
                legacy,
                "ReportTaskSucceeded",
                TaskToken=token,
                Output='{"by": "legacy"}',
            )
        else:
            answer = body(
                await thread(
                    sdk.report_task_failed,
                    fnf.ReportTaskFailedRequest(
                        task_token=token, error="JobFailed", cause="disk full"
                    ),
                )
            )
        assert set(answer) == {"EventId", "RequestId"} and isinstance(answer["EventId"], int)
        with pytest.raises(ClientException) as twice:
            await thread(
                sdk.report_task_succeeded,
                fnf.ReportTaskSucceededRequest(task_token=token, output="{}"),
            )
        assert (twice.value.code, twice.value.status_code) == ("TaskAlreadyCompleted", 400)
        with pytest.raises(ServerException) as legacy_twice:
            await thread(legacy_call, legacy, "ReportTaskSucceeded", TaskToken=token, Output="{}")
        assert legacy_twice.value.get_error_code() == "TaskAlreadyCompleted"
    outcomes = {e["Name"]: e for e in await cli("execution", "list", flow)}
    new = await cli("execution", "describe", flow, "new", "--wait", "10")
    assert json.loads(new["Output"]) == {"by": "new"}
    legacy_done = await cli("execution", "describe", flow, "legacy", "--wait", "10")
    assert json.loads(legacy_done["Output"]) == {"by": "legacy"}
    failed = await cli("execution", "describe", flow, "failed", "--wait", "10")
    assert (failed["Status"], failed["Error"], failed["Cause"]) == (
        "Failed",
        "JobFailed",
        "disk full",
    )
    assert set(outcomes) == {"new", "legacy", "failed"}
    with pytest.raises(ClientException) as malformed:
        await thread(
            sdk.report_task_succeeded,
            fnf.ReportTaskSucceededRequest(task_token="not-a-token", output="{}"),
        )
    assert malformed.value.code == "InvalidArgument"


async def test_the_18_classic_actions_with_the_legacy_sdk(api: str) -> None:
    sdk = legacy_client(api)

    def call(action: str, **params: Any) -> Any:
        return asyncio.to_thread(legacy_call, sdk, action, **params)

    flow = fresh("legacy")
    created = await call(
        "CreateFlow", Name=flow, Definition=WAITING.format(answer="v1"), Description="d", Type="FDL"
    )
    assert created["Name"] == flow
    await call("UpdateFlow", Name=flow, Definition=WAITING.format(answer="v2"))
    described = await call("DescribeFlow", Name=flow)
    assert without_request_id(described) == await cli("flow", "describe", flow)
    assert flow in [f["Name"] for f in (await call("ListFlows", Limit=1000))["Flows"]]
    started = await call("StartExecution", FlowName=flow, ExecutionName="e", Input='{"seconds": 0}')
    assert started["Status"] == "Running"
    done = await call("DescribeExecution", FlowName=flow, ExecutionName="e", WaitTimeSeconds=5)
    assert without_request_id(done) == await cli("execution", "describe", flow, "e")
    synced = await call("StartSyncExecution", FlowName=flow, Input='{"seconds": 0}')
    assert json.loads(synced["Output"]) == {"answer": "v2"}
    assert len((await call("ListExecutions", FlowName=flow))["Executions"]) == 2
    history = await call("GetExecutionHistory", FlowName=flow, ExecutionName="e")
    assert history["Events"] == (await cli("execution", "history", flow, "e"))["Events"]
    await call("StartExecution", FlowName=flow, ExecutionName="long", Input='{"seconds": 600}')
    stopped = await call("StopExecution", FlowName=flow, ExecutionName="long", Error="E")
    assert (stopped["Status"], stopped["Error"]) == ("Stopped", "E")
    schedule = await call(
        "CreateSchedule", FlowName=flow, ScheduleName="s", CronExpression="0 0 * * * *", Enable=True
    )
    assert schedule["Enable"] is True
    changed = await call("UpdateSchedule", FlowName=flow, ScheduleName="s", Enable=False)
    assert changed["Enable"] is False
    assert (await call("DescribeSchedule", FlowName=flow, ScheduleName="s"))["Enable"] is False
    assert [
        s["ScheduleName"] for s in (await call("ListSchedules", FlowName=flow))["Schedules"]
    ] == ["s"]
    await call("DeleteSchedule", FlowName=flow, ScheduleName="s")
    await call("DeleteFlow", Name=flow)
    with pytest.raises(ServerException) as gone:
        await call("DescribeFlow", Name=flow)
    assert (gone.value.get_error_code(), gone.value.get_http_status()) == ("FlowNotExists", 404)
    with pytest.raises(ServerException) as bad_token:
        await call("ReportTaskFailed", TaskToken="bad", Error="E")
    assert bad_token.value.get_error_code() == "InvalidArgument"


async def test_other_actions_answer_action_not_supported(api: str) -> None:
    sdk = new_client(api)
    with pytest.raises(ClientException) as refused:
        await thread(
            sdk.describe_map_run,
            fnf.DescribeMapRunRequest(flow_name="f", execution_name="e", map_run_name="m"),
        )
    assert (refused.value.code, refused.value.status_code) == ("ActionNotSupported", 400)
    assert "DescribeMapRun" in refused.value.message
    regions = body(await thread(sdk.describe_regions, fnf.DescribeRegionsRequest()))
    assert regions["Regions"]["Region"][0]["RegionId"] == "local"


async def test_versions_aliases_and_qualifiers_with_the_new_sdk_match_the_cli(api: str) -> None:
    sdk = new_client(api)
    flow = fresh("ver")
    create = fnf.CreateFlowRequest(
        name=flow, definition=WAITING.format(answer="one"), description="", type="FDL"
    )
    await thread(sdk.create_flow, create)
    first = body(
        await thread(
            sdk.publish_flow_version,
            fnf.PublishFlowVersionRequest(flow_name=flow, description="first"),
        )
    )
    assert (first["FlowName"], first["Version"], first["Description"]) == (flow, "1", "first")
    update = fnf.UpdateFlowRequest(name=flow, definition=WAITING.format(answer="two"))
    await thread(sdk.update_flow, update)
    second = body(
        await thread(sdk.publish_flow_version, fnf.PublishFlowVersionRequest(flow_name=flow))
    )
    assert second["Version"] == "2"
    listed = body(
        await thread(sdk.list_flow_versions, fnf.ListFlowVersionsRequest(flow_name=flow, limit="1"))
    )
    assert [v["Version"] for v in listed["FlowVersions"]] == ["2"]
    rest = body(
        await thread(
            sdk.list_flow_versions,
            fnf.ListFlowVersionsRequest(flow_name=flow, next_token=listed["NextToken"]),
        )
    )
    assert [v["Version"] for v in rest["FlowVersions"]] == ["1"]
    on_cli = await cli("flow", "version", "list", flow)
    assert [v["Version"] for v in on_cli] == ["2", "1"]
    assert same_fields(listed["FlowVersions"][0], on_cli[0])

    old = body(
        await thread(sdk.describe_flow, fnf.DescribeFlowRequest(name=flow, flow_version="1"))
    )
    assert old["Definition"] == WAITING.format(answer="one")
    assert same_fields(old, await cli("flow", "describe", flow, "--version", "1"))

    routes = json.dumps([{"Version": "1", "Weight": 100}])
    alias = body(
        await thread(
            sdk.create_flow_alias,
            fnf.CreateFlowAliasRequest(
                flow_name=flow,
                name="prod",
                routing_configurations=[
                    fnf.CreateFlowAliasRequestRoutingConfigurations(version="1", weight=100)
                ],
            ),
        )
    )
    assert alias["Name"] == "prod" and alias["RoutingConfigurations"] == json.loads(routes)
    started = body(
        await thread(
            sdk.start_execution,
            fnf.StartExecutionRequest(
                flow_name=flow, execution_name="via-alias", input='{"seconds": 0}', qualifier="prod"
            ),
        )
    )
    assert started["Name"] == "via-alias"
    done = await cli("execution", "describe", flow, "via-alias", "--wait", "20")
    assert json.loads(done["Output"]) == {"answer": "one"}  # version 1, not the current "two"
    assert (done["Qualifier"], done["FlowVersion"]) == ("prod", "1")
    by_number = body(
        await thread(
            sdk.start_execution,
            fnf.StartExecutionRequest(
                flow_name=flow, execution_name="by-number", input='{"seconds": 0}', qualifier="2"
            ),
        )
    )
    assert by_number["Name"] == "by-number"
    only = body(
        await thread(
            sdk.list_executions, fnf.ListExecutionsRequest(flow_name=flow, qualifier="prod")
        )
    )
    assert [e["Name"] for e in only["Executions"]] == ["via-alias"]

    split = [
        fnf.UpdateFlowAliasRequestRoutingConfigurations(version="1", weight=30),
        fnf.UpdateFlowAliasRequestRoutingConfigurations(version="2", weight=70),
    ]
    updated = body(
        await thread(
            sdk.update_flow_alias,
            fnf.UpdateFlowAliasRequest(
                flow_name=flow, name="prod", routing_configurations=split, description="canary"
            ),
        )
    )
    assert [r["Weight"] for r in updated["Alias"]["RoutingConfigurations"]] == [30, 70]
    described = body(
        await thread(
            sdk.describe_flow_alias, fnf.DescribeFlowAliasRequest(flow_name=flow, name="prod")
        )
    )
    assert same_fields(described["Alias"], await cli("flow", "alias", "describe", flow, "prod"))
    aliases = body(await thread(sdk.list_flow_aliases, fnf.ListFlowAliasesRequest(flow_name=flow)))
    assert [a["Name"] for a in aliases["Aliases"]] == ["prod"]
    with pytest.raises(ClientException) as in_use:
        await thread(
            sdk.delete_flow_version, fnf.DeleteFlowVersionRequest(flow_name=flow, flow_version="1")
        )
    assert in_use.value.code == "InvalidArgument" and "prod" in in_use.value.message
    with pytest.raises(ClientException) as bad_weights:
        await thread(
            sdk.update_flow_alias,
            fnf.UpdateFlowAliasRequest(
                flow_name=flow,
                name="prod",
                routing_configurations=[
                    fnf.UpdateFlowAliasRequestRoutingConfigurations(version="1", weight=50)
                ],
            ),
        )
    assert bad_weights.value.code == "InvalidArgument"
    await thread(sdk.delete_flow_alias, fnf.DeleteFlowAliasRequest(flow_name=flow, name="prod"))
    await thread(
        sdk.delete_flow_version, fnf.DeleteFlowVersionRequest(flow_name=flow, flow_version="1")
    )
    with pytest.raises(ClientException) as gone:
        await thread(sdk.start_execution, fnf.StartExecutionRequest(flow_name=flow, qualifier="1"))
    assert (gone.value.code, gone.value.status_code) == ("FlowVersionNotExists", 404)
    with pytest.raises(ClientException) as no_alias:
        await thread(
            sdk.describe_flow_alias, fnf.DescribeFlowAliasRequest(flow_name=flow, name="prod")
        )
    assert (no_alias.value.code, no_alias.value.status_code) == ("FlowAliasNotExists", 404)
