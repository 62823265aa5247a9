"""translator: FDL text -> located syntax tree -> validated model -> IR.

Pure Python; never imports ``temporalio`` (the interpreter runs the evaluators inside the
workflow sandbox). Public entry points: :func:`compile_text`, :func:`compile_file`.

The front end (PyYAML, the parser, the validator) loads only when one of these names is first
used, so ``from translator import ir`` or ``translator.expr`` inside a workflow loads no YAML.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from translator.compile import compile_file, compile_text
    from translator.errors import DefinitionError, ExpressionError, Problem, Span

__all__ = [
    "DefinitionError",
    "ExpressionError",
    "Problem",
    "Span",
    "compile_file",
    "compile_text",
]

_HOMES = {
    "compile_file": "translator.compile",
    "compile_text": "translator.compile",
    "DefinitionError": "translator.errors",
    "ExpressionError": "translator.errors",
    "Problem": "translator.errors",
    "Span": "translator.errors",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'translator' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
