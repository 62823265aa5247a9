"""The project config (fdl.yaml): validation messages name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.config import CONFIG_ENV, QUEUE_DB_ENV, ConfigError, ProjectConfig, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fdl.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bindings_load_with_base_dir(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "functions:\n"
        "  fnf-demo/StartJob:\n    handler: jobs.start:handler\n"
        "  fnf-demo/GetJobStatus:\n    url: http://127.0.0.1:9000/status\n    timeout: 30\n",
    )
    config = load_config(path)
    assert config.base_dir == tmp_path.resolve()
    assert config.functions["fnf-demo/StartJob"].handler == "jobs.start:handler"
    assert config.functions["fnf-demo/GetJobStatus"].url == "http://127.0.0.1:9000/status"
    assert config.functions["fnf-demo/GetJobStatus"].timeout == 30


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "functions:\n  a/b: {}\n",
            "fdl.yaml:2:8: functions.a/b: set exactly one of 'handler' and 'url'",
        ),
        (
            "functions:\n  a/b: {handler: m:f, url: 'http://x'}\n",
            "fdl.yaml:2:8: functions.a/b: set exactly one of 'handler' and 'url'",
        ),
        (
            "functions:\n  a/b: {handler: 'not a handler'}\n",
            "fdl.yaml:2:18: functions.a/b.handler: handler 'not a handler' must look like "
            "'module.path:callable'",
        ),
        (
            "functions:\n  a/b: {url: 'ftp://x'}\n",
            "fdl.yaml:2:14: functions.a/b.url: url 'ftp://x' must start with http:// or https://",
        ),
        (
            "functions:\n  nokey: {handler: m:f}\n",
            "fdl.yaml:2:3: functions.nokey: function key 'nokey' must look like 'service/function'",
        ),
        (
            "functions:\n  a/b: {handler: m:f, memory: 3}\n",
            "fdl.yaml:2:23: functions.a/b.memory: unknown key 'memory' "
            "(known keys: handler, url, timeout, local)",
        ),
        (
            "functions:\n  demo/raises:\n    handlr: m:f\n",
            "fdl.yaml:3:5: functions.demo/raises.handlr: unknown key 'handlr'; "
            "did you mean 'handler'?",
        ),
        ("queue: {}\n", "fdl.yaml:1:1: queue: unknown key 'queue'; did you mean 'queues'?"),
        (
            "queues: {backend: sqs}\n",
            "fdl.yaml:1:19: queues.backend: Input should be 'local' or 'mns'",
        ),
        ("- 1\n", "fdl.yaml:1:1: the config must be a mapping, not list"),
        (
            "functions:\n  a/b: {handler: m:f, timeout: 0}\n",
            "fdl.yaml:2:32: functions.a/b.timeout: Input should be greater than 0",
        ),
        (
            "task_queue: 'a b'\n",
            "fdl.yaml:1:13: task_queue: task queue 'a b': use letters, digits, '_', '.' and '-' "
            "(at most 200)",
        ),
        (
            "functions:\n  a/b: {handler: m:f}\n  a/b: {url: 'http://x'}\n",
            "fdl.yaml:3:3: functions.a/b: duplicate key 'a/b' (first at line 2)",
        ),
    ],
)
def test_invalid_config_is_located_with_the_key(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == message.replace("fdl.yaml", str(path), 1)


def test_a_located_problem_renders_its_line_and_a_caret(tmp_path: Path) -> None:
    path = write(tmp_path, "functions:\n  demo/raises:\n    handlr: m:f\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.render().splitlines() == [
        f"{path}:3:5: functions.demo/raises.handlr: unknown key 'handlr'; did you mean 'handler'?",
        "        handlr: m:f",
        "        ^",
    ]


def test_missing_default_file_is_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert load_config().functions == {}


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_env_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "functions:\n  s/f: {handler: m:f}\n")
    monkeypatch.setenv(CONFIG_ENV, str(path))
    assert list(load_config().functions) == ["s/f"]


def test_empty_file_is_empty_config(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).functions == {}


def test_bad_yaml_is_one_located_line_not_a_yaml_dump(tmp_path: Path) -> None:
    path = write(tmp_path, "functions:\n  a/b: {handler: m:f\n  c/d: x\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    [line] = str(info.value).splitlines()
    assert line.startswith(f"{path}:3:6: invalid YAML: ")
    assert "mark" not in line and "^" not in line


def test_from_mapping_rejects_the_internal_keys(tmp_path: Path) -> None:
    for key in ("base_dir", "file"):
        with pytest.raises(ConfigError, match=f"{key}: unknown key '{key}'"):
            ProjectConfig.from_mapping({key: "/"}, base_dir=tmp_path)


def test_the_task_queue_is_the_files_or_derived_from_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "my shop"
    project.mkdir()
    assert load_config(write(project, "")).project_task_queue == "fdl-my-shop"
    assert load_config(write(project, "task_queue: shop.v2\n")).project_task_queue == "shop.v2"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert load_config().project_task_queue is None  # no fdl.yaml: the caller's default


def test_queue_file_is_relative_to_the_config_unless_the_environment_names_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(QUEUE_DB_ENV, raising=False)
    config = load_config(write(tmp_path, "queues:\n  db: state/q.db\n"))
    assert config.queue_db == tmp_path.resolve() / "state" / "q.db"

    monkeypatch.setenv(QUEUE_DB_ENV, "/var/lib/fdl/queue.db")
    assert config.queue_db == Path("/var/lib/fdl/queue.db")


def test_local_functions_are_short(tmp_path: Path) -> None:
    config = ProjectConfig.from_mapping(
        {"functions": {"s/quick": {"handler": "m:f", "local": True, "timeout": 5}}},
        base_dir=tmp_path,
    )
    assert config.functions["s/quick"].local
    with pytest.raises(ConfigError) as info:
        ProjectConfig.from_mapping(
            {"functions": {"s/slow": {"handler": "m:f", "local": True, "timeout": 60}}},
            base_dir=tmp_path,
            source="fdl.yaml",
        )
    assert str(info.value) == (
        "fdl.yaml: functions.s/slow: a local function runs at most 10 seconds; timeout 60 is "
        "longer (drop 'local: true' for long functions)"
    )
