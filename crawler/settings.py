"""Scrapy settings of tnu-archive: polite defaults for a university's web server.

Every value can be overridden per run with `tnu-archive crawl --set NAME=VALUE` (or
`scrapy crawl news -s NAME=VALUE`). Loopback demos and tests turn the delays off that way.
"""

from archive import __version__
from archive.storage.paths import DEFAULT_DB, DEFAULT_IMAGES

BOT_NAME = "tnu-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# `scrapy crawl news` (and so a scrapyd job) runs as `tnu-archive crawl` does: the same checks
# before the run, the same run row, summary line and exit code (crawler/commands/crawl.py).
COMMANDS_MODULE = "crawler.commands"

# Where the archive lives (read by the pipeline; `--db` / `--images-dir` set them).
ARCHIVE_DB = str(DEFAULT_DB)
IMAGES_STORE = str(DEFAULT_IMAGES)

# Who runs this crawl: a mailto: or http(s) URL of the operator (`--set CONTACT=mailto:you@example.org`,
# or `contact = "mailto:you@example.org"` in tnu-archive.toml beside the database), so the site's
# admins can ask for a slower pace instead of blocking. There is no default: it must be yours. A
# crawl of a site off this machine without one is warned about (crawler/fetching/contact.py).
CONTACT = None
# Identify ourselves on every request (robots.txt and images too): built from CONTACT when the crawl
# starts by the add-on below, `tnu-archive/<version> (+<CONTACT>)`, or this without a contact.
# `--set USER_AGENT=…` replaces it whole.
USER_AGENT = f"tnu-archive/{__version__}"
ADDONS = {"crawler.fetching.contact.ContactAddon": 0}

# The site's robots.txt keeps crawlers out of its internal area (/account/); we obey it.
ROBOTSTXT_OBEY = True

# At most 2 requests in flight per host: a small university server shares its bandwidth with
# students. What each host has in the downloader is bounded by HostQueue below (its 2 plus 1
# waiting for the delay); CONCURRENT_REQUESTS only stops the scheduler once this many requests
# are in the downloader, all hosts together: a backstop on the crawl's own load, never a host's
# pace. It was 8, which twenty hosts at once (the university's ten sites and their image hosts)
# need three times over, and images count too (the pipeline fetches them without the scheduler):
# each host went at 0.45-0.48 of its pace, against 0.93-1.05 with this (docs/performance.md,
# "Many hosts at once").
CONCURRENT_REQUESTS = 512
CONCURRENT_REQUESTS_PER_DOMAIN = 2

# Each host at its own pace (crawler/fetching/slots.py). The scheduler hands the host with the fewest
# requests in the downloader the next one (Scrapy's DownloaderAwarePriorityQueue, made for many
# domains), and only while it has room (its concurrency plus one waiting for the delay, counted
# from the moment the downloader has a request): in its slot a request waits first come first
# served, and with Scrapy's queue alone one host alone at 0.25 s had 10 of its 11 listing pages
# fetched before half its articles (2 with this). (Counting only what a slot had seen, each host
# was handed all its pages at a crawl's start, its robots.txt not read yet; their images filled
# the scraper and a few hosts stalled for 15-25 s.) Slots draw their jittered delay once per
# request: Scrapy draws it again while a request waits, and each host went at 0.79-0.82 of its pace.
SCHEDULER_PRIORITY_QUEUE = "crawler.fetching.slots.HostQueue"
DOWNLOADER = "crawler.fetching.slots.Downloader"

# Outputs of one response processed side by side (Scrapy's default: 100). A page yields one
# article item or a few dozen links, and Scrapy starts that many asyncio tasks for every
# response: 100 made a third of a fast crawl's event-loop work.
CONCURRENT_ITEMS = 8

# Start at one request per second per host and let AutoThrottle adapt to the server's latency:
# it slows down when responses slow down (or errors pile up) and never goes below DOWNLOAD_DELAY,
# or below a host's own delay where its site's profile sets one (crawler/fetching/throttle.py).
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5  # ±50%: no fixed beat the server could mistake for an attack
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Retry transient failures (5xx, 429, timeouts, dropped connections) a few times; each retry
# also waits on the throttle above, so a struggling server gets more room, not more load.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A 429 or 503 that says `Retry-After: N` gets its N seconds before the retry (crawler/fetching/retry_after.py),
# up to this many; a server that needs longer is left to the next run.
RETRY_AFTER_MAX = 60

# A news page answers in well under a second; 30 s means the server is in trouble.
DOWNLOAD_TIMEOUT = 30

# News pages weigh 60–120 KB; 8 MB leaves room for odd pages and stops runaway responses, on
# the wire and once decompressed (a gzip of a few KB can decode to gigabytes: `too_large` too).
# Images get their own, larger limit per request (crawler.pipelines.IMAGE_MAXSIZE).
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Reading a page takes ~4 ms; the worst page the rules were made for, 8 MB of item cards, ~25 s
# (crawler/operations/extract_pool.py). A page still being read after this many seconds is one no rule
# foresaw: its worker is stopped, the page recorded as `extract_timeout` (fetch_log, the run's
# errors) and fetched again after a wait, and the run goes on. 0: no limit.
EXTRACT_TIMEOUT = 120

# No connection into private networks: hosts that are (or resolve to) loopback, private, link-local,
# shared (100.64/10), multicast, reserved, unspecified or documentation addresses, IPv4 or IPv6,
# are refused before anything is sent (error kind `blocked_address`), for pages, images, every
# redirect hop and robots.txt alike. The block the start URL's own host lives in is open (a
# replica on 127.0.0.1 opens 127.0.0.0/8, nothing else); ALLOWED_PRIVATE_NETWORKS opens more,
# e.g. ["10.0.0.0/8"] (or `--set ALLOWED_PRIVATE_NETWORKS=10.0.0.0/8,192.168.1.0/24`) for a site
# mirrored inside a private network. The check is made where the connection is made: by the
# resolver below (the address checked is the address connected to) and the download handler
# (addresses written in the URL). See crawler/fetching/netguard.py and docs/security.md.
ALLOWED_PRIVATE_NETWORKS: list[str] = []
TWISTED_DNS_RESOLVER = "crawler.fetching.netguard.GuardedResolver"
DOWNLOAD_HANDLERS = {
    "http": "crawler.fetching.netguard.GuardedDownloadHandler",
    "https": "crawler.fetching.netguard.GuardedDownloadHandler",
}

# No cookies or sessions are needed to read public news.
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 starts a code-executing HTTP console on localhost by default and writes its token to
# ~/.local/state/scrapy/job_files: an unattended crawler of untrusted pages needs neither the
# open port nor the file outside its data folder.
REMOTE_CONTROL_ENABLED = False

# Articles first, then deeper listing pages: finishes what has been found before discovering
# more, which keeps the queue (and memory) small on big sites.
DEPTH_PRIORITY = 0

DOWNLOADER_MIDDLEWARES = {
    # Same filter as Scrapy's, but it lets image hosts' robots.txt through (see crawler/fetching/offsite.py).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.fetching.offsite.OffsiteMiddleware": 50,
    # Right after it: drops queued discovery requests past MAX_DISCOVERY_PAGES, or for a URL an
    # article fetched meanwhile named as its own (crawler/navigation/discovery.py), before they cost a request.
    "crawler.navigation.discovery.DiscoveryMiddleware": 60,
    # Scrapy's robots.txt middleware lets through requests that waited for robots.txt with others
    # (crawler/fetching/robots.py); this one gives each the parsed file. Same place as Scrapy's (100).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.fetching.robots.RobotsTxtMiddleware": 100,
    # Between the redirect (600) and cookies (700) middlewares: sees every HTTP exchange,
    # 3xx and 5xx included, before retries and redirects turn them into new requests.
    "crawler.fetching.fetchlog.FetchLogMiddleware": 650,
    # Just above the retry middleware (550): holds a 429/503 for its Retry-After, then lets it retry.
    "crawler.fetching.retry_after.RetryAfterMiddleware": 555,
    # Scrapy's, naming a body past DOWNLOAD_MAXSIZE once decoded (a small gzip of 9 MB of
    # padding) `too_large` in fetch_log and the run, as a body past it on the wire is, rather
    # than an ignored request logged 200 (crawler/fetching/compression.py). Same place as Scrapy's (590).
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.fetching.compression.HttpCompressionMiddleware": 590,
    # Closest to the downloader: every response exactly as received (gzip still gzip), 3xx and
    # 5xx, robots.txt and images, written to the run's WARC file (crawler/fetching/warc.py).
    "crawler.fetching.warc.WarcCaptureMiddleware": 950,
}

# WARC capture of every response (ISO 28500): `warc/` beside ARCHIVE_DB unless set
# (`--warc-dir`); None follows `--db`, so a test archive keeps its captures beside it.
WARC_ENABLED = True
WARC_DIR = None
# A run's captures go on in a new WARC file (named by the time it starts) once a file would pass
# this size: web archives keep WARC files to about 1 GB, for transfer and storage. 0: no limit.
WARC_MAX_SIZE = 1_000_000_000

# Ask for gzip/deflate only: every web-archive tool can replay them, while br/zstd captures
# are not reliably readable by WARC tools. (This replaces Scrapy's defaults, hence the rest.)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "vi,en;q=0.8",
    "Accept-Encoding": "gzip, deflate",
}

# Each host its own download slot (Scrapy's, by host name): a site's profile may set its hosts'
# delay and concurrency (`[politeness]`, crawler/sites/), which the `news` spider adds here; AutoThrottle
# keeps such a delay as the slot's floor (crawler/fetching/throttle.py). `--set DOWNLOAD_SLOTS=…` replaces them.
DOWNLOAD_SLOTS: dict = {}

EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.fetching.throttle.SiteAutoThrottle": 0,
    # Opens the archive and the run row when the spider opens, closes them with its status.
    "crawler.operations.run.RunExtension": 0,
    # Progress on stderr (live display on a terminal, a plain line a minute in cron logs); after
    # RunExtension, so the run it polls is open when it starts.
    "crawler.operations.progress.ProgressExtension": 10,
}

# How the crawl reports progress on stderr: "auto" (live on a terminal, plain otherwise),
# "live", "plain" or "off" (`--quiet`). TNU_PROGRESS_INTERVAL: seconds between plain lines;
# None uses the TNU_PROGRESS_INTERVAL environment variable, else 60.
TNU_PROGRESS = "auto"
TNU_PROGRESS_INTERVAL = None

ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}

LOG_LEVEL = "INFO"

# Recovery (`tnu-archive recover`, docs/recover.md): a web archive's CDX index is hostile input,
# and every walk through it is bounded. At most this many index pages per --match pattern:
CDX_MAX_PAGES = 1000
# nor more than this many pages in a row that list no new article capture (a server handing out
# a new resume key with unwanted captures on every page would otherwise be walked forever):
CDX_MAX_BARREN_PAGES = 20
# and of one page, at most this many successful HTML captures are read (the Wayback Machine's
# own most per answer; pywb ignores paging and answers everything at once). Each bound that cuts
# a walk short is named among the run's problems.
CDX_MAX_PAGE_ROWS = 150_000
# Captures whose URL no rule of its site's profile names (not an article, a listing, excluded, a
# file, nor the home page) are candidates: older URL generations (/Article/Details/210) and sites
# without rules. One capture of each such URL is fetched and judged by its content; an article's
# other captures follow, a URL that is no article is remembered (recovered_captures) and never
# asked for again. This caps, per run, the candidate URLs so fetched; those left out are counted,
# named among the run's problems, and the next run goes on with them. 0: only the URLs the
# profiles' rules name are read.
RECOVER_MAX_CANDIDATES = 500

# Incremental by default (see crawler.spiders.news); `--full` sets this to True.
FULL_CRAWL = False
# Articles published within this many days are fetched again by each run to record their
# view counts (`--refresh-days`); older ones keep their last observation.
REFRESH_DAYS = 30
# A page at an article URL that showed neither a date nor a view counter is taken for a static
# page (history, contacts) and skipped, but only for this many days: then it is fetched again,
# in case it was an article the extractor misread (a redesign). 0: never again.
NOT_ARTICLE_RECHECK_DAYS = 30

# Discovery (docs/discovery.md): same-site links no rule of their site's profile knows are fetched and
# judged by their content (an article is archived, any other page's links are followed). This
# caps, per run, the pages so fetched that turned out not to be articles (listings, tag pages,
# static pages; each is remembered like a static page, so the next runs skip it). 0: only the
# URL rules of the profiles are followed (the behaviour before discovery).
MAX_DISCOVERY_PAGES = 500
# Read robots.txt's `Sitemap:` lines (else /sitemap.xml), sitemap indexes and gzipped sitemaps
# every run: two or three requests that list every article of a site that has them.
DISCOVERY_SITEMAPS = True

# Budgets of one run (crawler/navigation/budgets.py, docs/discovery.md "Bounds"): a site can be endless to a
# crawler that follows everything (a pager whose every page links one more, a chain of sitemap
# indexes, a new feed on every page). Past a budget the requests are not made; the run ends `ok`
# with what it found and its summary names the budget met.
# Listing pages fetched per run (first pages of listings and every page of their pagers; the
# start pages are always fetched and not counted). tnu.edu.vn's listings show 10-15 articles a
# page: 5,000 pages walk 50,000 articles, more than a full crawl of the site needs. A walk cut
# here starts again at its first page in the next run: a site whose first full crawl needs more
# pages needs a higher value for that crawl (`--full --set MAX_LISTING_PAGES=20000`).
MAX_LISTING_PAGES = 5000
# Pager pages in a row that link nothing the listing's earlier pages did not (the listing's own
# pager links aside) before its walk stops: a site that prints page N+1 for any N, every page
# showing the same items, costs this many pages a run, not MAX_LISTING_PAGES. A real archive
# brings new items on every page; a page can repeat earlier ones only when items move between
# two fetches (a new article pushes each page's last item onto the next: that page still shows
# new ones) or when all its items were withdrawn, and three such pages in a row are no archive.
# The walk is then taken for walked to its end. 0: never stopped this way.
LISTING_STALE_PAGES = 3
# Sitemaps and sitemap indexes fetched per run (robots.txt is not counted): a site with 50 of them
# lists millions of URLs; an endless chain of indexes stops here.
MAX_SITEMAP_REQUESTS = 50
# Feeds (RSS, Atom) fetched per run: a site announces one or two; a new one on every page stops here.
MAX_FEED_REQUESTS = 20
# Entries (<loc>, feed items) read from one sitemap or feed: the sitemap protocol's own limit. The
# rest of a longer one is not read.
MAX_SITEMAP_ENTRIES = 50_000
# Links held for later in a run, URLs only (sitemap and feed entries the archive does not know,
# section and tag pages, links found by earlier runs and not fetched yet): fetched when the crawl
# is otherwise idle, as many at a time as MAX_DISCOVERY_PAGES leaves room for. Past this many, more
# are not held (found again by a later run where they are linked): a sitemap of junk costs memory
# for this many URLs at most, and at most MAX_DISCOVERY_PAGES requests.
MAX_DISCOVERY_BACKLOG = 50_000
# Links found by earlier runs and not archived yet (interrupted, or failed and due again) that one
# run takes up, oldest first; the others wait for the next runs. A link no URL rule knows comes
# back this way only if it was never fetched: once it failed or was taken for a static page, it is
# asked again only where a page, sitemap or feed still links it.
MAX_PENDING_LINKS = 20_000
# A page discovery looked at that is no article but links at least this many item-shaped pages
# of the site (/2026/10/12/…, /tin/1150/…, …-1201) is a listing: walked again by every run, as
# the listings the profiles know are, instead of skipped for NOT_ARTICLE_RECHECK_DAYS like a static page.
LISTING_MIN_ITEMS = 5
