"""The parser of both expression languages: mapping paths and sources (reference 3.4-3.5) and
choice conditions (reference 6.4.1), producing the IR nodes of :mod:`translator.ir`.

Paths are read by a small scanner over the text; conditions by a recursive-descent parser over
the tokens of :mod:`translator.expr.lex`, one function per precedence level. Every rejection is
an :class:`~translator.errors.ExpressionError` carrying the 0-based offset of the problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from translator import ir
from translator.errors import ExpressionError
from translator.expr.lex import lex
from translator.expr.tokens import COMPARISONS, LITERALS, Kind, Token

_ROOTS: tuple[tuple[str, ir.PathRoot], ...] = (
    ("$input", "input"),
    ("$local", "local"),
    ("$context", "context"),
    ("$", "dollar"),
)

MAX_NESTING = 32
"""Deepest nesting of parentheses and array literals in a condition."""

MAX_DEPTH = 100
"""Deepest operator tree a condition may build (keeps evaluation far from Python's stack limit)."""


# --- paths and sources -------------------------------------------------------------------------


def _root(text: str) -> tuple[ir.PathRoot, int] | None:
    """The root of a reference and its length, or ``None`` when ``text`` is not a reference."""
    for prefix, root in _ROOTS:
        if text.startswith(prefix) and text[len(prefix) : len(prefix) + 1] in ("", ".", "["):
            return root, len(prefix)
    return None


def is_reference(text: str) -> bool:
    """Whether a mapping source string is a reference rather than a literal string.

    References are ``$input``, ``$local`` and ``$context`` (alone or followed by ``.`` or ``[``)
    and bare ``$`` (alone or followed by ``.`` or ``[``). Anything else, such as ``$inputs``,
    ``$foo``, ``$$x`` or ``/``, is a literal (reference 3.4).

    Args:
        text: a mapping source string.

    Returns:
        True when the string must be parsed as a path.
    """
    return _root(text) is not None


def parse_path(text: str) -> ir.Path:
    """Parse a reference such as ``$input.a[0]['b c'][*]``.

    Supported segments are ``.key`` (letters of any script, digits, ``_``, ``-``, ``$``),
    ``[n]``, ``[*]`` and ``['key']`` / ``["key"]`` (a backslash escapes the next character).

    Args:
        text: the path as written.

    Returns:
        The path, keeping ``text`` for messages.

    Raises:
        ExpressionError: the text is not a path of the supported dialect.
    """
    found = _root(text)
    if found is None:
        head = text.partition(".")[0].partition("[")[0]
        raise ExpressionError(
            f"a path must start with $input, $local, $context or $, not {head!r}", 0
        )
    root, pos = found
    segments: list[ir.Segment] = []
    while pos < len(text):
        if text[pos] == ".":
            segment, pos = _dot_segment(text, pos)
        elif text[pos] == "[":
            segment, pos = _bracket_segment(text, pos)
        else:
            raise ExpressionError(f"unexpected {text[pos]!r} in path; expected '.' or '['", pos)
        segments.append(segment)
    return ir.Path(root=root, segments=tuple(segments), text=text)


def _is_key_char(char: str) -> bool:
    return char.isalnum() or char in "_-$"


def _dot_segment(text: str, dot: int) -> tuple[ir.Segment, int]:
    """``.key`` starting at the dot; returns the segment and the offset after it."""
    start = end = dot + 1
    while end < len(text) and _is_key_char(text[end]):
        end += 1
    if end > start:
        return ir.Key(name=text[start:end]), end
    if text.startswith(".", start):
        raise ExpressionError("recursive descent '..' is not supported", dot)
    if text.startswith("*", start):
        raise ExpressionError("wildcard '.*' is not supported; use '[*]'", dot)
    raise ExpressionError("expected a key after '.'", start)


def _bracket_segment(text: str, start: int) -> tuple[ir.Segment, int]:
    """``[n]``, ``[*]`` or a quoted key, starting at the ``[``."""
    if text[start + 1 : start + 2] in ("'", '"'):
        return _quoted_key(text, start)
    if text.startswith("?", start + 1):
        raise ExpressionError("filter expressions '[?(...)]' are not supported", start)
    close = text.find("]", start)
    if close == -1:
        raise ExpressionError("unterminated '['", start)
    inner = text[start + 1 : close]
    if inner == "*":
        return ir.Wildcard(), close + 1
    if inner.isascii() and inner.isdigit():
        if len(inner) > 15:
            raise ExpressionError(f"index {inner} is too large", start)
        return ir.Index(index=int(inner)), close + 1
    raise ExpressionError(_bad_bracket_message(inner, text[start : close + 1]), start)


def _bad_bracket_message(inner: str, piece: str) -> str:
    if ":" in inner:
        return f"slices are not supported: {piece!r}"
    if inner.startswith("-") and inner[1:].isascii() and inner[1:].isdigit():
        return f"negative indexes are not supported: {piece!r}"
    if "," in inner:
        return f"unions are not supported: {piece!r}"
    return f"expected a number, '*' or a quoted key inside brackets, got {piece!r}"


def _quoted_key(text: str, start: int) -> tuple[ir.Segment, int]:
    """``['key']`` or ``["key"]`` starting at the ``[``; a backslash escapes the next character."""
    quote, pos = text[start + 1], start + 2
    chars: list[str] = []
    while pos < len(text) and text[pos] != quote:
        if text[pos] == "\\" and pos + 1 < len(text):
            pos += 1
        chars.append(text[pos])
        pos += 1
    if pos >= len(text):
        raise ExpressionError("unterminated quoted key", start + 1)
    if not text.startswith("]", pos + 1):
        raise ExpressionError("expected ']' after the quoted key", pos + 1)
    return ir.Key(name="".join(chars)), pos + 2


def parse_source(value: ir.JSONValue) -> ir.Source:
    """Parse a mapping ``source``: a reference string becomes a path, anything else a constant.

    References nested inside structured constants are not resolved (reference 3.4).

    Args:
        value: the ``source`` value as loaded from YAML (any JSON value).

    Returns:
        A :class:`~translator.ir.Path` or a :class:`~translator.ir.Constant` holding ``value``.

    Raises:
        ExpressionError: a reference string that is not a valid path (e.g. ``$input..a``).
    """
    if isinstance(value, str) and is_reference(value):
        return parse_path(value)
    return ir.Constant(value=value)


# --- conditions ----------------------------------------------------------------------------------


def parse_condition(text: str) -> ir.Condition:
    """Parse a choice condition (reference 6.4.1).

    Precedence from lowest: ``||``, ``&&``, comparisons and ``in`` (left-associative), prefix
    ``!`` and ``-``. Values are numbers, strings (``"..."`` with JSON escapes, or raw backtick
    strings), ``true``, ``false``, ``null``, paths, parenthesised conditions and array literals
    ``[a, b]`` (an extension of the documented language).

    Args:
        text: the condition as written.

    Returns:
        The condition, keeping ``text``.

    Raises:
        ExpressionError: the text is not a condition; ``offset`` points into ``text``.
    """
    expr = _ConditionParser(text).parse()
    _check_depth(expr)
    return ir.Condition(text=text, expr=expr)


def _check_depth(expr: ir.Expr) -> None:
    """Reject operator trees deeper than :data:`MAX_DEPTH` (iteratively: the tree may be deep)."""
    stack: list[tuple[ir.Expr, int]] = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the condition nests more than {MAX_DEPTH} operations", 0)
        if isinstance(node, ir.Binary):
            stack += [(node.left, depth + 1), (node.right, depth + 1)]
        elif isinstance(node, ir.Unary):
            stack.append((node.operand, depth + 1))
        elif isinstance(node, ir.ArrayLiteral):
            stack += [(item, depth + 1) for item in node.items]


class _ConditionParser:
    """Recursive descent over the token list; ``pos`` indexes the next token."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = lex(text)
        self.pos = 0
        self.nesting = 0

    def parse(self) -> ir.Expr:
        if self.tokens[0].kind is Kind.EOF:
            raise ExpressionError("empty condition", 0)
        expr = self._or()
        if self._peek().kind is not Kind.EOF:
            raise self._unexpected(self._peek())
        return expr

    def _peek(self) -> Token:
        return self.tokens[self.pos]

    def _advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _binary_level(self, kinds: frozenset[Kind], operand: Callable[[], ir.Expr]) -> ir.Expr:
        """One left-associative precedence level: ``operand (op operand)*``."""
        left = operand()
        while self._peek().kind in kinds:
            op = cast(ir.BinaryOp, self._advance().kind.value)
            left = ir.Binary(op=op, left=left, right=operand())
        return left

    def _or(self) -> ir.Expr:
        return self._binary_level(frozenset({Kind.OR}), self._and)

    def _and(self) -> ir.Expr:
        return self._binary_level(frozenset({Kind.AND}), self._comparison)

    def _comparison(self) -> ir.Expr:
        return self._binary_level(COMPARISONS, self._prefix)

    def _prefix(self) -> ir.Expr:
        """Prefix ``!`` and ``-``, read in a loop so long chains cannot exhaust the stack."""
        ops: list[Token] = []
        while self._peek().kind in (Kind.NOT, Kind.MINUS):
            ops.append(self._advance())
        expr = self._primary()
        for op in reversed(ops):
            expr = _apply_prefix(op, expr)
        return expr

    def _primary(self) -> ir.Expr:
        token = self._advance()
        if token.kind in LITERALS:
            return ir.Literal_(value=token.value)
        if token.kind is Kind.PATH:
            return ir.PathRef(path=self._path(token))
        if token.kind is Kind.LPAREN:
            return self._group(token)
        if token.kind is Kind.LBRACKET:
            return self._array(token)
        if token.kind is Kind.EOF:
            after = self.tokens[self.pos - 2].text
            raise ExpressionError(f"expected a value after {after!r}", token.offset)
        raise ExpressionError(f"expected a value, got {token.text!r}", token.offset)

    def _path(self, token: Token) -> ir.Path:
        """Parse a path token, moving error offsets into the whole condition."""
        try:
            return parse_path(token.text)
        except ExpressionError as error:
            raise ExpressionError(error.message, token.offset + error.offset) from None

    def _enter(self, opening: Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            message = f"parentheses and brackets nest more than {MAX_NESTING} levels deep"
            raise ExpressionError(message, opening.offset)

    def _group(self, opening: Token) -> ir.Expr:
        self._enter(opening)
        expr = self._or()
        self._close(opening, Kind.RPAREN)
        return expr

    def _array(self, opening: Token) -> ir.Expr:
        self._enter(opening)
        items: list[ir.Expr] = []
        if self._peek().kind is not Kind.RBRACKET:
            items.append(self._or())
            while self._peek().kind is Kind.COMMA:
                self._advance()
                items.append(self._or())
        self._close(opening, Kind.RBRACKET)
        return ir.ArrayLiteral(items=tuple(items))

    def _close(self, opening: Token, closing: Kind) -> None:
        token = self._advance()
        if token.kind is Kind.EOF:
            raise ExpressionError(f"unclosed {opening.text!r}", opening.offset)
        if token.kind is not closing:
            raise self._unexpected(token)
        self.nesting -= 1

    @staticmethod
    def _unexpected(token: Token) -> ExpressionError:
        """The error for a token where an operator or the end of the condition was expected."""
        if token.kind in (Kind.RPAREN, Kind.RBRACKET):
            return ExpressionError(f"unbalanced {token.text!r}", token.offset)
        if token.kind is Kind.MINUS:
            message = "arithmetic operator '-' is not supported in conditions"
            return ExpressionError(message, token.offset)
        return ExpressionError(f"unexpected {token.text!r}; expected an operator", token.offset)


def _apply_prefix(op: Token, operand: ir.Expr) -> ir.Expr:
    """``!x`` or ``-x``; a negated number literal folds into the literal (``-1`` is a number)."""
    if op.kind is Kind.MINUS and isinstance(operand, ir.Literal_):
        value = operand.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return ir.Literal_(value=-value)
    return ir.Unary(op="!" if op.kind is Kind.NOT else "-", operand=operand)
