"""The console role: seeing flows and executions as FDL draws them.

Pure parts (the graph of a definition, the fold of FDL events into step states, the layout,
the SVG and the terminal tree) import only the IR; the web app (Starlette, served by uvicorn)
and the CLI read through the service layer. Nothing here runs inside a workflow.
"""
