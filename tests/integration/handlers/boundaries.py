"""Handlers returning what is not plain JSON, or too much of it (boundary tests)."""

from __future__ import annotations

from typing import Any


def lone_surrogate(event: bytes, context: Any) -> dict[str, Any]:
    """A file name as ``os.listdir`` returns it when it is not UTF-8."""
    return {"name": "report-\udcff.txt"}


def nan(event: bytes, context: Any) -> dict[str, Any]:
    """A float JSON has no spelling for."""
    return {"ratio": float("nan")}


def nan_text(event: bytes, context: Any) -> str:
    """JSON text with a NaN literal (what some encoders write)."""
    return '{"ratio": NaN}'


def three_megabytes(event: bytes, context: Any) -> dict[str, Any]:
    """A result over Temporal's payload limit."""
    return {"blob": "x" * 3_000_000}
