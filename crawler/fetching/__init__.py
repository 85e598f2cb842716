"""How requests go out and come back: the Scrapy middlewares, add-ons and guards every fetch
passes through (the address checks that keep a crawl out of private networks, the contact in the
User-Agent, robots.txt, the offsite rule, each host's slot and pace, Retry-After, decompression,
the error kinds of a failed request) and the provenance of every exchange (its fetch_log row and
its WARC record)."""
