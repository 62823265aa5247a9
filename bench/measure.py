"""What the benchmarks measure besides wall time: CPU seconds of a process, and summaries.

CPU is read from ``/proc/<pid>/stat`` (user + system time of the process and its threads), so
a benchmark can charge a worker process, or the Temporal server, for one round of work.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process ``pid`` has used so far (Linux)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rpartition(")")[2].split()
    # After the command name: state is field 3; utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / _TICKS


def spread(values: Sequence[float], unit: str = "", digits: int = 2) -> str:
    """``median (min-max)`` of ``values``."""
    if not values:
        return "-"
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid:.{digits}f}{unit} ({low:.{digits}f}-{high:.{digits}f})"


def ratio(ours: Sequence[float], theirs: Sequence[float]) -> str:
    """The ratio of the medians, ``ours / theirs``."""
    if not ours or not theirs or not statistics.median(theirs):
        return "-"
    return f"{statistics.median(ours) / statistics.median(theirs):.2f}"
