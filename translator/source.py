"""First stage of the translator: YAML text -> a located syntax tree.

PyYAML's composer (libyaml when present, the pure-Python one for error messages) gives nodes
with 0-based marks; this module turns them into small immutable nodes carrying 1-based
:class:`~translator.errors.Span` s: mappings with ordered, unique string keys, sequences, and
scalars resolved by YAML 1.1 safe rules (timestamps stay strings: FDL values are JSON). Tags
other than the standard ones are problems, except ``!Ref A/B`` when refs are resolved. Problems
go to a :class:`Reporter`, which knows the file's lines for caret rendering.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection
from typing import Any, TypeAlias

import yaml

from translator import plainjson, rules
from translator.errors import Problem, Span
from translator.model import (
    InvalidNode,
    Key,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    key_path,
)

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}
_REF_TAG = "!Ref"
_REF_FORM = re.compile(r"([^/\s]+)/([^/\s]+)")
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


class Reporter:
    """Collects the problems of one file, attaching the source line of each span."""

    def __init__(self, filename: str, text: str) -> None:
        self.filename = filename
        self.lines = _LINE_BREAK.split(text)
        self.problems: list[Problem] = []

    def add(self, span: Span | None, path: str, message: str) -> None:
        """Record one problem at ``span`` (the value's position) under FDL key ``path``."""
        line = None
        if span is not None and 0 < span.line <= len(self.lines):
            line = self.lines[span.line - 1]
        self.problems.append(Problem(self.filename, span, path, message, line))


def _span(mark: Any) -> Span:
    return Span(mark.line + 1, mark.column + 1)


_DROPPED = {f"{_TAG}timestamp", f"{_TAG}value"}  # FDL values are JSON: these stay strings


class _PyLoader(yaml.SafeLoader):
    """Pure-Python composer: the reference for error messages."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML reads it as a class attribute)
        first: [(tag, regexp) for tag, regexp in entries if tag not in _DROPPED]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)
_FastLoader: Any = None
if _CSafeLoader is not None:

    class _CLoader(_CSafeLoader):  # type: ignore[misc]
        """libyaml composer: the same resolution rules, several times faster."""

        yaml_implicit_resolvers = _PyLoader.yaml_implicit_resolvers

    _FastLoader = _CLoader


def compose(text: str, reporter: Reporter) -> Any:
    """Compose ``text`` into PyYAML nodes, or report the YAML error and return ``None``.

    libyaml is tried first for speed; on any error the pure-Python composer runs again so
    messages are the same on every machine.
    """
    if _FastLoader is not None:
        try:
            return yaml.compose(text, Loader=_FastLoader)
        except (yaml.YAMLError, RecursionError):
            pass
    try:
        return yaml.compose(text, Loader=_PyLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = error.problem or error.context or "not YAML"
        if error.problem and error.context and error.context_mark:
            message += f" ({error.context} at line {error.context_mark.line + 1})"
        reporter.add(_span(mark) if mark else None, "", f"invalid YAML: {message}")
    except yaml.reader.ReaderError as error:
        code = error.character if isinstance(error.character, int) else ord(error.character)
        where = _LINE_BREAK.split(text[: error.position])
        message = f"invalid YAML: special character U+{code:04X} is not allowed"
        reporter.add(Span(len(where), len(where[-1]) + 1), "", message)
    except yaml.YAMLError as error:
        reporter.add(None, "", f"invalid YAML: {error}")
    except RecursionError:
        reporter.add(None, "", "invalid YAML: the document is nested too deeply")
    return None


def load(text: str, reporter: Reporter, *, resolve_refs: bool = False) -> Node | None:
    """Parse ``text`` into a located tree; ``None`` when it is not YAML or is empty.

    Args:
        text: the YAML document.
        reporter: receives every problem found (YAML syntax, tags, duplicate keys).
        resolve_refs: turn ``!Ref Service/Function`` into an FC function ARN.
    """
    root = compose(text, reporter)
    if root is None:
        return None
    builder = _Builder(reporter, resolve_refs)
    if builder.size(root) > rules.MAX_DEFINITION_NODES:
        problem = "a YAML alias contains itself" if builder.cyclic else "too many values"
        reporter.add(_span(root.start_mark), "", f"invalid YAML: {problem} (check the aliases)")
        return None
    return builder.node(root, "")


class _Builder:
    """Turns PyYAML nodes into located nodes; shared (aliased) nodes are built once."""

    def __init__(self, reporter: Reporter, resolve_refs: bool) -> None:
        self.reporter = reporter
        self.resolve_refs = resolve_refs
        self.built: dict[int, Node] = {}
        self.constructor = yaml.constructor.SafeConstructor()
        self.sizes: dict[int, int] = {}
        self.cyclic = False

    def size(self, node: Any) -> int:
        """Number of values once aliases are expanded; sets ``cyclic`` on recursive aliases."""
        ident = id(node)
        if ident in self.sizes:
            if self.sizes[ident] < 0:
                self.cyclic = True
                return rules.MAX_DEFINITION_NODES + 1
            return self.sizes[ident]
        self.sizes[ident] = -1  # being counted: meeting it again means the alias is recursive
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(self.size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(self.size(key) + self.size(value) for key, value in node.value)
        self.sizes[ident] = min(total, rules.MAX_DEFINITION_NODES + 1)
        return self.sizes[ident]

    def node(self, node: Any, path: str) -> Node:
        ident = id(node)
        if ident in self.built:
            return self.built[ident]
        if isinstance(node, yaml.ScalarNode):
            built = self.scalar(node, path)
        elif isinstance(node, yaml.SequenceNode):
            built = self.sequence(node, path)
        else:
            built = self.mapping(node, path)
        self.built[ident] = built
        return built

    def scalar(self, node: yaml.ScalarNode, path: str) -> Node:
        span = _span(node.start_mark)
        if node.tag == _REF_TAG:
            return self.ref(node, span, path)
        if node.tag not in _SCALAR_TAGS:
            return self.bad_tag(node, span, path)
        if node.tag in (f"{_TAG}str", f"{_TAG}timestamp"):
            problem = plainjson.problem(node.value)
            if problem is not None:  # "\ud800" in a double-quoted string
                self.reporter.add(span, path, problem.removeprefix("$: "))
                return InvalidNode(span)
            return ScalarNode(node.value, span, self.text_column(node))
        try:
            value = self.constructor.construct_object(node)
        except (ValueError, KeyError, TypeError, yaml.YAMLError):
            value = None
        if (value is None and node.tag != f"{_TAG}null") or _not_finite(value):
            self.reporter.add(span, path, _bad_scalar(node.value, node.tag))
            return InvalidNode(span)
        problem = plainjson.problem(value)
        if problem is not None:  # an integer no JSON reader takes
            self.reporter.add(span, path, f"'{node.value}': {problem.removeprefix('$: ')}")
            return InvalidNode(span)
        return ScalarNode(value, span)

    def text_column(self, node: yaml.ScalarNode) -> int | None:
        start, end = node.start_mark, node.end_mark
        if start.line != end.line or start.line >= len(self.reporter.lines):
            return None
        raw = self.reporter.lines[start.line][start.column : end.column]
        if raw == node.value:
            return start.column + 1
        if raw[1:-1] == node.value and raw[:1] == raw[-1:] and raw[:1] in ("'", '"'):
            return start.column + 2
        return None

    def ref(self, node: yaml.ScalarNode, span: Span, path: str) -> Node:
        match = _REF_FORM.fullmatch(node.value)
        if match is None:
            message = f"'!Ref {node.value}' must name Service/Function, e.g. !Ref demo/hello"
            self.reporter.add(span, path, message)
            return InvalidNode(span)
        arn = "acs:fc:::services/{}/functions/{}".format(*match.groups())
        if not self.resolve_refs:
            message = f"'!Ref {node.value}' needs --resolve-refs (it stands for {arn})"
            self.reporter.add(span, path, message)
            return InvalidNode(span)
        return ScalarNode(arn, span)

    def bad_tag(self, node: Any, span: Span, path: str) -> InvalidNode:
        tag: str = node.tag
        if tag.startswith(_TAG):
            message = f"unsupported YAML tag '!!{tag.removeprefix(_TAG)}' (FDL values are JSON)"
        else:
            message = f"unknown YAML tag '{tag}'"
        self.reporter.add(span, path, message)
        return InvalidNode(span)

    def sequence(self, node: yaml.SequenceNode, path: str) -> Node:
        span = _span(node.start_mark)
        if node.tag != f"{_TAG}seq":
            return self.bad_tag(node, span, path)
        items = tuple(self.node(item, key_path(path, i)) for i, item in enumerate(node.value))
        return SequenceNode(items, span)

    def mapping(self, node: yaml.MappingNode, path: str) -> Node:
        span = _span(node.start_mark)
        if node.tag != f"{_TAG}map":
            return self.bad_tag(node, span, path)
        explicit: dict[str, tuple[Key, Node]] = {}
        merged: dict[str, tuple[Key, Node]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                self.merge(value_node, merged, path)
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            if key.name in explicit:
                first = explicit[key.name][0].span.line
                message = f"duplicate key '{key.name}' (first at line {first})"
                self.reporter.add(key.span, key_path(path, key.name), message)
                continue
            explicit[key.name] = (key, self.node(value_node, key_path(path, key.name)))
        extra = [item for name, item in merged.items() if name not in explicit]
        return MappingNode((*explicit.values(), *extra), span)  # explicit keys win (YAML 1.1)

    def key(self, node: Any, path: str) -> Key | None:
        span = _span(node.start_mark)
        if not isinstance(node, yaml.ScalarNode):
            self.reporter.add(span, path, "mapping keys must be strings, not a nested value")
            return None
        if node.tag not in _SCALAR_TAGS:
            self.bad_tag(node, span, path)
            return None
        return Key(node.value, span)

    def merge(self, node: Any, merged: dict[str, tuple[Key, Node]], path: str) -> None:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in reversed(sources):  # earlier mappings in a merge list win
            built = self.node(source, path)
            if isinstance(built, MappingNode):
                merged.update((key.name, (key, value)) for key, value in built.items)
            elif not isinstance(built, InvalidNode):
                self.reporter.add(built.span, path, "a YAML merge ('<<') needs a mapping")


def locate(root: Node | None, loc: tuple[str | int, ...], *, key: bool = False) -> Span | None:
    """The span of the value at key path ``loc`` (``("steps", 2, "goto")``) in a located tree,
    or of its key with ``key``; where the path leaves the tree, the span of the last node
    found (so a problem still points near its place)."""
    node, span = root, root.span if root is not None else None
    for part in loc:
        if isinstance(node, MappingNode):
            found = next(((k, v) for k, v in node.items if k.name == str(part)), None)
            if found is None:
                return span
            node, span = found[1], (found[0].span if key else found[1].span)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.items):
            node = node.items[part]
            span = node.span
        else:
            return span
    return span


def _not_finite(value: object) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _bad_scalar(text: str, tag: str) -> str:
    if tag == f"{_TAG}float":
        return f"'{text}' is not a JSON number (JSON has no NaN or infinity)"
    names = {"int": "integer", "bool": "boolean"}
    return f"'{text}' is not a valid {names.get(tag.removeprefix(_TAG), tag)}"


# --- typed reading, for the parser --------------------------------------------------------------

Fields: TypeAlias = dict[str, tuple[Node, str]]
"""The values of a checked mapping by key, each with its key path."""


def describe(node: Node) -> str:
    """How a value reads in a message: ``string 'abc'``, ``integer 5``, ``a mapping``."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, InvalidNode):
        return "an invalid value"
    return describe_value(node.value)


def describe_value(value: object) -> str:
    """:func:`describe` for a plain scalar value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value:g}"
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return f"string {quote(str(value))}"


def alternatives(options: Collection[str]) -> str:
    """``a, b or c`` for messages."""
    *rest, last = options
    return f"{', '.join(rest)} or {last}" if rest else last


def quote(text: str, limit: int = 60) -> str:
    """``'text'`` for messages, shortened past ``limit`` characters."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return "'" + text.replace("\n", "\\n") + "'"


class Reader:
    """Typed access to located nodes: each reader returns the value or reports why it cannot."""

    def __init__(self, reporter: Reporter) -> None:
        self.report = reporter.add

    def fields(
        self,
        node: Node,
        path: str,
        what: str,
        allowed: Collection[str],
        required: Collection[str | tuple[str, ...]] = (),
        note: Callable[[str], str | None] = lambda key: None,
    ) -> Fields | None:
        """The entries of a mapping, after reporting unknown and missing keys.

        A tuple in ``required`` means "one of these". A missing key is not reported when an
        unknown key was already reported as its likely misspelling.
        """
        if not isinstance(node, MappingNode):
            self.expected(node, path, f"{what} (a mapping)")
            return None
        found: Fields = {}
        misspelled: set[str] = set()
        for key, value in node.items:
            child = key_path(path, key.name)
            if key.name in allowed:
                found[key.name] = (value, child)
                continue
            close = difflib.get_close_matches(key.name, allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.report(key.span, child, note(key.name) or f"unknown key '{key.name}'{hint}")
            misspelled.update(close)
        for names in required:
            group = (names,) if isinstance(names, str) else names
            if not any(name in found or name in misspelled for name in group):
                others = "".join(f" (or '{name}')" for name in group[1:])
                self.report(node.span, path, f"missing required key '{group[0]}'{others} in {what}")
        return found

    def expected(self, node: Node, path: str, what: str) -> None:
        """Report a value of the wrong type (values already reported stay quiet)."""
        if not isinstance(node, InvalidNode):
            self.report(node.span, path, f"expected {what}, got {describe(node)}")

    def string(self, node: Node, path: str, *, non_empty: bool = False) -> str | None:
        """A string (not blank, when ``non_empty``)."""
        value = node.value if isinstance(node, ScalarNode) else None
        if not isinstance(value, str):
            self.expected(node, path, "a non-empty string" if non_empty else "a string")
            return None
        if non_empty and not value.strip():
            self.report(node.span, path, "must not be empty")
            return None
        return value

    def boolean(self, node: Node, path: str) -> bool | None:
        """``true`` or ``false`` (YAML 1.1 ``yes``/``no`` included)."""
        value = node.value if isinstance(node, ScalarNode) else None
        if not isinstance(value, bool):
            self.expected(node, path, "true or false")
            return None
        return value

    def number(
        self, node: Node, path: str, *, above: float | None = None, at_least: float | None = None,
        at_most: float | None = None, integer: bool = False,
    ) -> float | None:  # fmt: skip
        """A number (an integer when asked) within the given bounds, else ``None``."""
        value = node.value if isinstance(node, ScalarNode) else None
        wanted = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, wanted):
            self.expected(node, path, "an integer" if integer else "a number")
            return None
        got = describe_value(value).removeprefix("integer ").removeprefix("number ")
        if above is not None and value <= above:
            self.report(node.span, path, f"must be greater than {above:g}, got {got}")
        elif at_least is not None and value < at_least:
            self.report(node.span, path, f"must be at least {at_least:g}, got {got}")
        elif at_most is not None and value > at_most:
            self.report(node.span, path, f"must be at most {at_most:.0f}, got {got}")
        else:
            return value
        return None

    def sequence(self, node: Node, path: str, *, non_empty: bool = False) -> tuple[Node, ...]:
        """The items of a list (none when the value is not a list)."""
        if not isinstance(node, SequenceNode):
            self.expected(node, path, "a list")
            return ()
        if non_empty and not node.items:
            self.report(node.span, path, "must not be empty")
        return node.items

    def strings(self, node: Node, path: str) -> tuple[str, ...] | None:
        """A non-empty list of non-empty strings (error names)."""
        items = self.sequence(node, path, non_empty=True)
        values = [
            self.string(item, key_path(path, i), non_empty=True) for i, item in enumerate(items)
        ]
        texts = tuple(value for value in values if value is not None)
        return texts if items and len(texts) == len(items) else None

    def choose(self, node: Node, path: str, options: Collection[str], what: str) -> str | None:
        """One of ``options``, suggesting the closest when the value is another string."""
        value = self.string(node, path)
        if value is None or value in options:
            return value
        close = difflib.get_close_matches(value, options, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        message = f"unknown {what} {quote(value)}{hint}: expected {alternatives(options)}"
        self.report(node.span, path, message)
        return None

    def optional(self, found: Fields, key: str, read: Callable[[Node, str], Any]) -> Any:
        """``read`` applied to ``found[key]``, or ``None`` when the key is absent."""
        return read(*found[key]) if key in found else None
