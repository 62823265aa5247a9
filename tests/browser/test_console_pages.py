"""The web console in a real browser (Debian's chromium through Playwright), over real runs.

The scenarios (``scenarios.py``: seed 002 with its subflow, seed 003, the orders flow
succeeded, caught and failed) run on the session's Temporal dev server with one ``fdl
worker`` process per example; the console serves that server from a thread of this process.
Every step node's state is read from the page's DOM, as a person sees it coloured.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import scenarios
from browser import CHROMIUM, FLAGS
from console_session import PREFIX, SUFFIX, TEMPORAL_UI
from playwright.async_api import Browser, Page, async_playwright
from temporalio.client import Client

from translator import compile_text
from worker.config import ProjectConfig
from worker.console.app import ConsoleSettings
from worker.console.server import ConsoleServer
from worker.local.devserver import DevServer
from worker.process import build_worker
from worker.service.client import FdlClient
from worker.service.links import CONSOLE_URL_ENV
from worker.service.reports import report_task_succeeded

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    opened = await browser.new_page(viewport={"width": 1280, "height": 900})
    yield opened
    await opened.close()


async def finished(dev_server: DevServer, scenario: scenarios.Scenario) -> str:
    client = await Client.connect(dev_server.address, namespace=dev_server.namespace)
    return await scenarios.wait(client, scenario)


async def open_execution(page: Page, console: str, flow: str, name: str) -> None:
    await page.goto(f"{console}/executions/{quote(flow)}/{quote(name)}")


async def node_states(page: Page) -> dict[str, str]:
    found: dict[str, str] = await page.eval_on_selector_all(
        ".fdl-graph .node",
        "nodes => Object.fromEntries(nodes.map(n => [n.dataset.node, n.dataset.state]))",
    )
    return found


async def option_states(page: Page) -> dict[str, str | None]:
    found: dict[str, str | None] = await page.eval_on_selector_all(
        ".fdl-graph .chip",
        "chips => Object.fromEntries(chips.map(c => [c.dataset.option, c.dataset.state || null]))",
    )
    return found


async def select(page: Page, node: str) -> None:
    await page.click(f'.fdl-graph .node[data-node="{node}"]')
    await page.wait_for_selector(f'#panel .step[data-node="{node}"]')


async def panel_json(page: Page, selector: str) -> Any:
    import json

    return json.loads(await page.inner_text(f"#panel {selector}"))


async def test_seed_002_main_flow_loops_and_links_to_its_subflow(
    page: Page, console: str, started: dict[str, scenarios.Scenario], dev_server: DevServer
) -> None:
    oss = started["oss"]
    assert await finished(dev_server, oss) == "Succeeded"
    await open_execution(page, console, oss.flow, oss.execution)
    assert await node_states(page) == {
        "init": "succeeded",
        "listArchiveFiles": "succeeded",
        "checkEmpty": "succeeded",
        "checkEmpty/invokeRestoreFlow": "succeeded",
        "checkEnd": "succeeded",
        "success": "succeeded",
    }
    assert set((await option_states(page)).values()) == {"taken"}
    status = await page.text_content('.node[data-node="listArchiveFiles"] .status')
    assert status is not None and status.startswith("3 runs")
    await select(page, "checkEmpty/invokeRestoreFlow")
    assert await page.locator("#panel .visit").count() == 2
    child = page.locator("#panel a.child").first
    assert (await child.inner_text()).startswith("subflow restoreFlow ")
    await child.click()
    await page.wait_for_selector('.fdl-graph .node[data-node="retoreForeach"]')
    assert await node_states(page) == {
        "retoreForeach": "succeeded",
        "retoreForeach[*]/restoreTask": "succeeded",
        "Wait": "succeeded",
        "GetJobStatus": "succeeded",
        "CheckJobComplete": "succeeded",
        "JobSucceeded": "succeeded",
    }
    # The latest call restored the second page of the bucket: one group of one object.
    await select(page, "retoreForeach")
    iterations = page.locator("#panel table.iterations tbody tr")
    assert await iterations.evaluate_all("rows => rows.map(r => r.dataset.state)") == ["succeeded"]
    child_input = await panel_json(page, "pre.input")
    assert (child_input["filesGroup"], child_input["marker"]) == (
        [["data/object-00002"]],
        "logs/log-00000",
    )


async def test_seed_003_polling_loop_shows_both_rounds(
    page: Page, console: str, started: dict[str, scenarios.Scenario], dev_server: DevServer
) -> None:
    polling = started["polling"]
    assert await finished(dev_server, polling) == "Succeeded"
    await open_execution(page, console, polling.flow, polling.execution)
    assert await node_states(page) == {
        "StartJob": "succeeded",
        "Init": "succeeded",
        "Wait10s": "succeeded",
        "GetJobStatus": "succeeded",
        "CheckJobComplete": "succeeded",
        "JobSucceeded": "succeeded",
        "JobFailed": "not_reached",
    }
    assert await option_states(page) == {
        "CheckJobComplete?0": "taken",
        "CheckJobComplete?1": "skipped",
        "CheckJobComplete?2": "taken",
        "CheckJobComplete?none": "skipped",
    }
    await select(page, "GetJobStatus")
    visits = page.locator("#panel .visit")
    assert await visits.count() == 2
    latest_output = await panel_json(page, ".visit >> nth=0 >> pre.output")
    earlier_output = await panel_json(page, ".visit >> nth=1 >> pre.output")
    assert (earlier_output["job_status"], latest_output["job_status"]) == ("running", "success")
    latest_input = await panel_json(page, ".visit >> nth=0 >> pre.input")
    assert latest_input == {"job_id": latest_output["job_id"], "delay": 12, "try_count": 1}


async def test_orders_foreach_retry_parallel_and_choice(
    page: Page, console: str, started: dict[str, scenarios.Scenario], dev_server: DevServer
) -> None:
    orders = started["orders"]
    assert await finished(dev_server, orders) == "Succeeded"
    await open_execution(page, console, orders.flow, orders.execution)
    assert await node_states(page) == {
        "priceItems": "succeeded",
        "priceItems[*]/price": "retried",
        "prepare": "succeeded",
        "prepare[0]/reserve": "succeeded",
        "prepare[1]/settle": "succeeded",
        "prepare[1]/note": "succeeded",
        "charge": "succeeded",
        "route": "succeeded",
        "bigOrder": "succeeded",
        "done": "succeeded",
        "declined": "not_reached",
    }
    assert await option_states(page) == {"route?0": "taken", "route?default": "skipped"}
    await select(page, "charge")
    assert (await panel_json(page, "pre.input"))["prices"] == [24, 90, 3]
    assert await panel_json(page, "pre.output") == {"charged": 117}
    await select(page, "priceItems[*]/price")
    flaky = page.locator('#panel .visit[data-path="priceItems[1]/price"]')
    assert await flaky.get_attribute("data-state") == "retried"
    outcomes = flaky.locator("table.attempts tbody tr")
    assert await outcomes.evaluate_all("rows => rows.map(r => r.dataset.outcome)") == [
        "failed",
        "succeeded",
    ]
    assert "StockServiceBusy" in await flaky.locator("table.attempts").inner_text()
    temporal = await page.get_attribute("#temporal-link", "href")
    workflow = quote(f"{orders.flow}:{orders.execution}", safe="")
    assert temporal is not None and temporal.startswith(
        f"{TEMPORAL_UI}/namespaces/default/workflows/{workflow}/"
    )


async def test_a_caught_failure_and_the_catch_target(
    page: Page, console: str, started: dict[str, scenarios.Scenario], dev_server: DevServer
) -> None:
    declined = started["declined"]
    assert await finished(dev_server, declined) == "Succeeded"
    await open_execution(page, console, declined.flow, declined.execution)
    states = await node_states(page)
    assert (states["charge"], states["route"], states["declined"]) == (
        "caught",
        "not_reached",
        "succeeded",
    )
    await select(page, "charge")
    assert await page.inner_text("#panel .visit .error") == "PaymentDeclined"
    assert await panel_json(page, "pre.output") == {"reason": "amount 900 exceeds the card limit"}


async def test_a_failed_execution_shows_its_failing_iteration(
    page: Page, console: str, started: dict[str, scenarios.Scenario], dev_server: DevServer
) -> None:
    failed = started["failed"]
    assert await finished(dev_server, failed) == "Failed"
    await open_execution(page, console, failed.flow, failed.execution)
    assert await page.inner_text("#status") == "Failed"
    assert await page.inner_text("#error") == "KeyError"
    states = await node_states(page)
    assert (states["priceItems"], states["priceItems[*]/price"]) == ("failed", "failed")
    assert {state for node, state in states.items() if not node.startswith("priceItems")} == {
        "not_reached"
    }
    await select(page, "priceItems")
    rows = page.locator("#panel table.iterations tbody tr")
    assert await rows.evaluate_all("rows => rows.map(r => r.dataset.state)") == [
        "succeeded",
        "failed",
    ]
    await select(page, "priceItems[*]/price")
    failing = page.locator('#panel .visit[data-path="priceItems[1]/price"]')
    assert await failing.locator(".cause").inner_text() == "'price'"
    assert await panel_json(page, '.visit[data-path="priceItems[1]/price"] pre.input') == {
        "item": {"name": "gift"},
        "items": [{"name": "book", "price": 12}, {"name": "gift"}],
        "position": 1,
    }


CALLBACK_FLOW = """
version: v1
type: flow
steps:
  - type: task
    name: approve
    resourceArn: acs:fc:::services/hr/functions/ask
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: token_file
        source: $input.token_file
  - type: pass
    name: after
"""


async def test_a_running_execution_page_follows_the_callback_report(
    page: Page, console: str, dev_server: DevServer, tmp_path: Path
) -> None:
    client = await Client.connect(dev_server.address, namespace=dev_server.namespace)
    queue = f"{PREFIX}-callback"
    project = ProjectConfig.from_mapping(
        {"functions": {"hr/ask": {"handler": "handlers.callbacks:hand_over_token"}}},
        base_dir=ROOT / "tests" / "integration",
    )
    fdl = FdlClient(client, task_queue=queue)
    flow = f"approval{SUFFIX}"
    token_file = tmp_path / "token"
    await fdl.create_flow(flow, compile_text(CALLBACK_FLOW), source=CALLBACK_FLOW)
    async with build_worker(client, task_queue=queue, config=project):
        await fdl.start_execution(flow, name="ask-1", input={"token_file": str(token_file)})
        for _ in range(200):
            if token_file.exists():
                break
            await asyncio.sleep(0.05)
        await open_execution(page, console, flow, "ask-1")
        assert await page.inner_text("#status") == "Running"
        assert (await node_states(page))["approve"] == "waiting"
        await select(page, "approve")
        await report_task_succeeded(client, token_file.read_text(), {"approved": True})
        # No reload: the page polls its state and redraws the nodes and the open panel.
        await page.wait_for_selector(
            '.node[data-node="after"][data-state="succeeded"]', timeout=15000
        )
        assert (await node_states(page))["approve"] == "succeeded"
        await page.wait_for_function(
            "document.getElementById('status').textContent === 'Succeeded'"
        )
        await page.wait_for_selector("#panel pre.output")
        assert await panel_json(page, "pre.output") == {"approved": True}


async def test_without_a_worker_the_page_says_where_the_states_come_from(
    page: Page, console: str, dev_server: DevServer
) -> None:
    client = await Client.connect(dev_server.address, namespace=dev_server.namespace)
    queue = f"{PREFIX}-gone"
    project = ProjectConfig.from_mapping(
        {"functions": {"demo/echo": {"handler": "handlers.basic:echo"}}},
        base_dir=ROOT / "tests" / "integration",
    )
    text = (
        "version: v1\ntype: flow\nsteps:\n"
        "  - type: task\n    name: call\n    resourceArn: acs:fc:::services/demo/functions/echo\n"
        "  - type: pass\n    name: note\n"
    )
    fdl = FdlClient(client, task_queue=queue)
    flow = f"gone{SUFFIX}"
    await fdl.create_flow(flow, compile_text(text), source=text)
    async with build_worker(client, task_queue=queue, config=project):
        await fdl.start_execution(flow, name="once", input={"x": 1})
        await fdl.describe_execution(flow, "once", wait_seconds=30)
    await open_execution(page, console, flow, "once")
    assert await page.is_visible("#derived")
    # The pass step leaves no Temporal event: the run's step trail (its memo) says it ran.
    assert await node_states(page) == {"call": "succeeded", "note": "succeeded"}


async def test_the_executions_list_filters_and_pages(
    page: Page, console: str, started: dict[str, scenarios.Scenario], dev_server: DevServer
) -> None:
    orders = started["orders"].flow
    for key in ("orders", "declined", "failed"):
        await finished(dev_server, started[key])
    await page.goto(f"{console}/executions?flow={orders}")
    rows = page.locator("#executions tbody tr")
    names = await rows.evaluate_all("rows => rows.map(r => r.dataset.execution)")
    assert sorted(names) == [f"{orders}:big-order", f"{orders}:declined", f"{orders}:no-price"]
    await page.goto(f"{console}/executions?flow={orders}&status=Failed")
    assert await rows.evaluate_all("rows => rows.map(r => r.dataset.execution)") == [
        f"{orders}:no-price"
    ]
    await page.goto(f"{console}/executions?flow={orders}&since=2999-01-01T00:00")
    assert await page.inner_text("p.empty") == "No executions match."
    await page.goto(f"{console}/executions?flow={orders}&size=2")
    first = await rows.evaluate_all("rows => rows.map(r => r.dataset.execution)")
    await page.click("#next-page")
    second = await rows.evaluate_all("rows => rows.map(r => r.dataset.execution)")
    assert len(first) == 2 and len(second) == 1 and sorted(first + second) == sorted(names)
    await page.goto(f"{console}/executions?status=Nonsense")
    assert "unknown status" in await page.inner_text(".error-message")


async def test_flows_list_their_versions_sources_and_graphs(
    page: Page, console: str, started: dict[str, scenarios.Scenario]
) -> None:
    orders = started["orders"].flow
    await page.goto(f"{console}/flows")
    assert await page.locator(f'#flows tr[data-flow="{orders}"]').count() == 1
    await page.click(f'#flows tr[data-flow="{orders}"] a >> nth=0')
    await page.wait_for_selector("#source")
    assert "name: priceItems" in await page.inner_text("#source")
    assert await page.locator(".fdl-graph .node").count() == 11
    assert await page.locator(".versions li").count() == 1
    missing = await page.goto(f"{console}/flows/no_such_flow")
    assert missing is not None and missing.status == 404


def test_the_console_is_read_only_and_answers_unknown_pages_with_404(console: str) -> None:
    assert httpx.post(f"{console}/executions").status_code == 405
    assert httpx.get(f"{console}/executions/nope/nothing").status_code == 404


async def test_the_temporal_ui_summary_links_back_to_the_console(
    console: str,
    started: dict[str, scenarios.Scenario],
    dev_server: DevServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = await Client.connect(dev_server.address, namespace=dev_server.namespace)
    declined = started["declined"]
    fdl = FdlClient(client, task_queue=scenarios.task_queue(PREFIX, "orders"))
    monkeypatch.setenv(CONSOLE_URL_ENV, console)
    await fdl.start_execution(declined.flow, name="linked", input=declined.input)
    monkeypatch.delenv(CONSOLE_URL_ENV)
    await fdl.start_execution(declined.flow, name="unlinked", input=declined.input)
    link = f"{console}/executions/{declined.flow}/linked"
    linked = await client.get_workflow_handle(f"{declined.flow}:linked").describe()
    assert await linked.static_summary() == (
        f"FDL flow {declined.flow}, execution linked · console: {link}"
    )
    unlinked = await client.get_workflow_handle(f"{declined.flow}:unlinked").describe()
    assert "console" not in (await unlinked.static_summary() or "")
    await fdl.describe_execution(declined.flow, "linked", wait_seconds=30)
    assert httpx.get(link).status_code == 200


async def test_a_long_finished_execution_shows_temporals_history_until_its_record_loads(
    browser: Browser, started: dict[str, scenarios.Scenario], dev_server: DevServer
) -> None:
    # A console for which every finished execution is "long": the first view is derived
    # (pass and choice steps from the run's step trail, no step data), then the
    # interpreter's record replaces it in place.
    orders = started["orders"]
    assert await finished(dev_server, orders) == "Succeeded"
    settings = ConsoleSettings(namespace=dev_server.namespace, replay_limit=0)
    with ConsoleServer(dev_server.address, dev_server.namespace, settings, port=0) as console:
        page = await browser.new_page()
        await open_execution(page, console.url, orders.flow, orders.execution)
        assert await page.is_visible("#upgrading")
        first = await node_states(page)
        assert (first["charge"], first["bigOrder"]) == ("succeeded", "succeeded")
        assert (await option_states(page))["route?0"] == "taken"
        await page.wait_for_selector("#upgrading", state="hidden")
        assert await node_states(page) == first
        assert (await option_states(page))["route?0"] == "taken"
        await page.close()
