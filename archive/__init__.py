"""Everything that touches the SQLite archive and the files beside it. Never imports Scrapy."""

__version__ = "0.1.0"
