"""The fault site: a small replica of tnu.edu.vn rendered by tests/site/build.py, and the faults
`crawler.replica.faults.FaultServer` applies to it (issue 5.1).

Every page that is served with a fault is a real article of the site (in its listings and in the
ground truth), so once the server behaves again the next run can be checked against what the
page really says. `build(out)` writes the site and returns a `FaultSite`.

Three groups of URLs:
- GOOD: plain articles; archived complete by the faulty run already.
- OUTAGE: answer with a fault while the server is faulty (truncated, reset, slow, 429, 503s,
  redirect loop, redirect to another host, over DOWNLOAD_MAXSIZE; images answering HTML or cut
  short); a run after `faulty = False` must archive them.
- HOSTILE: hostile by nature, whatever the server's state (windows-1258, broken HTML, XSS
  payloads, data:/javascript: URLs, SQL in a title and a URL, corrupt and bomb images, odd image
  paths, a listing with thousands of links); the faulty run already archives them, safely.
"""

from __future__ import annotations

import struct
import sys
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.replica.faults import Body, Fault, Header, Oversize, Redirect, Reset, Slow, Status, Truncate
from crawler.replica.server import file_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "site"))
import build  # noqa: E402  (tests/site/build.py: the replica's own generator and templates)

# Settings of the faulty run: short enough to keep the suite fast, and the slow page slower.
# Not shorter: on a 2-core machine kept busy by other jobs a good page on loopback took over 2 s,
# timed out, and its extra fetch_log row failed the assertions about the good pages.
DOWNLOAD_TIMEOUT = 5
SLOW_SECONDS = 15
RETRY_TIMES = 2  # the short 503 burst (2) is absorbed by the retries; the long one is not
DOWNLOAD_MAXSIZE = 400_000
OVERSIZE = 600_000
RETRY_AFTER = 4  # seconds the 429 asks for: longer than any wait the queue alone would cause

SQL_TITLE = "'); DROP TABLE articles; --"
BIG_LISTING = "/news/nhieu-lien-ket.html"
# A 1x1 PNG, the bytes of a data: URI image.
_DOT_PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

PARAS = (
    (
        "Sáng ngày 12/5, Đại học Thái Nguyên tổ chức Hội nghị với sự tham dự của lãnh đạo các trường đại học "
        "thành viên, các đơn vị trực thuộc và đông đảo cán bộ, giảng viên, người học."
    ),
    (
        "Phát biểu tại Hội nghị, lãnh đạo Đại học Thái Nguyên đề nghị các đơn vị tiếp tục đổi mới phương pháp "
        "giảng dạy, đẩy mạnh nghiên cứu khoa học và chuyển đổi số trong quản trị đại học."
    ),
    (
        "Dịp này, nhiều tập thể và cá nhân có thành tích xuất sắc đã được khen thưởng; Hội nghị cũng thống nhất "
        "kế hoạch triển khai nhiệm vụ trọng tâm trong thời gian tới."
    ),
)

XSS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle r=1></circle></svg>",
    '<a href="javascript:alert(1)">liên kết js</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">liên kết data</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">thực thể</a>',
    '<a href="jav&#x09;ascript&colon;alert(1)">thực thể hex</a>',
    '<iframe src="http://127.0.0.1:9/"></iframe>',
    '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type="submit" value="gửi"></form>',
    '<p onclick="alert(1)" style="x:expression(alert(1))">đoạn có sự kiện</p>',
)


def _p(text: str, html: str | None = None) -> dict[str, str]:
    return {"p": text, "html": html} if html is not None else {"p": text}


def _article(
    path: str,
    title: str,
    *,
    layout: str = "old",
    date: str = "2021-05-12",
    cat: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    if layout == "new" and len(date) == 10:
        date += "T08:30"
    return {
        "layout": layout,
        "path": path,
        "title": title,
        "date": date,
        "views": 321,
        "author": "Phòng Truyền thông",
        "cat": cat or ("dang" if layout == "old" else "tonghop"),
        "blocks": blocks if blocks is not None else [_p(t) for t in PARAS],
        **extra,
    }


def _img(src: str, seed: int, caption: str = "Toàn cảnh Hội nghị (ảnh: Minh Đức)") -> dict[str, Any]:
    return build.img(
        src, seed=seed, w=320, h=200, alt="Ảnh minh họa", caption=caption, credit="Minh Đức", style="next_p"
    )


def _pictured(seed: int) -> list[dict[str, Any]]:
    """Three paragraphs and a picture: what most news articles are."""
    return _with_images(_img(f"/Uploads/images/2021/05/anh-{seed}.jpg", seed))


def _with_images(*images: dict[str, Any]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [_p(PARAS[0])]
    for image in images:
        blocks += [image]
    return blocks + [_p(PARAS[1]), _p(PARAS[2])]


# --- image bytes ---------------------------------------------------------------------------------


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header claiming width x height pixels (10^10: Pillow's bomb guard must refuse
    it), with one tiny compressed row as data: a few hundred bytes on the wire."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def corrupt_jpeg() -> bytes:
    """JPEG magic bytes, then noise: what a half-uploaded or damaged file looks like."""
    noise = bytes((i * 73 + 41) % 256 for i in range(3000))
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + noise


HTML_UNDER_IMAGE = (
    "<!DOCTYPE html><html><head><title>Lỗi</title></head><body><h1>Không tìm thấy tệp</h1></body></html>"
).encode()


# --- windows-1258 ----------------------------------------------------------------------------------


def to_cp1258(text: str) -> bytes:
    """Vietnamese in windows-1258 as legacy editors wrote it: a precomposed base letter where
    the code page has one (â ê ô ă ơ ư đ), the tone as a combining mark after it."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        for keep in range(len(marks)):  # which mark stays composed with the base letter
            head = unicodedata.normalize("NFC", base + marks[keep])
            rest = "".join(m for i, m in enumerate(marks) if i != keep)
            try:
                out += head.encode("cp1258") + rest.encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)


# --- broken HTML -----------------------------------------------------------------------------------


def break_html(page: str) -> str:
    """What a hand-edited old page looks like: unclosed paragraphs, upper-case tags, unquoted
    attributes, stray end tags, a NUL byte, a bad entity, no end of document, an open comment."""
    body_start = page.index('<div class="news-content">')
    head, body = page[:body_start], page[body_start:]
    body = body.replace("</p>", "").replace('<p style="text-align: justify;">', "<P STYLE=text-align:justify>")
    head = head.replace(
        '<div class="breadcrumb">', '</span></td></tr><<>>\x00 &#xZZ; &nbsp <div class="breadcrumb">', 1
    )
    end = body.index("</body>")
    return head + body[:end] + "<div class=unclosed><b><i>x</b></i><!-- never closed"


# --- the site ---------------------------------------------------------------------------------------


@dataclass
class FaultSite:
    root: Path
    expected: dict[str, Any]  # write_site's ground truth
    faults: dict[str, Fault]  # path -> fault, for FaultServer
    good: list[str]  # article paths archived complete by the faulty run
    recovered: dict[str, str]  # article path -> the fault its retries outlast within the faulty run
    outage: dict[str, str]  # article path -> what it meets while the server is faulty
    hostile: dict[str, str]  # article path -> what is hostile about it
    images: dict[str, str] = field(default_factory=dict)  # image src path -> its fault
    big_listing_articles: list[str] = field(default_factory=list)


P = {  # article paths by role
    "good_old": "/hoi-nghi-can-bo-vien-chuc-nam-2021-dn7001.html",
    "good_old_2": "/sinh-vien-nghien-cuu-khoa-hoc-dn7002.html",
    "good_new": "/tin-tuc-su-kien/hoi-thao-chuyen-doi-so.html?categoryId=1",
    "good_new_2": "/tin-tuc-su-kien/tuyen-sinh-sau-dai-hoc.html?categoryId=3",
    "truncated": "/bao-cao-tong-ket-nam-hoc-dn7011.html",
    "reset": "/le-ky-niem-ngay-nha-giao-dn7012.html",
    "slow": "/hoi-nghi-khoa-hoc-tre-dn7013.html",
    "too_many": "/tin-tuc-su-kien/hop-tac-quoc-te-nhat-ban.html?categoryId=7",
    "busy": "/giai-bong-da-sinh-vien-dn7015.html",
    "busy_short": "/ngay-hoi-viec-lam-dn7016.html",
    "loop": "/thong-bao-lich-thi-dn7017.html",
    "other_host": "/trao-hoc-bong-dn7019.html",
    "oversize": "/tin-tuc-su-kien/bao-cao-thuong-nien.html?categoryId=5",
    "oversize_stream": "/tin-tuc-su-kien/so-lieu-thong-ke.html?categoryId=3",
    "cp1258": "/hoi-thao-ngon-ngu-hoc-dn7021.html",
    "broken": "/thong-bao-nghi-le-dn7022.html",
    "xss": "/tin-tuc-su-kien/bai-viet-co-ma-doc.html?categoryId=1",
    "data_js": "/lien-ket-la-dn7024.html",
    "sql": "/tin-tuc-su-kien/tieu-de-khong-an-toan.html?categoryId=1&id=1%27%3B--",
    "image_outage": "/tin-tuc-su-kien/trien-lam-anh.html?categoryId=5",
    "image_bad": "/anh-hong-dn7031.html",
    "image_paths": "/duong-dan-anh-la-dn7032.html",
}
LOOP_PARTNER = "/vong-lap-dn7018.html"

IMG = {  # image src paths by role
    "html": "/uploads/2025/05/anh-tra-ve-html.jpg",
    "cut": "/uploads/2025/05/anh-bi-cat.jpg",
    "corrupt": "/Uploads/images/2021/05/anh-hong.jpg",
    "bomb": "/Uploads/images/2021/05/anh-khong-lo.png",
    "traversal": "/Uploads/images/2021/05/..%2F..%2F..%2F..%2F..%2Fthoat-ra-ngoai.jpg",
    "vietnamese": "/Uploads/images/2021/05/ảnh hội nghị số 1.jpg",
    "mixed": "/Uploads/images/2021/05/..%2Fthư mục%2F..%2Fảnh 2.jpg",
}


def articles() -> list[dict[str, Any]]:
    plain = [
        _article(
            P["good_old"],
            "Hội nghị cán bộ, viên chức năm 2021",
            blocks=_with_images(_img("/Uploads/images/2021/05/hoi-nghi-can-bo.jpg", 701)),
        ),
        _article(P["good_old_2"], "Sinh viên nghiên cứu khoa học", cat="khcn"),
        _article(
            P["good_new"],
            "Hội thảo chuyển đổi số trong giáo dục đại học",
            layout="new",
            blocks=_with_images(_img("/uploads/2025/05/hoi-thao-chuyen-doi-so.jpg", 702)),
        ),
        _article(
            P["good_new_2"],
            "Tuyển sinh đào tạo sau đại học năm 2025",
            layout="new",
            cat="daotao",
            blocks=_with_images(
                _img("/uploads/2025/05/tuyen-sinh-1.jpg", 703),
                _img("/uploads/2025/05/tuyen-sinh-2.jpg", 704, "Thí sinh làm thủ tục (ảnh: Minh Đức)"),
            ),
        ),
        _article(P["truncated"], "Báo cáo tổng kết năm học 2020 - 2021", blocks=_pictured(721)),
        _article(P["reset"], "Lễ kỷ niệm Ngày Nhà giáo Việt Nam 20/11", blocks=_pictured(722)),
        _article(P["slow"], "Hội nghị khoa học trẻ lần thứ nhất", cat="khcn", blocks=_pictured(723)),
        _article(
            P["too_many"],
            "Hợp tác quốc tế với các trường đại học Nhật Bản",
            layout="new",
            cat="htqt",
            blocks=_pictured(724),
        ),
        _article(P["busy"], "Giải bóng đá sinh viên Đại học Thái Nguyên", blocks=_pictured(725)),
        _article(P["busy_short"], "Ngày hội việc làm cho sinh viên", blocks=_pictured(726)),
        _article(P["loop"], "Thông báo lịch thi học kỳ II", cat="daotao", blocks=_pictured(727)),
        _article(P["other_host"], "Trao học bổng cho sinh viên vượt khó", blocks=_pictured(728)),
        _article(
            P["oversize"], "Báo cáo thường niên về khoa học công nghệ", layout="new", cat="khcn", blocks=_pictured(729)
        ),
        _article(
            P["oversize_stream"],
            "Số liệu thống kê tuyển sinh các năm",
            layout="new",
            cat="daotao",
            blocks=_pictured(730),
        ),
        _article(
            P["cp1258"],
            "Hội thảo ngôn ngữ học: tiếng Việt – những điều kỳ diệu của dấu thanh",
            blocks=[
                _p(
                    "Ở Đại học Thái Nguyên, hội thảo “Ngữ âm tiếng Việt” quy tụ nhiều nhà nghiên cứu: "
                    "ngữ điệu, thanh điệu, phương ngữ Bắc Bộ và Nam Bộ."
                ),
                _p(
                    "Các tham luận bàn về dấu hỏi, dấu ngã, dấu nặng; chữ ơ, ư, ă, â, ê, ô và đ; "
                    "những từ như “khuỷu”, “nghiêng”, “giường”, “người”, “thuở”, “Nguyễn”."
                ),
                _p(PARAS[2]),
            ],
        ),
        _article(P["broken"], "Thông báo nghỉ lễ Quốc khánh 2/9"),
        _article(
            P["xss"],
            "Bài viết có mã độc trong nội dung",
            layout="new",
            blocks=[
                _p(PARAS[0]),
                _p("", "".join(XSS)),
                _p(PARAS[1]),
            ],
        ),
        _article(
            P["data_js"],
            "Liên kết lạ trong bài viết",
            blocks=[
                _p(PARAS[0]),
                _p(
                    "Xem chi tiết",
                    '<a href="javascript:void(0)">Xem</a> <a href="data:text/html,%3Ch1%3Ehi">chi tiết</a>',
                ),
                {
                    "p": "",
                    "html": f'<img src="data:image/png;base64,{_DOT_PNG_BASE64}" alt="ảnh nhúng">'
                    '<img src="javascript:alert(1)" alt="ảnh js">',
                },
                _img("/Uploads/images/2021/05/lien-ket-la.jpg", 705),
                _p(PARAS[1]),
            ],
        ),
        _article(P["sql"], SQL_TITLE, layout="new"),
        _article(
            P["image_outage"],
            "Triển lãm ảnh nghệ thuật của sinh viên",
            layout="new",
            cat="khcn",
            blocks=_with_images(_img(IMG["html"], 711), _img(IMG["cut"], 712)),
        ),
        _article(
            P["image_bad"],
            "Ảnh hỏng trong bài viết",
            blocks=_with_images(_img(IMG["corrupt"], 713), _img(IMG["bomb"], 714)),
        ),
        _article(
            P["image_paths"],
            "Đường dẫn ảnh lạ",
            blocks=_with_images(_img(IMG["traversal"], 715), _img(IMG["vietnamese"], 716), _img(IMG["mixed"], 717)),
        ),
    ]
    return plain


def _big_listing(paths: list[str], offsite: int = 5, filler: int = 3000) -> str:
    """A listing with thousands of links: every article many times over (absolute, relative,
    with fragments), pages that are not articles, javascript:/data:/mailto: links, article-shaped
    links on another host, the private area."""
    links = []
    for i in range(filler):
        kind = i % 6
        if kind == 0:
            path = paths[i % len(paths)]
            links.append(f'<a href="{path}#c{i}">{i}</a>')
        elif kind == 1:
            links.append(f'<a href="{{{{ORIGIN}}}}{paths[i % len(paths)]}">{i}</a>')
        elif kind == 2:
            links.append(f'<a href="/gioi-thieu/trang-{i}.html">{i}</a>')
        elif kind == 3:
            links.append(f'<a href="javascript:void({i})">{i}</a>')
        elif kind == 4:
            links.append(f'<a href="data:text/html,{i}">{i}</a><a href="mailto:a{i}@tnu.edu.vn">m</a>')
        else:
            links.append(f'<a href="/account/dang-nhap?r={i}">{i}</a>')
    for i in range(offsite):
        links.append(f'<a href="{{{{OTHER_ORIGIN}}}}/tin-tuc-su-kien/bai-ngoai-{i}.html">ngoài {i}</a>')
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Tất cả tin</title></head><body>'
        '<h1>Tất cả tin</h1><div class="news-list">' + "\n".join(links) + "</div></body></html>\n"
    )


def build_site(out: Path) -> FaultSite:
    arts = articles()
    expected = build.write_site(out, arts, [], readme=False)
    www = out / "www"

    def rewrite(path: str, transform) -> None:
        target = www / file_for(path)
        target.write_bytes(transform(target.read_text(encoding="utf-8")))

    rewrite(
        P["cp1258"], lambda page: to_cp1258(page.replace('<meta charset="utf-8">', '<meta charset="windows-1258">'))
    )
    rewrite(P["broken"], lambda page: break_html(page).encode("utf-8"))
    (www / file_for(BIG_LISTING)).parent.mkdir(parents=True, exist_ok=True)
    (www / file_for(BIG_LISTING)).write_text(_big_listing(list(expected["articles"])), encoding="utf-8")
    real_jpeg = (www / IMG["traversal"].lstrip("/")).read_bytes()  # write_site drew it under its literal name

    faults: dict[str, Fault] = {
        P["truncated"]: Truncate(),
        P["reset"]: Reset(),
        P["slow"]: Slow(seconds=SLOW_SECONDS),
        P["too_many"]: Status(429, {"Retry-After": str(RETRY_AFTER)}, times=1),
        P["busy"]: Status(503),
        P["busy_short"]: Status(503, times=2),
        P["loop"]: Redirect(LOOP_PARTNER),
        LOOP_PARTNER: Redirect(P["loop"]),
        P["other_host"]: Redirect("{{OTHER_ORIGIN}}" + P["other_host"]),
        P["oversize"]: Oversize(OVERSIZE),
        P["oversize_stream"]: Oversize(OVERSIZE, announce=False),
        P["cp1258"]: Header({"Content-Type": "text/html; charset=windows-1258"}, always=True),
        IMG["html"]: Body(HTML_UNDER_IMAGE, "text/html; charset=utf-8"),
        IMG["cut"]: Truncate(),
        IMG["corrupt"]: Body(corrupt_jpeg(), "image/jpeg", always=True),
        IMG["bomb"]: Body(bomb_png(), "image/png", always=True),
        # the server itself would refuse a path that leaves its folder; this one answers a picture
        IMG["traversal"]: Body(real_jpeg, "image/jpeg", always=True),
        IMG["mixed"]: Body(real_jpeg[:-2] + b"\x00\xff\xd9", "image/jpeg", always=True),
    }
    good = [P[k] for k in ("good_old", "good_old_2", "good_new", "good_new_2")]
    outage = {
        P[k]: k for k in ("truncated", "reset", "slow", "busy", "loop", "other_host", "oversize", "oversize_stream")
    }
    recovered = {P[k]: k for k in ("too_many", "busy_short")}
    hostile = {
        P[k]: k for k in ("cp1258", "broken", "xss", "data_js", "sql", "image_outage", "image_bad", "image_paths")
    }
    images = {src: name for name, src in IMG.items()}
    return FaultSite(out, expected, faults, good, recovered, outage, hostile, images, list(expected["articles"]))
