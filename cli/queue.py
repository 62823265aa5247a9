"""``fdl queue``: the embedded MNS-compatible message queue (serve it, and look inside).

``fdl queue serve`` answers the Alibaba MNS queue API, so worker programs written with the
``aliyun-mns-sdk`` client run unchanged against ``http://127.0.0.1:8234``. The other commands
open the same SQLite file directly; they work while the server runs (SQLite locks the file).
``list`` and ``peek`` never create the file; no command creates the folder of a ``--db`` it is
given (only the default ``.fdl/``), so a mistyped path is an error, not a new empty queue
file. Exit codes: 0 ok, 1 a queue error (e.g. no such queue, a file that is not a queue file)
or a port in use, 2 usage.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from cli.common import UserError, err, fail
from cli.options import DebugOption, JsonOption
from worker.config import QUEUE_DB_ENV
from worker.local.mnsqueue import (
    Credentials,
    MnsError,
    QueueAttributes,
    QueueFileError,
    QueueSettings,
    QueueStore,
    serve_queue,
)
from worker.local.mnsqueue.xmlcodec import message_fields, queue_fields

DEFAULT_DB = Path(".fdl") / "queue.db"
DEFAULT_PORT = 8234

DbOption = Annotated[
    Path, typer.Option("--db", envvar=QUEUE_DB_ENV, help="SQLite file holding the queues.")
]
NameArgument = Annotated[str, typer.Argument(help="Queue name.", show_default=False)]

queue_app = typer.Typer(
    name="queue",
    help="A local, durable message queue that speaks the Alibaba MNS queue API.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``queue`` command group to ``app``."""
    app.add_typer(queue_app, name="queue")


@queue_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port; 0 picks a free one.")] = DEFAULT_PORT,
    db: DbOption = DEFAULT_DB,
    access_id: Annotated[
        str | None,
        typer.Option(envvar="FDL_QUEUE_ACCESS_ID", help="AccessKeyId clients must sign with."),
    ] = None,
    access_key: Annotated[
        str | None,
        typer.Option(
            envvar="FDL_QUEUE_ACCESS_KEY", help="AccessKeySecret (without both: accept any)."
        ),
    ] = None,
    auto_create: Annotated[
        bool, typer.Option(help="Create unknown queues on their first send or receive.")
    ] = True,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every request.")] = False,
    debug: DebugOption = False,
) -> None:
    """Serve the MNS queue API until Ctrl-C."""
    if (access_id is None) != (access_key is None):
        raise typer.BadParameter("give both --access-id and --access-key, or neither")
    credentials = Credentials(access_id, access_key) if access_id and access_key else None
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(message)s")
    try:
        with open_store(db, auto_create=auto_create) as store:
            server = serve_queue(store, host, port, credentials)
            print(server.url, flush=True)
            err(f"MNS queue API on {server.url}, queues in {db}")
            err("signatures checked" if credentials else "any credentials accepted")
            _serve_until_stopped(server.serve_forever, server.stop)
    except OSError as exc:
        fail(UserError(f"cannot serve on {host}:{port}: {exc.strerror or exc}"), debug)
    except QueueFileError as exc:
        fail(exc, debug)


@queue_app.command("create")
def create(
    name: NameArgument,
    visibility_timeout: Annotated[
        int | None, typer.Option(help="Seconds a received message stays invisible (default 30).")
    ] = None,
    delay_seconds: Annotated[
        int | None, typer.Option(help="Delay of messages sent without one (default 0).")
    ] = None,
    polling_wait_seconds: Annotated[
        int | None, typer.Option(help="Wait of receives that name none, 0-30 (default 0).")
    ] = None,
    maximum_message_size: Annotated[
        int | None, typer.Option(help="Largest body in bytes, 1024-65536 (default 65536).")
    ] = None,
    message_retention_period: Annotated[
        int | None, typer.Option(help="Seconds a message is kept (default 345600, 4 days).")
    ] = None,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Create a queue (nothing changes if it exists with these attributes)."""
    settings = QueueSettings(
        visibility_timeout=visibility_timeout,
        delay_seconds=delay_seconds,
        polling_wait_seconds=polling_wait_seconds,
        maximum_message_size=maximum_message_size,
        message_retention_period=message_retention_period,
    )
    try:
        with open_store(db) as store:
            created = store.create_queue(name, settings)
    except (MnsError, QueueFileError) as exc:
        fail(exc, debug)
    if as_json:
        print(json.dumps({"QueueName": name, "Created": created}))
    else:
        err(f"created queue {name}" if created else f"queue {name} already exists")


@queue_app.command("list")
def list_queues(
    db: DbOption = DEFAULT_DB, as_json: JsonOption = False, debug: DebugOption = False
) -> None:
    """List the queues with their message counts."""
    try:
        with open_store(db, existing=True) as store:
            names, marker = store.list_queues()
            while marker:
                more, marker = store.list_queues(marker=marker)
                names += more
            queues = [store.attributes(name) for name in names]
    except (MnsError, QueueFileError) as exc:
        fail(exc, debug)
    if as_json:
        print(json.dumps([_queue_json(queue) for queue in queues], indent=2))
        return
    print(f"{'QUEUE':<32} {'ACTIVE':>8} {'INACTIVE':>8} {'DELAYED':>8}")
    for queue in queues:
        counts = (queue.active_messages, queue.inactive_messages, queue.delay_messages)
        print(f"{queue.name:<32} {counts[0]:>8} {counts[1]:>8} {counts[2]:>8}")


@queue_app.command("peek")
def peek(
    name: NameArgument,
    count: Annotated[int, typer.Option("--count", "-n", help="How many messages, 1-16.")] = 1,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show the next visible messages without receiving them."""
    try:
        with open_store(db, existing=True) as store:
            messages = store.peek(name, count)
    except (MnsError, QueueFileError) as exc:
        fail(exc, debug)
    if as_json:
        print(json.dumps([message_fields(message) for message in messages], indent=2))
        return
    if not messages:
        err(f"no visible message in {name}")
    for message in messages:
        body = message.body if len(message.body) <= 60 else message.body[:57] + "..."
        print(f"{message.message_id}  priority {message.priority}  {body}")


@queue_app.command("send")
def send(
    name: NameArgument,
    body: Annotated[str, typer.Argument(help="Message body, or @file.", show_default=False)],
    priority: Annotated[int, typer.Option(help="1 (most urgent) to 16.")] = 8,
    delay: Annotated[
        int | None, typer.Option(help="Seconds before it can be received (default: the queue's).")
    ] = None,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Send one message (receivers of a running server see it within a fraction of a second).

    Prints the message id (with --json, MNS's MessageId and MessageBodyMD5).
    """
    try:
        text = Path(body[1:]).read_text(encoding="utf-8") if body.startswith("@") else body
        with open_store(db) as store:
            result = store.send(name, text, priority=priority, delay_seconds=delay)
    except OSError as exc:
        fail(UserError(f"cannot read {body[1:]}: {exc.strerror}"), debug)
    except (MnsError, QueueFileError) as exc:
        fail(exc, debug)
    if as_json:
        print(json.dumps({"MessageId": result.message_id, "MessageBodyMD5": result.body_md5}))
    else:
        print(result.message_id)


def _queue_json(queue: QueueAttributes) -> dict[str, object]:
    """A queue with MNS's field names (GetQueueAttributes), ``LoggingEnabled`` a boolean."""
    return queue_fields(queue) | {"LoggingEnabled": queue.settings.logging_enabled}


def open_store(db: Path, *, existing: bool = False, auto_create: bool = True) -> QueueStore:
    """The queue file ``db``, opened as the commands may open it.

    Args:
        db: the ``--db`` path.
        existing: the file must exist (commands that only look create nothing).
        auto_create: create unknown queues on send and receive (``serve``).

    Raises:
        QueueFileError: the file is missing (with ``existing``), its folder is missing (for a
            path other than the default ``.fdl/queue.db``), or it is not a queue file.
    """
    if existing and not db.exists():
        raise QueueFileError(f"no queue file at {db} (check --db, or create a queue first)")
    if db != DEFAULT_DB and not db.parent.is_dir():
        raise QueueFileError(f"--db {db}: folder {db.parent} does not exist")
    return QueueStore(db, auto_create=auto_create)


def _serve_until_stopped(serve_forever: Callable[[], None], stop: Callable[[], None]) -> None:
    """Run ``serve_forever`` until Ctrl-C or SIGTERM, then ``stop``."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        serve_forever()
    except KeyboardInterrupt:
        err("stopping")
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop()
        sys.stderr.flush()
