"""Property tests: whatever text arrives, the translator returns IR or raises DefinitionError.

Inputs are random YAML documents (nested dicts, lists and scalars), random text, FDL-shaped
documents built from every known key with plausible and implausible values, and mutations
of the seed flows (a key deleted, a value replaced, a line deleted or duplicated).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translator import DefinitionError, compile_text, ir
from translator.parse import FLOW_KEYS, STEP_KEYS, STEP_TYPES

SEEDS = sorted(
    (Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "flows").glob("*.yaml")
)
SEED_TEXTS = [path.read_text(encoding="utf-8") for path in SEEDS]
ALL_KEYS = sorted(
    {key for keys in STEP_KEYS.values() for key in keys}
    | set(FLOW_KEYS)
    | {"choices", "condition", "goto", "errors", "target", "source", "collection", "item"}
    | {"intervalSeconds", "maxAttempts", "multiplier", "maxIntervalSeconds", "MessageBody"}
)
EXAMPLES = int(os.environ.get("FDL_PROPERTY_EXAMPLES", "300"))  # raise it for a long soak
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            *("$", "$.a", "$input.a[0]", "$local[*].b", "$context.task.token", "$input..x"),
            *("$.a[?(@)]", "$.a == 1", "$.a &&", "v1", "v1beta1", "flow", "sync", "FnF.ALL"),
            *("acs:fc:::services/s/functions/f", "acs:mns:::/queues/q/messages", "a", "b"),
            *("acs:fnf:::flow/x", "acs:mns:::/topics/t/messages", "fnf:StartExecution"),
            *("waitForCallback", "2019-05-02T15:04:05Z"),
        ]
    ),
)
json_like = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=6), st.sampled_from(ALL_KEYS)), children, max_size=4
        ),
    ),
    max_leaves=25,
)


def _check(text: str, resolve_refs: bool = False) -> None:
    try:
        flow = compile_text(text, filename="f.yaml", resolve_refs=resolve_refs)
    except DefinitionError as error:
        assert error.problems
        lines = len(text.splitlines()) or 1
        for problem in error.problems:
            assert problem.file == "f.yaml"
            assert problem.span is None or 1 <= problem.span.line <= lines + 1
            assert str(problem) and problem.render()
        return
    assert isinstance(flow, ir.Flow)
    assert ir.Flow.from_json(flow.to_json()) == flow


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@SETTINGS
@given(json_like)
def test_random_yaml_documents(data: Any) -> None:
    _check(_dump(data))


@SETTINGS
@given(st.text(max_size=200))
def test_random_text(text: str) -> None:
    _check(text)


def _step(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    branches = st.lists(st.fixed_dictionaries({"steps": children}), max_size=2)
    value = st.one_of(scalars, children, branches, st.lists(scalars, max_size=3), json_like)
    keys = st.sampled_from([key for key in ALL_KEYS if key not in ("type", "name")])
    head = st.fixed_dictionaries(
        {"type": st.sampled_from([*STEP_TYPES, "map"]), "name": st.sampled_from(["a", "b", ""])}
    )
    return st.builds(lambda h, rest: {**h, **rest}, head, st.dictionaries(keys, value, max_size=5))


step_lists = st.recursive(
    st.lists(_step(scalars), max_size=3),
    lambda children: st.lists(_step(children), max_size=3),
    max_leaves=6,
)


@SETTINGS
@given(step_lists, st.sampled_from(["v1", "v1beta1", "v2"]))
def test_fdl_shaped_documents(body: list[dict[str, Any]], version: str) -> None:
    _check(_dump({"version": version, "type": "flow", "steps": body}))


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        found += _paths(value, (*prefix, key))
    return found


def _mutate(data: Any, path: tuple[Any, ...], replacement: Any, delete: bool) -> Any:
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return data


class _RefLoader(yaml.SafeLoader):
    """Reads the seeds' !Ref tags as plain strings so they can be mutated as data."""


_RefLoader.add_constructor("!Ref", lambda loader, node: f"acs:fc:::services/{node.value}")


@SETTINGS
@given(st.sampled_from(SEED_TEXTS), st.data(), json_like, st.booleans())
def test_mutated_seed_flows(text: str, data: st.DataObject, replacement: Any, delete: bool) -> None:
    flow = yaml.load(text, Loader=_RefLoader)  # a SafeLoader subclass
    path = data.draw(st.sampled_from(_paths(flow)))
    _check(_dump(_mutate(flow, path, replacement, delete)))


@SETTINGS
@given(st.sampled_from(SEED_TEXTS), st.data(), st.text(max_size=8))
def test_seed_flows_with_edited_lines(text: str, data: st.DataObject, insert: str) -> None:
    lines = text.splitlines(keepends=True)
    index = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
    action = data.draw(st.sampled_from(["delete", "duplicate", "insert"]))
    if action == "delete":
        del lines[index]
    elif action == "duplicate":
        lines.insert(index, lines[index])
    else:
        column = data.draw(st.integers(min_value=0, max_value=len(lines[index])))
        lines[index] = lines[index][:column] + insert + lines[index][column:]
    _check("".join(lines), resolve_refs=data.draw(st.booleans()))


def test_the_seeds_themselves_compile() -> None:
    assert len(SEED_TEXTS) == 5
    for text in SEED_TEXTS:
        compile_text(text, resolve_refs=True)
