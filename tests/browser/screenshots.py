"""Regenerate the console screenshots of the README (docs/console/*.png).

    .venv/bin/python tests/browser/screenshots.py

It starts its own Temporal dev server, runs the console scenarios (scenarios.py) with their
workers, serves the console, and photographs the flow list, a succeeded and a failed
execution's graph, and the step panel with Debian's chromium. The pictures are 8-colour
PNGs at most ~1000 px wide, so they stay small in the repository.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import browser  # noqa: E402
import scenarios  # noqa: E402
from temporalio.client import Client  # noqa: E402

from worker.console.app import ConsoleSettings  # noqa: E402
from worker.console.server import ConsoleServer  # noqa: E402
from worker.local.devserver import DevServer  # noqa: E402

OUT = ROOT / "docs" / "console"
PREFIX = "screenshots"


async def run_scenarios(address: str, namespace: str, bucket: Path) -> None:
    """Run every scenario, then photograph the console while the workers still run (so
    the pages show the interpreter's own records)."""
    client = await Client.connect(address, namespace=namespace)
    chosen = scenarios.scenarios(bucket)
    async with scenarios.workers(client, PREFIX):
        await scenarios.register(client, PREFIX, chosen)
        for scenario in chosen:
            await scenarios.start(client, PREFIX, scenario)
        for scenario in chosen:
            await scenarios.wait(client, scenario)
        settings = ConsoleSettings(namespace=namespace, query_timeout=5)
        with ConsoleServer(address, namespace, settings, port=0) as console:
            await asyncio.to_thread(photograph, console.url)


def photograph(url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with browser.chromium() as chrome:
        page = chrome.new_page(viewport={"width": 1100, "height": 760})
        page.goto(f"{url}/flows")
        browser.save(page, OUT / "flows.png")
        page.goto(f"{url}/executions/orders/big-order")
        browser.save(page, OUT / "execution-succeeded.png", full_page=True)
        page.goto(f"{url}/executions/orders/no-price")
        browser.save(page, OUT / "execution-failed.png", full_page=True)
        page.goto(f"{url}/executions/orders/big-order")
        page.click('.fdl-graph .node[data-node="priceItems[*]/price"]')
        page.wait_for_selector("#panel .visit")
        browser.save(page, OUT / "step-panel.png")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, DevServer(ui_port=None) as server:
        bucket = scenarios.create_bucket(Path(tmp) / "bucket.db")
        asyncio.run(run_scenarios(server.address, server.namespace, bucket))
    for picture in sorted(OUT.glob("*.png")):
        print(f"wrote {picture.relative_to(ROOT)} ({picture.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
