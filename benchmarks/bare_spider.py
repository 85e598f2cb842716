"""The ceiling of a crawl: a Scrapy spider that fetches a list of URLs and does nothing with them.

    python -m benchmarks.bare_spider URLS_FILE [--set NAME=VALUE]...

It runs with the archive crawler's settings (crawler/settings.py: user agent, robots.txt,
retries, timeouts, size limits, headers) and the same `--set` overrides, minus everything that
is ours: no pipeline, no extension, no middleware of crawler/. It gets the archive crawl's
garbage-collector pace too (crawler/operations/gctune.py): that is how our crawl runs Scrapy, and with
Python's default pace the bare spider spent 0.24-0.63 s of its ~2.3-4.3 s in collections, a
handicap that would have flattered the ratio. Whatever time the archive crawl
takes beyond this spider's is the cost of archiving. Scrapy's stats are dumped on stderr at
INFO, as for the archive crawl, and read back the same way by the runner.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings, default_settings

from crawler.operations.gctune import crawl_pace


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.urls = urls

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> None:
        return None


def bare_settings(overrides: dict[str, str]) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    # Ours removed; Scrapy's own downloader middlewares (robots, retry, compression, redirects) stay.
    for name in ("ITEM_PIPELINES", "EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES"):
        settings.set(name, {}, priority="cmdline")
    # Scrapy's own downloader and scheduler queue, not ours (crawler/fetching/slots.py)
    for name in ("DOWNLOADER", "SCHEDULER_PRIORITY_QUEUE"):
        settings.set(name, getattr(default_settings, name), priority="cmdline")
    settings.set("SPIDER_MODULES", [], priority="cmdline")
    # Scrapy's own resolver and HTTP handler, not our private-network guard (crawler/fetching/netguard.py),
    # which would refuse this spider's loopback URLs anyway: it knows no start URL to open them.
    settings.set("DOWNLOAD_HANDLERS", {}, priority="cmdline")
    settings.set("TWISTED_DNS_RESOLVER", "scrapy.resolver.CachingThreadedResolver", priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bare_spider", description=__doc__.splitlines()[0])
    ap.add_argument("urls_file", type=Path, help="one URL a line")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)
    overrides = dict(s.split("=", 1) for s in args.sets)
    urls = [u for u in args.urls_file.read_text(encoding="utf-8").splitlines() if u.strip()]
    process = CrawlerProcess(bare_settings(overrides))
    process.crawl(BareSpider, urls=urls)
    with crawl_pace():
        process.start()


if __name__ == "__main__":
    main()
