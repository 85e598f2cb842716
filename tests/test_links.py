"""crawler/navigation/links.py: a page's hrefs sorted into article and listing URLs (patterns: the sites' profiles)."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from crawler.navigation.links import PageLinks, classify_hrefs, classify_links

ORIGIN = "https://tnu.edu.vn"
LISTING = f"{ORIGIN}/tin-tuc-su-kien.html?categoryId=3"
OLD_LISTING = f"{ORIGIN}/news/tin-tuc-su-kien.html"
ARTICLE = f"{ORIGIN}/hoi-nghi-tong-ket-dn5001.html"


def test_a_relative_query_resolves_against_the_page_not_the_origin():
    links = classify_hrefs(LISTING, ["?categoryId=3&page=2"])
    assert links == PageLinks(articles=[], listings=[f"{ORIGIN}/tin-tuc-su-kien.html?categoryId=3&page=2"])
    assert classify_hrefs(OLD_LISTING, ["?page=2"]).listings == [f"{OLD_LISTING}?page=2"]


def test_the_same_relative_href_on_two_pages_gives_each_its_own_url():
    # The classification of absolute links is cached by origin; a relative one must not ride along.
    assert classify_hrefs(OLD_LISTING, ["?page=3"]).listings == [f"{OLD_LISTING}?page=3"]
    assert classify_hrefs(f"{ORIGIN}/news/dao-tao.html", ["?page=3"]).listings == [f"{ORIGIN}/news/dao-tao.html?page=3"]
    on_news = classify_hrefs(f"{ORIGIN}/tin-tuc-su-kien/khoa-hoc.html", ["hoi-thao-quoc-te.html"])
    on_training = classify_hrefs(f"{ORIGIN}/dao-tao/tuyen-sinh.html", ["hoi-thao-quoc-te.html"])
    assert on_news.articles == [f"{ORIGIN}/tin-tuc-su-kien/hoi-thao-quoc-te.html"]
    assert on_training.articles == [f"{ORIGIN}/dao-tao/hoi-thao-quoc-te.html"]


def test_root_relative_and_absolute_links_read_the_same_on_every_page_of_the_origin():
    hrefs = ["/hoi-nghi-tong-ket-dn5001.html", f"{ORIGIN}/news/dao-tao.html", "/dao-tao.html?page=4"]
    expected = PageLinks(articles=[ARTICLE], listings=[f"{ORIGIN}/news/dao-tao.html", f"{ORIGIN}/dao-tao.html?page=4"])
    for page in (LISTING, OLD_LISTING, f"{ORIGIN}/tin-tuc-su-kien/khoa-hoc/mot-bai.html", ARTICLE):
        assert classify_hrefs(page, hrefs) == expected, page


def test_each_url_once_in_page_order():
    hrefs = [
        "/b-dn2.html",
        "/a-dn1.html",
        f"{ORIGIN}/b-dn2.html",
        "/b-dn2.html#comments",
        " /a-dn1.html ",
        "?page=2",
        "/news/tin-tuc-su-kien.html?page=2",
        "/news/tin-tuc-su-kien.html",
    ]
    links = classify_hrefs(OLD_LISTING, hrefs)
    assert links.articles == [f"{ORIGIN}/b-dn2.html", f"{ORIGIN}/a-dn1.html"]
    assert links.listings == [f"{OLD_LISTING}?page=2", OLD_LISTING]


def test_fragments_scripts_and_mail_links_are_skipped():
    hrefs = ["#", "#top", "javascript:void(0)", "mailto:dhtn@tnu.edu.vn", "tel:+842083852650", "", "   "]
    assert classify_hrefs(LISTING, hrefs) == PageLinks()


def test_excluded_paths_are_never_returned():
    hrefs = [
        "/news/search.html?q=tuyen+sinh",  # shaped like a listing, but search results
        "/news/search/tin-tuc.html",
        "/home/gioi-thieu-dn12.html",
        "/Uploads/ke-hoach-dn5.pdf",
        "/tin-tuc-su-kien/lich.PDF",
        "/sitemap.xml",
        "/account/login",
    ]
    assert classify_hrefs(LISTING, hrefs) == PageLinks()


def test_cleaning_drops_page_one_and_fragments():
    hrefs = [
        "/news/dao-tao.html?page=1",
        "/news/su-kien.html?page=1#top",
        "/c-dn3.html#binh-luan",
        "/tin-tuc-su-kien.html?categoryId=2&page=1",
    ]
    links = classify_hrefs(LISTING, hrefs)
    assert links.articles == [f"{ORIGIN}/c-dn3.html"]
    assert links.listings == [
        f"{ORIGIN}/news/dao-tao.html",
        f"{ORIGIN}/news/su-kien.html",
        f"{ORIGIN}/tin-tuc-su-kien.html?categoryId=2",
    ]


def test_links_to_other_hosts_are_classified_by_path_alone():
    # The offsite middleware decides which hosts are followed, not this module.
    hrefs = [
        "https://en.tnu.edu.vn/en/research-week-dt77.html",
        "http://example.org/tin-tuc-su-kien.html",
        "//dhsp.tnu.edu.vn/khai-giang-dn9.html",
        "https://example.org/about.html",
    ]
    links = classify_hrefs(LISTING, hrefs)
    assert links.articles == [
        "https://en.tnu.edu.vn/en/research-week-dt77.html",
        "https://dhsp.tnu.edu.vn/khai-giang-dn9.html",
    ]
    assert links.listings == ["http://example.org/tin-tuc-su-kien.html"]


def test_classify_links_reads_anchors_and_the_next_page_link_of_a_response():
    html = """<!DOCTYPE html><html><head>
      <link rel="next" href="?categoryId=3&amp;page=2">
      <link rel="stylesheet" href="/news/style-dn1.html">
    </head><body>
      <nav><a href="/news/tin-tuc-su-kien.html">Tin tức</a> <a href="#">Menu</a></nav>
      <a href="/hoi-nghi-tong-ket-dn5001.html">Hội nghị tổng kết</a>
      <a href="/tai-lieu/ke-hoach.pdf">Kế hoạch</a>
      <a href="lich-cong-tac-dn5002.html#top">Lịch công tác</a>
      <a href="/hoi-nghi-tong-ket-dn5001.html">Xem tiếp</a>
      <a>không có href</a>
    </body></html>"""
    response = HtmlResponse(url=LISTING, body=html.encode(), encoding="utf-8")
    links = classify_links(response)
    assert links.articles == [ARTICLE, f"{ORIGIN}/lich-cong-tac-dn5002.html"]
    # the next page first (document order), the stylesheet <link> not at all
    assert links.listings == [f"{ORIGIN}/tin-tuc-su-kien.html?categoryId=3&page=2", OLD_LISTING]
    assert all(type(url) is str for url in links.articles + links.listings)  # not lxml strings holding the tree


def test_dot_segments_of_a_root_relative_link_are_resolved_before_it_is_judged():
    hrefs = ["/news/../hoi-nghi-tong-ket-dn5001.html", "/./news/./dao-tao.html", "/hoi-nghi-tong-ket-dn5001.html/.."]
    links = classify_hrefs(OLD_LISTING, hrefs)
    # the last one is the home page: no rule knows it, so it is left to discovery
    assert links == PageLinks(articles=[ARTICLE], listings=[f"{ORIGIN}/news/dao-tao.html"], others=[f"{ORIGIN}/"])


# --- discovery: what no URL rule knows ----------------------------------------------------------


def test_unknown_same_site_pages_are_returned_as_others_and_files_are_not():
    hrefs = [
        "/bai-viet/2026/10/12/hoi-nghi-1201",
        "/tin/1150/thong-bao",
        "/chuyen-muc/tin-tuc/",
        "/wp-content/uploads/a.jpg",
        "/static/app.js",
        "/feed.rss",
        "/robots.txt",
        "/tai-lieu.pdf",
    ]
    links = classify_hrefs(f"{ORIGIN}/", hrefs)
    assert links.others == [
        f"{ORIGIN}/bai-viet/2026/10/12/hoi-nghi-1201",
        f"{ORIGIN}/tin/1150/thong-bao",
        f"{ORIGIN}/chuyen-muc/tin-tuc/",
    ]
    assert links.articles == links.listings == []


def test_tracking_parameters_are_dropped_and_other_queries_kept():
    from crawler.navigation.links import clean_url

    assert clean_url(f"{ARTICLE}?utm_source=rss&utm_medium=rss") == ARTICLE
    assert clean_url(f"{ARTICLE}?fbclid=IwAR0x&gclid=abc") == ARTICLE
    assert (
        clean_url(f"{ORIGIN}/tin-tuc-su-kien/a.html?categoryId=3&utm_campaign=x")
        == f"{ORIGIN}/tin-tuc-su-kien/a.html?categoryId=3"
    )
    assert clean_url(f"{ORIGIN}/?p=1201") == f"{ORIGIN}/?p=1201"


def test_session_ids_are_dropped_from_the_query_and_the_path():
    """A server that keeps sessions in links writes a fresh id on every link a cookie-less client
    sees: kept, every link is a page never seen, and the site endless (issue 25)."""
    from crawler.navigation.links import clean_url

    cases = {
        f"{OLD_LISTING}?PHPSESSID=5f9c4ab08cac7457e9111a30e4": OLD_LISTING,
        f"{OLD_LISTING}?page=2&phpsessid=5f9c4ab08cac7457e9111a30e4": f"{OLD_LISTING}?page=2",
        f"{OLD_LISTING};jsessionid=4E07408562BEDB8B60CE05C1DECFE3AD?page=2": f"{OLD_LISTING}?page=2",
        f"{ARTICLE};JSESSIONID=4E07408562BE": ARTICLE,
        f"{LISTING}&sessionid=31489056e0916d59fe3add79": LISTING,
        f"{LISTING}&ASP.NET_SessionId=c2356069e9d1e79ca9243781": LISTING,
        f"{LISTING}&ASPSESSIONIDQQGGQGPG=ABCDEF": LISTING,
        f"{LISTING}&sid=0123456789abcdef0123456789abcdef": LISTING,
        f"{ORIGIN}/(S(lit3py55t21z5v55vlm25s55))/tin-tuc.aspx?id=5": f"{ORIGIN}/tin-tuc.aspx?id=5",
        # `sid` numbers a story on some sites (PHP-Nuke): kept when it is no session token
        f"{ORIGIN}/modules.php?name=News&sid=123": f"{ORIGIN}/modules.php?name=News&sid=123",
        # other path parameters are the site's own
        f"{ORIGIN}/a;v=2/b": f"{ORIGIN}/a;v=2/b",
    }
    for url, clean in cases.items():
        assert clean_url(url) == clean, url


def test_a_link_with_a_session_id_is_what_it_is_without_one():
    links = classify_hrefs(
        f"{ORIGIN}/",
        [
            "/news/tin-tuc-su-kien.html;jsessionid=4E07408562BEDB8B?page=2",
            "/news/tin-tuc-su-kien.html?page=2&PHPSESSID=abc123",
            "/hoi-nghi-tong-ket-dn5001.html;jsessionid=4E0740",
        ],
    )
    assert links == PageLinks(articles=[ARTICLE], listings=[f"{OLD_LISTING}?page=2"])


def test_pagination_in_the_path_or_the_query_is_read_in_its_common_forms():
    from crawler.navigation.links import clean_url, listing_key, page_number

    cases = {
        f"{ORIGIN}/chuyen-muc/tin-tuc/": (1, f"{ORIGIN}/chuyen-muc/tin-tuc"),
        f"{ORIGIN}/chuyen-muc/tin-tuc/trang-2/": (2, f"{ORIGIN}/chuyen-muc/tin-tuc"),
        f"{ORIGIN}/chuyen-muc/dao-tao/page/3": (3, f"{ORIGIN}/chuyen-muc/dao-tao"),
        f"{ORIGIN}/tin-tuc?trang=4": (4, f"{ORIGIN}/tin-tuc"),
        f"{ORIGIN}/tin-tuc-su-kien.html?categoryId=5&page=2": (2, f"{ORIGIN}/tin-tuc-su-kien.html?categoryId=5"),
        f"{ORIGIN}/news?paged=7": (7, f"{ORIGIN}/news"),
    }
    for url, (page, key) in cases.items():
        assert (page_number(url), listing_key(url)) == (page, key), url
    assert clean_url(f"{ORIGIN}/chuyen-muc/dao-tao/page/1") == f"{ORIGIN}/chuyen-muc/dao-tao/"
    # an article whose slug ends in a number is not a page of anything
    assert page_number(f"{ORIGIN}/bai-viet/2026/10/12/hoi-nghi-1201") == 1


def test_nukeviet_page_n_html_is_its_category_listing_s_pager():
    """NukeViet numbers a category's pages `/vi/news/<cat>/page-2.html`: page 2 of the listing
    `/vi/news/<cat>/`, whose own page 1 is the listing itself; an article of the category
    (`<slug>-<id>.html`) stays a page of nothing."""
    from crawler.navigation.links import clean_url, listing_key, page_number

    category = "http://127.0.0.3:8000/vi/news/tin-hoat-dong"
    for n in (2, 3, 17):
        url = f"{category}/page-{n}.html"
        assert (page_number(url), listing_key(url)) == (n, category), url
        assert clean_url(url) == url
    assert (page_number(category + "/"), listing_key(category + "/")) == (1, category)
    assert clean_url(f"{category}/page-1.html") == category + "/"
    article = f"{category}/khai-giang-lop-boi-duong-nghiep-vu-khuyen-nong-1504.html"
    assert (page_number(article), listing_key(article)) == (1, article)
    # only as the last segment: a folder named page-2 holds pages of its own
    assert page_number(f"{category}/page-2.html/chi-tiet-1504.html") == 1


def test_next_page_links_aliases_and_feeds_are_read_from_the_page():
    html = """<html><head>
    <link rel="canonical" href="/bai-viet/2026/10/12/hoi-nghi-1201">
    <link rel="alternate" type="application/rss+xml" href="/rss.xml">
    <link rel="alternate" type="application/atom+xml" href="/atom.xml?utm_source=x">
    <link rel="alternate" hreflang="en" href="/en/">
    </head><body>
    <a href="?start=20">»</a> <a href="?start=40">Cuối »</a> <a href="?start=20x">Trang sau ›</a>
    </body></html>"""
    response = HtmlResponse(url=f"{ORIGIN}/tin-tuc?start=0", body=html.encode(), encoding="utf-8")
    links = classify_links(response)
    # the strongest name first: "Trang sau ›", then "»" (which some pagers use for the last page)
    assert links.next_pages == [f"{ORIGIN}/tin-tuc?start=20x", f"{ORIGIN}/tin-tuc?start=20"]
    assert links.aliases == [f"{ORIGIN}/bai-viet/2026/10/12/hoi-nghi-1201"]
    assert links.feeds == [f"{ORIGIN}/rss.xml", f"{ORIGIN}/atom.xml"]


def test_item_shaped_urls_are_told_from_sections():
    from crawler.navigation.links import looks_like_item

    for url in (
        "/bai-viet/2026/10/12/hoi-nghi-tong-ket-1201",
        "/tin/1150/thong-bao-tuyen-sinh",
        "/hoi-nghi-pho-bien-van-ban-dn5102.html",
        "/tin-tuc/le-khai-giang-nam-hoc-moi-2026",
    ):
        assert looks_like_item(ORIGIN + url), url
    for url in ("/", "/chuyen-muc/tin-tuc/", "/lien-he", "/tag/tuyen-sinh/", "/gioi-thieu/lich-su"):
        assert not looks_like_item(ORIGIN + url), url
