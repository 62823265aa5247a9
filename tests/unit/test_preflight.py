"""Bindings checked before anything starts: ``fdl validate --config``, ``fdl run``, ``fdl worker``.

A binding mistake (a function the flow calls that ``fdl.yaml`` does not bind, a handler module
that does not import, a handler that is not there or not callable, a queue file that is not
one) is reported as located lines before any server is reached or any worker says "ready".
None of these tests needs a Temporal server: the checks come first.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from worker.local.mnsqueue import Credentials, QueueStore, serve_queue

FLOW = """\
version: v1
type: flow
steps:
  - type: task
    name: reserve
    resourceArn: acs:fc:::services/shop/functions/reserv
  - type: parallel
    name: fan
    branches:
      - steps:
          - type: task
            name: charge
            resourceArn: acs:fc:::services/shop/functions/charge
          - type: task
            name: notify
            resourceArn: acs:mns:::/queues/jobs/messages
"""
SHOP = """\
TAX = 0.2


def reserve(event, context):
    return {}


def charge(event, context):
    return {}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose fdl.yaml has every kind of binding mistake."""
    for key in list(os.environ):
        if key.startswith(("FDL_", "TEMPORAL_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")  # never reached: checks come first
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "shop.py").write_text(SHOP)
    (folder / "broken.py").write_text("import json\nLIMIT = 1 / 0\n")
    (folder / "flow.yaml").write_text(FLOW)
    (folder / ".fdl").mkdir()
    (folder / ".fdl" / "queue.db").write_text("not a database\n")
    (folder / "fdl.yaml").write_text(
        "functions:\n"
        "  shop/reserve: {handler: shop:reserve}\n"
        "  shop/charge: {handler: shop:chrage}\n"
        "  shop/tax: {handler: shop:TAX}\n"
        "  shop/refund: {handler: shopp:refund}\n"
        "  shop/audit: {handler: broken:audit}\n"
    )
    return folder


def fdl(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def test_validate_with_config_locates_every_binding_mistake(project: Path) -> None:
    flow, config = project / "flow.yaml", project / "fdl.yaml"

    code, out, err = fdl("validate", "--config", config, flow)

    assert (code, out) == (1, "")
    assert [line for line in err.splitlines() if not line.startswith(" ")] == [
        f"{flow}:6:18: steps[0].resourceArn: function 'shop/reserv' is not bound in {config} "
        "(did you mean 'shop/reserve'?)",
        f"{config}:3:26: functions.shop/charge.handler: 'shop' has no attribute 'chrage' "
        "(did you mean 'charge'?)",
        f"{config}: queues.db: queue file {project / '.fdl' / 'queue.db'} is not a queue "
        "file (not an SQLite database)",
    ]
    assert "      resourceArn: acs:fc:::services/shop/functions/reserv\n" in err


def test_a_worker_checks_every_binding_and_never_says_ready(project: Path) -> None:
    code, out, err = fdl("worker", "--config", project / "fdl.yaml")

    assert code == 1
    assert "ready" not in out + err
    config = project / "fdl.yaml"
    assert [line for line in err.splitlines() if not line.startswith(" ")] == [
        f"{config}:3:26: functions.shop/charge.handler: 'shop' has no attribute 'chrage' "
        "(did you mean 'charge'?)",
        f"{config}:4:23: functions.shop/tax.handler: 'shop:TAX' is not callable (it is a float)",
        f"{config}:5:26: functions.shop/refund.handler: no module 'shopp' in {project} "
        "(did you mean 'shop'?)",
        f"{config}:6:25: functions.shop/audit.handler: importing 'broken' failed: "
        "ZeroDivisionError: division by zero",
        f"{config}: queues.db: queue file {project / '.fdl' / 'queue.db'} is not a queue "
        "file (not an SQLite database)",
    ]


def test_run_checks_the_functions_of_its_flow_before_starting_anything(project: Path) -> None:
    code, out, err = fdl("run", project / "flow.yaml")

    assert (code, out) == (1, "")
    assert "is not bound" in err and "'chrage'" in err
    assert "started" not in err and "no Temporal server" not in err


def test_a_sound_project_validates(project: Path) -> None:
    (project / "fdl.yaml").write_text(
        "functions:\n"
        "  shop/reserv: {handler: shop:reserve}\n"
        "  shop/charge: {handler: shop:charge}\n"
    )
    (project / ".fdl" / "queue.db").unlink()

    code, out, err = fdl("validate", "--config", project / "fdl.yaml", project / "flow.yaml")

    assert (code, err) == (0, "")
    assert out == f"{project / 'flow.yaml'}: ok\n{project / 'fdl.yaml'}: ok\n"
    assert not (project / ".fdl" / "queue.db").exists(), "validation creates nothing"


def test_validate_json_lists_binding_problems_with_the_others(project: Path) -> None:
    code, out, _ = fdl(
        "validate", "--json", "--config", project / "fdl.yaml", project / "flow.yaml"
    )

    assert code == 1
    found = json.loads(out)
    assert [(p["File"], p["Line"], p["Column"], p["Path"]) for p in found] == [
        (str(project / "flow.yaml"), 6, 18, "steps[0].resourceArn"),
        (str(project / "fdl.yaml"), 3, 26, "functions.shop/charge.handler"),
        (str(project / "fdl.yaml"), None, None, "queues.db"),
    ]


def test_an_invalid_config_is_located_in_validate(project: Path) -> None:
    (project / "fdl.yaml").write_text("functions:\n  shop/reserve:\n    handlr: shop:reserve\n")

    code, _, err = fdl("validate", "--config", project / "fdl.yaml", project / "flow.yaml")

    assert code == 1
    assert err.splitlines()[0] == (
        f"{project / 'fdl.yaml'}:3:5: functions.shop/reserve.handlr: unknown key 'handlr'; "
        "did you mean 'handler'?"
    )


def test_with_the_mns_backend_every_queue_a_flow_sends_to_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MNS creates no queue on send: a missing one is found before the flow runs (here the
    MNS endpoint is the local queue's API, which creates none either without auto-create)."""
    monkeypatch.setenv("MNS_ID", "id")
    monkeypatch.setenv("MNS_KEY", "key")
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "version: v1\ntype: flow\nsteps:\n"
        "  - {type: task, name: a, resourceArn: 'acs:mns:::/queues/ready/messages'}\n"
        "  - {type: task, name: b, resourceArn: 'acs:mns:::/queues/jobs/messages'}\n"
    )
    with QueueStore(tmp_path / "mns.db", auto_create=False) as store:
        store.create_queue("ready")
        server = serve_queue(store, credentials=Credentials("id", "key"))
        server.start()
        try:
            config = tmp_path / "fdl.yaml"
            config.write_text(
                f"queues:\n  backend: mns\n  endpoint: {server.url}\n"
                "  access_key_id: ${MNS_ID}\n  access_key_secret: ${MNS_KEY}\n"
            )
            code, out, err = fdl("validate", "--config", config, flow)
        finally:
            server.stop()
    assert (code, out) == (1, f"{config}: ok\n")  # the bindings are fine; the flow is not
    assert err.splitlines()[0] == (
        f"{flow}:5:40: steps[1].resourceArn: queue 'jobs' does not exist at {server.url} "
        "(MNS creates none on send)"
    )
