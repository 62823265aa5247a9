"""What the Temporal Web UI shows of fdl's workflows: summaries in plain text.

The histories are the 0.2.0 corpus, recorded on a real server with this release's code: the
executions fdl starts, the children of subflow tasks, schedule fires, registry workflows.
"""

from __future__ import annotations

import json
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

HISTORIES = Path(__file__).resolve().parents[1] / "fixtures" / "histories"
CONVERTER = DataConverter.default.payload_converter


def test_no_summary_fdl_writes_is_markdown() -> None:
    # The Web UI shows a workflow's, a child's or an activity's summary unrendered in its
    # timeline and event history, so every summary fdl writes is plain text.
    found = []
    for path in sorted((HISTORIES / "0.2.0").glob("*.json")):
        document = json.loads(path.read_text())
        history = WorkflowHistory.from_json(document["workflow_id"], document["history"])
        for event in history.events:
            if event.HasField("user_metadata") and event.user_metadata.HasField("summary"):
                found.append(CONVERTER.from_payload(event.user_metadata.summary))
    assert any(text.startswith("FDL flow ") for text in found)
    assert [text for text in found if "**" in text or "`" in text or "](" in text] == []
