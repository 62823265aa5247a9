"""``fdl api serve``: the Serverless Workflow (FnF) API over HTTP, for the official SDKs.

Programs written with ``alibabacloud-fnf20190315`` or ``aliyun-python-sdk-fnf`` work against
it by changing only their endpoint. Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 bad keys, a
port in use, the open mode beyond loopback, or no Temporal server; 2 usage.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from cli.common import UserError, err, fail
from cli.options import DebugOption, TaskQueueOption
from worker.fnfapi.auth import Authenticator, KeysError, load_keys
from worker.fnfapi.server import ApiServer, ApiServerError, ApiSettings
from worker.service.connection import target

DEFAULT_PORT = 8235
"""Port of the API that ``fdl api serve`` and ``fdl dev`` serve."""

AccessKeyIdOption = Annotated[
    str | None,
    typer.Option(envvar="FDL_API_ACCESS_KEY_ID", help="An AccessKeyId clients may sign with."),
]
AccessKeySecretOption = Annotated[
    str | None,
    typer.Option(envvar="FDL_API_ACCESS_KEY_SECRET", help="Its AccessKeySecret."),
]
KeysFileOption = Annotated[
    Path | None,
    typer.Option(
        envvar="FDL_API_KEYS_FILE",
        help="A file of 'ACCESS_KEY_ID ACCESS_KEY_SECRET' lines, one pair per line.",
        show_default=False,
    ),
]

api_app = typer.Typer(
    name="api",
    help="The Serverless Workflow (FnF) API over HTTP, for programs written with its SDKs.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``api`` command group to ``app``."""
    app.add_typer(api_app, name="api")


def authenticator(
    open_mode: bool, access_key_id: str | None, secret: str | None, keys_file: Path | None
) -> Authenticator:
    """The open mode, or the verify mode with the keys given (see :func:`load_keys`)."""
    if open_mode:
        return Authenticator(keys=None)
    return Authenticator(keys=load_keys(access_key_id, secret, keys_file))


@api_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(envvar="FDL_API_PORT", help="TCP port; 0 picks a free one.")
    ] = DEFAULT_PORT,
    access_key_id: AccessKeyIdOption = None,
    access_key_secret: AccessKeySecretOption = None,
    keys_file: KeysFileOption = None,
    open_mode: Annotated[
        bool,
        typer.Option("--open", help="Accept any key and signature (loopback only; development)."),
    ] = False,
    task_queue: TaskQueueOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every refusal.")] = False,
    debug: DebugOption = False,
) -> None:
    """Serve the FnF API (version 2019-03-15) until Ctrl-C, over TEMPORAL_ADDRESS.

    Requests must be signed with one of the access keys given (HMAC-SHA1, as the SDKs sign),
    unless --open.
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(message)s")
    try:
        auth = authenticator(open_mode, access_key_id, access_key_secret, keys_file)
        settings = ApiSettings(authenticator=auth, task_queue=task_queue)
        server = ApiServer(settings, host, port)
    except KeysError as exc:
        fail(UserError(str(exc)), debug)
    except OSError as exc:
        fail(UserError(f"cannot serve on {host}:{port}: {exc.strerror or exc}"), debug)
    print(server.url, flush=True)
    err(f"FnF API on {server.url} over Temporal at {target().address}")
    err("any access key accepted (open mode)" if auth.open else f"{len(auth.keys or {})} key(s)")
    try:
        server.run()
    except ApiServerError as exc:
        fail(UserError(str(exc)), debug)
    err("API stopped")


@contextmanager
def local_api(
    address: str, namespace: str, port: int, task_queue: str | None
) -> Iterator[str | None]:
    """Serve the API for ``fdl dev`` while the block runs; yields its URL (``None``: port -1).

    The keys come from the environment (``FDL_API_ACCESS_KEY_ID`` / ``_SECRET``,
    ``FDL_API_KEYS_FILE``); without any, the API runs in the open mode on 127.0.0.1.
    """
    if port < 0:
        yield None
        return
    pair = (os.environ.get("FDL_API_ACCESS_KEY_ID"), os.environ.get("FDL_API_ACCESS_KEY_SECRET"))
    keys_file = os.environ.get("FDL_API_KEYS_FILE")
    try:
        open_mode = not (any(pair) or keys_file)
        auth = authenticator(open_mode, *pair, Path(keys_file) if keys_file else None)
        settings = ApiSettings(
            authenticator=auth, address=address, namespace=namespace, task_queue=task_queue
        )
        server = ApiServer(settings, "127.0.0.1", port)
    except KeysError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot serve the FnF API on port {port}: {exc.strerror or exc}") from None
    try:
        server.start()
    except ApiServerError as exc:
        raise UserError(str(exc)) from None
    try:
        yield f"{server.url} ({'any access key' if auth.open else 'signatures checked'})"
    finally:
        server.stop()
