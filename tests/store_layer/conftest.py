"""Fixtures of the archive tests: a real archive in a temporary folder, real image bytes.

No __init__.py here on purpose: a package named `archive` under tests/ would shadow the real one.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from PIL import Image

from archive.record import Article, ImageRef
from archive.store import Archive


@pytest.fixture
def archive(tmp_path) -> Iterator[Archive]:
    store = Archive(tmp_path / "tnu.sqlite", tmp_path / "images")
    yield store
    store.close()


@pytest.fixture
def image_bytes() -> Callable[..., bytes]:
    """image_bytes("PNG", (w, h), color) -> the bytes Pillow writes for a solid image."""

    def make(fmt: str = "PNG", size: tuple[int, int] = (32, 24), color: str = "red") -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", size, color).save(buffer, fmt)
        return buffer.getvalue()

    return make


@pytest.fixture
def make_article() -> Callable[..., Article]:
    """An article like the seed one; keyword arguments override fields."""

    def make(**fields) -> Article:
        base = dict(
            url="http://tnu.edu.vn/so-ket-cong-tac-tuyen-giao-dn5001.html",
            title="Sơ kết công tác tuyên giáo 6 tháng đầu năm 2020",
            published_at="2020-07-15",
            published_text="15-07-2020",
            views=550,
            body_text="Ngày 13/7, Cụm thi đua số 2 ngành Tuyên giáo tỉnh Thái Nguyên đã tổ chức sơ kết.\n\n"
            "Cụm thi đua gồm 07 đơn vị, có Đảng ủy Đại học Thái Nguyên.",
            body_html="<p>Ngày 13/7, Cụm thi đua số 2…</p>",
            author="Thanh Loan – TNU Media",
            category="Tin tức - Sự kiện",
            images=(
                ImageRef(
                    0,
                    "http://tnu.edu.vn/Uploads/15-7-2020-TG-1.jpg",
                    caption="Đồng chí Hoàng Anh Trung phát biểu (ảnh: Nguyễn Thanh Hà)",
                    alt="TG-1",
                    credit="Nguyễn Thanh Hà",
                ),
                ImageRef(
                    1,
                    "http://tnu.edu.vn/Uploads/15-7-2020-TG-2.jpg",
                    caption="Đoàn thăm và tặng quà gia đình ông Nguyễn Trọng Tòa (ảnh: Nguyễn Thanh Hà).",
                    credit="Nguyễn Thanh Hà",
                ),
            ),
        )
        base.update(fields)
        return Article(**base)

    return make


def row_counts(archive: Archive) -> dict[str, int]:
    """Rows in every table of the archive (FTS shadow tables included)."""
    names = [r[0] for r in archive.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {name: archive.db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


@pytest.fixture
def counts() -> Callable[[Archive], dict[str, int]]:
    return row_counts
