"""Content-addressed image files: images/<first two hex>/<sha256>.<ext>, original bytes untouched.

The type is sniffed from the bytes, never trusted from the URL or the Content-Type header (the
site serves HTML error pages with status 200 under image URLs). Pillow reads only the header,
so a hostile or broken file costs neither memory nor time.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sqlite3
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from archive.lifeline import process_alive


@dataclass(frozen=True)
class ImageInfo:
    sha256: str  # of the bytes as received
    path: str  # relative to the images folder, always with "/"
    mime: str | None
    width: int | None  # None when the header cannot be read or claims a decompression bomb
    height: int | None
    bytes: int


# A file being written is `<folder>/.tmp-<pid>-<random>.part` until its rename: the pid tells a
# later run whether the writer is still alive or was killed and left it behind.
TEMP_PREFIX, TEMP_SUFFIX = ".tmp-", ".part"


class NotAnImage(ValueError):
    """The bytes are not an image (an HTML error page under an image URL, an empty body)."""


# (magic prefix, offset, mime, extension). Order matters only where prefixes overlap.
_MAGIC: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"GIF87a", 0, "image/gif", "gif"),
    (b"GIF89a", 0, "image/gif", "gif"),
    (b"BM", 0, "image/bmp", "bmp"),
    (b"II*\x00", 0, "image/tiff", "tif"),
    (b"MM\x00*", 0, "image/tiff", "tif"),
    (b"\x00\x00\x01\x00", 0, "image/vnd.microsoft.icon", "ico"),
)

# ISO-BMFF brands (bytes 8..12 after "ftyp" at 4..8).
_FTYP_BRANDS: dict[bytes, tuple[str, str]] = {
    b"avif": ("image/avif", "avif"),
    b"avis": ("image/avif", "avif"),
    b"heic": ("image/heic", "heic"),
    b"heix": ("image/heic", "heic"),
    b"mif1": ("image/heif", "heif"),
}

_EXT_BY_MIME = {mime: ext for _, _, mime, ext in _MAGIC} | {
    "image/webp": "webp",
    "image/svg+xml": "svg",
    **{mime: ext for mime, ext in _FTYP_BRANDS.values()},
}


def sniff(body: bytes) -> tuple[str, str] | None:
    """(mime, extension) from the magic bytes, or None when no known image type matches."""
    for magic, offset, mime, ext in _MAGIC:
        if body[offset : offset + len(magic)] == magic:
            return mime, ext
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp", "webp"
    if body[4:8] == b"ftyp" and body[8:12] in _FTYP_BRANDS:
        return _FTYP_BRANDS[body[8:12]]
    if _looks_like_svg(body):
        return "image/svg+xml", "svg"
    return None


def _looks_like_svg(body: bytes) -> bool:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")):
        return False
    return b"<svg" in head and b"<html" not in head


def _dimensions(body: bytes) -> tuple[int | None, int | None, str | None]:
    """Width, height and Pillow's mime from the header only; (None, None, None) when unreadable."""
    with warnings.catch_warnings():
        # Between MAX_IMAGE_PIXELS and twice that Pillow only warns; the archive treats both
        # levels alike: a header claiming that many pixels is not trusted.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Image.open parses the header and allocates no pixel buffer; load() is never called.
            with Image.open(io.BytesIO(body)) as im:
                width, height = im.size
                return width, height, Image.MIME.get(im.format or "")
        except (
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
            UnidentifiedImageError,
            OSError,
            ValueError,
            SyntaxError,  # some Pillow plugins signal broken headers this way
            EOFError,
        ):
            return None, None, None


def inspect_image(body: bytes) -> ImageInfo:
    """Describe image bytes; NotAnImage when they are not an image at all.

    Bytes of a known image type whose header cannot be read are kept (width/height None):
    a broken file is still what the site served.
    """
    if not body:
        raise NotAnImage("empty body")
    sniffed = sniff(body)
    if sniffed is not None and sniffed[0] == "image/svg+xml":
        width = height = None  # vector: no pixel size worth reporting
        mime, ext = sniffed
    else:
        width, height, pillow_mime = _dimensions(body)
        if sniffed is not None:
            mime, ext = sniffed
        elif pillow_mime is not None:
            # A format without a magic entry above that Pillow still recognises.
            mime, ext = pillow_mime, _EXT_BY_MIME.get(pillow_mime) or pillow_mime.rsplit("/", 1)[-1]
        else:
            raise NotAnImage(f"not an image: starts with {body[:16]!r}")
    sha = hashlib.sha256(body).hexdigest()
    return ImageInfo(
        sha256=sha,
        path=f"{sha[:2]}/{sha}.{ext}",
        mime=mime,
        width=width,
        height=height,
        bytes=len(body),
    )


def write_image(images_dir: Path, body: bytes) -> ImageInfo:
    """Store the bytes under their sha256; a no-op when the same file is already there.

    Written to a temporary name in the same folder, fsynced, then renamed: a reader or a killed
    crawl never sees a half-written file under the final name.
    """
    info = inspect_image(body)
    target = Path(images_dir) / info.path
    try:
        if target.stat().st_size == info.bytes:
            return info
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            # mkstemp creates the file 0600; an image is as public as the page that showed it,
            # so it gets what any new file gets (0666 less the umask), like the database.
            os.fchmod(handle.fileno(), _new_file_mode())
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)
    return info


def _new_file_mode() -> int:
    """0666 less the process's umask, read without changing it (the writer's threads share it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    # Elsewhere: set and restore, the only portable way to read it.
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def remove_abandoned_temp_files(images_dir: str | Path) -> list[Path]:
    """Delete the temporary files of writers that are gone (a crawl killed between writing an
    image and renaming it); a live process's file is left alone. Returns what was deleted."""
    removed = []
    for path in Path(images_dir).glob(f"*/{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        pid = path.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and process_alive(int(pid)):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, harmless to skip there.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def images_folder_problem(conn: sqlite3.Connection, images_dir: str | Path) -> str | None:
    """What is wrong when the images folder is gone or empty while the archive lists images
    (a folder moved, a disk not mounted); None when nothing is."""
    images_dir = Path(images_dir)
    count = conn.execute("SELECT count(*) FROM images").fetchone()[0]
    if not count:
        return None
    if not images_dir.is_dir():
        state = "is missing"
    elif not any(images_dir.iterdir()):
        state = "is empty"
    else:
        return None
    return (
        f"the images folder {images_dir} {state} but the archive lists {count} image files "
        "(run `tnu-archive verify --repair` to restore them from the WARC captures)"
    )
