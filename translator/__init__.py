"""translator: FDL text -> located syntax tree -> validated model -> IR.

Pure Python; never imports ``temporalio`` (the interpreter runs the evaluators inside the
workflow sandbox). Public entry points: :func:`compile_text`, :func:`compile_file`.
"""

from __future__ import annotations

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
