"""The first stage: YAML text -> located nodes with 1-based spans, and the problems it finds."""

from __future__ import annotations

import textwrap

import pytest

from translator import source
from translator.errors import Problem, Span
from translator.model import InvalidNode, MappingNode, Node, ScalarNode, SequenceNode, to_json
from translator.source import Reporter


def load(text: str, *, resolve_refs: bool = False) -> tuple[Node | None, list[Problem]]:
    text = textwrap.dedent(text).lstrip("\n")
    reporter = Reporter("flow.yaml", text)
    return source.load(text, reporter, resolve_refs=resolve_refs), reporter.problems


def get(node: Node | None, *keys: str | int) -> Node:
    for key in keys:
        if isinstance(key, int):
            assert isinstance(node, SequenceNode)
            node = node.items[key]
        else:
            assert isinstance(node, MappingNode)
            node = next(value for name, value in node.items if name.name == key)
    assert node is not None
    return node


def problem_lines(problems: list[Problem]) -> list[str]:
    return [str(problem) for problem in problems]


FLOW = """
    version: v1
    type: flow
    steps:
      - type: task
        name: charge
        resourceArn: "acs:fc:::services/shop/functions/charge"
        retry:
          - errors: [FC.Unknown, FnF.TaskTimeout]
            maxAttempts: 3
"""


def test_spans_are_one_based_line_and_column_of_each_value() -> None:
    root, problems = load(FLOW)
    assert problems == []
    assert get(root, "version") == ScalarNode("v1", Span(1, 10), 10)
    step = get(root, "steps", 0)
    assert step.span == Span(4, 5)
    assert get(step, "name") == ScalarNode("charge", Span(5, 11), 11)
    # a quoted value starts at its quote; its text starts one column later
    arn = get(step, "resourceArn")
    assert (arn.span, isinstance(arn, ScalarNode) and arn.text_column) == (Span(6, 18), 19)
    assert get(step, "retry", 0, "errors", 1) == ScalarNode("FnF.TaskTimeout", Span(8, 30), 30)
    assert get(step, "retry", 0, "maxAttempts") == ScalarNode(3, Span(9, 22))


def test_mapping_keys_keep_their_own_spans_and_order() -> None:
    root, _ = load(FLOW)
    step = get(root, "steps", 0)
    assert isinstance(step, MappingNode)
    assert [(key.name, key.span) for key, _ in step.items] == [
        ("type", Span(4, 5)),
        ("name", Span(5, 5)),
        ("resourceArn", Span(6, 5)),
        ("retry", Span(7, 5)),
    ]


def test_scalars_resolve_by_yaml_1_1_safe_rules_but_timestamps_stay_text() -> None:
    root, problems = load("""
        a: [1, 0x10, 1.5, yes, off, ~, "1", 2019-05-02T15:04:05Z, 2019-05-02, =]
    """)
    assert problems == []
    assert to_json(root) == {
        "a": [1, 16, 1.5, True, False, None, "1", "2019-05-02T15:04:05Z", "2019-05-02", "="]
    }


def test_span_at_points_inside_plain_and_quoted_one_line_values_only() -> None:
    root, _ = load("""
        plain: $.a == 1
        quoted: '$.a == 1'
        escaped: "$.a \\u003d= 1"
        folded: >
          $.a == 1
    """)
    assert get(root, "plain").span_at(4) == Span(1, 12)  # type: ignore[union-attr]
    assert get(root, "quoted").span_at(4) == Span(2, 14)  # type: ignore[union-attr]
    # escapes and block scalars do not map offsets: the value's own span is used
    assert get(root, "escaped").span_at(4) == Span(3, 10)  # type: ignore[union-attr]
    assert get(root, "folded").span_at(4) == Span(4, 9)  # type: ignore[union-attr]


def test_duplicate_keys_are_reported_at_the_second_naming_the_first_line() -> None:
    root, problems = load("""
        version: v1
        steps:
          - type: pass
            name: a
            name: b
    """)
    assert problem_lines(problems) == [
        "flow.yaml:5:5: steps[0].name: duplicate key 'name' (first at line 4)"
    ]
    assert get(root, "steps", 0, "name") == ScalarNode("a", Span(4, 11), 11)


def test_bad_yaml_is_reported_at_the_mark_pyyaml_gives() -> None:
    root, problems = load("""
        version: v1
        steps:
          - type: pass
           name: a
    """)
    assert root is None
    assert problem_lines(problems) == [
        "flow.yaml:4:4: invalid YAML: expected <block end>, but found '<block mapping start>'"
        " (while parsing a block collection at line 3)"
    ]
    assert problems[0].source_line == "   name: a"


def test_a_non_printable_character_is_reported_where_it_is() -> None:
    _, problems = load("version: v1\ntype: fl\x07ow\n")
    assert problem_lines(problems) == [
        "flow.yaml:2:9: invalid YAML: special character U+0007 is not allowed"
    ]


def test_unknown_tags_are_problems_and_leave_an_invalid_node() -> None:
    root, problems = load("""
        steps:
          - name: !Foo bar
            source: !!set {a, b}
    """)
    assert problem_lines(problems) == [
        "flow.yaml:2:11: steps[0].name: unknown YAML tag '!Foo'",
        "flow.yaml:3:13: steps[0].source: unsupported YAML tag '!!set' (FDL values are JSON)",
    ]
    assert get(root, "steps", 0, "name") == InvalidNode(Span(2, 11))


def test_ref_needs_resolve_refs_and_says_so() -> None:
    _, problems = load("resourceArn: !Ref shop/charge\n")
    assert problem_lines(problems) == [
        "flow.yaml:1:14: resourceArn: '!Ref shop/charge' needs --resolve-refs"
        " (it stands for acs:fc:::services/shop/functions/charge)"
    ]


def test_ref_with_resolve_refs_becomes_an_fc_arn_at_the_tag_position() -> None:
    root, problems = load("# a\n# b\nresourceArn: !Ref shop/charge\n", resolve_refs=True)
    assert problems == []
    assert get(root, "resourceArn") == ScalarNode(
        "acs:fc:::services/shop/functions/charge", Span(3, 14)
    )


@pytest.mark.parametrize("resolve_refs", [False, True])
def test_a_ref_without_service_and_function_is_a_problem(resolve_refs: bool) -> None:
    _, problems = load("a: 1\nresourceArn: !Ref charge\n", resolve_refs=resolve_refs)
    assert problem_lines(problems) == [
        "flow.yaml:2:14: resourceArn: '!Ref charge' must name Service/Function,"
        " e.g. !Ref demo/hello"
    ]


def test_aliases_and_merge_keys_work_and_explicit_keys_win() -> None:
    root, problems = load("""
        defaults: &retry
          errors: [FC.Unknown]
          maxAttempts: 3
        policy:
          <<: *retry
          maxAttempts: 5
    """)
    assert problems == []
    assert to_json(get(root, "policy")) == {"maxAttempts": 5, "errors": ["FC.Unknown"]}
    assert get(root, "policy", "errors").span == Span(2, 11)  # where the merged value is written


def test_a_recursive_alias_is_a_problem_not_a_crash() -> None:
    root, problems = load("steps: &a\n  - *a\n")
    assert root is None
    assert problem_lines(problems) == [
        "flow.yaml:1:1: invalid YAML: a YAML alias contains itself (check the aliases)"
    ]


def test_an_alias_bomb_is_rejected() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    _, problems = load("\n".join(lines) + "\n")
    assert problem_lines(problems) == [
        "flow.yaml:1:1: invalid YAML: too many values (check the aliases)"
    ]


def test_complex_keys_are_problems() -> None:
    _, problems = load("steps:\n  ? [a, b]\n  : c\n")
    assert problem_lines(problems) == [
        "flow.yaml:2:5: steps: mapping keys must be strings, not a nested value"
    ]


def test_the_pure_python_and_libyaml_composers_give_the_same_tree() -> None:
    text = textwrap.dedent(FLOW).lstrip("\n") + "  - {type: pass, name: 'x y', end: true}\n"
    fast = source.load(text, Reporter("f", text))
    slow = source._Builder(Reporter("f", text), False).node(
        source.yaml.compose(text, Loader=source._PyLoader), ""
    )
    assert fast == slow


def test_an_empty_document_has_no_root_and_no_problem() -> None:
    assert load("# nothing here\n") == (None, [])


def test_problems_carry_the_source_line_for_the_caret() -> None:
    _, problems = load("a: 1\nb: !Foo x\r\nc: 3\n")
    assert problems[0].source_line == "b: !Foo x"
    assert problems[0].render().splitlines()[1:] == ["    b: !Foo x", "       ^"]
