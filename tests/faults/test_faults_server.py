"""The fault mode of the replica as a client meets it on the wire (http.client over loopback)."""

from __future__ import annotations

import http.client
import socket
import time

import pytest

from crawler.replica.faults import Body, FaultServer, Header, Oversize, Redirect, Reset, Slow, Status, Truncate

PAGE = b'<html><head><meta charset="utf-8"><title>x</title></head><body><p>{{ORIGIN}}</p></body></html>'


@pytest.fixture
def site(tmp_path):
    (tmp_path / "www" / "tin").mkdir(parents=True)
    for name in ("a.html", "cut.html", "rst.html", "slow.html", "busy.html", "big.html", "stream.html", "hdr.html"):
        (tmp_path / "www" / name).write_bytes(PAGE)
    (tmp_path / "www" / "tin" / "ảnh số 1.jpg").write_bytes(b"\xff\xd8\xff real")
    return tmp_path


def get(server: FaultServer, path: str, timeout: float = 2) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", int(server.origin.rsplit(":", 1)[1]), timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_truncate_announces_the_whole_body_and_sends_half(site):
    with FaultServer(site, {"/cut.html": Truncate()}) as server:
        with pytest.raises(http.client.IncompleteRead) as info:
            get(server, "/cut.html")
        assert len(info.value.partial) == len(PAGE.replace(b"{{ORIGIN}}", server.origin.encode())) // 2


def test_reset_aborts_the_connection(site):
    with (
        FaultServer(site, {"/rst.html": Reset()}) as server,
        pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)),
    ):
        get(server, "/rst.html")


def test_slow_answers_after_the_client_gave_up(site):
    with FaultServer(site, {"/slow.html": Slow(seconds=1.0)}) as server:
        started = time.monotonic()
        with pytest.raises(socket.timeout):
            get(server, "/slow.html", timeout=0.3)
        assert time.monotonic() - started >= 0.3  # it waited its whole timeout (a busy machine only adds)
        status, _, body = get(server, "/slow.html", timeout=30)  # a patient client gets the page
        assert status == 200 and b"<title>x</title>" in body


def test_status_with_times_then_the_page_and_the_log_says_so(site):
    with FaultServer(
        site, {"/busy.html": Status(503, times=2), "/a.html": Status(429, {"Retry-After": "7"})}
    ) as server:
        assert [get(server, "/busy.html")[0] for _ in range(3)] == [503, 503, 200]
        status, headers, _ = get(server, "/a.html")
        assert (status, headers["retry-after"]) == (429, "7")
        assert [(r.path, r.status) for r in server.requests] == [
            ("/busy.html", 503),
            ("/busy.html", 503),
            ("/busy.html", 200),
            ("/a.html", 429),
        ]
        assert server.applied == [("/busy.html", "status_503"), ("/busy.html", "status_503"), ("/a.html", "status_429")]
        assert [(path, status) for _, path, status in server.timeline][-1] == ("/a.html", 429)


def test_redirects_to_this_host_and_to_the_other(site):
    faults = {
        "/loop-1.html": Redirect("/loop-2.html"),
        "/away.html": Redirect("{{OTHER_ORIGIN}}/away.html", status=302),
    }
    with FaultServer(site, faults) as server:
        status, headers, _ = get(server, "/loop-1.html")
        assert (status, headers["location"]) == (301, server.origin + "/loop-2.html")
        status, headers, _ = get(server, "/away.html")
        assert (status, headers["location"]) == (302, server.other_origin + "/away.html")


def test_oversize_announced_and_streamed(site):
    faults = {"/big.html": Oversize(50_000), "/stream.html": Oversize(50_000, announce=False)}
    with FaultServer(site, faults) as server:
        status, headers, body = get(server, "/big.html")
        assert status == 200 and int(headers["content-length"]) == len(body) == 50_000
        assert body.startswith(b"<html>") and body.endswith(b"-->")
        status, headers, body = get(server, "/stream.html")
        assert status == 200 and "content-length" not in headers and len(body) == 50_000


def test_body_and_header_replacements(site):
    faults = {
        "/tin/ảnh số 1.jpg": Body(b"<html>{{ORIGIN}}</html>", "text/html; charset=utf-8"),
        "/hdr.html": Header({"Content-Type": "text/html; charset=windows-1258"}, always=True),
    }
    with FaultServer(site, faults) as server:
        # the fault is found whatever the percent-encoding of the request
        status, headers, body = get(server, "/tin/%E1%BA%A3nh%20s%E1%BB%91%201.jpg")
        assert (status, headers["content-type"], body) == (
            200,
            "text/html; charset=utf-8",
            f"<html>{server.origin}</html>".encode(),
        )
        assert get(server, "/hdr.html")[1]["content-type"] == "text/html; charset=windows-1258"


def test_healed_server_answers_as_the_replica_except_always_faults(site):
    faults = {"/busy.html": Status(503), "/hdr.html": Header({"X-Legacy": "1"}, always=True)}
    with FaultServer(site, faults) as server:
        assert get(server, "/busy.html")[0] == 503
        server.faulty = False
        assert get(server, "/busy.html")[0] == 200
        assert get(server, "/hdr.html")[1]["x-legacy"] == "1"
        assert get(server, "/tin/%E1%BA%A3nh%20s%E1%BB%91%201.jpg")[2] == b"\xff\xd8\xff real"


def test_faults_apply_to_the_site_host_only(site):
    (site / "_other").mkdir()
    (site / "_other" / "busy.html").write_bytes(PAGE)
    with FaultServer(site, {"/busy.html": Status(503)}) as server:
        port = int(server.other_origin.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/busy.html")
        assert conn.getresponse().status == 200
        conn.close()


def test_listens_on_loopback_only(site):
    with FaultServer(site, {}) as server:
        assert {s.server_address[0] for s in server._servers} == {"127.0.0.1"}
