"""A generated page of N item cards and N paragraphs, of any size: the shape that made the
listing test quadratic (issue 25: 101.6 s for 1 MB; at the 8 MB download cap, about 100 minutes
for one page). Each card is what listing.py looks for (a heading link to another page of the site,
a date, an excerpt); each paragraph is body text of the page's own, so every line of the body is
asked about every card.

    .venv/bin/python -m benchmarks.cardpage 1 8     # seconds to read a 1 MB and an 8 MB page
"""

from __future__ import annotations

import argparse
import time

HEAD = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Tin tức</title></head>"
    "<body><h1>Tin tức</h1><div class='main'>"
)
TAIL = "</div></body></html>"


def _card(k: int) -> str:
    return (
        f"<div class='item'><h3><a href='/tin/bai-viet-so-{k}.html'>Tiêu đề của bài viết số {k} về hoạt động</a>"
        f"</h3><span>Đăng ngày {1 + k % 28:02d}/10/2025</span>"
        f"<p>Tóm tắt bài viết số {k}: sinh viên tham gia hoạt động tình nguyện.</p></div>"
    )


def _paragraph(k: int) -> str:
    return f"<p>Đoạn văn số {k} của trang, nói về Đại học Thái Nguyên và các trường thành viên trong năm học.</p>"


def card_page(size: int) -> bytes:
    """A page of at least `size` bytes (UTF-8): cards and paragraphs taking turns."""
    parts = [HEAD]
    total = len(HEAD.encode()) + len(TAIL.encode())
    k = 0
    while total < size:
        unit = _card(k) + _paragraph(k)
        parts.append(unit)
        total += len(unit.encode())
        k += 1
    parts.append(TAIL)
    return "".join(parts).encode()


def main(argv: list[str] | None = None) -> None:
    from crawler.extract.article import read_article

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("megabytes", type=float, nargs="+")
    args = parser.parse_args(argv)
    for megabytes in args.megabytes:
        page = card_page(int(megabytes * 1024 * 1024))
        started = time.perf_counter()
        reading = read_article(page, "http://127.0.0.1:8000/chuyen-muc/tin-tuc")
        elapsed = time.perf_counter() - started
        print(f"{len(page):>10} bytes  {elapsed:7.2f} s  is_article={reading.article.is_article}")


if __name__ == "__main__":
    main()
