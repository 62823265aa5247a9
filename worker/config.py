"""The project config file (``fdl.yaml``): where function bindings enter the worker.

The file is untrusted input, so it is validated with pydantic and every problem is reported
with the file name and the key it concerns. Example::

    functions:
      fnf-demo/StartJob:
        handler: handlers.jobs:start_job     # module (relative to this file):callable
      fnf-demo/GetJobStatus:
        url: http://127.0.0.1:9000/status    # POST the event JSON, the body is the result
        timeout: 30                          # seconds, optional
      fnf-demo/Normalize:
        handler: handlers.text:normalize
        local: true                          # a short function: run as a local activity

    task_queue: orders                       # optional; default fdl-<this file's folder>

    queues:                                  # where MNS tasks send (optional)
      backend: local                         # local (default) or mns
      db: .fdl/queue.db                      # local: the SQLite file `fdl queue serve` serves
      topics: {events: [audit, mail]}        # local: a topic's messages go to these queues
      # backend: mns
      # endpoint: https://123.mns.cn-hangzhou.aliyuncs.com
      # access_key_id: ${MNS_ACCESS_KEY_ID}  # ${VAR} reads the environment
      # access_key_secret: ${MNS_ACCESS_KEY_SECRET}

This reads a small settings file with ``yaml.safe_load``; FDL flow definitions are never
parsed here (that is the translator's job).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from translator.errors import Problem
from translator.rules import LOCAL_FUNCTION_MAX_SECONDS
from translator.source import Reporter, locate
from worker import config_source
from worker.contract.run import DEFAULT_TASK_QUEUE

CONFIG_ENV = "FDL_CONFIG"
"""Environment variable naming the project config file when no path is given."""
DEFAULT_CONFIG = "fdl.yaml"
"""The config file looked up in the current directory when nothing else names one."""
QUEUE_DB_ENV = "FDL_QUEUE_DB"
"""Environment variable naming the local queue file. It overrides ``queues.db``, so every
process of a deployment (workers, ``fdl queue serve``) can share one file a project's
``fdl.yaml`` does not know about, such as a container volume."""

_HANDLER = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
_BINDING_KEY = re.compile(r"^[^/\s]+/[^/\s]+$")
_TASK_QUEUE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$")
_UNSAFE_IN_QUEUE = re.compile(r"[^A-Za-z0-9_.-]+")
_INTERNAL_KEYS = ("base_dir", "file")


class ConfigError(ValueError):
    """The project config file is missing, unreadable or invalid.

    Attributes:
        problems: every problem, each located in the file where possible
            (``FILE:LINE:COL: key.path: message``).
    """

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", None, "", problems)]
        self.problems = problems
        super().__init__("\n".join(_line(problem) for problem in problems))

    def render(self) -> str:
        """Every problem with its source line and a caret, as flow problems render."""
        return "\n".join(
            problem.render() if problem.file else problem.message for problem in self.problems
        )


def _line(problem: Problem) -> str:
    return str(problem) if problem.file else problem.message


def _binding_key(key: str) -> str:
    if not _BINDING_KEY.match(key):
        raise ValueError(f"function key {key!r} must look like 'service/function'")
    return key


BindingKey = Annotated[str, AfterValidator(_binding_key)]
"""A ``service/function`` key of ``functions:``."""


class FunctionBinding(BaseModel):
    """How one FC function (``service/function``) runs here: a Python handler or an HTTP URL.

    Attributes:
        handler: ``module.path:callable``; the module is imported relative to the config file.
        url: an ``http://`` or ``https://`` endpoint that receives the event as a JSON POST.
        timeout: seconds one invocation may take (the FC function timeout); optional.
        local: run the function as a Temporal local activity (in the worker running the
            execution, one history event per call instead of three); for short functions:
            an attempt runs at most ``LOCAL_FUNCTION_MAX_SECONDS``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    handler: str | None = None
    url: str | None = None
    timeout: float | None = Field(default=None, gt=0)
    local: bool = False

    @field_validator("handler")
    @classmethod
    def _handler_form(cls, value: str | None) -> str | None:
        if value is not None and not _HANDLER.match(value):
            raise ValueError(f"handler {value!r} must look like 'module.path:callable'")
        return value

    @field_validator("url")
    @classmethod
    def _url_form(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"url {value!r} must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> FunctionBinding:
        if (self.handler is None) == (self.url is None):
            raise ValueError("set exactly one of 'handler' and 'url'")
        return self

    @model_validator(mode="after")
    def _local_is_short(self) -> FunctionBinding:
        limit = LOCAL_FUNCTION_MAX_SECONDS
        if self.local and self.timeout is not None and self.timeout > limit:
            raise ValueError(
                f"a local function runs at most {limit:g} seconds; timeout {self.timeout:g} "
                "is longer (drop 'local: true' for long functions)"
            )
        return self


_ENV_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def resolve_secret(value: str, key: str) -> str:
    """A config value, or the environment variable it names as ``${VAR}``.

    Raises:
        ConfigError: the named variable is not set.
    """
    match = _ENV_REFERENCE.match(value)
    if match is None:
        return value
    resolved = os.environ.get(match.group(1))
    if not resolved:
        raise ConfigError(f"queues.{key}: environment variable {match.group(1)} is not set")
    return resolved


class QueuesConfig(BaseModel):
    """Where tasks sending to MNS queues and topics deliver their messages.

    Attributes:
        backend: ``local`` (a SQLite queue file, served by ``fdl queue serve`` / ``fdl dev``)
            or ``mns`` (Alibaba MNS, or anything speaking its API, through ``aliyun-mns-sdk``).
        db: the local queue file, relative to the config file's folder.
        topics: local backend: the queues each topic's messages are copied to (a topic with no
            entry delivers to the queue of the same name).
        endpoint: mns backend: ``https://<account>.mns.<region>.aliyuncs.com``.
        access_key_id: mns backend: the AccessKeyId, or ``${VAR}``.
        access_key_secret: mns backend: the AccessKeySecret, or ``${VAR}`` (better).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["local", "mns"] = "local"
    db: Path = Path(".fdl") / "queue.db"
    topics: dict[str, list[str]] = Field(default_factory=dict)
    endpoint: str | None = None
    access_key_id: str | None = None
    access_key_secret: str | None = None

    @model_validator(mode="after")
    def _mns_settings(self) -> QueuesConfig:
        if self.backend == "mns":
            missing = [
                key
                for key in ("endpoint", "access_key_id", "access_key_secret")
                if not getattr(self, key)
            ]
            if missing:
                raise ValueError(f"backend mns needs {', '.join(missing)}")
            if not str(self.endpoint).startswith(("http://", "https://")):
                raise ValueError(f"endpoint {self.endpoint!r} must start with http:// or https://")
        return self


class ProjectConfig(BaseModel):
    """The validated project config.

    Attributes:
        functions: bindings by ``service/function`` key (``FunctionResource.binding_name``).
        queues: the queue backend of MNS tasks.
        task_queue: the Temporal task queue of the project's work, as the file names it
            (see :attr:`project_task_queue` for the default).
        base_dir: the directory handler modules are imported from (the config file's).
        file: the config file it was read from (``None``: no file, an empty config).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    functions: dict[BindingKey, FunctionBinding] = Field(default_factory=dict)
    queues: QueuesConfig = Field(default_factory=QueuesConfig)
    task_queue: str | None = None
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)
    file: Path | None = Field(default=None, exclude=True)

    @property
    def project_task_queue(self) -> str | None:
        """The task queue this project's workers serve and its flows run on.

        ``task_queue`` when the file sets it, else ``fdl-<name of the file's folder>`` (so two
        projects on one server never share a queue by accident); ``None`` without a file (the
        caller's default then applies: ``fdl``).
        """
        if self.task_queue:
            return self.task_queue
        if self.file is None:
            return None
        folder = _UNSAFE_IN_QUEUE.sub("-", self.file.resolve().parent.name).strip("-.")
        return f"{DEFAULT_TASK_QUEUE}-{folder}"[:200] if folder else DEFAULT_TASK_QUEUE

    @property
    def queue_db(self) -> Path:
        """The local queue file: ``$FDL_QUEUE_DB``, else ``queues.db`` relative to the config
        file's folder."""
        override = os.environ.get(QUEUE_DB_ENV)
        if override:
            return Path(override)
        db = self.queues.db
        return db if db.is_absolute() else self.base_dir / db

    @field_validator("task_queue")
    @classmethod
    def _task_queue_form(cls, value: str | None) -> str | None:
        if value is not None and not _TASK_QUEUE.match(value):
            raise ValueError(
                f"task queue {value!r}: use letters, digits, '_', '.' and '-' (at most 200)"
            )
        return value

    @classmethod
    def from_mapping(
        cls, data: Any, *, base_dir: Path, source: str = DEFAULT_CONFIG
    ) -> ProjectConfig:
        """Validate already-parsed config data.

        Args:
            data: the parsed document (``None`` means an empty file).
            base_dir: the directory relative imports of handler modules start from.
            source: the file name used in error messages.

        Raises:
            ConfigError: the data is not a valid config; the message names every bad key.
        """
        text = config_source.ConfigText(data, None, Reporter(source, ""))
        return cls._validated(text, base_dir=base_dir, file=None)

    @classmethod
    def _validated(
        cls, text: config_source.ConfigText, *, base_dir: Path, file: Path | None
    ) -> ProjectConfig:
        data, reporter = {} if text.data is None else text.data, text.reporter
        span = text.root.span if text.root is not None else None
        if not isinstance(data, dict):
            kind = "list" if isinstance(data, list) else type(data).__name__
            reporter.add(span, "", f"the config must be a mapping, not {kind}")
            raise ConfigError(reporter.problems)
        for key in _INTERNAL_KEYS:
            if key in data:
                where = locate(text.root, (key,), key=True)
                known = config_source.allowed_keys(cls, ())
                reporter.add(where, key, config_source.unknown_key(key, known))
                raise ConfigError(reporter.problems)
        try:
            return cls.model_validate({**data, "base_dir": base_dir, "file": file})
        except ValidationError as exc:
            raise ConfigError(config_source.problems(exc, text, cls)) from None


def config_path(path: str | Path | None = None) -> tuple[Path, bool]:
    """Which config file to read: ``path``, else ``$FDL_CONFIG``, else ``./fdl.yaml``.

    Returns:
        The path and whether it was named explicitly (a missing explicit file is an error;
        a missing default file means an empty config).
    """
    if path is not None:
        return Path(path), True
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env), True
    return Path(DEFAULT_CONFIG), False


def load_config(path: str | Path | None = None) -> ProjectConfig:
    """Find, read and validate the project config.

    Args:
        path: an explicit config file; otherwise ``$FDL_CONFIG``, otherwise ``./fdl.yaml``.

    Raises:
        ConfigError: an explicitly named file is missing, or the file is not valid.
    """
    file, explicit = config_path(path)
    base_dir = file.resolve().parent
    if not file.exists():
        if explicit:
            raise ConfigError(f"{file}: config file not found")
        return ProjectConfig(base_dir=base_dir)
    try:
        raw = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"{file}: cannot read the config: {reason}") from None
    text = config_source.read(raw, str(file))
    if text.reporter.problems:
        raise ConfigError(text.reporter.problems)
    return ProjectConfig._validated(text, base_dir=base_dir, file=file)
