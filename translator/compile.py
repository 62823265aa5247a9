"""Placeholder for the last stage of the pipeline (validated model -> IR)."""

from __future__ import annotations

from pathlib import Path

from translator import ir


def compile_text(text: str, *, filename: str = "<string>", resolve_refs: bool = False) -> ir.Flow:
    raise NotImplementedError


def compile_file(path: str | Path, *, resolve_refs: bool = False) -> ir.Flow:
    raise NotImplementedError
