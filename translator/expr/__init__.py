"""The expression languages of FDL: mapping paths (reference 3.4-3.6) and choice conditions (6.4.1).

Pipeline: ``tokens`` (token kinds) -> ``lex`` (text to tokens) -> ``parse`` (tokens to the IR
nodes of :mod:`translator.ir`) -> ``evaluate`` (pure, deterministic evaluation against a
:class:`Scope`; safe inside the Temporal workflow sandbox).
"""

from __future__ import annotations

from translator.expr.evaluate import (
    MissingPathError,
    Scope,
    evaluate_condition,
    evaluate_mappings,
    evaluate_path,
    evaluate_source,
    loose_equal,
)
from translator.expr.parse import is_reference, parse_condition, parse_path, parse_source

__all__ = [
    "MissingPathError",
    "Scope",
    "evaluate_condition",
    "evaluate_mappings",
    "evaluate_path",
    "evaluate_source",
    "is_reference",
    "loose_equal",
    "parse_condition",
    "parse_path",
    "parse_source",
]
