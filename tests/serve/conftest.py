"""Fixtures for `tnu-archive serve`: a real archive, the real command on a free loopback port,
and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_archive import build_archive
from serve_process import Server, start_server, stop_server

HERE = Path(__file__).parent
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the read-only tests of this folder (none of them writes to its archive)."""
    root = tmp_path_factory.mktemp("served")
    server = start_server(build_archive(root / "archive"), root / "serve.log")
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium, installed by tests/serve/ensure_chromium.sh when absent.

    Skips only when it cannot be installed (not root, no apt, no mirror), saying why.
    """
    if not CHROMIUM.exists():
        result = subprocess.run(["sh", str(HERE / "ensure_chromium.sh")], capture_output=True, text=True, timeout=600)
        if result.returncode != 0 or not CHROMIUM.exists():
            pytest.skip(f"Debian's chromium could not be installed: {result.stderr.strip()[-500:]}")
    return CHROMIUM


BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[object]:
    """A headless Chromium for the browser tests (Playwright drives Debian's build, never its own)."""
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only these tests need it
    except ImportError:
        pytest.fail(
            "playwright is not installed: it belongs to the test extra (pip install playwright; "
            "never `playwright install`, the browser is Debian's chromium)"
        )

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path), args=BROWSER_ARGS)
        yield chromium
        chromium.close()
