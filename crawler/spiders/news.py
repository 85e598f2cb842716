"""Spider `news`: navigation only — start pages, sitemaps and feeds -> listings -> pagination -> articles.

It never parses an article's fields: an article page is handed to the pipeline as raw bytes
(crawler/pipelines.py extracts and stores it). It crawls one site or several at once: the sites
named (`-a site=tnu,tnue`; their profiles give the start pages), the start URLs given
(`-a start_url=…`), else every enabled site (crawler/sites/). Which URLs are articles or
listings is each site's knowledge, in its profile, used as hints that save requests, not as gates: a same-site link
no rule knows is a *candidate*, fetched (at most MAX_DISCOVERY_PAGES of them that are no
article, per run) and handed to the pipeline, which judges it by its content; its links are
followed, and its pager (`/page/2`, "Trang sau", rel=next, …) walked as a listing's. Sitemaps
(robots.txt `Sitemap:` lines, else /sitemap.xml; indexes, gzipped) and RSS/Atom feeds linked
from pages feed candidates too (docs/discovery.md).

Every kind of navigation request has a budget per run (crawler/navigation/budgets.py): listing pages,
sitemaps, feeds; and the links held for later are URLs in a bounded backlog, not requests. A site
that is endless to a crawler (a pager that always links one more page, fresh session ids, a chain
of sitemap indexes) costs a run its budgets, and the run ends; a pager walk whose pages stop
linking anything new is left after LISTING_STALE_PAGES of them (budgets.ListingWalks).

Incremental by default: an archived article is not fetched again unless it was published
within REFRESH_DAYS (to observe its view counter), and a listing that has been walked to its
end once is descended only while its pages still show new (or due) articles. Article links
found earlier but never archived are retried first, and so are those taken for static pages
more than NOT_ARTICLE_RECHECK_DAYS ago. FULL_CRAWL walks everything.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from archive.error_kinds import http_kind
from archive.outcome import EXIT_FAILED, EXIT_USAGE
from archive.storage import frontier
from archive.storage.runs import utc_days_ago, utc_now
from crawler.crawl_run import get_run, refuse
from crawler.fetching.errors import error_kind
from crawler.fetching.offsite import on_hosts
from crawler.navigation import discovery, links
from crawler.navigation.budgets import ListingWalks, RunBudgets
from crawler.sites import SiteError, Sites, download_slots
from crawler.sites import load as load_sites

# Articles before listings: finish what has been found before discovering more. Unknown links
# that look like one dated or numbered item (links.looks_like_item) come before other unknown
# pages, so an article's short links and aliases are known before they come up.
ARTICLE_PRIORITY = 10
LIKELY_PRIORITY = 5
CANDIDATE_PRIORITY = 1
LISTING_PRIORITY = 0


def taken_up_again(url: str, tried: bool, sites: Sites | None = None) -> bool:
    """Whether a link an earlier run found and did not archive is asked for at the start of a run.
    An article by the URL rules is, when its wait is over; a link no rule knows only if it was
    never fetched (an interrupted run): one that failed or was no article is asked again only
    where a page, sitemap or feed still links it, so the junk a site once listed is not a debt
    that every later run pays."""
    return links.is_article(url, sites) or not tried


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        start_url: str | Iterable[str] | None = None,
        site: str | Iterable[str] | None = None,
        *args: Any,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        # `scrapy crawl news -a start_url=A,B -a site=tnu,tnue` passes one string each.
        self.asked_urls = _listed(start_url)
        self.asked_sites = _listed(site)
        self.start_urls = self.asked_urls

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        # Each host its own pace: the profiles' politeness overrides as per-host download slots.
        slots = download_slots(_sites(settings.get("ARCHIVE_DB")))
        if slots:
            settings.set("DOWNLOAD_SLOTS", {**slots, **settings.getdict("DOWNLOAD_SLOTS")}, priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # The sites: the shipped profiles and the operator's (tnu-archive.toml beside the archive).
        spider.sites = _sites(crawler.settings.get("ARCHIVE_DB"))
        try:
            spider.start_urls = spider.sites.start(spider.asked_sites, spider.asked_urls)
        except SiteError as exc:  # `scrapy crawl news -a site=nowhere` (`tnu-archive crawl` checked it before)
            refuse(str(exc), EXIT_USAGE)
        spider.run_sites = spider.sites.of_run(spider.start_urls)
        # Pages are followed only on the hosts of the start URLs and of their sites (and their
        # subdomains); images are fetched from anywhere by the pipeline with `allow_offsite`.
        hosts = [*spider.start_urls, *(host for site in spider.run_sites for host in site.hosts)]
        spider.allowed_domains = sorted(
            {h for h in (urlsplit(u if "//" in u else "//" + u).hostname for u in hosts) if h}
        )
        crawler.signals.connect(spider.release_deferred, signal=signals.spider_idle)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        settings = self.crawler.settings
        self.full = settings.getbool("FULL_CRAWL")
        self.refresh_days = settings.getint("REFRESH_DAYS", 30)
        run = get_run(self.crawler)
        db = run.archive.db
        recheck_days = settings.getint("NOT_ARTICLE_RECHECK_DAYS", 30)
        self.recheck_before = utc_days_ago(recheck_days) if recheck_days > 0 else None
        # What this run has asked for. Listings repeat the same links (the latest articles on
        # every page, every category on every listing): Scrapy's duplicate filter would drop the
        # repeats, but only after building a request for each and passing it through every
        # middleware, three times the requests actually made.
        self.requested: set[str] = set()
        # Other names (canonical URL, short link) announced by pages fetched this run: a queued
        # candidate under one of them is dropped (crawler.navigation.discovery.DiscoveryMiddleware).
        self.announced: set[str] = set()
        # Unknown links the archive already knows (archived, aliases, static pages): looked up once a run.
        self.skipped: set[str] = set()
        # The backlog: links held until the crawl is otherwise idle, URLs only, released in this
        # order, as MAX_DISCOVERY_PAGES leaves room, at most MAX_DISCOVERY_BACKLOG of them:
        # - sitemap and feed entries the archive does not know (a sitemap may list 50,000 of
        #   them, junk or not: requests for all of them at once were most of a run's memory);
        # - candidates that do not look like one item (sections, tag pages, short links such as
        #   /?p=123): by then the articles fetched have named their short links and canonical
        #   URLs, and those are not fetched again;
        # - links earlier runs found and never fetched.
        self.entries: deque[str] = deque()
        self.deferred: deque[str] = deque()
        self.deferred_earlier: deque[str] = deque()
        self.backlog = (self.entries, self.deferred, self.deferred_earlier)
        self.forgotten: list[str] = []  # left out by a bound, to be forgotten by the frontier (forget)
        self.backlog_cap = settings.getint("MAX_DISCOVERY_BACKLOG", 50_000)
        self.cap = settings.getint("MAX_DISCOVERY_PAGES", 500)
        self.discover = self.cap > 0
        self.budgets = RunBudgets.from_settings(settings, run.tally.capped)
        self.walks = ListingWalks.from_settings(settings, run.tally.capped)
        self.entries_cap = max(settings.getint("MAX_SITEMAP_ENTRIES", 50_000), 0)
        self.starts = {links.clean_url(u, self.sites) for u in self.start_urls}
        # Before the first start page: Scrapy reads start() a request at a time, with turns of the
        # event loop between them, so the first hosts' robots.txt (robots_parsed) can be read
        # before the last start page is handed out (tests/e2e/test_crawl_many_sites.py).
        self.sitemaps = settings.getbool("DISCOVERY_SITEMAPS", True)
        self.robots_read: set[str] = set()  # hosts whose Sitemap: lines were looked at
        for url in self.start_urls:
            yield self.listing_request(url, start=True)
        if self.sitemaps and not settings.getbool("ROBOTSTXT_OBEY"):
            # Scrapy reads robots.txt only to obey it (robots_parsed, below); here it is read for
            # its Sitemap: lines alone
            for origin in dict.fromkeys(self.origin(u) for u in self.start_urls):
                yield self.nav_request(origin + "/robots.txt", self.parse_robots)
        pending = frontier.pending_links(
            db,
            self.recheck_before,
            limit=max(settings.getint("MAX_PENDING_LINKS", 20_000), 0),
            keep=lambda url, tried: taken_up_again(url, tried, self.sites),
        )
        for url in pending:
            if links.is_article(url, self.sites):
                yield self.article_request(url)
            # a link no rule knows stays a candidate: judged by its content, under the cap, after
            # what this run finds itself (with discovery off, it waits for a run with it on)
            elif self.discover and not self.hold(url, self.deferred_earlier):
                self.forget(url)
        self.forget(flush=True)
        # Failed images are retried even when their article is not fetched again (until they
        # failed RETRY_GIVE_UP times); downloading them is the pipeline's job, so they are handed
        # over as items.
        for url in frontier.failed_images(db):
            yield {"retry_image": url}

    def article_request(self, url: str) -> scrapy.Request:
        self.requested.add(url)
        return scrapy.Request(url, callback=self.parse, errback=self.failed, priority=ARTICLE_PRIORITY)

    def listing_request(self, url: str, start: bool = False) -> scrapy.Request | None:
        """A listing page, or None once MAX_LISTING_PAGES is spent (start pages are always fetched)."""
        if not start and not self.budgets.take("MAX_LISTING_PAGES"):
            return None
        self.requested.add(url)
        return scrapy.Request(
            url, callback=self.parse, errback=self.failed, priority=LISTING_PRIORITY, meta={"tnu_nav": "listing"}
        )

    def candidate_request(self, url: str, likely: bool) -> scrapy.Request:
        """A same-site page no rule in sites.py knows: maybe an article, maybe a listing."""
        self.requested.add(url)
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.failed,
            priority=LIKELY_PRIORITY if likely else CANDIDATE_PRIORITY,
            meta={"tnu_nav": "candidate", "tnu_likely": likely},
        )

    def nav_request(self, url: str, callback) -> scrapy.Request | None:
        """robots.txt, a sitemap or a feed: read for its links, never archived as a page. None once
        the run's budget of sitemaps (MAX_SITEMAP_REQUESTS) or feeds (MAX_FEED_REQUESTS) is spent."""
        budget = {self.parse_sitemap: "MAX_SITEMAP_REQUESTS", self.parse_feed: "MAX_FEED_REQUESTS"}.get(callback)
        if budget is not None and not self.budgets.take(budget):
            return None
        self.requested.add(url)
        meta: dict[str, Any] = {"tnu_nav": "discovery"}
        if callback == self.parse_robots:
            meta["handle_httpstatus_all"] = True  # no robots.txt: /sitemap.xml is still asked
        return scrapy.Request(url, callback=callback, errback=self.quiet_failure, priority=LISTING_PRIORITY, meta=meta)

    @staticmethod
    def origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def on_start_host(self, url: str) -> bool:
        """On a start URL's host itself (where discovery looks at links no rule knows)."""
        return (urlsplit(url).hostname or "").lower() in self.allowed_domains

    def on_site(self, url: str) -> bool:
        """On a start URL's host or a subdomain of one (the offsite filter's rule)."""
        return on_hosts(urlsplit(url).hostname, self.allowed_domains)

    def wanted(self, url: str) -> tuple[bool, bool]:
        """(wanted, known): not archived yet (and not waiting after a failure), or recent enough
        that its view counter is observed again; and whether the archive knows it (an archived
        article, or a static page)."""
        db = get_run(self.crawler).archive.db
        known, published_at = frontier.known_article(db, url, self.recheck_before)
        if not known:
            return self.full or not frontier.link_waiting(db, url), False
        return self.full or frontier.is_due_for_refresh(published_at, self.refresh_days), True

    def parse(self, response: Response) -> Iterable[Any]:
        if not isinstance(response, TextResponse):
            return
        nav = response.meta.get("tnu_nav")
        found = None
        if links.is_article(response.url, self.sites) or (
            nav != "listing" and not links.is_listing(response.url, self.sites)
        ):
            # An article by its URL, or a candidate (or a pending link no rule knows): the
            # pipeline judges it by its content. `url` is the link as found (before redirects),
            # `final_url` where the page is.
            linked = response.meta.get("redirect_urls", [response.url])[0]
            canonical, others = discovery.self_references(response.body, response.url)
            canonical = canonical if canonical and self.acceptable_alias(canonical) else None
            others = [u for u in others if self.acceptable_alias(u)]
            names = [u for u in (canonical, *others, response.url, linked) if u]
            self.announced.update(names)
            self.requested.update(names)
            candidate = not links.is_article(response.url, self.sites)
            found = links.classify_links(response, self.sites) if candidate else None
            yield {
                "url": linked,
                "final_url": response.url,
                "status": response.status,
                "body": response.body,
                "encoding": response.encoding,
                "canonical": canonical,
                "aliases": others,
                # the drift alarm counts a candidate only if its URL looks like one item: a
                # sitemap may list hundreds of static pages, a menu as many sections
                "candidate": candidate,
                "likely": links.looks_like_item(linked),
                # what the page holds: many links to items make a page that is no article a
                # listing (the pipeline decides, once the extractor has judged the page)
                "item_links": self.item_links(found) if found is not None else 0,
            }
            if not candidate:
                return
        if self.discover or nav == "listing" or links.is_listing(response.url, self.sites):
            yield from self.follow_listing(response, found)

    def item_links(self, found: links.PageLinks) -> int:
        """How many distinct same-site links of a page look like one item each."""
        return sum(
            1
            for url in (*found.articles, *found.others)
            if self.on_site(url) and (links.is_article(url, self.sites) or links.looks_like_item(url))
        )

    def acceptable_alias(self, url: str) -> bool:
        """A same-site URL that may name an article: not the home page, a start page or a listing
        (a CMS that names its home page canonical for every page must not merge them all)."""
        parts = urlsplit(url)
        home = parts.path in ("", "/") and not parts.query  # (a short link /?p=123 is no home page)
        return self.on_site(url) and not home and url not in self.starts and not links.is_listing(url, self.sites)

    def robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        """Scrapy has read a host's robots.txt (once a run, before any other request to it): its
        Sitemap: lines (else /sitemap.xml) are asked for, on the start hosts — no second request
        for robots.txt."""
        origin = self.origin(request.url)
        if not self.sitemaps or not self.on_start_host(request.url) or origin in self.robots_read:
            return
        self.robots_read.add(origin)
        parsed = getattr(robotparser, "rp", None)  # Protego, Scrapy's default parser
        found = [str(u) for u in getattr(parsed, "sitemaps", ())]
        for request_ in self.sitemap_requests(origin, found):
            self.crawler.engine.crawl(request_)

    def sitemap_requests(self, origin: str, sitemaps: list[str]) -> list[scrapy.Request]:
        urls = [urljoin(origin + "/", u.strip()) for u in sitemaps] or [origin + "/sitemap.xml"]
        return self.sitemap_index_requests(urls)

    def sitemap_index_requests(self, urls: Iterable[str]) -> list[scrapy.Request]:
        out = []
        for url in urls:
            if self.on_site(url) and url not in self.requested:
                request = self.nav_request(url, self.parse_sitemap)
                if request is None:
                    break  # MAX_SITEMAP_REQUESTS spent: the rest are not asked either
                out.append(request)
        return out

    def parse_robots(self, response: Response) -> Iterable[scrapy.Request]:
        sitemaps = discovery.sitemaps_in_robots(response.body, response.url) if response.status == 200 else []
        self.robots_read.add(self.origin(response.url))
        # No Sitemap: line: the conventional place.
        yield from self.sitemap_requests(self.origin(response.url), sitemaps)

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        # one entry more than the bound is read, to know whether the sitemap was cut
        kind, urls = discovery.read_sitemap(response.body, limit=self.entries_cap + 1)
        urls = self.bounded_entries(urls)
        if kind == "sitemapindex":
            yield from self.sitemap_index_requests(urls)
        elif kind == "urlset":
            yield from self.consider([links.clean_url(u, self.sites) for u in urls], sitemap=True)[0]

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        found = self.bounded_entries(discovery.read_feed(response.body, response.url, limit=self.entries_cap + 1))
        yield from self.consider([links.clean_url(u, self.sites) for u in found], sitemap=True)[0]

    def bounded_entries(self, urls: list[str]) -> list[str]:
        """The first MAX_SITEMAP_ENTRIES entries of a sitemap or feed (read with one more)."""
        if len(urls) > self.entries_cap:
            get_run(self.crawler).tally.capped["MAX_SITEMAP_ENTRIES"] += 1
            return urls[: self.entries_cap]
        return urls

    def backlog_full(self) -> bool:
        """MAX_DISCOVERY_BACKLOG links held, none of them left by an earlier run (that a link found
        now could take the place of)."""
        return sum(map(len, self.backlog)) >= self.backlog_cap and not self.deferred_earlier

    def hold(self, url: str, held: deque[str]) -> bool:
        """Hold a link in one of the backlog's queues until the crawl is otherwise idle
        (release_deferred); False when MAX_DISCOVERY_BACKLOG links are held already. A link this
        run found takes the place of one an earlier run left (which is forgotten)."""
        if sum(map(len, self.backlog)) >= self.backlog_cap:
            get_run(self.crawler).tally.capped["MAX_DISCOVERY_BACKLOG"] += 1
            if held is self.deferred_earlier or not self.deferred_earlier:
                return False
            self.forget(self.deferred_earlier.pop())
        self.requested.add(url)
        held.append(url)
        return True

    def forget(self, *urls: str, flush: bool = False) -> None:
        """Links a bound left out: forgotten by the frontier (archive.storage.frontier.forget_links), in
        batches."""
        self.forgotten.extend(urls)
        if self.forgotten and (flush or len(self.forgotten) >= 1000):
            get_run(self.crawler).writer.forget_links(self.forgotten)
            self.forgotten = []

    def consider(self, urls: list[str], sitemap: bool = False) -> tuple[list[scrapy.Request], bool]:
        """Requests for the wanted ones of these same-site links no listing rule leads to (found
        on a page, or in a sitemap or feed: `sitemap`, then each counts as a likely item), and
        whether any likely item among them is wanted (a listing page showing one is walked on).

        A sitemap's or feed's entries are not written to the frontier when found (the next run
        reads the sitemap again): one sitemap of junk must not leave the archive with a debt of
        50,000 pending links. Those no URL rule knows wait in the backlog."""
        if not self.discover:
            return [], False
        run = get_run(self.crawler)
        db = run.archive.db
        out: list[scrapy.Request] = []
        unknown: list[str] = []
        wanted = False
        for url in urls:
            if url in self.skipped or not self.on_site(url):
                continue
            article = links.is_article(url, self.sites)
            if not article and not self.on_start_host(url):
                # discovery stays on the start hosts: a member university's site on a
                # subdomain is followed only where the URL rules know its pages
                continue
            likely = article or sitemap or links.looks_like_item(url)
            if likely:
                run.tally.links_seen(1, run.site_name(url))
            if url in self.requested:
                wanted = wanted or likely
                continue
            if sitemap and not article and not links.is_listing(url, self.sites) and self.backlog_full():
                # an entry no rule knows would not be held: not even looked up in the archive (a
                # site with 50 sitemaps of 50,000 junk entries cost minutes of lookups)
                run.tally.capped["MAX_DISCOVERY_BACKLOG"] += 1
                continue
            listing = links.is_listing(url, self.sites) or (
                not article and frontier.is_listing(db, links.listing_key(url, self.sites))
            )
            if listing:
                # (by the URL rules, or found by an earlier run: its pager gave it away) walked, not judged
                request = self.listing_request(url) if links.page_number(url, self.sites) == 1 else None
                if request is not None:
                    out.append(request)
                continue
            want, known = self.wanted(url)
            if not want:
                if known:
                    self.skipped.add(url)
                continue
            wanted = wanted or likely
            if article:
                out.append(self.article_request(url))
            elif likely and not sitemap:
                out.append(self.candidate_request(url, likely))
            elif not self.hold(url, self.entries if sitemap else self.deferred):
                continue
            if not known and not sitemap:
                unknown.append(url)
        if unknown:
            run.writer.note_links(unknown, utc_now())
        return out, wanted

    def follow_listing(self, response: TextResponse, found: links.PageLinks | None = None) -> Iterable[scrapy.Request]:
        found = found if found is not None else links.classify_links(response, self.sites)
        run = get_run(self.crawler)
        # Feeds a page announces: read once a run.
        for feed in found.feeds:
            if self.discover and self.on_site(feed) and feed not in self.requested:
                request = self.nav_request(feed, self.parse_feed)
                if request is not None:
                    yield request
        # An article-shaped link on another host would be dropped by the offsite filter, and
        # noted in the frontier it would stay pending (and be requested again) in every run.
        on_site = [url for url in found.articles if self.on_site(url)]
        run.tally.links_seen(len(on_site), run.site_name(response.url))
        # A link asked for earlier in this run was wanted then; listings repeat their links, and
        # only the others are looked up in the archive.
        wanted = False
        fresh, unknown = [], []
        for url in on_site:
            if url in self.requested:
                wanted = True
                continue
            want, known = self.wanted(url)
            if want:
                wanted = True
                fresh.append(url)
                if not known:
                    unknown.append(url)
        if unknown:
            run.writer.note_links(unknown, utc_now())
        for url in fresh:
            yield self.article_request(url)

        here, page = links.listing_key(response.url, self.sites), links.page_number(response.url, self.sites)
        next_page = None
        # what the page links besides its own listing's pages: the walk's news (ListingWalks)
        shown = list(on_site)
        for url in found.listings:
            if links.listing_key(url, self.sites) != here:
                shown.append(url)
                # Another listing: entered at its first page; its own pages lead further.
                if links.page_number(url, self.sites) == 1 and url not in self.requested:
                    request = self.listing_request(url)
                    if request is not None:
                        yield request
            elif links.page_number(url, self.sites) == page + 1:
                next_page = url
        others = []
        own = links.clean_url(response.url, self.sites)
        for url in found.others:
            key = links.listing_key(url, self.sites)
            if key == here and url != own:
                # this listing's own pager: followed one page after another, below
                if next_page is None and links.page_number(url, self.sites) == page + 1 and self.on_site(url):
                    next_page = url
                continue
            if key != here and self.on_site(url):
                shown.append(url)
            if links.page_number(url, self.sites) == 1:
                others.append(url)
        requests, wanted_here = self.consider(others)
        wanted = wanted or wanted_here
        yield from requests

        if next_page is None and page == 1 and not links.is_listing(response.url, self.sites):
            # No numbered pager. A rel=next or "Trang sau"/"Tiếp"/"›" link may still lead on, but
            # an article's "next article" link reads the same: followed as a candidate (judged by
            # its content), and nothing is recorded as a listing.
            following = next(
                (
                    u
                    for u in found.next_pages
                    if u != own and self.on_site(u) and u not in self.requested and not links.is_article(u, self.sites)
                ),
                None,
            )
            if following is not None and self.discover:
                yield self.candidate_request(following, False)
            return
        if page == 1:
            run.writer.listing_crawled(here, utc_now())
        if next_page is None or not self.walks.goes_on(here, page, shown):
            # its last page, or the last of LISTING_STALE_PAGES pages in a row that showed
            # nothing new (a pager that goes on for ever, or past the end): walked to its end
            self.walks.end(here)
            run.writer.listing_reached_end(here, page, utc_now())
        elif self.full or wanted or not frontier.listing_completed(run.archive.db, here):
            # Pages are walked one after another (never by their numbered links), so the walk
            # can stop exactly where the archived articles begin. (Completion is read on the
            # crawler's own connection: earlier runs' walks; this run's comes at the end.) Past
            # MAX_LISTING_PAGES the walk stops, and the listing is not taken for walked to its end.
            request = self.listing_request(next_page)
            if request is not None:
                yield request
            else:
                self.walks.end(here)
        else:
            self.walks.end(here)

    def release_deferred(self) -> None:
        """spider_idle: held links go now, from the first of the backlog's queues that has any
        (sitemap and feed entries, then this run's other candidates, then earlier runs'), but
        those an article fetched meanwhile named as its own, and no more than MAX_DISCOVERY_PAGES
        leaves room for (every answer is judged by now, so the count is exact); the crawl goes on
        while there are any. Once the cap is met, the rest are dropped, and forgotten by the
        frontier: found again where a page, sitemap or feed still links them."""
        run = get_run(self.crawler)
        room = max(self.cap - run.tally.discovery_not_articles, 0)
        go: list[str] = []
        for held in self.backlog:
            while held and len(go) < room:
                url = held.popleft()
                if url not in self.announced:
                    go.append(url)
            if go:
                break  # the next queue waits for these answers (the names they announce)
        if not go:
            left = [url for held in self.backlog for url in held if url not in self.announced]
            for held in self.backlog:
                held.clear()
            run.tally.capped["MAX_DISCOVERY_PAGES"] += len(left)
            self.forget(*left, flush=True)
            return
        for url in go:
            self.crawler.engine.crawl(self.candidate_request(url, False))
        raise DontCloseSpider

    def quiet_failure(self, failure) -> None:
        """robots.txt, a sitemap or a feed that is not there (most sites have no /sitemap.xml):
        in fetch_log like every attempt, not an error of the run."""
        self.logger.debug("discovery: %s", failure.value)

    def failed(self, failure) -> None:
        run = get_run(self.crawler)
        request = getattr(failure, "request", None)
        candidate = request is not None and request.meta.get("tnu_nav") == "candidate"
        # (an HTTP error status is an IgnoreRequest too, to Scrapy: it is a failure, counted below)
        if failure.check(IgnoreRequest) and not failure.check(HttpError) and candidate:
            # Not fetched on purpose: the discovery cap (forgotten by the frontier, found again
            # where it is linked) or an alias (known as an alias by then), or robots.txt forbids
            # it (a menu's admin link): it waits, as a failed link does; none is an error of the run.
            linked = request.meta.get("redirect_urls", [request.url])[0]
            if failure.check(discovery.DiscoveryCapped):
                self.forget(linked)
            elif "robots" in str(failure.value):
                run.writer.link_failed(linked, utc_now())
            return
        if run.stopping:  # cut by the run's own stop (RunExtension): not the site's failure
            return
        # Already in fetch_log (one row per attempt); here the final outcome is counted once.
        response = getattr(failure.value, "response", None)
        kind = http_kind(response.status) if response is not None else error_kind(failure.value)
        request = getattr(failure, "request", None)
        run.tally.error(kind, run.site_name(request.url) if request is not None else None)
        if request is not None:
            linked = request.meta.get("redirect_urls", [request.url])[0]
            # it waits longer before each next attempt (frontier.retry_due)
            if links.is_article(linked, self.sites) or request.meta.get("tnu_nav") == "candidate":
                run.writer.link_failed(linked, utc_now())
            if request.meta.get("tnu_nav") == "candidate":
                run.tally.discovery_not_articles += 1  # a page visited that is no article (MAX_DISCOVERY_PAGES)


def _sites(db_path: str) -> Sites:
    """The sites, or one line and the end of a `scrapy crawl` whose profiles cannot be used."""
    try:
        return load_sites(db_path)
    except SiteError as exc:
        refuse(str(exc), EXIT_FAILED)


def _listed(value: str | Iterable[str] | None) -> list[str]:
    """A spider argument as a list: `a,b` from the command line, or a list from Python."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value or ())
