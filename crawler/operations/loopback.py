"""Crawling a server on this machine (the bundled replica of `tnu-archive demo`, the tests'
sites, the benchmarks' replica): no university's bandwidth is shared there, so the politeness
of crawler/settings.py is switched off. The one list of what that takes; each user adds its own
concurrency or log level on top.
"""

from __future__ import annotations

from collections.abc import Mapping

# No delay between requests, and no AutoThrottle stretching it again from the response times.
LOOPBACK_SETTINGS: dict[str, str] = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"}


def set_options(settings: Mapping[str, str], flag: str = "--set") -> tuple[str, ...]:
    """The settings as command-line options: `--set NAME=VALUE` each (`-s` for `scrapy crawl`)."""
    return tuple(arg for name, value in settings.items() for arg in (flag, f"{name}={value}"))
