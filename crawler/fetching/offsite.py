"""Which pages are on the site: Scrapy's offsite filter, letting robots.txt through, and its rule
for the spider, the fetch log and the progress display to apply too.

Images may live on other hosts (`allow_offsite`), and before fetching one Scrapy asks that
host's robots.txt — with a request the stock filter drops, which would silently skip the
robots check for every image host.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware as ScrapyOffsiteMiddleware
from scrapy.utils.httpobj import urlparse_cached


class OffsiteMiddleware(ScrapyOffsiteMiddleware):
    def should_follow(self, request: Request, spider: Spider) -> bool:
        if urlparse_cached(request).path == "/robots.txt" and request.meta.get("dont_obey_robotstxt"):
            return True
        return super().should_follow(request, spider)


def on_hosts(host: str | None, domains: Iterable[str]) -> bool:
    """The offsite filter's rule: `host` is one of `domains` (the start URLs' hosts) or a
    subdomain of one, whatever the port."""
    host = (host or "").lower()
    return any(host == d or host.endswith("." + d) for d in (d.lower() for d in domains if d))
