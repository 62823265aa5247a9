"""Reading a request's parameters: the query and the form body merged, then typed accessors.

The SDKs put some parameters in the query and others in an
``application/x-www-form-urlencoded`` body; both are parsed with ``parse_qsl`` (which decodes
``+`` and tolerates the unescaped ``:`` the async client leaves in ``Timestamp``). Each
accessor raises the original's error for its parameter: ``MissingRequiredParams`` when a
required one is absent or empty, ``InvalidArgument`` naming the parameter and the bad value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from translator.rules import check_name
from worker.fnfapi.errors import invalid, missing

MAX_FIELDS = 200
"""Parameters one request may carry (the largest action takes about twenty)."""


def parse_params(query: bytes, body: bytes, content_type: str) -> dict[str, str]:
    """The merged parameters of a request (a body parameter wins over the query's).

    Raises:
        ApiError: ``InvalidArgument`` for text that is not UTF-8 or too many parameters.
    """
    params = _parse(query, "query")
    if body and content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        params.update(_parse(body, "body"))
    return params


def _parse(raw: bytes, where: str) -> dict[str, str]:
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except UnicodeDecodeError:
        raise invalid(f"the request {where} is not UTF-8 text") from None
    except ValueError:
        raise invalid(f"the request {where} has more than {MAX_FIELDS} parameters") from None
    return dict(pairs)


class Params:
    """Typed access to one request's parameters."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values

    def required(self, name: str, *, max_length: int | None = None) -> str:
        """A parameter that must be present and not empty."""
        value = self.values.get(name, "")
        if value == "":
            raise missing(name)
        return self._length(name, value, max_length)

    def optional(self, name: str, default: str = "", *, max_length: int | None = None) -> str:
        """A parameter that may be absent (then ``default``)."""
        value = self.values.get(name)
        return default if value is None else self._length(name, value, max_length)

    def name(self, param: str, kind: str, *, required: bool = True) -> str:
        """A flow, execution or schedule name (``[A-Za-z_][A-Za-z0-9_-]{0,127}``)."""
        value = self.required(param) if required else self.optional(param)
        if value:
            try:
                check_name(kind, value)
            except ValueError as exc:
                raise invalid(f"{param}: {exc}") from None
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """A whole number within ``low..high`` (``default`` when absent or empty)."""
        text = self.values.get(name, "").strip()
        if not text:
            return default
        try:
            value = int(text)
        except ValueError:
            raise invalid(f"{name} must be a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise invalid(f"{name} must be between {low} and {high}, got {value}")
        return value

    def boolean(self, name: str) -> bool | None:
        """``true``/``false`` in any case (the new SDK sends ``True``); ``None`` when absent."""
        text = self.values.get(name, "").strip().lower()
        if not text:
            return None
        if text not in ("true", "false"):
            raise invalid(f"{name} must be true or false, got {self.values[name]!r}")
        return text == "true"

    def json_object(self, name: str, *, required: bool = False) -> dict[str, Any] | None:
        """A parameter holding a JSON object as text (``Input``, ``Output``, ``Payload``)."""
        text = self.required(name) if required else self.values.get(name, "")
        if not text.strip():
            return None
        value = self.json_value(name, text)
        if not isinstance(value, dict):
            raise invalid(f"{name} must be a JSON object, got {type(value).__name__}")
        return value

    @staticmethod
    def json_value(name: str, text: str) -> Any:
        """Parse ``text`` as JSON (no NaN or Infinity), as ``InvalidArgument`` naming ``name``."""
        try:
            return json.loads(text, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise invalid(f"{name} is not valid JSON: {exc}") from None

    def time(self, name: str) -> datetime | None:
        """An RFC 3339 time with a zone, e.g. ``2026-01-01T00:00:00Z``; ``None`` when absent."""
        text = self.values.get(name, "").strip()
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise invalid(f"{name} must be an RFC 3339 time, got {text!r}") from None
        if moment.tzinfo is None:
            raise invalid(f"{name} needs a time zone (e.g. 2026-01-01T00:00:00Z), got {text!r}")
        return moment

    @staticmethod
    def _length(name: str, value: str, max_length: int | None) -> str:
        if max_length is not None and len(value) > max_length:
            raise invalid(f"{name} is longer than {max_length} characters")
        return value


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")
