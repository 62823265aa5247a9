"""The ASGI app of the API: one endpoint that parses, authenticates, dispatches and answers.

Every request, on any path and with GET or POST, goes through the same steps: read the body
(at most :data:`MAX_BODY` bytes), merge the query and form parameters, check the signature
(:class:`~worker.fnfapi.auth.Authenticator`), check ``Version`` and ``Action``, run the
action's handler, and answer flat JSON with ``RequestId`` (also in ``x-acs-request-id``).
Any error becomes ``{"Code", "Message", "RequestId"}`` with the status of its code.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from worker.fnfapi.actions import ACTIONS, Context
from worker.fnfapi.auth import Authenticator
from worker.fnfapi.errors import ApiError, api_error, missing
from worker.fnfapi.params import Params, parse_params

API_VERSION = "2019-03-15"
"""The only API version served (the one both SDKs speak)."""

MAX_BODY = 1024 * 1024
"""Largest request body in bytes (the original's request limit, 1,024 KiB)."""

_log = logging.getLogger(__name__)


def create_app(authenticator: Authenticator, context: Context) -> Starlette:
    """The API as an ASGI app over a connected service (``context.fdl``)."""

    async def endpoint(request: Request) -> JSONResponse:
        request_id = str(uuid.uuid4()).upper()
        try:
            content = await _serve(request, authenticator, context)
            status = 200
        except Exception as exc:
            error = api_error(exc)
            _log.debug("%s refused: %s", request_id, error)
            content = {"Code": error.code, "Message": error.message}
            status = error.status
        content["RequestId"] = request_id
        return JSONResponse(content, status, headers={"x-acs-request-id": request_id})

    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    routes = [
        Route("/", endpoint, methods=methods),
        Route("/{path:path}", endpoint, methods=methods),
    ]
    return Starlette(routes=routes)


async def _serve(request: Request, authenticator: Authenticator, ctx: Context) -> dict[str, Any]:
    body = await _body(request)
    content_type = request.headers.get("content-type", "")
    values = parse_params(request.scope.get("query_string", b""), body, content_type)
    authenticator.check(request.method, values)
    version = values.get("Version", "")
    if not version:
        raise missing("Version")
    if version != API_VERSION:
        raise ApiError(
            "APIVersionNotSupported",
            f"The requested API version '{version}' is not supported yet. Please check.",
        )
    name = values.get("Action", "")
    if not name:
        raise missing("Action")
    handler = ACTIONS.get(name)
    if handler is None:
        raise ApiError(
            "ActionNotSupported",
            f"The requested API operation '{name}' is incorrect. Please check.",
        )
    return await handler(ctx, Params(values))


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> ApiError:
    return ApiError(
        "EntityTooLarge", f"The payload size exceeds maximum allowed size ({MAX_BODY} bytes)."
    )
