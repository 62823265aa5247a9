"""Definition snapshots: a large compiled definition, stored once and referred to by its hash.

An execution carries its definition in its start input (a snapshot: editing the flow later
changes nothing for it), and every continued run carries it again. A definition of thousands
of steps is megabytes of JSON, over Temporal's payload limit, so a definition larger than
:data:`~translator.rules.INLINE_DEFINITION_LIMIT` travels by reference instead:

- the starter stores it, compressed, as the input of a *snapshot* workflow with the id
  ``fdl/snapshot/<content hash>`` (:func:`snapshot_id`), whose execution timeout keeps it
  for :data:`KEEP_DAYS` (longer than an FDL execution may run); the snapshot workflow never
  runs code (its task queue has no worker): it is a durable record on the server, kept for
  the namespace's retention period after it times out;
- the execution's :class:`~worker.contract.run.FlowRun` names the hash
  (``definition_ref``) instead of holding the definition, and each run loads it (local
  activity ``fdl.load_definition``, one history event).

A starter that finds the snapshot running with less than :data:`KEEP_MARGIN_DAYS` left
starts it again (same content, same id), so a snapshot outlives every execution using it.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from typing import Any, Literal

SNAPSHOT_WORKFLOW = "fdl.DefinitionSnapshot"
"""Workflow type of a snapshot (never run: no worker polls :data:`SNAPSHOT_QUEUE`)."""
SNAPSHOT_QUEUE = "fdl-snapshots"
"""Task queue of the snapshot workflows, which no worker polls."""
KEEP_DAYS = 400
"""How long a snapshot workflow runs before it times out (then the namespace keeps it for its
retention period)."""
KEEP_MARGIN_DAYS = 370
"""A starter renews a snapshot that has less than this left (an FDL execution runs at most a
year)."""


def snapshot_id(version: str) -> str:
    """The workflow id of the snapshot of the definition whose content hash is ``version``."""
    return f"fdl/snapshot/{version}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """The input of a snapshot workflow: a compiled definition, compressed.

    Attributes:
        version: the definition's content hash.
        definition: the definition's compact JSON, zlib-compressed and base64-encoded.
    """

    kind: Literal["definition_snapshot"] = "definition_snapshot"
    version: str
    definition: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadDefinition:
    """Input of ``fdl.load_definition``: the content hash of the definition to load."""

    kind: Literal["load_definition"] = "load_definition"
    version: str


def pack(definition: dict[str, Any]) -> str:
    """A definition as :attr:`Snapshot.definition` text."""
    text = json.dumps(definition, separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def unpack(packed: str) -> dict[str, Any]:
    """The definition :func:`pack` wrote."""
    value: dict[str, Any] = json.loads(zlib.decompress(base64.b64decode(packed)))
    return value
