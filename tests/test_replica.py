"""The replica of tnu.edu.vn and its loopback server: every page and image the ground truth
(tests/site/expected.json) names is served as a crawler will meet it."""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
from http.client import HTTPConnection
from io import BytesIO
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from PIL import Image

from crawler.replica.server import (
    DEFAULT_SITE_DIR,
    ReplicaServer,
    accepts_gzip,
    content_type,
    file_for,
    read_page,
    route_key,
)

EXPECTED = json.loads((DEFAULT_SITE_DIR / "expected.json").read_text(encoding="utf-8"))
ARTICLES: dict[str, dict] = EXPECTED["articles"]
SLOGAN = "Đoàn kết – trung thực – sáng tạo – hiệu quả - chất lượng"


def fetch(
    origin: str, target: str, method: str = "GET", accept_encoding: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed (http.client asks for no compression unless told)."""
    parts = urlsplit(origin)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"User-Agent": "replica-test/1"}
    if accept_encoding is not None:
        headers["Accept-Encoding"] = accept_encoding
    try:
        conn.request(method, target, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def page_text(body: bytes) -> str:
    return unicodedata.normalize("NFC", html.unescape(body.decode("utf-8")))


@pytest.fixture(scope="module")
def site():
    with ReplicaServer() as server:
        yield server


def image_url(site: ReplicaServer, src: str) -> tuple[str, str]:
    """(origin, path) of an expected image src ('/…' on the site, '{{OTHER_ORIGIN}}/…' elsewhere)."""
    if src.startswith("{{OTHER_ORIGIN}}"):
        return site.other_origin, src.removeprefix("{{OTHER_ORIGIN}}")
    assert src.startswith("/"), src
    return site.origin, src


def test_ground_truth_covers_the_issue():
    assert len(ARTICLES) >= 12
    assert len({a["category"] for a in ARTICLES.values()}) >= 2
    assert len(EXPECTED["listings"]) >= 3
    assert any(u.endswith("?page=3") for u in EXPECTED["listings"])
    seed = ARTICLES["/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn5521.html"]
    assert seed["title"] == "Sơ kết công tác tuyên giáo 6 tháng đầu năm 2020"
    assert (seed["published_at"], seed["published_text"], seed["views"]) == ("2020-07-15", "15-07-2020", 550)
    assert seed["author"] == "Thanh Loan – TNU Media"
    assert [i["src"].rsplit("/", 1)[1] for i in seed["images"]] == [f"15-7-2020-TG-{n}.jpg" for n in (1, 2, 3)]
    assert all(i["credit"] == "Nguyễn Thanh Hà" and "(ảnh: Nguyễn Thanh Hà)" in i["caption"] for i in seed["images"])
    kinds = {
        "no view counter": any(a["views"] is None for a in ARTICLES.values()),
        "no byline": any(a["author"] is None for a in ARTICLES.values()),
        "no image": any(not a["images"] for a in ARTICLES.values()),
        "404 image": any(i["status"] == 404 for a in ARTICLES.values() for i in a["images"]),
        "other host": any(i["src"].startswith("{{OTHER_ORIGIN}}") for a in ARTICLES.values() for i in a["images"]),
        "redirect": any(a.get("redirect_from") for a in ARTICLES.values()),
        "date with time": any("T" in a["published_at"] for a in ARTICLES.values()),
    }
    assert all(kinds.values()), kinds
    for a in ARTICLES.values():
        for value in (a["title"], a["body_text"], a["author"] or "", *[i["caption"] or "" for i in a["images"]]):
            assert unicodedata.is_normalized("NFC", value)


def test_every_listing_and_article_answers_200(site):
    flaky = set(EXPECTED["flaky"])
    for target in EXPECTED["listings"] + EXPECTED["not_articles"] + ["/"]:
        status, headers, _ = fetch(site.origin, target)
        assert (target, status, headers["content-type"]) == (target, 200, "text/html; charset=utf-8")
    for target in ARTICLES:
        status, _, body = fetch(site.origin, target)
        if target in flaky:
            assert status == 500
            status, _, body = fetch(site.origin, target)
        assert (target, status) == (target, 200)


def test_each_article_page_prints_its_ground_truth(site):
    """expected.json and the pages are generated together; this catches the two drifting apart."""
    for target, a in ARTICLES.items():
        if target in EXPECTED["flaky"]:
            fetch(site.origin, target)
        _, _, body = fetch(site.origin, target)
        text = page_text(body)
        assert a["title"] in text
        assert a["published_text"] in text
        assert a["category"] in text
        for para in a["body_text"].split("\n\n"):
            assert para in re.sub(r"<[^>]+>", "", text), (target, para[:60])
        if a["views"] is not None:
            assert f"{a['views']:,}".replace(",", ".") in text
        for image in a["images"]:
            assert image["src"].replace("{{OTHER_ORIGIN}}", site.other_origin) in text


def test_flaky_page_answers_500_once_then_200():
    with ReplicaServer() as fresh:
        target = EXPECTED["flaky"][0]
        assert [fetch(fresh.origin, target)[0] for _ in range(3)] == [500, 200, 200]
    with ReplicaServer() as other_instance:  # the state belongs to one server instance
        assert fetch(other_instance.origin, target)[0] == 500


def test_old_url_redirects_301_to_the_new_one(site):
    moved = [(a["redirect_from"], new) for new, a in ARTICLES.items() if "redirect_from" in a]
    assert moved
    for old, new in moved:
        status, headers, _ = fetch(site.origin, old)
        assert status == 301
        assert headers["location"] == site.origin + new
    listed = [t for t in EXPECTED["listings"] if t.startswith("/news/")]
    pages = b"".join(fetch(site.origin, t)[2] for t in listed)
    assert all((site.origin + old).encode() in pages for old, _ in moved)


def test_images_are_real_and_the_missing_one_is_404(site):
    seen = 0
    for a in ARTICLES.values():
        for image in a["images"]:
            origin, path = image_url(site, image["src"])
            status, headers, body = fetch(origin, path)
            assert (path, status) == (path, image["status"])
            if status != 200:
                continue
            with Image.open(BytesIO(body)) as im:
                im.load()
                assert im.format in ("JPEG", "PNG")
                assert headers["content-type"] == f"image/{im.format.lower()}"
            assert int(headers["content-length"]) == len(body)
            seen += 1
    assert seen >= 12


def test_every_srcset_candidate_and_lazy_placeholder_is_served(site):
    checked = 0
    for target in ARTICLES:
        body = fetch(site.origin, target)[2].decode()
        for srcset in re.findall(r'srcset="([^"]+)"', body):
            for candidate in srcset.split(","):
                url = candidate.split()[0]
                assert fetch(site.origin, url)[0] == 200, url
                checked += 1
        for placeholder in re.findall(r'<img[^>]*src="([^"]+)"[^>]*data-src=', body):
            assert fetch(site.origin, placeholder)[1]["content-type"] == "image/gif"
            checked += 1
    assert checked >= 3


def test_one_image_is_published_twice_with_identical_bytes(site):
    by_bytes: dict[bytes, set[str]] = {}
    for a in ARTICLES.values():
        for image in a["images"]:
            if image["status"] == 200:
                origin, path = image_url(site, image["src"])
                by_bytes.setdefault(fetch(origin, path)[2], set()).add(image["src"])
    assert any(len(urls) >= 2 for urls in by_bytes.values())
    assert len(by_bytes) >= 12  # the rest are all different pictures


def test_robots_forbids_account_and_other_host_allows_all(site):
    status, headers, body = fetch(site.origin, "/robots.txt")
    assert (status, headers["content-type"]) == (200, "text/plain; charset=utf-8")
    robots = RobotFileParser()
    robots.parse(body.decode().splitlines())
    assert not robots.can_fetch("tnu-archive", site.origin + "/account/login?returnUrl=%2F")
    for target in EXPECTED["listings"] + list(ARTICLES):
        assert robots.can_fetch("tnu-archive", site.origin + target)
    other = RobotFileParser()
    other.parse(fetch(site.other_origin, "/robots.txt")[2].decode().splitlines())
    assert other.can_fetch("tnu-archive", site.other_origin + "/photos/x.jpg")


def test_every_html_page_carries_the_furniture(site):
    targets = ["/", "/home/sitemap", *EXPECTED["listings"], *EXPECTED["not_articles"], *ARTICLES]
    for target in targets:
        if target in EXPECTED["flaky"]:
            fetch(site.origin, target)
        status, headers, body = fetch(site.origin, target)
        text = page_text(body)
        assert status == 200 and headers["content-type"].startswith("text/html"), target
        assert 'href="/robots.txt"' in text, target
        assert SLOGAN in text and "dhtn@tnu.edu.vn" in text, target
        assert 'action="/news/search"' in text and 'href="/account/' in text, target
        assert "{{" not in text, target
        assert len(body) > 15_000, target  # page weight of the real site's order


def test_home_menu_links_both_layouts_and_the_static_page(site):
    text = fetch(site.origin, "/")[2].decode()
    for target in ("/news/tin-tuc-su-kien.html", "/tin-tuc-su-kien.html", "/lich-su-dn45.html"):
        assert f'href="{html.escape(target)}"' in text


def test_static_page_has_no_date_and_no_counter(site):
    text = page_text(fetch(site.origin, EXPECTED["not_articles"][0])[2])
    assert "Đăng ngày" not in text and "lần đọc" not in text and "Lượt xem" not in text


def test_placeholders_are_substituted(site):
    old_listing = fetch(site.origin, "/news/tin-tuc-su-kien.html")[2].decode()
    assert f'href="{site.origin}/' in old_listing  # the old CMS's absolute links
    with_other = [t for t, a in ARTICLES.items() if any(i["src"].startswith("{{OTHER_ORIGIN}}") for i in a["images"])]
    body = fetch(site.origin, with_other[0])[2].decode()
    assert f'src="{site.other_origin}/photos/' in body
    offsite = EXPECTED["forbidden"][-1].replace("{{OTHER_ORIGIN}}", site.other_origin)
    assert f'href="{offsite}"' in body
    # the same page without a server, for extraction tests on saved pages
    assert read_page(with_other[0], site.origin, site.other_origin) == body
    # images are served byte for byte, never rewritten
    seed_image = ARTICLES["/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn5521.html"]["images"][0]["src"]
    assert fetch(site.origin, seed_image)[2] == (DEFAULT_SITE_DIR / "www" / file_for(seed_image)).read_bytes()


def test_request_log_records_both_hosts(site):
    site.reset_log()
    fetch(site.origin, "/news/tin-tuc-su-kien.html?page=2")
    fetch(site.other_origin, "/robots.txt")
    fetch(site.origin, "/missing.html", method="HEAD")
    log = site.requests
    assert [(r.server, r.method, r.path, r.status) for r in log] == [
        ("site", "GET", "/news/tin-tuc-su-kien.html?page=2", 200),
        ("other", "GET", "/robots.txt", 200),
        ("site", "HEAD", "/missing.html", 404),
    ]
    assert log[0].host == urlsplit(site.origin).netloc and log[1].host.startswith("localhost:")
    assert all(r.user_agent == "replica-test/1" for r in log)
    site.reset_log()
    assert site.requests == []


def test_query_is_part_of_the_file_name_in_any_parameter_order(site):
    assert file_for("/news/x.html?page=2") == "news/x.html__page=2"
    assert (
        file_for("/t.html?page=2&categoryId=5")
        == file_for("/t.html?categoryId=5&page=2")
        == "t.html__categoryId=5&page=2"
    )
    assert file_for("/") == "index.html"
    assert route_key("/a?b=1&a=2") == "/a?a=2&b=1"
    assert content_type("tin-tuc-su-kien.html__page=2") == "text/html; charset=utf-8"
    assert content_type("home/sitemap") == "text/html; charset=utf-8"
    assert fetch(site.origin, "/tin-tuc-su-kien.html?page=2")[0] == 200
    assert fetch(site.origin, "/tin-tuc-su-kien.html?page=9")[0] == 404


def test_nothing_outside_the_document_root_is_served(site):
    for target in ("/../expected.json", "/..%2fbuild.py", "/%2e%2e/routes.json", "/_other/robots.txt"):
        assert fetch(site.origin, target)[0] == 404, target
    assert fetch(site.origin, "/news/search", method="POST")[0] == 405


def test_keep_alive_serves_several_requests_on_one_connection(site):
    parts = urlsplit(site.origin)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        for target in ("/", "/robots.txt", "/news/dao-tao.html"):
            conn.request("GET", target)
            resp = conn.getresponse()
            assert resp.status == 200 and resp.read()
    finally:
        conn.close()


def test_server_must_be_started_and_stops_cleanly():
    server = ReplicaServer()
    with pytest.raises(RuntimeError):
        server.origin  # noqa: B018
    with server:
        origin = server.origin
        assert server.url == origin + "/"
    with pytest.raises(OSError):
        fetch(origin, "/")


# -- compression, as a real server does it ---------------------------------------------------------


def test_pages_go_out_gzipped_to_a_client_that_asks(site):
    path = next(iter(ARTICLES))
    status, plain_headers, plain = fetch(site.origin, path)
    assert status == 200 and "content-encoding" not in plain_headers  # not asked: not compressed
    status, headers, body = fetch(site.origin, path, accept_encoding="gzip, deflate")
    assert (status, headers["content-encoding"], headers["vary"]) == (200, "gzip", "Accept-Encoding")
    assert int(headers["content-length"]) == len(body) < len(plain)
    assert gzip.decompress(body) == plain
    assert fetch(site.origin, path, accept_encoding="gzip;q=0, deflate")[1].get("content-encoding") is None
    _, head_headers, head_body = fetch(site.origin, path, "HEAD", accept_encoding="gzip")
    assert head_body == b"" and head_headers["content-length"] == headers["content-length"]
    _, robots_headers, robots = fetch(site.origin, "/robots.txt", accept_encoding="gzip")
    assert robots_headers["content-encoding"] == "gzip" and b"User-agent" in gzip.decompress(robots)


def test_images_go_out_as_they_are(site):
    src = next(
        im["src"] for a in ARTICLES.values() for im in a["images"] if im["status"] == 200 and im["src"].startswith("/")
    )
    _, headers, body = fetch(site.origin, src, accept_encoding="gzip")
    assert "content-encoding" not in headers and Image.open(BytesIO(body)).size


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip, deflate", True),
        ("deflate, gzip;q=0.5", True),
        ("*", True),
        ("x-gzip", True),
        ("gzip;q=0", False),
        ("deflate", False),
        ("", False),
        ("identity", False),
        ("*, gzip;q=0", False),
    ],
)
def test_accept_encoding_is_read_as_a_server_reads_it(header, accepted):
    assert accepts_gzip(header) is accepted


# -- other CMS shapes, other loopback addresses ----------------------------------------------------


def test_a_replica_on_another_loopback_address_names_its_content_types():
    """The WordPress replica on 127.0.0.2: its feed at /feed/ goes out as RSS (routes.json
    content_types, with its placeholders filled), an ASP.NET page (.aspx) as HTML."""
    assert content_type("Default.aspx__ArticleID=1241&tabid=57") == "text/html; charset=utf-8"
    with ReplicaServer(DEFAULT_SITE_DIR.parent / "site_wordpress", host="127.0.0.2") as wordpress:
        assert wordpress.origin.startswith("http://127.0.0.2:")
        status, headers, body = fetch(wordpress.origin, "/feed/")
        assert status == 200 and headers["content-type"] == "application/rss+xml; charset=UTF-8"
        assert f"<link>{wordpress.origin}/2026/10/12/" in body.decode()
        assert fetch(wordpress.origin, "/")[1]["content-type"] == "text/html; charset=utf-8"
    with ReplicaServer(DEFAULT_SITE_DIR.parent / "site_dnn", host="127.0.0.4") as portal:
        status, headers, body = fetch(portal.origin, "/Default.aspx?ArticleID=1241&tabid=57")
        assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
        assert fetch(portal.origin, "/SiteMap.aspx")[1]["content-type"] == "text/xml; charset=utf-8"
