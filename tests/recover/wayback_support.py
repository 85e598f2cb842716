"""A real pywb over WARC files of the replica's old-layout pages, recorded under their real
`http://tnu.edu.vn/…` addresses, on a free loopback port (for the recover tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WWW = Path(__file__).resolve().parents[1] / "site" / "www"
SITE = "http://tnu.edu.vn"
COLLECTION = "tnu"


@dataclass(frozen=True)
class Record:
    """One response as a web archive captured it."""

    url: str
    timestamp: str  # YYYYMMDDhhmmss
    body: bytes
    status: int = 200
    mime: str = "text/html; charset=utf-8"
    location: str | None = None


def page(name: str) -> bytes:
    return (WWW / name).read_bytes()


def write_warc(path: Path, records: list[Record]) -> Path:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for record in records:
            headers = [("Content-Type", record.mime), ("Content-Length", str(len(record.body)))]
            if record.location:
                headers.append(("Location", record.location))
            reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}.get(record.status, "X")
            http = StatusAndHeaders(f"{record.status} {reason}", headers, protocol="HTTP/1.1")
            date = datetime.strptime(record.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            warc = writer.create_warc_record(
                record.url,
                "response",
                payload=BytesIO(record.body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date.strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
            writer.write_record(warc)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Pywb:
    """`wayback` serving one collection built with pywb's own manager (wb-manager)."""

    def __init__(self, root: Path, warcs: list[Path]):
        self.root = root
        self.warcs = warcs
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def cdx_api(self) -> str:
        return f"http://127.0.0.1:{self.port}/{COLLECTION}/cdx"

    @property
    def replay(self) -> str:
        return f"http://127.0.0.1:{self.port}/{COLLECTION}/"

    def __enter__(self) -> Pywb:
        bin_dir = Path(sys.executable).parent
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        manager = str(bin_dir / "wb-manager")
        subprocess.run([manager, "init", COLLECTION], cwd=self.root, check=True, env=env, capture_output=True)
        subprocess.run(
            [manager, "add", COLLECTION, *map(str, self.warcs)], cwd=self.root, check=True, env=env, capture_output=True
        )
        self.log = (self.root / "pywb.log").open("wb")
        self.process = subprocess.Popen(
            [str(bin_dir / "wayback"), "-b", "127.0.0.1", "-p", str(self.port)],
            cwd=self.root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pywb exited: {(self.root / 'pywb.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("pywb did not start listening within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- the captures the tests recover --------------------------------------------------------------

SEED = "so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn5521.html"
SEED_URL = f"{SITE}/{SEED}"
SECOND = "tuoi-tre-dai-hoc-thai-nguyen-ra-quan-chien-dich-thanh-nien-tinh-nguyen-he-2020-dn5488.html"
SECOND_URL = f"{SITE}/{SECOND}"
STATIC_URL = f"{SITE}/lich-su-dn45.html"
LISTING_URL = f"{SITE}/news/tin-tuc-su-kien.html"
GONE_URL = f"{SITE}/bai-da-xoa-dn5000.html"
MOVED_URL = f"{SITE}/bai-cu-dn5520.html"
IMG = f"{SITE}/Uploads/images/2020/07/15-7-2020-TG-%d.jpg"
TNTN = f"{SITE}/Uploads/images/2020/06/tntn-he-2020-%d.jpg"

# The seed article as first published: another headline, 120 views.
OLD_TITLE = "Sơ kết tuyên giáo 6 tháng đầu năm 2020"
TITLE = "Sơ kết công tác tuyên giáo 6 tháng đầu năm 2020"


def seed_page(views: str, *, title: str = TITLE) -> bytes:
    text = page(SEED).decode("utf-8")
    assert "550 lần đọc" in text and f">{TITLE}</h1>" in text
    return text.replace("550 lần đọc", f"{views} lần đọc").replace(f">{TITLE}</h1>", f">{title}</h1>").encode()


def image(path: str) -> bytes:
    return page(f"Uploads/images/{path}")


def tnu_records() -> list[Record]:
    """Several captures of the seed article (views 120 with the first headline, then 300, 550,
    and 550 again byte for byte), two of its images (the third never captured), a second
    article, a 404, a redirect, a listing and a static page."""
    jpeg = "image/jpeg"
    return [
        Record(SEED_URL, "20200801030000", seed_page("120", title=OLD_TITLE)),
        Record(IMG % 1, "20200801030500", image("2020/07/15-7-2020-TG-1.jpg"), mime=jpeg),
        Record(SEED_URL, "20200901030000", seed_page("300")),
        Record(SEED_URL, "20201001030000", seed_page("550")),
        Record(IMG % 2, "20201001031000", image("2020/07/15-7-2020-TG-2.jpg"), mime=jpeg),
        Record(SEED_URL, "20201015030000", seed_page("550")),  # identical: one fetch for both
        Record(SECOND_URL, "20210301000000", page(SECOND)),
        Record(TNTN % 1, "20210301000100", image("2020/06/tntn-he-2020-1.jpg"), mime=jpeg),
        Record(STATIC_URL, "20200901040000", page("lich-su-dn45.html")),
        Record(LISTING_URL, "20200901050000", page("news/tin-tuc-su-kien.html")),
        Record(GONE_URL, "20200901060000", b"<html><body>Not found</body></html>", status=404),
        Record(MOVED_URL, "20200901070000", b"", status=301, location=SEED_URL),
    ]
