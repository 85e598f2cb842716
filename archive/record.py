"""The record one article page becomes, and its raw page: what the archive stores. Plain data, built by the
crawler's extractors and its extraction worker (which needs no database: nothing here imports one)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

from isal import isal_zlib


@dataclass(frozen=True)
class ImageRef:
    """One image as the article shows it, in page order."""

    position: int  # 0-based, page order
    src_url: str  # absolute; lazy images resolved to the real source, srcset to the widest
    caption: str | None = None  # as printed, credit included
    alt: str | None = None
    credit: str | None = None  # the photographer, from "(ảnh: …)" / "Ảnh: …"


@dataclass(frozen=True)
class Article:
    """One article page, every text field Unicode NFC."""

    url: str  # absolute, after redirects
    title: str | None = None
    published_at: str | None = None  # ISO 8601: "2020-07-15" or "2026-02-23T09:15:00+07:00"
    published_text: str | None = None  # the date as printed
    views: int | None = None  # None when the page shows no counter
    body_text: str | None = None  # paragraphs joined by a blank line
    body_html: str | None = None  # sanitized
    author: str | None = None  # the byline as printed; None when there is none, never a guess
    category: str | None = None
    images: tuple[ImageRef, ...] = field(default_factory=tuple)
    # The page is a list of other pages (a category, tag or search page): the dates it prints
    # are its items'. Set by the extractor from what the page holds or says of itself.
    listing: bool = False

    @property
    def is_article(self) -> bool:
        """A news article has a title and a publication date printed or declared outside its running
        text (the extractor never takes one from the text). A static page (history, introduction,
        contacts) has none, even when it shows a view counter or its text names a day; a
        listing's dates belong to its items."""
        return bool(self.title) and self.published_at is not None and not self.listing

    def to_dict(self) -> dict:
        return asdict(self)


# ISA-L's default level: zlib-format output any zlib reads, at a fifth of zlib level 3's CPU for
# ~6 % more bytes (archive/captures/warc_writer.py TEXT_GZIP_LEVEL has the measurements).
RAW_ZLIB_LEVEL = 2


def compress_raw(body: bytes) -> bytes:
    """A raw page as `raw_pages.content` holds it (zlib format; `zlib.decompress` reads it)."""
    return isal_zlib.compress(body, RAW_ZLIB_LEVEL)


@dataclass(frozen=True)
class RawPage:
    """A fetched page as `raw_pages` keeps it: the digest of its bytes, the encoding its response
    declared and the compressed bytes. Made where the bytes are (the crawler's extraction
    worker), so the page itself never travels on to the writer only to be hashed there."""

    sha256: str
    encoding: str | None
    compressed: bytes

    @classmethod
    def of(cls, body: bytes, encoding: str | None) -> RawPage:
        return cls(hashlib.sha256(body).hexdigest(), encoding, compress_raw(body))
