"""A WACZ of the two crawls, checked with the reference validator (`wacz validate`)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile

import pytest
from warc_support import BIN

from archive.captures.wacz import WaczError, write_wacz


@pytest.fixture(scope="module")
def wacz_file(crawls, tmp_path_factory):
    pages = [
        {"url": crawls.url("/tin/a.html"), "title": "Hội nghị sơ kết công tác tuyên giáo"},
        {"url": crawls.url("/tin/moi.html"), "title": "Bài đã chuyển"},
        {"url": crawls.url("/never-crawled.html"), "title": "not in the WARCs"},
    ]
    out = tmp_path_factory.mktemp("wacz") / "export" / "tnu.wacz"
    return write_wacz([crawls.first, crawls.second], pages, out, title="tnu-archive test")


def test_wacz_validates_with_the_reference_tool(wacz_file):
    proc = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(wacz_file)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation succeeded, the passed WACZ is valid" in proc.stdout
    assert "Version detected as 1.1.1" in proc.stdout


def test_wacz_holds_the_warcs_unchanged_and_uncompressed(crawls, wacz_file):
    with zipfile.ZipFile(wacz_file) as zf:
        for warc in (crawls.first, crawls.second):
            info = zf.getinfo(f"archive/{warc.name}")
            # Players read records by byte range: WARCs must be stored, not deflated.
            assert info.compress_type == zipfile.ZIP_STORED
            assert zf.read(info) == warc.read_bytes()
        assert {"indexes/index.cdx.gz", "indexes/index.idx"} <= set(zf.namelist())


def test_pages_list_the_archived_articles_with_their_titles(crawls, wacz_file):
    with zipfile.ZipFile(wacz_file) as zf:
        lines = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode("utf-8").splitlines()]
    assert lines[0]["format"] == "json-pages-1.0"
    pages = {p["url"]: p for p in lines[1:]}
    assert set(pages) == {crawls.url("/tin/a.html"), crawls.url("/tin/moi.html")}
    assert pages[crawls.url("/tin/a.html")]["title"] == "Hội nghị sơ kết công tác tuyên giáo"
    assert all(p["ts"].endswith("Z") for p in pages.values())


def test_datapackage_lists_the_sha256_of_every_file(wacz_file):
    with zipfile.ZipFile(wacz_file) as zf:
        package_bytes = zf.read("datapackage.json")
        package = json.loads(package_bytes)
        digest = json.loads(zf.read("datapackage-digest.json"))
        files = set(zf.namelist()) - {"datapackage.json", "datapackage-digest.json"}
        assert {r["path"] for r in package["resources"]} == files
        for resource in package["resources"]:
            assert resource["hash"] == "sha256:" + hashlib.sha256(zf.read(resource["path"])).hexdigest()
    assert package["wacz_version"] == "1.1.1"
    assert digest["hash"] == "sha256:" + hashlib.sha256(package_bytes).hexdigest()


def test_two_warcs_with_one_name_are_refused(crawls, tmp_path):
    copy = tmp_path / crawls.first.name
    copy.write_bytes(crawls.first.read_bytes())
    with pytest.raises(WaczError, match="share a name"):
        write_wacz([crawls.first, copy], [], tmp_path / "x.wacz")
    assert not (tmp_path / "x.wacz").exists()
