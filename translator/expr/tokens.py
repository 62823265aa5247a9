"""Token kinds of the choice condition language (reference 6.4.1): the first stage of ``expr``.

The lexer (:mod:`translator.expr.lex`) turns condition text into :class:`Token` values; the
parser (:mod:`translator.expr.parse`) reads them. Operator kinds use the operator's own spelling
as their value, so a binary operator token maps straight onto :data:`translator.ir.BinaryOp`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Kind(enum.StrEnum):
    """What a token is. Operators and punctuation are spelled as in the source."""

    NUMBER = "number"
    STRING = "string"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"
    PATH = "path"
    OR = "||"
    AND = "&&"
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    NOT = "!"
    MINUS = "-"
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    COMMA = ","
    EOF = "end of condition"


COMPARISONS = frozenset({Kind.EQ, Kind.NE, Kind.LT, Kind.LE, Kind.GT, Kind.GE, Kind.IN})
"""Operators of the comparison precedence level (all left-associative)."""

LITERALS = frozenset({Kind.NUMBER, Kind.STRING, Kind.TRUE, Kind.FALSE, Kind.NULL})
"""Tokens whose ``value`` is a JSON scalar."""


@dataclass(frozen=True, slots=True)
class Token:
    """One token.

    Attributes:
        kind: what the token is.
        text: the exact source text of the token (quotes included for strings).
        offset: 0-based position of the token's first character in the condition.
        value: the decoded value of a literal (number, string, bool or ``None``).
    """

    kind: Kind
    text: str
    offset: int
    value: Any = None

    @property
    def end(self) -> int:
        """The offset just after the token."""
        return self.offset + len(self.text)
