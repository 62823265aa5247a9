"""What workflows, activities and clients agree on: names, ids and the payload dataclasses.

Pure data and pure functions (no I/O, no clock, no randomness), so the workflow sandbox passes
this package through unchanged and both sides of every Temporal call decode the same types.
Changing a payload here changes what running executions receive: add fields with defaults,
never rename or remove one.
"""
