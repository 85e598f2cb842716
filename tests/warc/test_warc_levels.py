"""Compression by payload: images and gzip bodies stored as they are, HTML deflated; both readable."""

from __future__ import annotations

import io
import os
import subprocess
import zlib

from PIL import Image
from warc_support import BIN

from archive.captures.warc_index import CaptureLedger, read_capture
from archive.captures.warc_writer import HttpExchange, WarcRecorder
from archive.db import connect

URL = "http://127.0.0.1:8/tin/a.html"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3)).save(out, "JPEG", quality=90)
    return out.getvalue()


def _member(path, offset: int, length: int) -> tuple[bytes, bytes]:
    """The raw gzip member of a record and what it inflates to."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        raw = fh.read(length)
    return raw, zlib.decompress(raw, zlib.MAX_WBITS | 16)


def test_images_are_stored_html_is_compressed_and_warcio_checks_both(tmp_path):
    db = connect(tmp_path / "tnu.sqlite")
    recorder = WarcRecorder(tmp_path / "warc", CaptureLedger(db), "run")
    jpeg = _jpeg()
    html = ("<p>Đại học Thái Nguyên tổ chức hội nghị khoa học.</p>" * 400).encode()
    image = recorder.record(HttpExchange(URL + "?img", "GET", [], b"", 200, [("Content-Type", "image/jpeg")], jpeg))
    page = recorder.record(HttpExchange(URL, "GET", [], b"", 200, [("Content-Type", "text/html; charset=utf-8")], html))
    recorder.close()
    db.close()

    raw, inflated = _member(recorder.path, image.offset, image.length)
    assert jpeg in inflated and len(raw) > len(inflated)  # stored blocks: never smaller
    raw, inflated = _member(recorder.path, page.offset, page.length)
    assert html in inflated and len(raw) < len(html) // 10
    assert read_capture(recorder.path, image.offset).body == jpeg
    assert read_capture(recorder.path, page.offset).body == html
    check = subprocess.run([str(BIN / "warcio"), "check", "-v", str(recorder.path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
