"""Pure extraction: (html, url) -> Article. No Scrapy, no I/O."""

from .article import extract_article
from archive.record import Article, ImageRef

__all__ = ["Article", "ImageRef", "extract_article"]
