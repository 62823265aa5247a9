"""The client-side service: flows, executions, schedules, task reports and history.

The CLI, the Python :class:`~worker.service.client.FdlClient` and the HTTP API are thin shells
over these modules; every one connects through :mod:`.connection` and raises the errors of
:mod:`.errors`.
"""
