"""crawler/recovery/candidates.py: captures of URLs no rule names, judged one URL at a time."""

from __future__ import annotations

from crawler.recovery.candidates import Candidates
from crawler.recovery.cdx import Capture


def captures(url: str, *timestamps: str) -> list[Capture]:
    return [Capture(url, t, 200, "text/html", f"D{t}") for t in timestamps]


def test_one_capture_a_url_its_newest_and_the_others_wait_for_its_verdict():
    candidates = Candidates(cap=5)
    old = captures("http://a.vn/Article/Details/1", "20120101000000", "20130101000000", "20140101000000")
    assert candidates.take(old[0].url, old) == old[-1]
    assert candidates.judging(old[0].url) and candidates.verdict(old[0].url) is None
    later = captures(old[0].url, "20150101000000")  # met on a later page of the index
    candidates.wait(old[0].url, later)
    assert candidates.judged(old[0].url, True) == [*old[:-1], *later]
    assert candidates.verdict(old[0].url) is True and not candidates.judging(old[0].url)


def test_a_url_that_is_no_article_lets_none_of_its_captures_through():
    candidates = Candidates(cap=5)
    home = captures("http://a.vn/gioi-thieu", "20120101000000", "20130101000000")
    candidates.take(home[0].url, home)
    assert candidates.judged(home[0].url, False) == []
    assert candidates.verdict(home[0].url) is False


def test_a_capture_that_could_not_be_read_gives_no_verdict():
    candidates = Candidates(cap=5)
    page = captures("http://a.vn/x", "20120101000000", "20130101000000")
    candidates.take(page[0].url, page)
    assert candidates.judged(page[0].url, None) == []
    assert candidates.verdict(page[0].url) is None and not candidates.judging(page[0].url)


def test_the_cap_counts_urls_not_captures():
    candidates = Candidates(cap=2)
    for n in range(2):
        assert candidates.take(f"http://a.vn/{n}", captures(f"http://a.vn/{n}", "20120101000000", "20130101000000"))
    assert candidates.take("http://a.vn/2", captures("http://a.vn/2", "20120101000000")) is None
    assert Candidates(cap=0).take("http://a.vn/0", captures("http://a.vn/0", "20120101000000")) is None
