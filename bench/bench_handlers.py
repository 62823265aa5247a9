"""The functions the benchmarks' flows call (bound in their configs).

They are ``async def``: the worker awaits them directly, as the hand-written side's plain
activities are awaited, so the benchmarks compare the engines and not a thread pool (a plain
``def`` handler, FC's usual form, runs in the worker's thread pool instead).
"""

import json


async def step(event, context):
    """Add one to ``n``."""
    return {"n": json.loads(event)["n"] + 1}


async def echo(event, context):
    """Return the event (a fan-out's trivial task)."""
    return json.loads(event)
