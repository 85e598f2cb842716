"""An image shown by several articles is one download a run: here an article of 2019 that also
shows the photograph of an article of 2021, under the same URL."""

from __future__ import annotations

import pytest
from cron_support import copy_site, edit_page, query, requested_images
from e2e_support import crawl

from crawler.replica.server import ReplicaServer

OWNER = "/dai-hoc-thai-nguyen-co-5-de-tai-duoc-quy-nafosted-tai-tro-dn5903.html"
BORROWER = "/hoi-nghi-pho-bien-van-ban-phap-quy-moi-ve-giao-duc-dai-hoc-dn5102.html"
SHARED = "/Uploads/images/2021/03/nafosted-2021.jpg"
# One request at a time: the second article is read after the first one's image is downloaded.
ONE_AT_A_TIME = ("--set", "CONCURRENT_REQUESTS=1", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shared-images")
    site = copy_site(folder / "site")
    caption = "(ảnh: Hồng Nhung)</em></td></tr></tbody></table>"
    edit_page(site, BORROWER, caption, f'{caption}<p><img src="{SHARED}" alt="Nhóm nghiên cứu" /></p>')
    db_path = folder / "data" / "tnu.sqlite"
    with ReplicaServer(site) as server:
        result = crawl(server, db_path, folder / "data" / "images", *ONE_AT_A_TIME)
        requests = list(server.requests)
    return result, requests, db_path


def test_the_shared_image_is_requested_once(shared):
    result, requests, _ = shared
    assert result.returncode == 0, result.stderr[-3000:]
    assert requested_images(requests).count(SHARED) == 1


def test_both_articles_show_the_same_stored_image(shared):
    _, _, db_path = shared
    rows = query(
        db_path,
        "SELECT a.url, ai.image_sha256 FROM article_images ai JOIN articles a ON a.id = ai.article_id"
        " WHERE ai.src_url LIKE ? ORDER BY a.url",
        ["%" + SHARED],
    )
    assert [url.split("/", 3)[-1] for url, _ in rows] == sorted([OWNER[1:], BORROWER[1:]])
    assert rows[0][1] is not None and rows[0][1] == rows[1][1]
