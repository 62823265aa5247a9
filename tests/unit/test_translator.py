"""The translator end to end: IR details, problem positions, files, purity and the ARN parser."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from translator import DefinitionError, compile_file, compile_text, ir
from translator.arn import ArnError, parse_action, parse_resource_arn

ROOT = Path(__file__).resolve().parents[2]
VALID = sorted((ROOT / "tests" / "golden" / "valid").glob("*.yaml"))
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "flows").glob("*.yaml"))


def compile_(text: str, **options: bool) -> ir.Flow:
    return compile_text(textwrap.dedent(text).lstrip("\n"), filename="flow.yaml", **options)


def problems(text: str, **options: bool) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        compile_(text, **options)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    "path", VALID + FIXTURES, ids=lambda path: f"{path.parent.name}/{path.stem}"
)
def test_every_valid_flow_round_trips_through_json(path: Path) -> None:
    flow = compile_file(path, resolve_refs=True)
    assert ir.Flow.from_json(flow.to_json()) == flow
    assert ir.Flow.from_json(__import__("json").loads(flow.dumps())) == flow


def test_the_polling_seed_keeps_its_placeholder_account() -> None:
    flow = compile_file(ROOT / "tests" / "fixtures" / "flows" / "polling.yaml")
    start = flow.steps[0]
    assert isinstance(start, ir.TaskStep)
    assert start.resource == ir.FunctionResource(
        arn="acs:fc:cn-hangzhou:{accountID}:services/fnf-demo/functions/StartJob",
        region="cn-hangzhou",
        account="{accountID}",
        service="fnf-demo",
        function="StartJob",
    )


def test_defaults_are_fdl_defaults() -> None:
    flow = compile_(
        """
        version: v1beta1
        type: flow
        steps:
          - type: task
            name: t
            resourceArn: acs:fc:::services/s/functions/f
            retry:
              - errors: [FC.Unknown]
          - type: foreach
            name: each
            maxConcurrency: 500
            iterationMapping: {collection: $.items, item: item}
            steps: [{type: pass, name: p}]
          - type: fail
            name: stop
        """
    )
    task, foreach, fail = flow.steps
    assert flow.version == "v1beta1"
    assert isinstance(task, ir.TaskStep) and task.pattern == "requestResponse"
    assert task.retry == (ir.RetryPolicy(errors=("FC.Unknown",)),)
    assert task.retry[0].interval_seconds == 1 and task.retry[0].max_attempts == 3
    assert task.retry[0].multiplier == 2 and task.retry[0].max_interval_seconds == 86400
    assert isinstance(foreach, ir.ForeachStep) and foreach.max_concurrency == 100
    assert foreach.collection == ir.Path(
        root="dollar", segments=(ir.Key(name="items"),), text="$.items"
    )
    assert isinstance(fail, ir.FailStep) and (fail.error, fail.cause) == ("", "")
    assert task.input_mappings is None and task.output_mappings is None


def test_an_empty_mapping_list_is_present_and_empty() -> None:
    flow = compile_(
        "version: v1\ntype: flow\nsteps:\n  - {type: pass, name: p, inputMappings: []}\n"
    )
    assert flow.steps[0].input_mappings == ()


def test_expression_errors_point_inside_plain_and_quoted_values() -> None:
    assert problems(
        """
        version: v1
        type: flow
        steps:
          - type: choice
            name: c
            choices:
              - condition: $.a == 1 &&
                goto: c
              - condition: "$.b >"
                goto: c
          - type: pass
            name: p
            outputMappings:
              - target: x
                source: $input.items[1:2]
        """
    ) == [
        # just after '&&' (the value starts at column 20)
        "flow.yaml:7:31: steps[0].choices[0].condition: invalid condition '$.a == 1 &&':"
        " expected a value after '&&'",
        # the text starts one column after the quote, so the end of '$.b >' is column 26
        "flow.yaml:9:26: steps[0].choices[1].condition: invalid condition '$.b >':"
        " expected a value after '>'",
        # at the '[' of the slice
        "flow.yaml:15:29: steps[1].outputMappings[0].source: invalid path '$input.items[1:2]':"
        " slices are not supported: '[1:2]'",
    ]


def test_a_multi_line_condition_is_reported_at_its_start() -> None:
    assert problems(
        """
        version: v1
        type: flow
        steps:
          - type: choice
            name: c
            choices:
              - condition: >-
                  $.a == 1 &&
                  $.b ==
                goto: c
        """
    ) == [
        "flow.yaml:7:20: steps[0].choices[0].condition: invalid condition '$.a == 1 && $.b ==':"
        " expected a value after '=='"
    ]


def test_every_problem_is_reported_in_one_run_in_source_order() -> None:
    found = problems(
        """
        version: v9
        type: flow
        steps:
          - type: wait
            name: w
          - type: pass
            name: w
          - type: choice
            name: c
            choices:
              - condition: $.x
                goto: nowhere
        """
    )
    assert found == [
        "flow.yaml:1:10: version: unsupported version 'v9': expected v1 (or v1beta1)",
        "flow.yaml:4:5: steps[0]: missing required key 'duration' (or 'timestamp') in a wait step",
        "flow.yaml:7:11: steps[1].name: duplicate step name 'w' (first at line 5)",
        "flow.yaml:12:15: steps[2].choices[0].goto: unknown step 'nowhere'",
    ]


def test_goto_resolves_within_nested_lists() -> None:
    flow = compile_(
        """
        version: v1
        type: flow
        steps:
          - type: foreach
            name: each
            iterationMapping: {collection: $.items, item: item}
            steps:
              - type: wait
                name: poll
                duration: 1
              - type: choice
                name: again
                choices:
                  - condition: $.more
                    goto: poll
        """
    )
    foreach = flow.steps[0]
    assert isinstance(foreach, ir.ForeachStep)
    choice = foreach.steps[1]
    assert isinstance(choice, ir.ChoiceStep) and choice.choices[0].goto == "poll"


def test_ref_is_resolved_only_on_request() -> None:
    text = (
        "version: v1\ntype: flow\nsteps:\n  - type: task\n    name: t\n    resourceArn: !Ref s/f\n"
    )
    assert problems(text) == [
        "flow.yaml:6:18: steps[0].resourceArn: '!Ref s/f' needs --resolve-refs"
        " (it stands for acs:fc:::services/s/functions/f)"
    ]
    task = compile_(text, resolve_refs=True).steps[0]
    assert isinstance(task, ir.TaskStep) and task.resource.kind == "fc"


def test_default_filename_is_string() -> None:
    with pytest.raises(DefinitionError) as caught:
        compile_text("version: v1\ntype: flow\nsteps: []\n")
    assert [str(p) for p in caught.value.problems] == ["<string>:3:8: steps: must not be empty"]


def test_ir_kinds_are_unique_so_every_node_round_trips() -> None:
    kinds = [cls.__dataclass_fields__["kind"].default for cls in ir._BY_KIND.values()]
    classes = {
        value
        for value in vars(ir).values()
        if isinstance(value, type) and "kind" in getattr(value, "__dataclass_fields__", {})
    }
    assert len(set(kinds)) == len(classes)


def test_compile_file_reports_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(DefinitionError) as caught:
        compile_file(missing)
    assert [str(p) for p in caught.value.problems] == [
        f"{missing}: cannot read the file: No such file or directory"
    ]


def test_compile_file_reports_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("version: v1\nname: caf\xe9\n".encode("latin-1"))
    with pytest.raises(DefinitionError) as caught:
        compile_file(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: not UTF-8 text (byte 0xe9 at offset 21)"
    ]


def _nested_parallels(depth: int) -> str:
    text, pad = "version: v1\ntype: flow\nsteps:\n", "  "
    for level in range(depth):
        text += f"{pad}- type: parallel\n{pad}  name: p{level}\n{pad}  branches:\n"
        text += f"{pad}    - steps:\n"
        pad += " " * 8
    return text + f"{pad}- {{type: pass, name: leaf}}\n"


def test_nesting_compiles_until_it_is_too_deep_then_is_a_definition_error() -> None:
    flow = compile_text(_nested_parallels(30))
    for _ in range(30):
        assert isinstance(flow.steps[0], ir.ParallelStep)
        flow = flow.steps[0].branches[0]  # type: ignore[assignment]
    assert flow.steps == (ir.PassStep(name="leaf"),)
    with pytest.raises(DefinitionError, match="nested too deeply"):
        compile_text(_nested_parallels(400))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_translator_module_imports_temporalio() -> None:
    modules = sorted((ROOT / "translator").glob("*.py")) + sorted(
        (ROOT / "translator" / "expr").glob("*.py")
    )
    assert len(modules) >= 10
    offenders = {
        path.name: sorted(name for name in _imports(path) if name.split(".")[0] == "temporalio")
        for path in modules
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_import_check_would_catch_an_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("from temporalio import workflow\nimport temporalio.client\n")
    assert _imports(module) == {"temporalio", "temporalio.client"}


# --- ARNs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (
            "acs:fc:::services/s/functions/f",
            ir.FunctionResource(arn="acs:fc:::services/s/functions/f", service="s", function="f"),
        ),
        (
            "acs:fc:cn-shanghai:123:services/s.v2/functions/f-1",
            ir.FunctionResource(
                arn="acs:fc:cn-shanghai:123:services/s.v2/functions/f-1",
                region="cn-shanghai",
                account="123",
                service="s",
                function="f-1",
                qualifier="v2",
            ),
        ),
        (
            "acs:mns:$region:{account}:/queues/jobs/messages",
            ir.QueueResource(
                arn="acs:mns:$region:{account}:/queues/jobs/messages",
                region="$region",
                account="{account}",
                queue="jobs",
            ),
        ),
        (
            "acs:mns:::/topics/t-1/messages",
            ir.TopicResource(arn="acs:mns:::/topics/t-1/messages", topic="t-1"),
        ),
        (
            "acs:fnf:::flow/_child-2",
            ir.FlowResource(arn="acs:fnf:::flow/_child-2", flow="_child-2"),
        ),
    ],
)
def test_resource_arns_parse(arn: str, expected: ir.Resource) -> None:
    assert parse_resource_arn(arn) == expected


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        ("acs:fc:::services/s/functions/", "invalid FC function name '' in"),
        ("acs:fc:::services/s./functions/f", "invalid qualifier name '' in"),
        ("acs:fc:a b::services/s/functions/f", "invalid region 'a b' in"),
        ("acs:mns:::/queues/1jobs/messages", "invalid MNS queue name '1jobs' in"),
        ("acs:fnf:::flows/x", "is not a flow ARN: expected acs:fnf:::flow/{name}"),
        ("acs:fnf:::flow/" + "x" * 129, "invalid flow name"),
        ("acs:fc:services/s/functions/f", "is not an Alibaba Cloud ARN"),
    ],
)
def test_bad_arns_say_what_was_expected(arn: str, message: str) -> None:
    with pytest.raises(ArnError) as caught:
        parse_resource_arn(arn)
    assert message in str(caught.value)


def test_actions_parse_and_bad_ones_are_explained() -> None:
    assert parse_action("fnf:StartExecution") == ir.ActionResource(
        product="fnf", api="StartExecution"
    )
    with pytest.raises(ArnError, match="expected product:ApiName"):
        parse_action("fnf:Start Execution")
