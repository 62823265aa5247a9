"""Activities: the I/O workflows ask for (function calls, message sends, registry lookups).

Each is named and typed in :mod:`worker.contract.activities`; the worker process registers
these implementations (:mod:`worker.process`).
"""
