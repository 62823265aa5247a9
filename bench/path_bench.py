"""Why the FDL path evaluator is not built on jsonpath-ng: both, on the same paths and data.

The design card names jsonpath-ng. FDL paths are a small dialect (keys, ``[n]``, ``[*]``,
``['key']``) with rules jsonpath-ng does not have: a missing key or index is an error that
says which step of the path failed and why (reference 3.6), wildcards flatten across levels
and skip elements lacking the key (3.5). This script times, on the same parsed-once paths and
the same data, the project's evaluator and jsonpath-ng's ``find`` (plus the copy of the values
both must hand out).

jsonpath-ng is not a dependency of the project; install it to run this:
``.venv/bin/pip install jsonpath-ng && .venv/bin/python bench/path_bench.py``
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from translator.expr import Scope, evaluate_path, parse_path

PATHS = ["$.order.items[0].price", "$.order.customer.name", "$.order.items[*].price", "$.flag"]
DATA: dict[str, Any] = {
    "flag": True,
    "order": {
        "customer": {"name": "Ada", "tier": "gold"},
        "items": [{"name": f"item{i}", "price": i * 1.5, "tags": ["a", "b"]} for i in range(20)],
    },
}
ROUNDS = 20_000


def ours() -> list[float]:
    scope = Scope(input=DATA, local={}, context={}, dollar=DATA)
    parsed = [parse_path(text) for text in PATHS]
    return [
        min(timeit.repeat(lambda p=p: evaluate_path(p, scope), number=ROUNDS, repeat=5))
        for p in parsed
    ]


def theirs() -> list[float]:
    import copy

    from jsonpath_ng import parse  # type: ignore[import-untyped]

    compiled = [parse(text) for text in PATHS]

    def find(expression: Any) -> Any:
        matches = [copy.deepcopy(match.value) for match in expression.find(DATA)]
        return matches

    return [min(timeit.repeat(lambda e=e: find(e), number=ROUNDS, repeat=5)) for e in compiled]


def main() -> None:
    mine = ours()
    try:
        other = theirs()
    except ImportError:
        print("jsonpath-ng is not installed: pip install jsonpath-ng (see the docstring)")
        return
    print(f"{'path':28} {'fdl µs':>8} {'jsonpath-ng µs':>15} {'ratio':>6}")
    for text, a, b in zip(PATHS, mine, other, strict=True):
        print(f"{text:28} {a / ROUNDS * 1e6:8.2f} {b / ROUNDS * 1e6:15.2f} {b / a:6.1f}")


if __name__ == "__main__":
    main()
