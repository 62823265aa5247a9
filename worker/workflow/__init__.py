"""Code that runs inside a Temporal workflow: deterministic, re-imported by the sandbox per run.

The interpreter (:mod:`.interpreter`) and its step executors (:mod:`.steps`), FDL's data rules
(:mod:`.data`) and run-time errors (:mod:`.errors`), the history recorder, the callback book,
and the registry and schedule-trigger workflows. Nothing here does I/O: activities
(:mod:`worker.activities`) do it on the workflows' behalf.
"""
