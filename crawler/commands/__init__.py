"""Scrapy commands of the project (COMMANDS_MODULE in crawler/settings.py): `scrapy crawl`,
replaced so that `scrapy crawl news` (and so a scrapyd job) is the same run as `tnu-archive crawl`."""
