"""No fetches into private networks (issue 15.1): a hostile page on the crawled site points its
images, and a redirect, at addresses outside the public internet. Each is refused before any
connection, recorded as `blocked_address`, and nothing of it reaches the WARC.

The crawl starts on 127.0.0.1, which opens 127.0.0.0/8 and nothing else. The observed target is
a real HTTP server on the IPv6 loopback [::1] (another block): it counts every connection, and
the last test shows it does answer a crawl that is allowed to reach it, so its zero is a real
zero. The other targets are documentation addresses (192.0.2.0/24), never routable: written as
an address, as an IPv4-mapped IPv6 address, and as a number that only a resolver turns into an
address (the resolver's check). Only loopback is ever contacted.
"""

from __future__ import annotations

import gzip
import http.client
import http.server
import ipaddress
import socket
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from faults_support import Sandbox
from w3lib.url import safe_url_string

from archive.outcome import EXIT_FAILED
from crawler.fetching.addresses import AddressPolicy, parse_networks, policy_for, special_block
from crawler.replica.faults import FaultServer, Redirect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "site"))
import build  # noqa: E402  (tests/site/build.py: the replica's own generator and templates)

ARTICLE = "/canh-bao-an-ninh-mang-dn7101.html"
GOOD = "/Uploads/images/2021/05/anh-hop-le.jpg"
HOP = "/Uploads/images/2021/05/anh-chuyen-huong.jpg"  # answers 302 to the private target
OTHER_GOOD = "{{OTHER_ORIGIN}}/photos/2021/05/anh-tren-localhost.jpg"  # localhost: 127.0.0.1, open
DOC_LITERAL = "http://192.0.2.7/latest/meta-data/iam/anh.jpg"
DOC_MAPPED = "http://[::ffff:192.0.2.8]/latest/meta-data/anh.jpg"
DOC_NAME = f"http://{int(ipaddress.ip_address('192.0.2.9'))}/latest/meta-data/anh.jpg"  # a name to the resolver
JPEG = build.draw(7, 40, 30, "jpeg")


class Target:
    """An HTTP server on [::1] that counts connections and answers any image with a JPEG."""

    def __init__(self) -> None:
        self.connections = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def setup(self) -> None:
                outer.connections += 1
                super().setup()

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                found = self.path.endswith(".jpg")
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "image/jpeg" if found else "text/plain")
                body = JPEG if found else b"no"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6
            daemon_threads = True

        self.server = Server(("::1", 0), Handler)
        self.origin = f"http://[::1]:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Target:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def target():
    try:
        with Target() as server:
            yield server
    except OSError as exc:  # pragma: no cover - a machine without IPv6 loopback
        pytest.skip(f"no IPv6 loopback: {exc}")


def write_site(root: Path, target: Target) -> dict[str, str]:
    """One article whose images go everywhere; returns the image URLs by role (site paths
    still carry {{ORIGIN}}-less form: the caller makes them absolute)."""
    srcs = {
        "good": GOOD,
        "other_good": OTHER_GOOD,
        "hop": HOP,
        "v6_loopback": f"{target.origin}/latest/meta-data/iam/security-credentials/anh.jpg",
        "doc_literal": DOC_LITERAL,
        "doc_mapped": DOC_MAPPED,
        "doc_name": DOC_NAME,
    }
    blocks: list[dict] = [build.p("Cảnh báo về an ninh mạng trong trường đại học.")]
    for seed, (role, src) in enumerate(srcs.items(), start=1):
        status = 200 if role in ("good", "other_good") else 302 if role == "hop" else 0
        blocks.append(
            build.img(
                src,
                seed=100 + seed,
                w=320,
                h=200,
                alt=f"ảnh {role}",
                caption=f"Ảnh {role}",
                credit="Minh Đức",
                style="next_p",
                status=status,
            )
        )
    blocks.append(build.p("Hội nghị đã thống nhất các biện pháp bảo vệ dữ liệu."))
    article = {
        "layout": "old",
        "path": ARTICLE,
        "title": "Cảnh báo an ninh mạng",
        "date": "2021-05-12",
        "views": 12,
        "author": "Phòng Truyền thông",
        "cat": "dang",
        "blocks": blocks,
    }
    build.write_site(root, [article], [], readme=False)
    return srcs


def crawl(tmp_path: Path, target: Target, *extra: str):
    srcs = write_site(tmp_path / "site", target)
    sandbox = Sandbox(tmp_path / "crawl")
    faults = {HOP: Redirect(f"{target.origin}/latest/meta-data/hop.jpg", status=302)}
    with FaultServer(tmp_path / "site", faults) as server:
        run = sandbox.crawl(server, "--set", "DOWNLOAD_TIMEOUT=10", *extra)
        site_urls = {
            role: (server.origin + src if src.startswith("/") else src.replace("{{OTHER_ORIGIN}}", server.other_origin))
            for role, src in srcs.items()
        }
    return run, sandbox, site_urls


def test_private_targets_are_refused_recorded_and_never_connected_to(tmp_path, target):
    run, sandbox, urls = crawl(tmp_path, target)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr and "CRITICAL" not in run.stderr, run.stderr[-6000:]
    assert target.connections == 0  # never connected to, not even for its robots.txt

    db = sqlite_utils.Database(sandbox.db)
    sources = {r["src_url"]: r for r in db.query("SELECT * FROM image_sources")}
    blocked = ("v6_loopback", "doc_literal", "doc_mapped", "doc_name", "hop")
    for role in blocked:
        row = sources[urls[role]]
        assert (row["error"], row["status"], row["image_sha256"]) == ("blocked_address", None, None), (role, row)
    for role in ("good", "other_good"):  # the start URL's own block (127.0.0.0/8) stays open
        assert sources[urls[role]]["image_sha256"] and sources[urls[role]]["error"] is None, role

    fetches = list(db.query("SELECT url, status, error FROM fetch_log"))
    private_hosts = ("[::1]", "192.0.2.", "[::ffff:192.0.2.8]", DOC_NAME.split("/")[2])
    to_private = [f for f in fetches if any(f["url"].split("/")[2].startswith(h) for h in private_hosts)]
    # every request to them failed before any answer: the images, the redirect's hop, their robots.txt
    assert to_private and all((f["status"], f["error"]) == (None, "blocked_address") for f in to_private), to_private
    refused = {f["url"] for f in to_private}
    for role in ("v6_loopback", "doc_literal", "doc_mapped", "doc_name"):
        # as Scrapy requests it: w3lib 2.6 writes the integer host of doc_name as 192.0.2.9
        assert safe_url_string(urls[role]) in refused, role
    assert f"{target.origin}/latest/meta-data/hop.jpg" in refused  # the redirect hop itself
    assert f"{target.origin}/robots.txt" in refused
    hop = next(f for f in fetches if f["url"] == urls["hop"])
    assert (hop["status"], hop["error"]) == (302, None)  # the site's own answer is logged as it came

    # nothing of theirs in the captures or the WARC files
    assert not [
        u
        for (u,) in db.execute("SELECT url FROM captures")
        if any(u.split("/")[2].startswith(h) for h in private_hosts)
    ]
    warc = b"".join(
        gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        for p in (sandbox.data / "warc").rglob("*.warc*")
    )
    assert b"WARC-Target-URI: " + urls["good"].encode() in warc  # the WARC is where captures go
    for marker in (b"[::1]", b"192.0.2.", DOC_NAME.split("/")[2].encode() + b"/latest"):
        assert b"WARC-Target-URI: http://" + marker not in warc
    assert JPEG not in warc

    article = next(db.query("SELECT id FROM articles"))
    assert db.execute("SELECT count(*) FROM article_images WHERE article_id = ?", [article["id"]]).fetchone()[0] == 7
    assert sandbox.stray_files() == []


def test_a_network_the_operator_opens_is_crawled(tmp_path, target):
    """ALLOWED_PRIVATE_NETWORKS opens a block: the same page's [::1] image is fetched (so the
    zero connections above are the guard's doing), while 192.0.2.0/24 stays refused."""
    run, sandbox, urls = crawl(tmp_path, target, "--set", "ALLOWED_PRIVATE_NETWORKS=::1/128")
    assert run.returncode == 0, run.stderr[-3000:]
    assert target.connections >= 1
    db = sqlite_utils.Database(sandbox.db)
    sources = {r["src_url"]: r for r in db.query("SELECT * FROM image_sources")}
    assert sources[urls["v6_loopback"]]["image_sha256"] and sources[urls["hop"]]["image_sha256"]
    assert sources[urls["doc_literal"]]["error"] == "blocked_address"


class Proxy(Target):
    """A forward HTTP proxy on [::1] (the operator's, so trusted wherever it lives) that only
    ever forwards to loopback: it lists every URL it was asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.asked.append(self.path)
                parts = urlsplit(self.path)
                if parts.hostname not in ("127.0.0.1", "localhost"):
                    self.send_error(502)  # a test never leaves loopback, whatever the crawler asks
                    return
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                conn.request(
                    "GET",
                    target,
                    headers={
                        k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")
                    },
                )
                answer = conn.getresponse()
                body = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                conn.close()

            def log_message(self, *args) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6
            daemon_threads = True

        self.connections = 0
        self.server = Server(("::1", 0), Handler)
        self.origin = f"http://[::1]:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


def test_through_a_proxy_the_targets_are_checked_before_the_proxy_is_asked(tmp_path, target, monkeypatch):
    with Proxy() as proxy:
        monkeypatch.setenv("http_proxy", proxy.origin)
        monkeypatch.setenv("no_proxy", "")
        monkeypatch.delenv("NO_PROXY", raising=False)
        run, sandbox, urls = crawl(tmp_path, target)
    assert run.returncode == 0, run.stderr[-3000:]
    assert target.connections == 0
    assert any(u.startswith(urls["good"].split("/Uploads")[0]) for u in proxy.asked)  # it went through the proxy
    asked = set(proxy.asked)
    for role in ("v6_loopback", "doc_literal", "doc_mapped", "doc_name"):
        assert urls[role] not in asked, role
    assert not [u for u in asked if "192.0.2." in u or "[::1]" in u or DOC_NAME.split("/")[2] in u]
    sources = {r["src_url"]: r for r in sqlite_utils.Database(sandbox.db).query("SELECT * FROM image_sources")}
    for role in ("v6_loopback", "doc_literal", "doc_mapped", "doc_name", "hop"):
        assert sources[urls[role]]["error"] == "blocked_address", role
    assert sources[urls["good"]]["image_sha256"]


def test_a_malformed_allowed_network_is_one_line(tmp_path):
    (tmp_path / "site" / "www").mkdir(parents=True)
    (tmp_path / "site" / "www" / "index.html").write_text("<html></html>", encoding="utf-8")
    with FaultServer(tmp_path / "site") as server:
        run = Sandbox(tmp_path / "crawl").crawl(server, "--set", "ALLOWED_PRIVATE_NETWORKS=10.0.0.0/33")
        assert server.requests == []
    assert run.returncode == EXIT_FAILED
    assert run.stderr.strip().splitlines() == [
        "tnu-archive: ALLOWED_PRIVATE_NETWORKS: '10.0.0.0/33' is not an IP network (write it as 10.0.0.0/8)"
    ]


# --- the rule itself (crawler/fetching/addresses.py) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("169.254.169.254", "link-local"),
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "shared"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("255.255.255.255", "reserved"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        # IPv6 forms that reach an IPv4 address are judged by it
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:a9fe:a9fe", "link-local"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("2002:a9fe:a9fe::1", "link-local"),
        ("::ffff:10.0.0.1", "private"),
    ],
)
def test_special_addresses_are_refused(address, name):
    assert special_block(ipaddress.ip_address(address))[1] == name
    assert AddressPolicy().refusal(address).startswith(f"{address} is a {name} address")


@pytest.mark.parametrize("address", ["8.8.8.8", "14.160.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"])
def test_public_addresses_pass(address):
    assert AddressPolicy().refusal(address) is None


def test_the_start_hosts_block_opens_and_no_other():
    policy = policy_for(["127.0.0.1"])
    assert policy.allowed == (ipaddress.ip_network("127.0.0.0/8"),)
    assert policy.refusal("127.0.0.2") is None and policy.refusal("::ffff:127.0.0.1") is None
    for other in ("169.254.169.254", "10.0.0.1", "192.168.0.1", "::1", "192.0.2.1"):
        assert policy.refusal(other) is not None, other
    assert policy_for(["14.160.0.1"]).allowed == ()  # a public site opens nothing
    opened = policy_for(["14.160.0.1"], ["10.0.0.0/8", "fd00::/8"])
    assert opened.refusal("10.9.9.9") is None and opened.refusal("fd00::5") is None
    assert opened.refusal("172.16.0.1") is not None


def test_allowed_networks_are_checked():
    assert parse_networks(["10.0.0.0/8", " 192.168.1.7 ", ""]) == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.168.1.7/32"),
    )
    with pytest.raises(ValueError, match="'intranet' is not an IP network"):
        parse_networks(["intranet"])


def test_probe_refuses_a_redirect_into_another_private_block(target):
    """`probe` fetches through urllib, not the crawl's guarded resolver: a page on 127.0.0.1
    that redirects to [::1] (another block) is refused in one line, and [::1] is never asked."""
    from crawler.operations.probe import ProbeError, probe

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(302)
            self.send_header("Location", f"{target.origin}/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(ProbeError, match="blocked_address"):
            probe(f"http://127.0.0.1:{server.server_address[1]}/bai-viet")
    finally:
        server.shutdown()
        server.server_close()
    assert target.connections == 0
