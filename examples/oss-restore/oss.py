"""Function Compute-style handlers of the OSS restore application, on a simulated bucket.

The flows are the application's own (``main.yaml``, ``restore.yaml``). Instead of Alibaba
Cloud OSS, the handlers work on a bucket kept in a SQLite file; the flow input's
``endpoint`` names that file. The simulation keeps what matters to the flow:

- ListObjects returns keys in order after ``marker``, at most ``maxKeys`` per page, and says
  whether the listing is truncated;
- restoring an archived object starts a restore; restoring an object that is already
  restoring or restored changes nothing (OSS answers RestoreAlreadyInProgress), so a
  function run twice is harmless;
- a restore completes after a few status checks (the bucket's ``polls`` setting).

Every invocation is logged with the process id of the worker that ran it (a restore twice:
as it starts and as it ends). Create a bucket
with ``python oss.py create bucket.db --objects 250`` and inspect it with
``python oss.py show bucket.db``.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import time
from contextlib import closing
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (polls INTEGER NOT NULL, latency REAL NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    storage_class TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'archived',   -- archived, restoring, restored
    restores_started INTEGER NOT NULL DEFAULT 0,
    restore_requests INTEGER NOT NULL DEFAULT 0,
    polls_left INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS invocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    function TEXT NOT NULL,
    pid INTEGER NOT NULL,
    detail TEXT NOT NULL
);
"""


def connect(endpoint: str) -> sqlite3.Connection:
    """Open the bucket file; transactions wait for each other (several workers share it)."""
    db = sqlite3.connect(endpoint, timeout=60, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=60000")
    return db


def create_bucket(
    endpoint: str,
    bucket: str,
    objects: int,
    *,
    standard: int = 150,
    polls: int = 3,
    latency: float = 0.0,
) -> None:
    """A bucket with ``objects`` archived objects under ``data/`` and ``standard`` Standard
    objects under ``logs/`` (listed after them; they need no restore, so the last pages
    have no archived object)."""
    with closing(connect(endpoint)) as db:
        db.executescript(SCHEMA)
        db.execute("DELETE FROM settings")
        db.execute("INSERT INTO settings VALUES (?, ?)", (polls, latency))
        rows = [(bucket, f"data/object-{n:05d}", "Archive") for n in range(objects)]
        rows += [(bucket, f"logs/log-{n:05d}", "Standard") for n in range(standard)]
        db.executemany("INSERT INTO objects (bucket, key, storage_class) VALUES (?, ?, ?)", rows)


def _settings(db: sqlite3.Connection) -> tuple[int, float]:
    polls, latency = db.execute("SELECT polls, latency FROM settings").fetchone()
    return int(polls), float(latency)


def _log(db: sqlite3.Connection, function: str, detail: Any) -> None:
    db.execute(
        "INSERT INTO invocations (function, pid, detail) VALUES (?, ?, ?)",
        (function, os.getpid(), json.dumps(detail)),
    )


def list_archive_files(event: bytes, context: Any) -> dict[str, Any]:
    """One ListObjects page after ``marker``; the archived keys in groups of ``groupSize``."""
    evt = json.loads(event)
    bucket, marker = evt["bucketName"], evt.get("marker") or ""
    max_keys, group_size = int(evt.get("maxKeys") or 100), int(evt.get("groupSize") or 1)
    with closing(connect(evt["endpoint"])) as db:
        rows = db.execute(
            "SELECT key, storage_class FROM objects WHERE bucket = ? AND key > ? AND key LIKE ? "
            "ORDER BY key LIMIT ?",
            (bucket, marker, (evt.get("prefix") or "") + "%", max_keys + 1),
        ).fetchall()
        truncated = len(rows) > max_keys
        page = rows[:max_keys]
        archived = [key for key, storage in page if storage == "Archive"]
        _log(db, "listArchiveFiles", {"marker": marker, "count": len(page)})
    groups = [archived[i : i + group_size] for i in range(0, len(archived), group_size)]
    return {
        "bucketName": bucket,
        "filesGroup": groups,
        "marker": page[-1][0] if page else marker,
        "end": not truncated,
        "empty": not archived,
        "archiveFilesCount": len(archived),
    }


def restore(event: bytes, context: Any) -> dict[str, Any]:
    """Start restoring a group of objects; objects already restoring or restored are left."""
    evt = json.loads(event)
    files = evt["files"]
    with closing(connect(evt["endpoint"])) as db:
        polls, latency = _settings(db)
        _log(db, "restore:start", files)  # committed now: shows a call cut short by a crash
        time.sleep(latency)
        db.execute("BEGIN IMMEDIATE")
        for key in files:
            db.execute(
                "UPDATE objects SET restore_requests = restore_requests + 1, "
                "restores_started = restores_started + (state = 'archived'), "
                "polls_left = CASE WHEN state = 'archived' THEN ? ELSE polls_left END, "
                "state = CASE WHEN state = 'archived' THEN 'restoring' ELSE state END "
                "WHERE bucket = ? AND key = ?",
                (polls, evt["bucketName"], key),
            )
        _log(db, "restore", files)
        db.execute("COMMIT")
    return {"requested": len(files)}


def restore_status(event: bytes, context: Any) -> dict[str, Any]:
    """``success`` once every object of ``filesGroup`` is restored, else ``running``.

    Each check brings every restoring object one poll closer to being restored.
    """
    evt = json.loads(event)
    keys = [key for group in evt["filesGroup"] for key in group]
    with closing(connect(evt["endpoint"])) as db:
        db.execute("BEGIN IMMEDIATE")
        pending = 0
        for key in keys:
            db.execute(
                "UPDATE objects SET polls_left = polls_left - 1, "
                "state = CASE WHEN polls_left <= 1 THEN 'restored' ELSE state END "
                "WHERE bucket = ? AND key = ? AND state = 'restoring'",
                (evt["bucketName"], key),
            )
            (state,) = db.execute(
                "SELECT state FROM objects WHERE bucket = ? AND key = ?", (evt["bucketName"], key)
            ).fetchone()
            pending += state != "restored"
        _log(db, "restoreStatus", {"objects": len(keys), "pending": pending})
        db.execute("COMMIT")
    return {"status": "running" if pending else "success", "pending": pending}


def main() -> None:
    parser = argparse.ArgumentParser(description="The simulated OSS bucket of this example.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a bucket of archived objects")
    create.add_argument("file")
    create.add_argument("--bucket", default="archive-bucket")
    create.add_argument("--objects", type=int, default=250, help="archived objects")
    create.add_argument("--standard", type=int, default=150, help="Standard objects")
    create.add_argument("--polls", type=int, default=3, help="status checks until restored")
    create.add_argument("--latency", type=float, default=0.0, help="seconds per restore call")
    show = commands.add_parser("show", help="count objects by storage class and state")
    show.add_argument("file")
    args = parser.parse_args()
    if args.command == "create":
        create_bucket(
            args.file,
            args.bucket,
            args.objects,
            standard=args.standard,
            polls=args.polls,
            latency=args.latency,
        )
        print(f"{args.file}: bucket {args.bucket} with {args.objects} archived objects")
        return
    with closing(connect(args.file)) as db:
        for storage, state, count, requests in db.execute(
            "SELECT storage_class, state, COUNT(*), SUM(restore_requests) FROM objects "
            "GROUP BY storage_class, state ORDER BY 1, 2"
        ):
            print(f"{storage:<8} {state:<9} {count:>5} objects, {requests} restore requests")


if __name__ == "__main__":
    main()
