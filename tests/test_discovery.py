"""crawler/navigation/discovery.py: sitemaps, feeds and what a page says about itself, read from bytes."""

from __future__ import annotations

import gzip

from crawler.navigation.discovery import read_feed, read_sitemap, self_references, sitemaps_in_robots

ORIGIN = "https://tnu.edu.vn"
URLSET = (
    f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    f"<url><loc>{ORIGIN}/bai-viet/a-1</loc><lastmod>2026-10-12</lastmod></url>"
    f"<url><loc> {ORIGIN}/tin/2/b </loc></url></urlset>"
).encode()


def test_robots_sitemap_lines_are_read():
    robots = (
        b"User-agent: *\nDisallow: /wp-admin/\n\nSitemap: https://tnu.edu.vn/sitemap_index.xml\nsitemap: /news.xml\n"
    )
    assert sitemaps_in_robots(robots, f"{ORIGIN}/robots.txt") == [f"{ORIGIN}/sitemap_index.xml", f"{ORIGIN}/news.xml"]


def test_a_urlset_plain_or_gzipped_gives_its_locs():
    assert read_sitemap(URLSET) == ("urlset", [f"{ORIGIN}/bai-viet/a-1", f"{ORIGIN}/tin/2/b"])
    assert read_sitemap(gzip.compress(URLSET)) == ("urlset", [f"{ORIGIN}/bai-viet/a-1", f"{ORIGIN}/tin/2/b"])


def test_a_sitemap_index_gives_its_sitemaps():
    index = (
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{ORIGIN}/post-sitemap.xml.gz'
        "</loc></sitemap></sitemapindex>"
    ).encode()
    assert read_sitemap(index) == ("sitemapindex", [f"{ORIGIN}/post-sitemap.xml.gz"])


def test_what_is_not_a_sitemap_gives_nothing():
    for body in (
        b"",
        b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>",
        b"\x1f\x8b broken gzip",
        b"plain text",
    ):
        assert read_sitemap(body) == ("", []), body


def test_a_cut_sitemap_gives_the_urls_it_holds():
    cut = URLSET[: URLSET.index(b"<url><loc> ")]
    assert read_sitemap(cut) == ("urlset", [f"{ORIGIN}/bai-viet/a-1"])


def test_a_sitemap_and_a_feed_are_read_up_to_a_bound():
    """MAX_SITEMAP_ENTRIES: the rest of a longer sitemap or feed is not even parsed."""
    many = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{ORIGIN}/rac/{i}</loc></url>" for i in range(1000))
        + "</urlset>"
    ).encode()
    assert read_sitemap(many, limit=3) == ("urlset", [f"{ORIGIN}/rac/0", f"{ORIGIN}/rac/1", f"{ORIGIN}/rac/2"])
    assert len(read_sitemap(many)[1]) == 1000
    items = "".join(f"<item><link>{ORIGIN}/rac/{i}</link></item>" for i in range(1000))
    feed = f"<rss><channel>{items}</channel></rss>".encode()
    assert read_feed(feed, ORIGIN, limit=2) == [f"{ORIGIN}/rac/0", f"{ORIGIN}/rac/1"]
    assert len(read_feed(feed, ORIGIN)) == 1000


def test_rss_and_atom_items_are_read_in_feed_order():
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><link>https://tnu.edu.vn/</link>'
        b"<item><title>A</title><link>https://tnu.edu.vn/a-1?utm_source=rss</link></item>"
        b"<item><title>B</title><link>/b-2</link></item></channel></rss>"
    )
    assert read_feed(rss, f"{ORIGIN}/rss.xml") == [f"{ORIGIN}/a-1?utm_source=rss", f"{ORIGIN}/b-2"]
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><link href="https://tnu.edu.vn/"/>'
        b'<entry><link rel="alternate" href="https://tnu.edu.vn/c-3"/><link rel="edit" href="/x"/></entry></feed>'
    )
    assert read_feed(atom, f"{ORIGIN}/atom.xml") == [f"{ORIGIN}/c-3"]
    assert read_feed(b"not xml at all", ORIGIN) == []


def test_a_page_names_its_canonical_url_and_short_link():
    html = (
        b'<html><head><meta charset="utf-8"><link rel="canonical" href="https://tnu.edu.vn/bai-viet/a-1?utm_source=x">'
        b"<link rel='shortlink' href='/?p=1'><meta property=\"og:url\" content=\"https://tnu.edu.vn/other\">"
        b"</head><body><link rel=canonical href=/not-in-head></body></html>"
    )
    assert self_references(html, f"{ORIGIN}/?p=1") == (f"{ORIGIN}/bai-viet/a-1", [])
    assert self_references(html, f"{ORIGIN}/bai-viet/a-1") == (None, [f"{ORIGIN}/?p=1"])


def test_og_url_stands_in_for_a_missing_canonical_and_pages_without_either_cost_no_parse():
    html = b'<html><head><meta property="og:url" content="/bai-viet/a-1"></head><body></body></html>'
    assert self_references(html, f"{ORIGIN}/tin/1") == (f"{ORIGIN}/bai-viet/a-1", [])
    assert self_references(b"<html><head><title>x</title></head></html>", ORIGIN) == (None, [])
