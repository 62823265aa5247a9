"""Output for people keeps whole cells when it goes to a pipe or a file."""

from __future__ import annotations

import pytest

from cli.service import print_table


def test_a_piped_table_keeps_long_cells_whole(capsys: pytest.CaptureFixture[str]) -> None:
    cron = "CRON_TZ=America/Argentina/ComodRivadavia 0 0/5 8-18 ? JAN,MAR,MAY,JUL,SEP,NOV MON-FRI"
    print_table(["schedule", "cron"], [["workers-every-weekday-morning", cron]], empty="none")
    out = capsys.readouterr().out
    assert cron in out
    assert "…" not in out
