"""Each site the archive holds, summed up for `serve`: the home page's table of sites (read on
every visit, so a site a crawl adds while the server runs shows up at once) and the names the
metadata gives the archive (read when the server starts).

Everything comes from the archive (`sites`, `articles`, `article_images`, `run_sites`: the same
overview as `tnu-archive sites`, archive/storage/sites.py); nothing here knows any site by name.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlite_utils

from archive.storage.sites import overview


@dataclass(frozen=True)
class SiteSummary:
    name: str
    title: str | None  # the profile's; None for a host no profile claims
    hosts: tuple[str, ...]
    articles: int
    images: int  # pictures of its articles archived (downloaded)
    newest: str | None  # the latest publication date of its articles
    home: str | None  # scheme://host/ of its articles (None while it has none)
    last_status: str | None  # its outcome in the latest finished run that crawled it
    last_run: int | None
    last_run_at: str | None
    fallen: tuple[str, ...]  # fields whose fill rate fell in that run against its own history

    @property
    def label(self) -> str:
        return self.title or self.name


def site_summaries(conn: sqlite3.Connection) -> list[SiteSummary]:
    """Every site of the archive, most articles first (then by name); [] for an archive older
    than sites. Reads only."""
    try:
        sites = overview(sqlite_utils.Database(conn))
        images = dict(
            conn.execute(
                "SELECT a.site, count(*) FROM article_images AS ai JOIN articles AS a ON a.id = ai.article_id"
                " WHERE ai.image_sha256 IS NOT NULL GROUP BY a.site"
            ).fetchall()
        )
        # one article's URL says how the site is reached (its scheme and host as crawled)
        homes = dict(conn.execute("SELECT site, min(url) FROM articles GROUP BY site").fetchall())
    except sqlite3.OperationalError:  # no sites table: an archive `serve` could not bring up to date
        return []
    out = []
    for name, entry in sites.items():
        if name is None:
            continue
        last = entry.get("last_run") or {}
        out.append(
            SiteSummary(
                name=name,
                title=entry["title"],
                hosts=tuple(entry["hosts"]),
                articles=entry["articles"],
                images=images.get(name, 0),
                newest=entry["newest"],
                home=_home(homes.get(name)),
                last_status=last.get("status"),
                last_run=last.get("run_id"),
                last_run_at=last.get("started_at"),
                fallen=tuple(field for field, _rate, _baseline in entry["fallen"]),
            )
        )
    return sorted(out, key=lambda s: (-s.articles, s.name))


def _home(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}/"
