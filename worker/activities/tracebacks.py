"""A handler's own frames: the traceback a user can act on, without fdl's and Temporal's.

When a handler raises, the exception's traceback runs through the worker's thread pool, the
activity and the SDK before it reaches the handler's code. Only the handler's part is the
user's business: this module cuts the traceback down to the frames that belong to neither
fdl, nor temporalio, nor the Python standard library. The cut exception becomes the cause of
the activity's failure, so Temporal keeps those frames as the failure's stack trace in the
history, and every view of the failure (``fdl run``, ``fdl execution describe``, the worker
log, the Web UI) shows them.
"""

from __future__ import annotations

import os
import sysconfig
import traceback
from pathlib import Path
from types import TracebackType

import temporalio

_PROJECT = Path(__file__).resolve().parents[2]
ENGINE_FOLDERS = tuple(
    os.path.join(folder, "")
    for folder in (
        _PROJECT / "worker",
        _PROJECT / "translator",
        _PROJECT / "cli",
        Path(temporalio.__file__).resolve().parent,
    )
)
"""Frames in these folders are the engine's: fdl's own packages and temporalio."""
STDLIB_FOLDERS = tuple(
    os.path.join(Path(sysconfig.get_paths()[key]).resolve(), "") for key in ("stdlib", "platstdlib")
)
"""Python's own library (threads, asyncio, importlib), except the packages installed in it."""


def is_engine_frame(filename: str) -> bool:
    """Whether a frame of ``filename`` belongs to the engine rather than the user's code."""
    if filename.startswith("<"):  # <frozen importlib._bootstrap> and the like
        return True
    path = os.path.realpath(filename)
    if path.startswith(ENGINE_FOLDERS):
        return True
    installed = f"{os.sep}site-packages{os.sep}" in path or f"{os.sep}dist-packages{os.sep}" in path
    return path.startswith(STDLIB_FOLDERS) and not installed


def user_frames(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` without the engine's frames (``None`` when none of the user's is left)."""
    kept = []
    while tb is not None:
        if not is_engine_frame(tb.tb_frame.f_code.co_filename):
            kept.append(tb)
        tb = tb.tb_next
    chained = None
    for entry in reversed(kept):
        chained = TracebackType(chained, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return chained


def of_handler(exc: BaseException) -> BaseException:
    """``exc`` with only the user's frames in its traceback (the exception is changed)."""
    return exc.with_traceback(user_frames(exc.__traceback__))


def format_frames(exc: BaseException | None) -> str:
    """The traceback lines of ``exc`` (``File "...", line N, in f`` and the source line)."""
    if exc is None or exc.__traceback__ is None:
        return ""
    return "".join(traceback.format_tb(exc.__traceback__))
