"""crawler/fetching/errors.py names failures only with the archive's kinds (archive/error_kinds.py), which
the data dictionary explains: no kind the crawler records goes undocumented."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

from archive.error_kinds import ERROR_KINDS, HTTP_PREFIX
from crawler.fetching import errors


@pytest.mark.parametrize("types", [types for types, _ in errors._KINDS])
def test_every_named_exception_gets_a_documented_kind(types):
    exception = (types[0] if isinstance(types, tuple) else types)()
    assert errors.error_kind(exception) in ERROR_KINDS


@pytest.mark.parametrize(
    "exception",
    [
        IgnoreRequest("Forbidden by robots.txt"),
        IgnoreRequest("Filtered offsite request to 'example.org'"),
        IgnoreRequest("something else"),
        DownloadCancelledError("Cancelling download: maxsize exceeded"),
    ],
)
def test_filtered_and_cancelled_requests_get_documented_kinds(exception):
    assert errors.error_kind(exception) in ERROR_KINDS


def test_an_http_error_is_named_by_its_status():
    assert errors.status_kind(404) == "http_404" and errors.status_kind(404).startswith(HTTP_PREFIX)
    assert errors.status_kind(301) is None
