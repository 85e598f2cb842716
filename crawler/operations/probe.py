"""`tnu-archive probe URL`: fetch one page and show what would be archived, without storing it.

The page comes through urllib, not Scrapy, so the crawl's private-network guard
(crawler/fetching/netguard.py) is applied here to every redirect hop: the URL the operator typed opens
its own address block, as a start URL does, and a redirect into any other special-purpose block
(a cloud metadata service, the LAN) is refused before it is asked.

The page is read under the crawl's time limit (EXTRACT_TIMEOUT), in an extraction worker
(crawler/operations/extract_pool.py): a page no rule foresaw ends the probe with one line, as it
would be recorded `extract_timeout` by a crawl, instead of hanging it.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from crawler.extract.article import read_article
from crawler.fetching.addresses import AddressPolicy, policy_for
from crawler.operations.extract_pool import ExtractTimeout, TimedExtraction
from crawler.settings import DOWNLOAD_TIMEOUT, EXTRACT_TIMEOUT, USER_AGENT


class ProbeError(Exception):
    """The page could not be fetched; the message is one line."""


def _addresses(url: str) -> list[str]:
    host = urlsplit(url).hostname or ""
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError):
        return []  # urllib reports the failure in its own words


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # urllib's signature
        for address in _addresses(newurl):
            why = self.policy.refusal(address)
            if why:
                raise ProbeError(f"{req.full_url}: redirect to {newurl} refused (blocked_address: {why})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def probe(url: str, timeout: float = DOWNLOAD_TIMEOUT, extract_timeout: float = EXTRACT_TIMEOUT) -> dict[str, Any]:
    """What would be archived of `url`; ProbeError when it cannot be fetched, or when reading it
    takes more than `extract_timeout` seconds (0: no limit)."""
    opener = urllib.request.build_opener(_GuardedRedirects(policy_for(_addresses(url))))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read()
            final_url = response.geturl()
            charset = response.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        raise ProbeError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ProbeError(f"{url}: {reason}") from None
    with TimedExtraction(extract_timeout) as timed:
        try:
            article, sources = timed.run(partial(read_article, encoding=charset), body, final_url)
        except ExtractTimeout as exc:
            raise ProbeError(f"{final_url}: {exc} (EXTRACT_TIMEOUT, --extract-timeout)") from None
    # `sources`: which rule read each field, "site:<layout>" (crawler/sites.py) or "generic:<rule>"
    return {"is_article": article.is_article, **article.to_dict(), "sources": sources}
