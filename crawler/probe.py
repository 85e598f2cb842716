"""`tnu-archive probe URL`: fetch one page and show what would be archived, without storing it."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from crawler.extract.article import read_article
from crawler.settings import DOWNLOAD_TIMEOUT, USER_AGENT


class ProbeError(Exception):
    """The page could not be fetched; the message is one line."""


def probe(url: str, timeout: float = DOWNLOAD_TIMEOUT) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            final_url = response.geturl()
            charset = response.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        raise ProbeError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ProbeError(f"{url}: {reason}") from None
    article, sources = read_article(body, final_url, encoding=charset)
    # `sources`: which rule read each field, "site:<layout>" (crawler/sites.py) or "generic:<rule>"
    return {"is_article": article.is_article, **article.to_dict(), "sources": sources}
