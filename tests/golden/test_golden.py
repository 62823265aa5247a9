"""Golden files: valid FDL -> canonical IR JSON, invalid FDL -> the exact problems a user sees.

``valid/NAME.yaml`` compiles to ``valid/NAME.ir.json``; a first line containing
``golden: --resolve-refs`` compiles with ``resolve_refs=True`` (seeds that keep their ``!Ref``
tags). ``invalid/NAME.yaml`` fails with the ``fdl validate`` lines in ``invalid/NAME.expected``
(file names relative to ``invalid/`` so the goldens do not depend on where tests run).

Set ``FDL_UPDATE_GOLDEN=1`` to rewrite the goldens, then review every changed file by eye: a
golden is what a user should see, not whatever the code happens to print.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from translator import DefinitionError, compile_text, ir

HERE = Path(__file__).parent
VALID = sorted((HERE / "valid").glob("*.yaml"))
INVALID = sorted((HERE / "invalid").glob("*.yaml"))
UPDATE = os.environ.get("FDL_UPDATE_GOLDEN") == "1"


def _resolve_refs(text: str) -> bool:
    return "golden: --resolve-refs" in text.partition("\n")[0]


def _check_golden(golden: Path, actual: str) -> None:
    if UPDATE:
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"{golden.name} is missing; run with FDL_UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_text(encoding="utf-8")


def compile_valid(path: Path) -> ir.Flow:
    text = path.read_text(encoding="utf-8")
    return compile_text(text, filename=path.name, resolve_refs=_resolve_refs(text))


@pytest.mark.parametrize("path", VALID, ids=[path.stem for path in VALID])
def test_valid_flow_compiles_to_its_golden_ir(path: Path) -> None:
    flow = compile_valid(path)
    _check_golden(path.with_suffix(".ir.json"), flow.dumps())


@pytest.mark.parametrize("path", INVALID, ids=[path.stem for path in INVALID])
def test_invalid_flow_reports_its_golden_problems(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        compile_text(text, filename=path.name, resolve_refs=_resolve_refs(text))
    lines = "".join(f"{problem}\n" for problem in caught.value.problems)
    _check_golden(path.with_suffix(".expected"), lines)


def test_there_are_enough_goldens() -> None:
    assert len(VALID) >= 9
    assert len(INVALID) >= 45
    several = [
        path for path in INVALID if len(path.with_suffix(".expected").read_text().splitlines()) >= 3
    ]
    assert len(several) >= 3, "some invalid files must show several problems reported in one run"
