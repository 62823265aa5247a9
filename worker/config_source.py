"""Reading ``fdl.yaml`` with positions, so its problems are located like a flow's.

The file goes through the translator's YAML front end (:mod:`translator.source`: 1-based
spans; bad YAML, duplicate keys and unknown tags become located problems), and the plain data
through the pydantic models of :mod:`worker.config`. Each validation error is then mapped
back to the key or value it concerns and becomes a :class:`~translator.errors.Problem`, which
renders as ``FILE:LINE:COL: key.path: message`` with the source line and a caret; an unknown
key suggests the closest known one, as unknown keys of a flow do.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from translator.errors import Problem, Span
from translator.model import Node, key_path, to_json
from translator.source import Reporter, load, locate


@dataclass(frozen=True, slots=True)
class ConfigText:
    """A config file read with positions.

    Attributes:
        data: the plain document (``None`` for an empty file or unreadable YAML).
        root: the located tree, for positions.
        reporter: the file's problems so far (YAML syntax, duplicate keys).
    """

    data: Any
    root: Node | None
    reporter: Reporter


def read(text: str, filename: str) -> ConfigText:
    """Compose ``text`` (the contents of ``filename``) into data and a located tree."""
    reporter = Reporter(filename, text)
    root = load(text, reporter)
    return ConfigText(None if root is None else to_json(root), root, reporter)


def problems(exc: ValidationError, text: ConfigText, model: type[BaseModel]) -> list[Problem]:
    """The problems of a failed validation of ``text.data`` against ``model``, located."""
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if part != "[key]")
        at_key = error["type"] == "extra_forbidden" or error["loc"][-1:] == ("[key]",)
        span = locate(text.root, loc, key=at_key)
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = unknown_key(str(loc[-1]), allowed_keys(model, loc[:-1]))
        text.reporter.add(span, _path(loc), message)
    return text.reporter.problems


def unknown_key(name: str, allowed: list[str]) -> str:
    """``unknown key 'x'``, with the closest allowed key as a suggestion."""
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    known = f" (known keys: {', '.join(allowed)})" if allowed and not close else ""
    return f"unknown key '{name}'{hint}{known}"


def span_of(file: Path, loc: tuple[Any, ...]) -> tuple[Span | None, str | None]:
    """Where the value at ``loc`` is in ``file``, and the text of that line; ``(None, None)``
    when the file does not set it (or cannot be read)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None, None
    found = read(text, str(file))
    if not _has(found.data, loc):
        return None, None
    span = locate(found.root, loc)
    lines = found.reporter.lines
    line = lines[span.line - 1] if span is not None and 0 < span.line <= len(lines) else None
    return span, line


def _has(data: Any, loc: tuple[Any, ...]) -> bool:
    for part in loc:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model expects in the mapping at ``loc`` (empty when it takes any)."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = _unwrap(field.annotation)
        elif typing.get_origin(current) is dict:
            current = _unwrap(typing.get_args(current)[1])
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [name for name, field in current.model_fields.items() if not field.exclude]
    return []


def _unwrap(annotation: Any) -> Any:
    """``X`` for ``X | None`` and ``Annotated[X, ...]``."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path = key_path(path, part if isinstance(part, int) else str(part))
    return path
