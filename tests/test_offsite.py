"""crawler/fetching/offsite.py on_hosts: the one rule of which hosts' pages are followed (Scrapy's offsite
filter's), shared by the spider, the fetch log and the progress display."""

from __future__ import annotations

import pytest

from crawler.fetching.offsite import on_hosts

START_HOSTS = ["tnu.edu.vn", "127.0.0.1"]


@pytest.mark.parametrize(
    ("host", "followed"),
    [
        ("tnu.edu.vn", True),
        ("TNU.edu.vn", True),  # host names are case-insensitive
        ("dhsp.tnu.edu.vn", True),  # a subdomain of a start host
        ("127.0.0.1", True),
        ("nottnu.edu.vn", False),  # a suffix, not a subdomain
        ("tnu.edu.vn.example.org", False),
        ("edu.vn", False),  # the parent domain is another site
        ("", False),
        (None, False),  # a URL without a host
    ],
)
def test_a_start_host_and_its_subdomains_are_on_the_site(host, followed):
    assert on_hosts(host, START_HOSTS) is followed


def test_no_start_host_leaves_nothing_on_the_site():
    assert on_hosts("tnu.edu.vn", []) is False
