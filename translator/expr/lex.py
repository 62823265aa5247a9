"""The lexer of the choice condition language (reference 6.4.1): condition text to tokens.

A hand-written scanner that keeps every token's offset. It also rejects, with a located message,
everything that is not part of the language but that users are likely to try: arithmetic, regular
expression matching, a single ``=``, ``&`` or ``|``, bare names and function calls. Paths are only
delimited here (:func:`scan_path`); :func:`translator.expr.parse.parse_path` reads them.
"""

from __future__ import annotations

import math

from translator.errors import ExpressionError
from translator.expr.tokens import Kind, Token

_OPERATORS = {
    "||": Kind.OR, "&&": Kind.AND, "==": Kind.EQ, "!=": Kind.NE, "<=": Kind.LE, ">=": Kind.GE,
    "<": Kind.LT, ">": Kind.GT, "!": Kind.NOT, "-": Kind.MINUS, "(": Kind.LPAREN,
    ")": Kind.RPAREN, "[": Kind.LBRACKET, "]": Kind.RBRACKET, ",": Kind.COMMA,
}  # fmt: skip

_REJECTED = {
    "=~": "regular expression match '=~' is not supported in conditions",
    "!~": "regular expression match '!~' is not supported in conditions",
    "=": "use '==' to compare",
    "&": "use '&&' for logical and",
    "|": "use '||' for logical or",
    **{op: f"arithmetic operator '{op}' is not supported in conditions" for op in "+*/%"},
}

_KEYWORDS: dict[str, tuple[Kind, object]] = {
    "true": (Kind.TRUE, True),
    "false": (Kind.FALSE, False),
    "null": (Kind.NULL, None),
    "in": (Kind.IN, None),
}

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}

# Outside brackets a path ends at whitespace or at any character that starts an operator.
_PATH_STOP = frozenset("|&=!<>(),]+*/%")


def lex(text: str) -> list[Token]:
    """Split a condition into tokens, ending with one ``EOF`` token.

    Args:
        text: the condition as written in the flow.

    Returns:
        The tokens in source order; the last one has kind ``EOF`` and the text's length as offset.

    Raises:
        ExpressionError: a character sequence that is not part of the language.
    """
    tokens: list[Token] = []
    pos, length = 0, len(text)
    while True:
        while pos < length and text[pos].isspace():
            pos += 1
        if pos >= length:
            tokens.append(Token(Kind.EOF, "", length))
            return tokens
        token = _token(text, pos)
        tokens.append(token)
        pos = token.end


def scan_path(text: str, start: int) -> int:
    """Find where the path that starts at ``text[start]`` (a ``$``) ends.

    The scan is greedy: it stops at whitespace, and outside ``[...]`` also at a character that
    starts an operator or closes a group. Quoted keys inside brackets may contain anything.
    Whether the piece is a valid path is for the path parser to say.

    Returns:
        The offset just after the path.
    """
    pos, depth, length = start, 0, len(text)
    while pos < length:
        char = text[pos]
        if char.isspace() or (depth == 0 and char in _PATH_STOP):
            break
        if depth > 0 and char in "'\"":
            pos = _skip_quoted(text, pos)
            continue
        depth += 1 if char == "[" else -1 if char == "]" else 0
        pos += 1
    return pos


def _skip_quoted(text: str, start: int) -> int:
    """The offset after the quoted key opened at ``start`` (or the end of an unterminated one)."""
    quote, pos = text[start], start + 1
    while pos < len(text) and text[pos] != quote:
        pos += 2 if text[pos] == "\\" else 1
    return min(pos + 1, len(text))


def _token(text: str, start: int) -> Token:
    char = text[start]
    if char == "$":
        end = scan_path(text, start)
        return Token(Kind.PATH, text[start:end], start)
    if "0" <= char <= "9":
        return _number(text, start)
    if char == '"':
        return _string(text, start)
    if char == "`":
        return _raw_string(text, start)
    if char.isalpha() or char == "_":
        return _word(text, start)
    return _operator(text, start)


def _digits(text: str, pos: int) -> int:
    while pos < len(text) and "0" <= text[pos] <= "9":
        pos += 1
    return pos


def _number(text: str, start: int) -> Token:
    """``12``, ``12.5`` or ``1.5e3``; a fraction needs a digit after the ``.``."""
    pos = _digits(text, start)
    is_float = False
    if text.startswith(".", pos) and _digits(text, pos + 1) > pos + 1:
        pos, is_float = _digits(text, pos + 1), True
    exponent = pos + 1 + text.startswith(("+", "-"), pos + 1)
    if text.startswith(("e", "E"), pos) and _digits(text, exponent) > exponent:
        pos, is_float = _digits(text, exponent), True
    raw = text[start:pos]
    try:
        value: int | float = float(raw) if is_float else int(raw)
    except ValueError:  # more digits than int() accepts
        raise ExpressionError(f"number '{raw[:20]}...' is too long", start) from None
    if not math.isfinite(value):
        raise ExpressionError(f"number '{raw}' is out of range", start)
    return Token(Kind.NUMBER, raw, start, value)


def _string(text: str, start: int) -> Token:
    """A double-quoted string with JSON escapes."""
    close = text.find('"', start + 1)
    if close != -1 and "\\" not in text[start + 1 : close]:  # the common case: no escapes
        return Token(Kind.STRING, text[start : close + 1], start, text[start + 1 : close])
    chars: list[str] = []
    pos = start + 1
    while pos < len(text) and text[pos] != '"':
        if text[pos] == "\\":
            char, pos = _escape(text, pos, start)
        else:
            char, pos = text[pos], pos + 1
        chars.append(char)
    if pos >= len(text):
        raise ExpressionError("unterminated string: missing closing '\"'", start)
    return Token(Kind.STRING, text[start : pos + 1], start, "".join(chars))


def _escape(text: str, pos: int, start: int) -> tuple[str, int]:
    """Decode the escape at ``text[pos]`` (a backslash): the character and the next offset."""
    code = text[pos + 1 : pos + 2]
    if code in _ESCAPES:
        return _ESCAPES[code], pos + 2
    if code == "u":
        return _unicode_escape(text, pos)
    if not code:
        raise ExpressionError("unterminated string: missing closing '\"'", start)
    raise ExpressionError(f"unknown escape '\\{code}' in string", pos)


def _hex4(text: str, pos: int) -> int | None:
    digits = text[pos : pos + 4]
    if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
        return int(digits, 16)
    return None


def _unicode_escape(text: str, pos: int) -> tuple[str, int]:
    """``\\uXXXX``, or a surrogate pair ``\\uD83D\\uDE00`` as in JSON."""
    code = _hex4(text, pos + 2)
    if code is None:
        raise ExpressionError(f"invalid escape '{text[pos : pos + 6]}' in string", pos)
    if not 0xD800 <= code <= 0xDFFF:
        return chr(code), pos + 6
    low = _hex4(text, pos + 8) if text.startswith("\\u", pos + 6) else None
    if code <= 0xDBFF and low is not None and 0xDC00 <= low <= 0xDFFF:
        return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), pos + 12
    raise ExpressionError(f"lone surrogate '{text[pos : pos + 6]}' in string", pos)


def _raw_string(text: str, start: int) -> Token:
    """A backtick string: no escapes, everything up to the next backtick."""
    close = text.find("`", start + 1)
    if close == -1:
        raise ExpressionError("unterminated string: missing closing '`'", start)
    return Token(Kind.STRING, text[start : close + 1], start, text[start + 1 : close])


def _word(text: str, start: int) -> Token:
    """A keyword; any other name is an error (a forgotten quote or a function call)."""
    pos = start + 1
    while pos < len(text) and (text[pos].isalnum() or text[pos] == "_"):
        pos += 1
    word = text[start:pos]
    if word in _KEYWORDS:
        kind, value = _KEYWORDS[word]
        return Token(kind, word, start, value)
    if text[pos:].lstrip().startswith("("):
        raise ExpressionError(f"function calls are not supported: '{word}('", start)
    raise ExpressionError(f"unknown name '{word}'; strings need quotes", start)


def _operator(text: str, start: int) -> Token:
    """The longest operator or punctuation at ``start``."""
    for piece in (text[start : start + 2], text[start]):
        if piece in _REJECTED:
            raise ExpressionError(_REJECTED[piece], start)
        if piece in _OPERATORS:
            return Token(_OPERATORS[piece], piece, start)
    raise ExpressionError(f"unexpected character {text[start]!r}", start)
