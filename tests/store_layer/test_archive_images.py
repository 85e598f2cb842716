"""archive/storage/images.py: sniffing, header-only dimensions, content-addressed atomic files."""

from __future__ import annotations

import os
import struct
import tracemalloc
import zlib

import pytest

from archive.storage.images import NotAnImage, inspect_image, write_image


def _png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG header (valid CRCs) that claims a size, with a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "fmt, mime, ext",
    [
        ("PNG", "image/png", "png"),
        ("JPEG", "image/jpeg", "jpg"),
        ("GIF", "image/gif", "gif"),
        ("WEBP", "image/webp", "webp"),
        ("BMP", "image/bmp", "bmp"),
        ("TIFF", "image/tiff", "tif"),
    ],
)
def test_inspect_sniffs_type_and_reads_size(image_bytes, fmt, mime, ext):
    body = image_bytes(fmt, (40, 30))
    info = inspect_image(body)
    assert (info.mime, info.width, info.height, info.bytes) == (mime, 40, 30, len(body))
    assert info.path == f"{info.sha256[:2]}/{info.sha256}.{ext}"


def test_svg_is_an_image_without_pixel_size():
    info = inspect_image(b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10"></svg>')
    assert (info.mime, info.width, info.height) == ("image/svg+xml", None, None)
    assert info.path.endswith(".svg")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!DOCTYPE html><html><head><title>404</title></head><body>Not found</body></html>",
        b"\n<html><body><svg></svg></body></html>",  # an HTML page with an inline svg is still a page
        b"plain text, no image at all",
    ],
)
def test_what_is_not_an_image_is_refused(body):
    with pytest.raises(NotAnImage):
        inspect_image(body)


def test_corrupt_jpeg_is_kept_without_size():
    body = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
    info = inspect_image(body)
    assert (info.mime, info.width, info.height) == ("image/jpeg", None, None)


def test_truncated_jpeg_keeps_the_size_its_header_gives():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.effect_noise((64, 48), 80).convert("RGB").save(buffer, "JPEG")  # noise: a long scan
    body = buffer.getvalue()
    assert len(body) > 2000
    info = inspect_image(body[: len(body) // 2])
    assert (info.mime, info.width, info.height) == ("image/jpeg", 64, 48)


def test_decompression_bomb_header_gives_no_size_and_allocates_nothing():
    body = _png_claiming(100_000, 100_000)
    tracemalloc.start()
    try:
        info = inspect_image(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (info.mime, info.width, info.height) == ("image/png", None, None)
    assert peak < 2_000_000  # decoding would take 30 GB


def test_header_just_above_the_pixel_limit_is_not_trusted_either():
    from PIL import Image

    side = int(Image.MAX_IMAGE_PIXELS**0.5) + 10  # only a warning for Pillow: between 1x and 2x
    info = inspect_image(_png_claiming(side, side))
    assert (info.width, info.height) == (None, None)


def test_write_image_stores_original_bytes_under_sha(tmp_path, image_bytes):
    body = image_bytes("JPEG", (20, 20))
    info = write_image(tmp_path, body)
    target = tmp_path / info.path
    assert target.read_bytes() == body
    assert target.parent.name == info.sha256[:2]
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temp file left behind


def test_write_image_leaves_an_existing_file_alone(tmp_path, image_bytes):
    body = image_bytes()
    info = write_image(tmp_path, body)
    target = tmp_path / info.path
    before = target.stat()
    os.utime(target, (1, 1))
    assert write_image(tmp_path, body) == info
    after = target.stat()
    assert (after.st_ino, after.st_mtime) == (before.st_ino, 1)


def test_write_image_replaces_a_truncated_file(tmp_path, image_bytes):
    body = image_bytes()
    info = write_image(tmp_path, body)
    target = tmp_path / info.path
    target.write_bytes(body[:10])  # what a crash of an older, non-atomic writer could leave
    write_image(tmp_path, body)
    assert target.read_bytes() == body


def test_failed_write_leaves_no_temp_file(tmp_path, image_bytes):
    body = image_bytes()
    info = inspect_image(body)
    target = tmp_path / info.path
    target.mkdir(parents=True)  # the rename onto a directory fails
    with pytest.raises(OSError):
        write_image(tmp_path, body)
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_write_image_refuses_html_and_writes_nothing(tmp_path):
    with pytest.raises(NotAnImage):
        write_image(tmp_path, b"<html><body>oops</body></html>")
    assert list(tmp_path.iterdir()) == []
