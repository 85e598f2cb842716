"""Scrapy's robots.txt middleware, with every waiting request given the parsed robots.txt.

Scrapy 2.19 keeps one Deferred per host while its robots.txt downloads, and each request that
comes meanwhile awaits it through `Deferred.asFuture`, which consumes the result: the first
waiter gets the parser, every later one gets None — and None means "no robots.txt, everything
allowed". A run that starts with several requests for one host (the links pending from the last
run) would fetch pages robots.txt forbids. The parser is stored before the Deferred fires, so
a waiter that got None reads it from there.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if stored is not None and not isinstance(stored, Deferred):
                return stored
        return parser
