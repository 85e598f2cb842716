"""Pure extraction: (html, url) -> Article. No Scrapy, no I/O."""

from archive.record import Article, ImageRef

from .article import extract_article

__all__ = ["Article", "ImageRef", "extract_article"]
