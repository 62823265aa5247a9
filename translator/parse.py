"""Second stage of the translator: located syntax tree -> model, checking each value's shape.

Every mapping is checked for unknown and missing keys, every value for its type and range
(reference sections 2-7), and expressions, ARNs and timestamps are parsed. A bad value is
reported and left out, and parsing goes on, so one run reports every problem. Rules that
relate several steps (names, ``goto``) or a task's fields to its resource live in
:mod:`translator.validate`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from translator import ir, model, rules
from translator.arn import ArnError, parse_action, parse_resource_arn
from translator.errors import ExpressionError
from translator.expr import is_reference, parse_condition, parse_path, parse_source
from translator.model import InvalidNode, MappingNode, Node, ScalarNode, key_path, to_json
from translator.source import Fields, Reader, Reporter, alternatives, describe, quote

ONE_YEAR = 365 * 86400

STEP_TYPES = ("task", "pass", "wait", "choice", "parallel", "foreach", "succeed", "fail")
PATTERNS: tuple[ir.Pattern, ...] = ("requestResponse", "sync", "waitForCallback")
_IO = ("inputMappings", "outputMappings")
_COMMON = ("type", "name", *_IO, "end")
STEP_KEYS: dict[str, tuple[str, ...]] = {
    "task": (
        *_COMMON,
        *("resourceArn", "action", "pattern", "serviceParams", "timeoutSeconds"),
        *("retry", "catch", "errorMappings"),
    ),
    "pass": _COMMON,
    "wait": (*_COMMON, "duration", "timestamp"),
    "choice": (*_COMMON, "choices", "default"),
    "parallel": (*_COMMON, "branches"),
    "foreach": (*_COMMON, "iterationMapping", "steps", "maxConcurrency"),
    "succeed": ("type", "name", *_IO),
    "fail": ("type", "name", *_IO, "error", "cause"),
}
_REQUIRED: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "task": (("resourceArn", "action"),),
    "wait": (("duration", "timestamp"),),
    "choice": ("choices",),
    "parallel": ("branches",),
    "foreach": ("iterationMapping", "steps"),
}
_ANY_STEP_KEY = frozenset(key for keys in STEP_KEYS.values() for key in keys)
FLOW_KEYS = ("version", "type", "steps", *_IO, "timeoutSeconds", "name", "description")


def _owners_note(key: str, kind: str) -> str | None:
    """A better message than "unknown key" for a key that belongs to other step types."""
    if key == "end":
        return f"'end' is not allowed on a {kind} step, which ends its step list by itself"
    owners = [other for other in STEP_TYPES if key in STEP_KEYS[other]]
    if not owners:
        return None
    return f"'{key}' is not allowed on a {kind} step (only on {alternatives(owners)} steps)"


def _default_note(key: str) -> str | None:
    if key == "condition":
        return "'condition' is not allowed in default, which runs when no choice matches"
    return None


def parse_flow(root: Node | None, reporter: Reporter) -> model.Flow | None:
    """Check the document's shape and build the model (``None`` when it is not a flow at all).

    Args:
        root: the document's root node (``None`` for an empty document).
        reporter: receives every problem found.
    """
    return _Parser(reporter).flow(root)


class _Parser(Reader):
    """One method per FDL construct, on top of the typed readers."""

    # --- expressions -------------------------------------------------------------------------

    def source(self, node: Node, path: str) -> ir.Source | None:
        """A mapping source or serviceParams value: a reference path or any JSON constant."""
        if isinstance(node, InvalidNode):
            return None
        value = to_json(node)
        try:
            return parse_source(value)
        except ExpressionError as error:
            self.expression_error(node, path, f"invalid path {quote(str(value))}", error)
            return None

    def path(self, node: Node, path: str, example: str) -> ir.Path | None:
        text = node.value if isinstance(node, ScalarNode) else None
        if not isinstance(text, str) or not is_reference(text):
            self.expected(node, path, f"a path such as {example}")
            return None
        try:
            return parse_path(text)
        except ExpressionError as error:
            self.expression_error(node, path, f"invalid path {quote(text)}", error)
            return None

    def condition(self, node: Node, path: str) -> ir.Condition | None:
        text = self.string(node, path, non_empty=True)
        if text is None:
            return None
        try:
            return parse_condition(text)
        except ExpressionError as error:
            self.expression_error(node, path, f"invalid condition {quote(text)}", error)
            return None

    def expression_error(self, node: Node, path: str, what: str, error: ExpressionError) -> None:
        span = node.span_at(error.offset) if isinstance(node, ScalarNode) else node.span
        self.report(span, path, f"{what}: {error.message}")

    def mappings(self, node: Node, path: str) -> tuple[ir.Mapping, ...] | None:
        """An ``inputMappings``/``outputMappings``/``errorMappings`` list."""
        entries = []
        for i, item in enumerate(self.sequence(node, path)):
            entry_path = key_path(path, i)
            found = self.fields(
                item, entry_path, "a mapping entry", ("target", "source"), ("target", "source")
            )
            if found is None or len(found) < 2:
                continue
            target = self.string(*found["target"], non_empty=True)
            source = self.source(*found["source"])
            if target is not None and source is not None:
                entries.append(ir.Mapping(target=target, source=source))
        return tuple(entries)

    # --- the flow and step lists -------------------------------------------------------------

    def flow(self, root: Node | None) -> model.Flow | None:
        if root is None:
            self.report(None, "", "the document is empty: a flow needs version, type and steps")
            return None
        found = self.fields(
            root, "", "the flow definition", FLOW_KEYS, ("version", "type", "steps")
        )
        if found is None:
            return None
        version = self.version(found["version"]) if "version" in found else None
        if "type" in found:
            self.document_type(*found["type"])
        if "name" in found:
            self.string(*found["name"])
        return model.Flow(
            version=version,
            steps=self.step_list(*found["steps"]) if "steps" in found else None,
            description=self.optional(found, "description", self.string),
            **self.io_mappings(found),
            timeout_seconds=self.optional(found, "timeoutSeconds", self.timeout),
        )

    def document_type(self, node: Node, path: str) -> None:
        if not (isinstance(node, ScalarNode) and node.value == "flow"):
            self.expected(node, path, "'flow'")

    def version(self, entry: tuple[Node, str]) -> Any:
        node, path = entry
        value = node.value if isinstance(node, ScalarNode) else None
        if value in ("v1", "v1beta1"):
            return value
        if not isinstance(node, InvalidNode):
            got = describe(node).removeprefix("string ")
            self.report(node.span, path, f"unsupported version {got}: expected v1 (or v1beta1)")
        return None

    def io_mappings(self, found: Fields) -> dict[str, Any]:
        return {
            "input_mappings": self.optional(found, "inputMappings", self.mappings),
            "output_mappings": self.optional(found, "outputMappings", self.mappings),
        }

    def timeout(self, node: Node, path: str) -> float | None:
        return self.number(node, path, above=0, at_most=ONE_YEAR)

    def step_list(self, node: Node, path: str, *, optional: bool = False) -> model.StepList:
        items = self.sequence(node, path, non_empty=not optional)
        steps = (self.step(item, key_path(path, i)) for i, item in enumerate(items))
        return model.StepList(path, tuple(step for step in steps if step is not None))

    def step(self, node: Node, path: str) -> model.Step | None:
        if not isinstance(node, MappingNode):
            self.expected(node, path, "a step (a mapping)")
            return None
        kind = self.step_kind(node, path)
        if kind is None:
            name_node = next((value for key, value in node.items if key.name == "name"), None)
            name = self.name(name_node, key_path(path, "name")) if name_node else None
            return model.Broken(name=name, span=node.span, path=path)
        what = f"a {kind} step"
        required: tuple[str | tuple[str, ...], ...] = ("type", "name", *_REQUIRED.get(kind, ()))
        found = self.fields(
            node, path, what, STEP_KEYS[kind], required, lambda key: _owners_note(key, kind)
        )
        assert found is not None
        common: dict[str, Any] = {
            "name": self.optional(found, "name", self.name),
            "span": node.span,
            "path": path,
            **self.io_mappings(found),
        }
        if "end" in found:
            common["end"] = bool(self.boolean(*found["end"]))
        parser: Callable[[Fields, dict[str, Any]], model.Step] = getattr(self, f"parse_{kind}")
        return parser(found, common)

    def step_kind(self, node: MappingNode, path: str) -> str | None:
        for key, value in node.items:
            if key.name == "type":
                return self.choose(value, key_path(path, "type"), STEP_TYPES, "step type")
        self.fields(node, path, "a step", _ANY_STEP_KEY, ("type",))  # a misspelled type, maybe
        return None

    def name(self, node: Node, path: str) -> model.Located[str] | None:
        text = self.string(node, path, non_empty=True)
        return None if text is None else model.Located(text, node.span, path)

    # --- step kinds (reference 6.1-6.8) ------------------------------------------------------

    def parse_task(self, found: Fields, common: dict[str, Any]) -> model.Step:
        resource = self.resource(found, common)
        pattern = None
        if "pattern" in found:
            node, path = found["pattern"]
            value = self.choose(node, path, PATTERNS, "pattern")
            pattern = (
                None if value is None else model.Located(cast(ir.Pattern, value), node.span, path)
            )
        return model.Task(
            **common,
            resource=resource,
            pattern=pattern,
            service_params=self.optional(found, "serviceParams", self.service_params) or (),
            timeout_seconds=self.optional(found, "timeoutSeconds", self.timeout),
            retry=self.optional(found, "retry", self.retry) or (),
            catch=self.optional(found, "catch", self.catch) or (),
            error_mappings=self.optional(found, "errorMappings", self.mappings),
        )

    def resource(self, found: Fields, common: dict[str, Any]) -> model.Located[ir.Resource] | None:
        if "resourceArn" in found and "action" in found:
            node, path = found["action"]
            self.report(node.span, path, "a task has either resourceArn or action, not both")
            return None
        if "resourceArn" not in found and "action" not in found:
            return None  # reported as a missing key
        node, path = found["resourceArn"] if "resourceArn" in found else found["action"]
        text = self.string(node, path, non_empty=True)
        if text is None:
            return None
        try:
            parsed = parse_resource_arn(text) if "resourceArn" in found else parse_action(text)
        except ArnError as error:
            self.report(node.span, path, str(error))
            return None
        return model.Located(parsed, node.span, path)

    def service_params(self, node: Node, path: str) -> tuple[model.Param, ...]:
        if not isinstance(node, MappingNode):
            self.expected(node, path, "a mapping of service parameters")
            return ()
        params = []
        for key, value in node.items:
            child = key_path(path, key.name)
            source = self.source(value, child)
            if source is not None:
                params.append(
                    model.Param(
                        name=model.Located(key.name, key.span, child),
                        source=source,
                        value_span=value.span,
                    )
                )
        return tuple(params)

    def retry(self, node: Node, path: str) -> tuple[ir.RetryPolicy, ...]:
        policies = []
        for i, item in enumerate(self.sequence(node, path)):
            policy = self.retry_policy(item, key_path(path, i))
            if policy is not None:
                policies.append(policy)
        return tuple(policies)

    def retry_policy(self, node: Node, path: str) -> ir.RetryPolicy | None:
        found = self.fields(node, path, "a retry policy", _RETRY_KEYS, ("errors",))
        if found is None:
            return None
        readers: dict[str, Callable[[Node, str], Any]] = {
            "errors": self.strings,
            "intervalSeconds": lambda n, p: self.number(n, p, above=0, at_most=86400),
            "maxAttempts": lambda n, p: self.number(n, p, at_least=0, integer=True),
            "multiplier": lambda n, p: self.number(n, p, at_least=1),
            "maxIntervalSeconds": lambda n, p: self.number(n, p, above=0, at_most=86400),
        }
        values = {key: readers[key](*entry) for key, entry in found.items()}
        if any(value is None for value in values.values()) or "errors" not in values:
            return None
        return ir.RetryPolicy(**{_RETRY_KEYS[key]: value for key, value in values.items()})

    def catch(self, node: Node, path: str) -> tuple[model.Catch, ...]:
        policies = []
        for i, item in enumerate(self.sequence(node, path)):
            item_path = key_path(path, i)
            found = self.fields(
                item, item_path, "a catch policy", ("errors", "goto"), ("errors", "goto")
            )
            if found is None:
                continue
            errors = self.optional(found, "errors", self.strings)
            goto = self.optional(found, "goto", self.name)
            if errors is not None:
                policies.append(model.Catch(errors=errors, goto=goto))
        return tuple(policies)

    def parse_pass(self, found: Fields, common: dict[str, Any]) -> model.Step:
        return model.Pass(**common)

    def parse_succeed(self, found: Fields, common: dict[str, Any]) -> model.Step:
        return model.Succeed(**common)

    def parse_fail(self, found: Fields, common: dict[str, Any]) -> model.Step:
        error = self.optional(found, "error", self.string)
        cause = self.optional(found, "cause", self.string)
        return model.Fail(**common, error=error or "", cause=cause or "")

    def parse_wait(self, found: Fields, common: dict[str, Any]) -> model.Step:
        if "duration" in found and "timestamp" in found:
            node, path = found["timestamp"]
            self.report(node.span, path, "a wait step has either duration or timestamp, not both")
        return model.Wait(
            **common,
            duration=self.optional(found, "duration", self.duration),
            timestamp=self.optional(found, "timestamp", self.timestamp),
        )

    def duration(self, node: Node, path: str) -> ir.Source | None:
        value = node.value if isinstance(node, ScalarNode) else None
        if isinstance(value, str) and is_reference(value):
            return self.path(node, path, "$.delay")
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.expected(node, path, "a number of seconds or a path such as $.delay")
            return None
        seconds = self.number(node, path, at_least=0, at_most=rules.MAX_WAIT_SECONDS)
        return None if seconds is None else ir.Constant(value=seconds)

    def timestamp(self, node: Node, path: str) -> ir.Source | None:
        value = node.value if isinstance(node, ScalarNode) else None
        if isinstance(value, str) and is_reference(value):
            return self.path(node, path, "$.when")
        if not isinstance(value, str):
            self.expected(node, path, "an RFC 3339 time or a path such as $.when")
            return None
        problem = rfc3339_problem(value)
        if problem is not None:
            self.report(node.span, path, problem)
            return None
        return ir.Constant(value=value)

    def parse_choice(self, found: Fields, common: dict[str, Any]) -> model.Step:
        choices = []
        if "choices" in found:
            node, path = found["choices"]
            for i, item in enumerate(self.sequence(node, path, non_empty=True)):
                choices.append(self.option(item, key_path(path, i), "a choice", ("condition",)))
        default = (
            self.option(*found["default"], "the default choice", ()) if "default" in found else None
        )
        return model.Choice(**common, choices=tuple(o for o in choices if o), default=default)

    def option(
        self, node: Node, path: str, what: str, required: tuple[str, ...]
    ) -> model.Option | None:
        allowed = (*required, "steps", "goto")
        found = self.fields(node, path, what, allowed, required, _default_note)
        if found is None:
            return None
        return model.Option(
            condition=self.optional(found, "condition", self.condition),
            steps=self.step_list(*found["steps"], optional=True) if "steps" in found else None,
            goto=self.optional(found, "goto", self.name),
        )

    def parse_parallel(self, found: Fields, common: dict[str, Any]) -> model.Step:
        branches = []
        if "branches" in found:
            node, path = found["branches"]
            items = self.sequence(node, path, non_empty=True)
            if len(items) > rules.MAX_BRANCHES:
                self.report(
                    node.span, path, f"at most {rules.MAX_BRANCHES} branches, got {len(items)}"
                )
            for i, item in enumerate(items):
                branch = self.fields(item, key_path(path, i), "a branch", ("steps",), ("steps",))
                if branch and "steps" in branch:
                    branches.append(self.step_list(*branch["steps"]))
        return model.Parallel(**common, branches=tuple(branches))

    def parse_foreach(self, found: Fields, common: dict[str, Any]) -> model.Step:
        iteration: Fields = {}
        if "iterationMapping" in found:
            node, path = found["iterationMapping"]
            keys = ("collection", "item", "index")
            iteration = self.fields(node, path, "iterationMapping", keys, keys[:2]) or {}
        limit = self.optional(
            found, "maxConcurrency", lambda n, p: self.number(n, p, at_least=1, integer=True)
        )
        return model.Foreach(
            **common,
            collection=self.optional(
                iteration, "collection", lambda n, p: self.path(n, p, "$.items")
            ),
            item=self.optional(iteration, "item", lambda n, p: self.string(n, p, non_empty=True)),
            index=self.optional(iteration, "index", lambda n, p: self.string(n, p, non_empty=True)),
            max_concurrency=min(
                int(limit or rules.MAX_FOREACH_CONCURRENCY), rules.MAX_FOREACH_CONCURRENCY
            ),
            steps=self.step_list(*found["steps"]) if "steps" in found else None,
        )


_RETRY_KEYS = {
    "errors": "errors",
    "intervalSeconds": "interval_seconds",
    "maxAttempts": "max_attempts",
    "multiplier": "multiplier",
    "maxIntervalSeconds": "max_interval_seconds",
}
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?P<zone>[Zz]|[+-]\d{2}:\d{2})?"
)


def rfc3339_problem(text: str) -> str | None:
    """Why ``text`` is not an RFC 3339 date-time with a time zone, or ``None`` if it is one."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        return f"expected an RFC 3339 time such as 2019-05-02T15:04:05Z, got {quote(text)}"
    if match["zone"] is None:
        return f"time {quote(text)} has no time zone: add Z or an offset such as +08:00"
    try:
        datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return f"{quote(text)} is not a valid date and time"
    return None
