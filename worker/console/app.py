"""The web console: a read-only ASGI app (Starlette) over the console's data.

Pages: the flows (versions, the FDL source and the graph of each), the executions (filters by
flow, status and start time; pages), and an execution drawn on its flow's graph with a step
panel. A running execution's page polls ``/api/executions/{flow}/{name}/state`` (the node
states, option states and taken edges as JSON) and updates the drawing in place, so it
follows the run live; the step panel is an HTML fragment fetched when a step is selected.
Every page is also JSON for scripts where it helps (the state and step endpoints).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from temporalio.client import Client

from translator import ir
from worker.console import graph as graphs
from worker.console import panel, svg
from worker.console.data import (
    CACHE_SIZE,
    PAGE_SIZE,
    REPLAY_LIMIT,
    ConsoleData,
    ExecutionView,
)
from worker.console.layout import layout
from worker.console.runstate import STATE_LABELS
from worker.console.summary import duration_text, edge_taken, seconds_between, status_lines
from worker.service.errors import ExecutionNotExists, FlowNotExists
from worker.service.links import execution_path
from worker.service.outcome import STATUS_QUERIES

HERE = Path(__file__).resolve().parent
MAX_PAGE_SIZE = 200
"""The most executions one page of the list may hold (``?size=``)."""
POLL_MILLISECONDS = 1000
"""How often a running execution's page asks for its state."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleSettings:
    """How the console presents itself.

    Attributes:
        namespace: the Temporal namespace (for links to the Temporal Web UI).
        temporal_ui: the Temporal Web UI's base URL; empty: no links to it.
        query_timeout: seconds to wait for a worker to answer the history query.
        finished_cache: finished executions whose view is kept (0 keeps none).
        replay_limit: history events of a finished execution above which its page first
            shows Temporal's history while the interpreter's record loads.
    """

    namespace: str = "default"
    temporal_ui: str = ""
    query_timeout: float = 2.0
    finished_cache: int = CACHE_SIZE
    replay_limit: int = REPLAY_LIMIT


def create_app(connect: Callable[[], Awaitable[Client]], settings: ConsoleSettings) -> Starlette:
    """The console app; ``connect`` is called once, on startup, in the server's event loop."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(
        state_labels=STATE_LABELS,
        statuses=list(STATUS_QUERIES),
        quote=_quote,
        execution_path=execution_path,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.data = ConsoleData(
            await connect(),
            query_timeout=settings.query_timeout,
            cache_size=settings.finished_cache,
            replay_limit=settings.replay_limit,
        )
        yield

    pages = _Pages(templates, settings)
    routes = [
        Route("/", lambda request: RedirectResponse("/flows")),
        Route("/flows", pages.flows),
        Route("/flows/{name}", pages.flow),
        Route("/executions", pages.executions),
        Route("/executions/{flow}/{name}", pages.execution),
        Route("/executions/{flow}/{name}/panel", pages.panel),
        Route("/api/executions/{flow}/{name}/state", pages.state),
        Route("/api/executions/{flow}/{name}/step", pages.step),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: pages.error},  # type: ignore[dict-item]
    )


def _quote(text: str) -> str:
    return quote(text, safe="")


class _Pages:
    def __init__(self, templates: Jinja2Templates, settings: ConsoleSettings) -> None:
        self.templates = templates
        self.settings = settings

    def render(self, request: Request, name: str, context: dict[str, Any]) -> Response:
        return self.templates.TemplateResponse(request, name, context)

    async def error(self, request: Request, exc: HTTPException) -> Response:
        context = {"status": exc.status_code, "message": exc.detail}
        response = self.render(request, "error.html", context)
        response.status_code = exc.status_code
        return response

    async def flows(self, request: Request) -> Response:
        flows = await _data(request).flows()
        return self.render(request, "flows.html", {"flows": flows})

    async def flow(self, request: Request) -> Response:
        name = request.path_params["name"]
        version = request.query_params.get("version") or None
        try:
            flow = await _data(request).flow(name, version)
        except FlowNotExists as exc:
            raise HTTPException(404, str(exc)) from None
        graph = graphs.build(ir.Flow.from_json(flow.definition))
        context = {"flow": flow, "graph": svg.render(graph, title=name)}
        return self.render(request, "flow.html", context)

    async def executions(self, request: Request) -> Response:
        params = request.query_params
        filters = {key: params.get(key, "") for key in ("flow", "status", "since", "until")}
        try:
            page = await _data(request).executions(
                flow=filters["flow"],
                status=filters["status"],
                since=_moment(filters["since"], "since"),
                until=_moment(filters["until"], "until"),
                token=params.get("page", ""),
                page_size=_page_size(params.get("size", "")),
            )
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        context = {"page": page, "filters": filters, "durations": _durations(page.executions)}
        return self.render(request, "executions.html", context)

    async def execution(self, request: Request) -> Response:
        view = await _view(request)
        lines = status_lines(view.graph, view.run)
        drawing = layout(view.graph, status_line=True)
        context = {
            "view": view,
            "info": view.info,
            "graph": svg.draw(drawing, view.run, lines, title=view.info.flow_name),
            "temporal_link": self.temporal_link(view),
            "duration": duration_text(seconds_between(view.info.started, view.info.stopped)),
            "poll": POLL_MILLISECONDS if view.info.status == "Running" or view.upgrading else 0,
        }
        return self.render(request, "execution.html", context)

    async def panel(self, request: Request) -> Response:
        view = await _view(request)
        node = _node(request, view)
        context = {"step": panel.step_panel(view.graph, view.run, node)}
        return self.render(request, "panel.html", context)

    async def state(self, request: Request) -> Response:
        return JSONResponse(state_json(await _view(request)))

    async def step(self, request: Request) -> Response:
        view = await _view(request)
        return JSONResponse(panel.step_panel(view.graph, view.run, _node(request, view)))

    def temporal_link(self, view: ExecutionView) -> str:
        if not self.settings.temporal_ui:
            return ""
        base = self.settings.temporal_ui.rstrip("/")
        namespace, workflow = _quote(self.settings.namespace), _quote(view.workflow_id)
        return f"{base}/namespaces/{namespace}/workflows/{workflow}/{view.run_id}/history"


def _data(request: Request) -> ConsoleData:
    data: ConsoleData = request.app.state.data
    return data


async def _view(request: Request) -> ExecutionView:
    flow, name = request.path_params["flow"], request.path_params["name"]
    try:
        return await _data(request).execution(flow, name)
    except ExecutionNotExists:
        raise HTTPException(404, f"execution {name!r} of flow {flow!r} does not exist") from None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def _node(request: Request, view: ExecutionView) -> str:
    node = request.query_params.get("node", "")
    if node not in view.graph.nodes:
        raise HTTPException(404, f"the flow has no step {node!r}")
    return node


def _moment(text: str, what: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{what}: expected a date and time such as 2026-05-01T08:00, got {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


def _page_size(text: str) -> int:
    if not text:
        return PAGE_SIZE
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_SIZE:
        raise ValueError(f"size: expected 1 to {MAX_PAGE_SIZE} executions a page, got {text!r}")
    return int(text)


def _durations(executions: list[Any]) -> dict[str, str]:
    return {
        f"{e.flow_name}:{e.name}": duration_text(seconds_between(e.started, e.stopped))
        for e in executions
    }


def state_json(view: ExecutionView) -> dict[str, Any]:
    """What a running execution's page polls: status and the state of every drawn element."""
    lines = status_lines(view.graph, view.run)
    drawing = layout(view.graph, status_line=True)
    return {
        "status": view.info.status,
        "error": view.info.error,
        "cause": view.info.cause,
        "stopped": view.info.stopped,
        "recorded": view.history.recorded,
        "upgrading": view.upgrading,
        "nodes": {
            node_id: {"state": node_run.state, "status": lines[node_id]}
            for node_id, node_run in view.run.nodes.items()
        },
        "options": view.run.options,
        "taken": [n for n, edge in enumerate(drawing.edges) if edge_taken(edge, view.run)],
    }
