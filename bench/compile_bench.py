"""How fast the translator compiles a large flow, against ``yaml.safe_load`` of the same text.

Generates a flow of about 2,000 steps (pass, tasks with retry and catch, choices with
conditions and goto, nested parallel and foreach), compiles it several times and prints the
median time and its ratio to the median of ``yaml.safe_load`` measured in the same run.
Not a test: it asserts nothing. Run ``.venv/bin/python bench/compile_bench.py [STEPS]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import yaml

from translator import compile_text

RUNS = 7


def block(n: int) -> list[str]:
    """Ten steps whose names start with ``b{n}``; gotos stay among siblings."""
    p = f"b{n}"
    return f"""\
  - type: pass
    name: {p}init
    outputMappings:
      - target: tries
        source: 0
      - target: items
        source: [1, 2, 3]
  - type: task
    name: {p}call
    resourceArn: acs:fc:cn-hangzhou:123:services/svc{n % 7}/functions/fn{n}
    timeoutSeconds: 30
    inputMappings:
      - target: id
        source: $input.order.items[0].id
      - target: token
        source: $context.task.token
    retry:
      - errors: [FC.ResourceThrottled, FC.InternalServerError, FnF.TaskTimeout]
        intervalSeconds: 2
        maxAttempts: 5
        multiplier: 1.5
    catch:
      - errors: [FnF.ALL]
        goto: {p}check
    errorMappings:
      - target: reason
        source: $local.cause
  - type: choice
    name: {p}check
    choices:
      - condition: $.status == "done" && ($.tries < 3 || "fast" in $.flags)
        goto: {p}fan
      - condition: $.status == "running"
        steps:
          - type: wait
            name: {p}pause
            duration: 5
        goto: {p}call
    default:
      goto: {p}fan
  - type: parallel
    name: {p}fan
    branches:
      - steps:
          - type: pass
            name: {p}left
      - steps:
          - type: task
            name: {p}right
            resourceArn: acs:mns:::/queues/q{n}/messages
            pattern: waitForCallback
            serviceParams:
              MessageBody: $
              Priority: 1
    outputMappings:
      - target: results
        source: $local[*].result
  - type: foreach
    name: {p}each
    iterationMapping:
      collection: $.items
      item: item
      index: i
    steps:
      - type: task
        name: {p}work
        resourceArn: acs:fnf:::flow/child{n}
        pattern: sync
      - type: choice
        name: {p}again
        choices:
          - condition: $.more
            goto: {p}work
""".splitlines()


def flow_text(steps: int) -> str:
    lines = ["version: v1", "type: flow", "steps:"]
    for n in range(max(1, steps // 10)):
        lines += block(n)
    return "\n".join(lines) + "\n"


def median_seconds(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    text = flow_text(steps)
    flow = compile_text(text)  # also checks that the generated flow is valid
    baseline = median_seconds(lambda: yaml.safe_load(text))
    compiled = median_seconds(lambda: compile_text(text))
    lines = text.count("\n")
    print(
        f"flow: {steps} steps, {lines} lines, {len(text) / 1024:.0f} KiB,"
        f" {len(flow.steps)} top-level"
    )
    print(f"yaml.safe_load median: {baseline * 1000:8.1f} ms  (baseline, same text)")
    print(
        f"compile_text median:   {compiled * 1000:8.1f} ms  ({compiled / baseline:.2f}x safe_load)"
    )


if __name__ == "__main__":
    main()
