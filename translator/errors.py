"""Definition errors: every problem the translator finds, located in the source.

One root type (:class:`DefinitionError`) carries a list of :class:`Problem`; each problem
renders as ``FILE:LINE:COL: key.path: message`` followed by the source line and a caret, the
way compilers report errors.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based source position (line and column of the first character)."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Problem:
    """One definition problem.

    Attributes:
        file: the file name as the user gave it.
        span: where the problem is, or ``None`` when it concerns the whole document.
        key_path: the FDL key path, e.g. ``steps[2].goto`` (empty for document-level problems).
        message: what is wrong, naming the bad value.
        source_line: the text of the line at ``span``, for the caret rendering.
    """

    file: str
    span: Span | None
    key_path: str
    message: str
    source_line: str | None = None

    def __str__(self) -> str:
        where = (
            self.file if self.span is None else f"{self.file}:{self.span.line}:{self.span.column}"
        )
        what = f"{self.key_path}: {self.message}" if self.key_path else self.message
        return f"{where}: {what}"

    def render(self) -> str:
        """The one-line message, then the source line and a caret under the column."""
        text = str(self)
        if self.span is not None and self.source_line is not None:
            line = self.source_line.rstrip("\n")
            text += f"\n    {line}\n    {' ' * (self.span.column - 1)}^"
        return text


class DefinitionError(Exception):
    """A flow definition is invalid; ``problems`` lists every problem found, in source order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(
            problems,
            key=lambda p: (p.file, p.span.line if p.span else 0, p.span.column if p.span else 0),
        )
        super().__init__("\n".join(str(p) for p in self.problems))

    def render(self) -> str:
        """All problems with source lines and carets, separated by blank lines."""
        return "\n".join(p.render() for p in self.problems)


class ExpressionError(ValueError):
    """A path or condition does not parse.

    Attributes:
        message: what is wrong.
        offset: 0-based character offset of the problem inside the expression text.
    """

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
