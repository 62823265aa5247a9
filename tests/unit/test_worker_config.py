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
            "fdl.yaml: functions.a/b: set exactly one of 'handler' and 'url'",
        ),
        (
            "functions:\n  a/b: {handler: m:f, url: 'http://x'}\n",
            "fdl.yaml: functions.a/b: set exactly one of 'handler' and 'url'",
        ),
        (
            "functions:\n  a/b: {handler: 'not a handler'}\n",
            "fdl.yaml: functions.a/b.handler: handler 'not a handler' must look like "
            "'module.path:callable'",
        ),
        (
            "functions:\n  a/b: {url: 'ftp://x'}\n",
            "fdl.yaml: functions.a/b.url: url 'ftp://x' must start with http:// or https://",
        ),
        (
            "functions:\n  nokey: {handler: m:f}\n",
            "fdl.yaml: functions: function key 'nokey' must look like 'service/function'",
        ),
        (
            "functions:\n  a/b: {handler: m:f, memory: 3}\n",
            "fdl.yaml: functions.a/b.memory: Extra inputs are not permitted",
        ),
        ("queue: {}\n", "fdl.yaml: queue: Extra inputs are not permitted"),
        ("queues: {backend: sqs}\n", "fdl.yaml: queues.backend: Input should be 'local' or 'mns'"),
        ("- 1\n", "fdl.yaml: the config must be a mapping, not list"),
        (
            "functions:\n  a/b: {handler: m:f, timeout: 0}\n",
            "fdl.yaml: functions.a/b.timeout: Input should be greater than 0",
        ),
    ],
)
def test_invalid_config_names_the_key(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == message.replace("fdl.yaml", str(path), 1)


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


def test_yaml_syntax_error_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config"):
        load_config(write(tmp_path, "functions: [\n"))


def test_from_mapping_rejects_base_dir_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="base_dir: unknown key"):
        ProjectConfig.from_mapping({"base_dir": "/"}, base_dir=tmp_path)


def test_queue_file_is_relative_to_the_config_unless_the_environment_names_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(QUEUE_DB_ENV, raising=False)
    config = load_config(write(tmp_path, "queues:\n  db: state/q.db\n"))
    assert config.queue_db == tmp_path.resolve() / "state" / "q.db"

    monkeypatch.setenv(QUEUE_DB_ENV, "/var/lib/fdl/queue.db")
    assert config.queue_db == Path("/var/lib/fdl/queue.db")
