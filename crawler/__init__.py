"""Everything that talks HTTP: the Scrapy spider, its settings and pipelines, and the pure extractors."""
