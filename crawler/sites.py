"""What is known about tnu.edu.vn: start URLs, which URLs are articles or listings, and the
selectors that only fit this site. Data, not logic: the spider and the extractors read it.

The site has changed layout at least twice (2019–2021 `-dn<ID>.html`, 2026 `/tin-tuc-su-kien/…`)
and will again; every pattern is matched against the URL's path (and query) only, so the same
rules hold for the live site and for the replica served on loopback.
"""

from __future__ import annotations

import re

# The live site's home page links every category listing of both the Vietnamese and English news.
LIVE_START_URLS: tuple[str, ...] = ("https://tnu.edu.vn/",)

# The site's hosts as web archives' CDX APIs take them (`tnu recover --match`): a trailing `*`
# matches every URL under the host; the English edition lived on its own host.
ARCHIVE_MATCHES: tuple[str, ...] = ("tnu.edu.vn/*", "en.tnu.edu.vn/*")

# Article pages, oldest layout first.
ARTICLE_PATHS: tuple[re.Pattern[str], ...] = (
    # 2015–2021: /<slug>-dn<ID>.html (Vietnamese), en.tnu.edu.vn/<slug>-dt<ID>.html (English).
    # Some -dn pages are static pages (history, contacts); the extractor tells them apart.
    re.compile(r"^/(?:en/)?[a-z0-9-]+-d[nt]\d+\.html$"),
    # 2026: /tin-tuc-su-kien/<slug>.html?categoryId=<n>, /tin-tuc-su-kien/<sub>/<slug>.html,
    # /dao-tao/<slug>.html, and the same under /en/.
    re.compile(r"^/(?:en/)?(?:tin-tuc-su-kien|dao-tao)/(?:[a-z0-9-]+/)?[a-z0-9-]+\.html$"),
)

# Listing pages (their pagination is the same path with ?page=N).
LISTING_PATHS: tuple[re.Pattern[str], ...] = (
    # 2019–2021: /news/<category>[/<sub>].html
    re.compile(r"^/news/[a-z0-9-]+(?:/[a-z0-9-]+)?\.html$"),
    # 2026: /tin-tuc-su-kien.html, /dao-tao.html (?categoryId=<n>&page=<n>), and under /en/
    re.compile(r"^/(?:en/)?(?:tin-tuc-su-kien|dao-tao)\.html$"),
)

# Never followed, whatever links to them: the internal area, search results, the HTML site map
# (it repeats the listings) and feeds.
EXCLUDED_PATHS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^/account(?:/|$)"),
    re.compile(r"^/news/search"),
    re.compile(r"^/home/"),
    re.compile(r"\.(?:rss|xml|pdf|docx?|xlsx?|zip|rar)$", re.IGNORECASE),
)

# The query parameter that numbers a listing's pages.
PAGE_PARAM = "page"

# --- Selectors ---
# CSS selectors that only fit this site, one set per layout, newest first. The extractor picks
# the first set whose `body` matches the page and falls back to generic rules (Open Graph,
# JSON-LD, <article>, figure/figcaption, "Đăng ngày", "lần đọc", the largest text block) for
# any field a set leaves out or that matches nothing — so a new layout degrades, not breaks.
# Keys: body (the article text), title, date and views (the element that prints them),
# author (the byline), breadcrumb (its links, home first), furniture (inside the article but
# not part of it: share buttons, related links, comments).
SELECTORS: tuple[dict[str, str], ...] = (
    {
        # 2026: <article class="post-detail"> with "Thứ Hai, 23/02/2026 - 09:15" and
        # "Lượt xem: 2.045" (English edition: "Views: 2.045") in .post-meta.
        "layout": "2026",
        "body": "article.post-detail .post-content",
        "title": "article.post-detail h1.post-title",
        "date": ".post-meta .post-date",
        "views": ".post-meta .post-views",
        "author": ".post-content p.author",
        "breadcrumb": ".breadcrumb a",
        "furniture": ".post-share, .related-posts, .share, .comment-box",
    },
    {
        # 2019–2021: "Đăng ngày: 15-07-2020 | 550 lần đọc" in .tool-detail; the byline is the
        # right-aligned bold last paragraph, which the generic byline rule recognises.
        "layout": "2019",
        "body": ".content-detail .news-content",
        "title": ".content-detail h1.title-detail",
        "date": ".tool-detail .date-view",
        "views": ".tool-detail .date-view",
        "breadcrumb": ".breadcrumb a",
        "furniture": ".share, .other-news, .comment-box",
    },
)

# The site's name as it ends page titles ("<title> - Đại học Thái Nguyên", "<title> | …").
SITE_NAMES: tuple[str, ...] = ("Đại học Thái Nguyên", "Thai Nguyen University", "TNU")

# Category names as the layouts print them -> the one name the dataset uses (`tnu-archive
# export`: `category`, the printed name kept as `category_printed`). The 2019 layout printed
# "Khoa học - Công nghệ" for what the 2026 layout prints "Khoa học và Công nghệ".
CATEGORY_NAMES: dict[str, str] = {
    "Khoa học - Công nghệ": "Khoa học và Công nghệ",
}
