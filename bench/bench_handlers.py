"""The one function the overhead benchmark calls: it counts."""

import json


def step(event, context):
    return {"n": json.loads(event)["n"] + 1}
