"""Scrapy's offsite filter, letting robots.txt through.

Images may live on other hosts (`allow_offsite`), and before fetching one Scrapy asks that
host's robots.txt — with a request the stock filter drops, which would silently skip the
robots check for every image host.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware as ScrapyOffsiteMiddleware
from scrapy.utils.httpobj import urlparse_cached


class OffsiteMiddleware(ScrapyOffsiteMiddleware):
    def should_follow(self, request: Request, spider: Spider) -> bool:
        if urlparse_cached(request).path == "/robots.txt" and request.meta.get("dont_obey_robotstxt"):
            return True
        return super().should_follow(request, spider)
