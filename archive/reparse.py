"""Re-extract every article from its stored raw page, offline, after the extractor improved.

A re-extraction is not a new observation of the site: no view count, no last_seen_at. Where the
content comes out different, the previous content is kept as a version marked `reparse`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from archive import runs
from archive.progress import ProgressCallback
from archive.store import Archive
from crawler.extract.record import Article

Extract = Callable[[bytes, str, "str | None"], Article]


def default_extract() -> Extract:
    """crawler.extract.extract_article, imported late: the archive works without the crawler's extractors."""
    from crawler.extract import extract_article

    return lambda body, url, encoding: extract_article(body, url, encoding=encoding)


def reparse(archive: Archive, extract: Extract | None = None,
            progress: ProgressCallback | None = None) -> dict[str, int]:
    """Counts: articles, changed, unchanged, missing_raw, failed (the extractor raised).

    `progress(done, total, counts)` is called before the first article and after each one.
    """
    extract = extract or default_extract()
    counts = {"articles": 0, "changed": 0, "unchanged": 0, "missing_raw": 0, "failed": 0}
    at = runs.utc_now()  # one time for the whole pass: its versions end together
    rows = list(archive.db.execute("SELECT url, raw_sha256 FROM articles ORDER BY id"))
    if progress is not None:
        progress(0, len(rows), counts)
    for url, raw_sha in rows:
        counts["articles"] += 1
        _reparse_one(archive, extract, url, raw_sha, at, counts)
        if progress is not None:
            progress(counts["articles"], len(rows), counts)
    return counts


def _reparse_one(archive: Archive, extract: Extract, url: str, raw_sha: str | None, at: str,
                 counts: dict[str, int]) -> None:
    raw = archive.raw_page(raw_sha) if raw_sha else None
    if raw is None:
        counts["missing_raw"] += 1
        return
    body, _, encoding = raw
    try:
        article = extract(body, url, encoding)
    except Exception:  # one page the extractor cannot handle must not stop the others
        counts["failed"] += 1
        return
    # The row's url is the article's identity, whatever the extractor makes of it.
    result = archive.apply_reextraction(replace(article, url=url), at=at)
    counts[result.outcome] += 1
