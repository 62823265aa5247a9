"""Debian's chromium driven by Playwright (Playwright's own browser download is not used).

``.ci/run`` installs the ``chromium`` package when it is missing; the tests and the
screenshot script launch it with the flags a headless machine without a GPU, a sandbox or
network access needs.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """A running headless chromium, closed when the block ends."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def save(page: Page, path: Path, *, full_page: bool = False) -> None:
    """A screenshot of ``page`` as a small PNG (a 64-colour palette)."""
    picture = Image.open(io.BytesIO(page.screenshot(full_page=full_page))).convert("RGB")
    picture.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
