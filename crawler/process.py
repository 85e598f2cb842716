"""Running the `news` spider in this process and reading back how the run went."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.addresses import parse_networks
from crawler.run import CrawlRun
from crawler.spiders.news import NewsSpider


class CrawlError(Exception):
    """The crawl could not start; the message is one line for the operator."""


def build_settings(
    db_path: Path, images_dir: Path, *, full: bool = False, overrides: Mapping[str, str] = {}
) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", str(db_path), priority="cmdline")
    settings.set("IMAGES_STORE", str(images_dir), priority="cmdline")
    if full:
        settings.set("FULL_CRAWL", True, priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def check_hosts_resolve(start_urls: Sequence[str]) -> None:
    """Fail fast, with one line, when the site's name cannot be resolved (no network, typo)."""
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrawlError(f"not an http(s) URL: {url!r}")
        try:
            socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise CrawlError(
                f"cannot resolve {parts.hostname} ({exc.strerror or exc}); is the network up?"
            ) from None


def check_allowed_networks(settings: Settings) -> None:
    """ALLOWED_PRIVATE_NETWORKS must name networks: one line, before anything starts."""
    try:
        parse_networks(settings.getlist("ALLOWED_PRIVATE_NETWORKS"))
    except ValueError as exc:
        raise CrawlError(str(exc)) from None


def run_crawl(start_urls: Sequence[str], settings: Settings) -> CrawlRun | None:
    """Crawl until done; return the run (None when the spider could not even open)."""
    check_hosts_resolve(start_urls)
    check_allowed_networks(settings)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, start_url=list(start_urls))
    process.start()
    return getattr(crawler, "tnu_run", None)
