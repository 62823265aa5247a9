"""The step executors of the interpreter: one small module per kind of FDL step.

:mod:`~worker.steps.sequence` runs a step list (the program-counter loop) and dispatches each
step to its executor; :mod:`~worker.steps.runtime` holds the per-execution state they share.
"""
