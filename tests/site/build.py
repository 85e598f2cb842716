"""Generate the replica of tnu.edu.vn served by `crawler.replica.server` and its ground truth.

    .venv/bin/python tests/site/build.py [--force-images]

Writes (all committed):
  www/            the site's own host: pages, images, robots.txt (a URL's query is part of the
                  file name: `/news/x.html?page=2` -> `www/news/x.html__page=2`, see crawler/replica/server.py)
  _other/         the "other host" (images hot-linked from elsewhere, an off-site page)
  routes.json     what static files cannot say: 301 redirects, pages that answer 500 once
  expected.json   the ground truth every extraction and end-to-end test asserts against

Data (ARTICLES, STATIC_PAGES, categories) lives here; the HTML lives in layouts.py. Images are
drawn once with Pillow and kept: existing image files are not rewritten (their bytes are part
of the fixtures) unless --force-images.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import unicodedata
from io import BytesIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import layouts  # noqa: E402

from crawler.replica.server import file_for  # noqa: E402  (one mapping for the writer and the server)

HERE = Path(__file__).resolve().parent
OLD_PER_PAGE = 3
NEW_PER_PAGE = 4

# --- categories ----------------------------------------------------------------------------
# Old CMS: /news/<cat>[/<sub>].html; crumbs are what the breadcrumb shows (last = category).
OLD_ROOT = ("Tin tức - Sự kiện", "/news/tin-tuc-su-kien.html")
OLD_CATS = {
    "dang": ("Hoạt động Đảng, Đoàn thể", "/news/tin-tuc-su-kien/hoat-dong-dang-doan-the.html"),
    "khcn": ("Khoa học và Công nghệ", "/news/tin-tuc-su-kien/khoa-hoc-va-cong-nghe.html"),
    "daotao": ("Đào tạo", "/news/dao-tao.html"),
}
# 2026: /tin-tuc-su-kien.html?categoryId=<n>
NEW_ROOT = ("Tin tức - Sự kiện", "/tin-tuc-su-kien.html")
NEW_CATS = {
    "tonghop": ("Tin tổng hợp", "/tin-tuc-su-kien.html?categoryId=1"),
    "daotao": ("Đào tạo", "/tin-tuc-su-kien.html?categoryId=3"),
    "khcn": ("Khoa học - Công nghệ", "/tin-tuc-su-kien.html?categoryId=5"),
    "htqt": ("Hợp tác quốc tế", "/tin-tuc-su-kien.html?categoryId=7"),
}
EN_ROOT = ("News & Events", "/en/tin-tuc-su-kien.html")


def old_crumbs(cat: str) -> list[tuple[str, str]]:
    name, href = OLD_CATS[cat]
    return [OLD_ROOT, (name, href)] if href.startswith(OLD_ROOT[1][:-5] + "/") else [(name, href)]


def new_crumbs(cat: str) -> list[tuple[str, str]]:
    return [NEW_ROOT, NEW_CATS[cat]]


def img(src: str, *, seed: int, w: int = 600, h: int = 400, **kw: Any) -> dict[str, Any]:
    """An image block; `seed` draws its picture, `status=404` leaves the file absent."""
    return {"img": {"src": src, "seed": seed, "width": w, "height": h, **kw}}


def p(text: str) -> dict[str, str]:
    return {"p": text}


# --- articles ------------------------------------------------------------------------------
SEED_PATH = "/so-ket-cong-tac-tuyen-giao-6-thang-dau-nam-2020-dn5521.html"

ARTICLES: list[dict[str, Any]] = [
    {
        # The seed article, word for word (tests/../shared/seed/000_7eb5ce8c7b2191ef.txt).
        "layout": "old",
        "path": SEED_PATH,
        "title": "Sơ kết công tác tuyên giáo 6 tháng đầu năm 2020",
        "date": "2020-07-15",
        "views": 550,
        "author": "Thanh Loan – TNU Media",
        "cat": "dang",
        "varieties": ["seed", "caption as the next paragraph", "byline", "alt = file name"],
        "blocks": [
            p("Ngày 13/7, Cụm thi đua số 2 ngành Tuyên giáo tỉnh Thái Nguyên đã tổ chức sơ kết 6 tháng đầu năm 2020. Tham dự Hội nghị có đồng chí Hoàng Anh Trung – Phó trưởng ban thường trực Ban Tuyên giáo Tỉnh ủy và đại diện lãnh đạo các phòng chuyên môn của Ban (ảnh dưới)."),
            img("/Uploads/images/2020/07/15-7-2020-TG-1.jpg", seed=1, alt="15-7-2020-TG-1.jpg",
                caption="Đồng chí Hoàng Anh Trung – Phó trưởng ban thường trực Ban Tuyên giáo Tỉnh ủy phát biểu chỉ đạo tại Hội nghị (ảnh: Nguyễn Thanh Hà)",
                credit="Nguyễn Thanh Hà", style="next_p"),
            p("Cụm thi đua số 2 ngành tuyên giáo gồm 07 đơn vị: Đảng ủy Công an tỉnh, Đảng ủy Đại học Thái Nguyên, Đảng ủy Khối các cơ quan tỉnh, Đảng ủy Bộ chỉ huy quân sự tỉnh, Đảng ủy Bệnh viện Trung ương Thái Nguyên, Đảng ủy Công ty Cổ phần Kim loại màu Thái Nguyên – Vimico và Đảng ủy Công ty Cổ phần Gang thép."),
            p("Nhìn chung, 6 tháng đầu năm, công tác tuyên giáo của các đơn vị trong Cụm thi đua đã bám sát kế hoạch đề ra, đồng thời nhận được sự chỉ đạo sát sao của các cấp ủy các đơn vị và Ban Tuyên giáo Tỉnh ủy, hoạt động tuyên giáo đã góp phần đắc lực cho việc phục vụ nhiệm vụ chính trị của các đơn vị, tham mưu tốt cho cấp ủy triển khai các nghị quyết, chỉ thị của Đảng, duy trì tốt các mặt hoạt động theo chức năng nhiệm vụ của từng đơn vị. Phương pháp làm việc có những bước đổi mới, đội ngũ cán bộ làm công tác tuyên giáo đã nỗ lực hoàn thành tốt các nhiệm vụ được giao. Những kết quả đạt được trong công tác tuyên giáo của các đơn vị trong Cụm đã góp phần tích cực trong công tác xây dựng Đảng, xây dựng lực lượng, củng cố hệ thống chính trị, đảm bảo an ninh chính trị, phát triển kinh tế - xã hội ở địa phương."),
            img("/Uploads/images/2020/07/15-7-2020-TG-2.jpg", seed=2, alt="15-7-2020-TG-2.jpg",
                caption="Đoàn thăm và tặng quà gia đình ông Nguyễn Trọng Tòa – Phường Gia Sàng, Tp. Thái Nguyên, sinh năm 1936, thương binh 4/4 (ảnh: Nguyễn Thanh Hà).",
                credit="Nguyễn Thanh Hà", style="next_p"),
            p("6 tháng cuối năm 2020, các đơn vị trong Cụm thi đua xác định 05 nhiệm vụ trọng tâm, bao gồm: Một là, tiếp tục tham mưu tổ chức các hoạt động tuyên truyền, triển khai, tổng kết các nghị quyết, chỉ thị của Đảng, chính sách pháp luật của Nhà nước. Đặc biệt là đẩy mạnh tuyên truyền Đại hội đảng bộ các cấp, Đại hội đại biểu Đảng bộ tỉnh Thái Nguyên lần thứ XX tiến tới Đại hội đại biểu toàn quốc lần thứ XIII của Đảng. Hai là, tiếp tục chỉ đạo, thực hiện có hiệu quả Chỉ thị số 05 của Bộ Chính trị về đẩy mạnh việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh gắn với thực hiện Nghị quyết Hội nghị lần thứ tư, Ban Chấp hành TW Đảng (khóa XII). Ba là, thực hiện tốt các hoạt động tuyên truyền các sự kiện chính trị, kỷ niệm các ngày lễ lớn của đất nước, địa phương, đơn vị; tổ chức các hoạt động kỷ niệm 90 năm truyền thống ngành Tuyên giáo của Đảng Cộng sản; các hoạt động tình nghĩa; giao lưu văn hóa, văn nghệ giữa các đơn vị trong Cụm. Bốn là, thực hiện tốt công tác tuyên truyền, định hướng dư luận xã hội, gắn với công tác giáo dục truyền thông cách mạng, đạo đức, lối sống của cán bộ, đảng viên và nhân dân, tạo sự thống nhất cao trong Đảng và nhân dân; chủ động tham mưu với cấp ủy để chỉ đạo giải quyết những vấn đề nổi cộm, bức xúc trong cơ quan, đơn vị và nhân dân. Năm là, tiếp tục triển khai thực hiện Đề án số 04-ĐA/TU, ngày 10/10/2016 của Tỉnh ủy Thái Nguyên về “Tăng cường công tác nghiên cứu, biên soạn; tuyên truyền, giáo dục lịch sử truyền thống cách mạng, lịch sử đảng bộ địa phương cho cán bộ, đảng viên và nhân dân tỉnh Thái Nguyên, giai đoạn 2016 – 2020”."),
            img("/Uploads/images/2020/07/15-7-2020-TG-3.jpg", seed=3, alt="15-7-2020-TG-3.jpg",
                caption="Đoàn dâng hương tại Khu di tích lịch sử 915 (ảnh: Nguyễn Thanh Hà)",
                credit="Nguyễn Thanh Hà", style="next_p"),
            p("Trước đó, nhân dịp Kỷ niệm 73 năm Ngày Thương binh - Liệt sĩ (27/7/1947-27/7/2020) đại diện Ban tuyên giáo các đơn vị thuộc Cụm thi đua số 2 đã tổ chức dâng hương tại Khu Di tích Lịch sử Quốc gia địa điểm lưu niệm 60 TNXP Đại đội 915, Đội 91 Bắc Thái và tặng quà tri ân 03 gia đình chính sách và người có công tại Phường Gia Sàng, Tp. Thái Nguyên./."),
        ],
    },
    {
        "layout": "new",
        "path": "/tin-tuc-su-kien/dai-hoc-thai-nguyen-trien-khai-nhiem-vu-nam-2026.html?categoryId=1",
        "title": "Đại học Thái Nguyên triển khai nhiệm vụ năm 2026",
        "date": "2026-02-23T09:15",
        "views": 2045,
        "author": "Minh Đức",
        "cat": "tonghop",
        "varieties": ["2026 layout", "figure/figcaption", "caption 'Ảnh: …' as a line of its own",
                      "Lượt xem: 2.045", "date with time"],
        "blocks": [
            p("Sáng ngày 23/2, Đại học Thái Nguyên (ĐHTN) tổ chức Hội nghị tổng kết công tác năm 2025 và triển khai nhiệm vụ năm 2026. Tham dự Hội nghị có lãnh đạo ĐHTN, lãnh đạo các trường đại học thành viên, các đơn vị trực thuộc và đông đảo cán bộ, giảng viên."),
            img("/uploads/2026/02/hoi-nghi-trien-khai-nhiem-vu-2026-1.jpg", seed=11, w=800, h=533,
                alt="Giám đốc Đại học Thái Nguyên phát biểu tại Hội nghị",
                caption="Giám đốc Đại học Thái Nguyên phát biểu tại Hội nghị. Ảnh: Minh Đức",
                credit="Minh Đức", style="figure"),
            p("Năm 2025, ĐHTN đã hoàn thành toàn diện các nhiệm vụ trọng tâm: quy mô đào tạo tiếp tục được giữ vững với hơn 100.000 người học; số công bố quốc tế trong danh mục Scopus tăng 18% so với năm trước; nhiều chương trình đào tạo được kiểm định theo tiêu chuẩn khu vực và quốc tế."),
            p("Phát biểu chỉ đạo, Giám đốc ĐHTN đề nghị các đơn vị tập trung đổi mới chương trình đào tạo theo hướng tiếp cận năng lực, đẩy mạnh chuyển đổi số trong quản trị đại học, nâng cao chất lượng nghiên cứu khoa học và mở rộng hợp tác quốc tế."),
            img("/uploads/2026/02/hoi-nghi-trien-khai-nhiem-vu-2026-2.jpg", seed=12, w=800, h=533,
                alt="Các đại biểu tham dự Hội nghị",
                caption="Ảnh: Minh Đức", credit="Minh Đức", style="own_line"),
            p("Dịp này, ĐHTN đã khen thưởng 25 tập thể và 48 cá nhân có thành tích xuất sắc trong thực hiện nhiệm vụ năm học 2024 – 2025."),
        ],
    },
    {
        # Old CKEditor output: every Latin-1 letter as a named entity (`Ph&aacute;p quy`), title too.
        "layout": "old",
        "path": "/hoi-nghi-pho-bien-van-ban-phap-quy-moi-ve-giao-duc-dai-hoc-dn5102.html",
        "title": "Hội nghị phổ biến văn bản pháp quy mới về giáo dục đại học",
        "date": "2019-11-20",
        "views": 1234,
        "author": "Hồng Nhung",
        "cat": "daotao",
        "encoding": "entities",
        "varieties": ["HTML entities (body and title)", "caption table", "1.234 lần đọc"],
        "blocks": [
            p("Chiều ngày 19/11/2019, Đại học Thái Nguyên tổ chức Hội nghị phổ biến các văn bản pháp quy mới về giáo dục đại học cho cán bộ quản lý, giảng viên của các cơ sở giáo dục đại học thành viên và các đơn vị trực thuộc."),
            img("/Uploads/images/2019/11/hoi-nghi-phap-quy-2019.jpg", seed=21, w=640, h=427,
                alt="Hội nghị phổ biến văn bản pháp quy",
                caption="Toàn cảnh Hội nghị phổ biến văn bản pháp quy (ảnh: Hồng Nhung)",
                credit="Hồng Nhung", style="table"),
            p("Tại Hội nghị, các đại biểu đã được nghe báo cáo viên phổ biến những điểm mới của Luật sửa đổi, bổ sung một số điều của Luật Giáo dục đại học năm 2018 và Nghị định số 99/2019/NĐ-CP quy định chi tiết và hướng dẫn thi hành Luật; trong đó nhấn mạnh các quy định về quyền tự chủ, trách nhiệm giải trình và vai trò của hội đồng trường."),
            p("Hội nghị cũng dành nhiều thời gian trao đổi, thảo luận về những vướng mắc trong quá trình triển khai thực hiện các văn bản pháp quy tại các đơn vị; đề xuất với Bộ Giáo dục và Đào tạo các giải pháp hoàn thiện văn bản hướng dẫn trong thời gian tới."),
        ],
    },
    {
        # Text pasted in decomposed Unicode (NFD): the archive must store it NFC.
        "layout": "old",
        "path": "/hoi-thao-khoa-hoc-quoc-gia-ve-hoa-hoc-xanh-dn5687.html",
        "title": "Hội thảo khoa học quốc gia về hóa học xanh",
        "date": "2020-10-22",
        "views": 87,
        "author": "Thu Hằng",
        "cat": "khcn",
        "encoding": "nfd",
        "varieties": ["decomposed NFD text (title, body, caption, alt, byline)",
                      "same image bytes as a 2026 article under another URL"],
        "blocks": [
            p("Ngày 21/10/2020, Trường Đại học Khoa học – Đại học Thái Nguyên phối hợp với Hội Hóa học Việt Nam tổ chức Hội thảo khoa học quốc gia “Hóa học xanh vì sự phát triển bền vững”."),
            img("/Uploads/images/2020/10/hoi-thao-hoa-hoc-xanh.jpg", seed=31, w=600, h=400,
                alt="Đại biểu dự Hội thảo hóa học xanh",
                caption="Các đại biểu tham dự Hội thảo (ảnh: Thu Hằng)", credit="Thu Hằng", style="next_p"),
            p("Hội thảo nhận được 86 báo cáo khoa học của các nhà khoa học đến từ các viện nghiên cứu, trường đại học trong cả nước, tập trung vào các hướng: tổng hợp vật liệu thân thiện môi trường, xử lý chất thải, sử dụng dung môi xanh và năng lượng tái tạo."),
            p("Phát biểu bế mạc, Trưởng ban tổ chức khẳng định hội thảo là diễn đàn để các nhà khoa học chia sẻ kết quả nghiên cứu, đồng thời mở ra cơ hội hợp tác giữa các nhóm nghiên cứu trong và ngoài Đại học Thái Nguyên."),
        ],
    },
    {
        "layout": "old",
        "path": "/ke-hoach-to-chuc-thi-ket-thuc-hoc-phan-hoc-ky-i-theo-hinh-thuc-truc-tuyen-dn5840.html",
        "title": "Kế hoạch tổ chức thi kết thúc học phần học kỳ I năm học 2020 - 2021 theo hình thức trực tuyến",
        "date": "2021-01-25",
        "views": 3210,
        "author": "Ban Đào tạo",
        "cat": "daotao",
        "varieties": ["no image"],
        "blocks": [
            p("Thực hiện chỉ đạo của Bộ Giáo dục và Đào tạo về công tác phòng, chống dịch Covid-19, Đại học Thái Nguyên hướng dẫn các đơn vị tổ chức thi kết thúc học phần học kỳ I năm học 2020 - 2021 theo hình thức trực tuyến đối với các học phần đủ điều kiện."),
            p("Các đơn vị xây dựng phương án tổ chức thi, lựa chọn hình thức thi phù hợp (vấn đáp trực tuyến, tiểu luận, bài tập lớn, trắc nghiệm trên hệ thống quản lý học tập) và bảo đảm tính khách quan, công bằng, nghiêm túc trong quá trình tổ chức thi."),
            p("Kết quả thi phải được cập nhật trên phần mềm quản lý đào tạo chậm nhất 15 ngày sau khi kết thúc kỳ thi. Trong quá trình thực hiện, nếu có vướng mắc, các đơn vị phản ánh về Ban Đào tạo để được hướng dẫn, giải quyết."),
        ],
    },
    {
        # No view counter; the old CMS wrote this image's URL absolute (http://tnu.edu.vn/Uploads/…).
        "layout": "old",
        "path": "/dai-hoc-thai-nguyen-co-5-de-tai-duoc-quy-nafosted-tai-tro-dn5903.html",
        "title": "Đại học Thái Nguyên có 5 đề tài được Quỹ NAFOSTED tài trợ năm 2021",
        "date": "2021-03-02",
        "views": None,
        "author": "Minh Tuấn",
        "cat": "khcn",
        "varieties": ["no view counter", "absolute image URL ({{ORIGIN}})"],
        "blocks": [
            p("Quỹ Phát triển khoa học và công nghệ quốc gia (NAFOSTED) vừa công bố danh sách các đề tài nghiên cứu cơ bản được tài trợ năm 2021, trong đó Đại học Thái Nguyên có 5 đề tài thuộc các lĩnh vực toán học, vật lý, hóa học và khoa học sự sống."),
            img("/Uploads/images/2021/03/nafosted-2021.jpg", seed=41, w=560, h=373, absolute=True,
                alt="Nhóm nghiên cứu tại phòng thí nghiệm",
                caption="Nhóm nghiên cứu tại phòng thí nghiệm của Trường Đại học Khoa học (ảnh: Minh Tuấn)",
                credit="Minh Tuấn", style="next_p"),
            p("Đây là kết quả của quá trình đầu tư xây dựng các nhóm nghiên cứu, tăng cường trang thiết bị và đẩy mạnh hợp tác quốc tế trong nghiên cứu khoa học của Đại học Thái Nguyên trong những năm gần đây."),
        ],
    },
    {
        # The second picture was deleted from the server long ago: its URL answers 404.
        "layout": "old",
        "path": "/tuoi-tre-dai-hoc-thai-nguyen-ra-quan-chien-dich-thanh-nien-tinh-nguyen-he-2020-dn5488.html",
        "title": "Tuổi trẻ Đại học Thái Nguyên ra quân Chiến dịch Thanh niên tình nguyện hè 2020",
        "date": "2020-06-10",
        "views": 978,
        "author": "Văn Quyết",
        "cat": "dang",
        "varieties": ["an image that answers 404"],
        "blocks": [
            p("Sáng ngày 9/6/2020, Đoàn Thanh niên Đại học Thái Nguyên tổ chức Lễ ra quân Chiến dịch Thanh niên tình nguyện hè năm 2020 với sự tham gia của hơn 1.000 đoàn viên, thanh niên đến từ các trường đại học thành viên."),
            img("/Uploads/images/2020/06/tntn-he-2020-1.jpg", seed=51, w=600, h=400,
                alt="Lễ ra quân Chiến dịch Thanh niên tình nguyện hè 2020",
                caption="Lễ ra quân Chiến dịch Thanh niên tình nguyện hè 2020 (ảnh: Đoàn Thanh niên ĐHTN)",
                credit="Đoàn Thanh niên ĐHTN", style="next_p"),
            p("Trong khuôn khổ Chiến dịch, các đội hình tình nguyện sẽ tham gia xây dựng nông thôn mới, sửa chữa đường giao thông nông thôn, tổ chức các lớp học kỹ năng cho thiếu nhi và hỗ trợ tuyển sinh tại các địa phương trong tỉnh."),
            img("/Uploads/images/2020/06/tntn-he-2020-2.jpg", seed=52, w=600, h=400, status=404,
                alt="Sinh viên tình nguyện giúp dân",
                caption="Sinh viên tình nguyện giúp dân xây dựng nông thôn mới (ảnh: Đoàn Thanh niên ĐHTN)",
                credit="Đoàn Thanh niên ĐHTN", style="next_p"),
            p("Chiến dịch sẽ kéo dài đến hết tháng 8/2020, với mục tiêu phát huy vai trò xung kích của tuổi trẻ trong thực hiện nhiệm vụ chính trị của địa phương."),
        ],
    },
    {
        # The server answers 500 to the first request for this page (routes.json), then 200.
        "layout": "old",
        "path": "/khai-mac-hoi-thao-can-bo-giang-vien-dai-hoc-thai-nguyen-nam-2019-dn4976.html",
        "title": "Khai mạc Hội thao cán bộ, giảng viên Đại học Thái Nguyên năm 2019",
        "date": "2019-04-18",
        "views": 1502,
        "author": None,
        "cat": "dang",
        "fail_once": True,
        "varieties": ["answers 500 once, then 200", "no byline", "caption without credit"],
        "blocks": [
            p("Sáng ngày 17/4/2019, tại Nhà thi đấu đa năng, Công đoàn Đại học Thái Nguyên tổ chức Lễ khai mạc Hội thao cán bộ, giảng viên năm 2019 chào mừng kỷ niệm 25 năm thành lập Đại học Thái Nguyên."),
            img("/Uploads/images/2019/04/khai-mac-hoi-thao-2019.jpg", seed=61, w=600, h=400,
                alt="Lễ khai mạc Hội thao", caption="Lễ khai mạc Hội thao", credit=None, style="next_p"),
            p("Hội thao năm nay có sự tham gia của hơn 600 vận động viên đến từ 14 đoàn thể thao, thi đấu ở các môn: bóng đá, bóng chuyền, cầu lông, bóng bàn, quần vợt, cờ tướng và kéo co; các trận chung kết sẽ diễn ra vào ngày 25/4/2019 tại sân vận động của Trường Đại học Sư phạm."),
        ],
    },
    {
        # Published in 2021 on the old CMS, moved to the 2026 site: the old URL answers 301 and
        # only the old listing links it (by its old URL).
        "layout": "new",
        "path": "/tin-tuc-su-kien/le-khai-giang-nam-hoc-2021-2022.html?categoryId=3",
        "redirect_from": ["/le-khai-giang-nam-hoc-2021-2022-dn6012.html"],
        "old_href": "/le-khai-giang-nam-hoc-2021-2022-dn6012.html",
        "old_cat": "daotao",
        "title": "Lễ khai giảng năm học 2021 - 2022",
        "date": "2021-09-15T08:00",
        "views": 4321,
        "author": "TNU Media",
        "cat": "daotao",
        "varieties": ["old -dn URL redirects (301) to its 2026 URL; listed only under the old URL"],
        "blocks": [
            p("Sáng ngày 15/9/2021, Đại học Thái Nguyên tổ chức Lễ khai giảng năm học 2021 - 2022 theo hình thức trực tiếp kết hợp trực tuyến, kết nối tới điểm cầu của các trường đại học thành viên."),
            img("/uploads/2021/09/le-khai-giang-2021-2022.jpg", seed=71, w=800, h=533,
                alt="Đánh trống khai giảng năm học mới",
                caption="Giám đốc ĐHTN đánh trống khai giảng năm học mới. Ảnh: TNU Media",
                credit="TNU Media", style="figure"),
            p("Năm học 2021 - 2022, Đại học Thái Nguyên chào đón gần 20.000 tân sinh viên, học viên cao học và nghiên cứu sinh; đây là năm học đầu tiên triển khai đồng bộ mô hình đào tạo kết hợp trực tiếp và trực tuyến trên toàn Đại học."),
        ],
    },
    {
        "layout": "new",
        "path": "/tin-tuc-su-kien/khoa-hoc-cong-nghe/cong-bo-12-nhom-nghien-cuu-manh-nam-2026.html",
        "title": "Đại học Thái Nguyên công bố 12 nhóm nghiên cứu mạnh năm 2026",
        "date": "2026-01-12T14:30",
        "views": 987,
        "author": "Thu Trang",
        "cat": "khcn",
        "varieties": ["/tin-tuc-su-kien/<sub>/<slug>.html URL", "lazy image (data-src)",
                      "srcset (widest candidate is the real one)"],
        "blocks": [
            p("Chiều ngày 12/1/2026, Đại học Thái Nguyên tổ chức Lễ công bố quyết định công nhận 12 nhóm nghiên cứu mạnh giai đoạn 2026 - 2030 thuộc các lĩnh vực khoa học tự nhiên, kỹ thuật, y dược, nông nghiệp và khoa học xã hội."),
            img("/uploads/2026/01/nhom-nghien-cuu-manh-1.jpg", seed=81, w=800, h=533, lazy=True,
                alt="Trao quyết định công nhận nhóm nghiên cứu mạnh",
                caption="Lãnh đạo ĐHTN trao quyết định công nhận nhóm nghiên cứu mạnh. Ảnh: Thu Trang",
                credit="Thu Trang", style="figure"),
            p("Các nhóm nghiên cứu mạnh được ưu tiên đầu tư trang thiết bị, kinh phí thực hiện nhiệm vụ khoa học và công nghệ, đồng thời có trách nhiệm công bố kết quả trên các tạp chí quốc tế uy tín và đào tạo nghiên cứu sinh."),
            img("/uploads/2026/01/nhom-nghien-cuu-manh-2-480.jpg", seed=82, w=960, h=640,
                srcset=[("/uploads/2026/01/nhom-nghien-cuu-manh-2-480.jpg", 480),
                        ("/uploads/2026/01/nhom-nghien-cuu-manh-2-960.jpg", 960)],
                alt="Các thành viên nhóm nghiên cứu chụp ảnh lưu niệm",
                caption="Ảnh: Thu Trang", credit="Thu Trang", style="own_line"),
            p("Theo kế hoạch, đến năm 2030 mỗi nhóm nghiên cứu mạnh công bố ít nhất 20 bài báo trong danh mục Scopus và chủ trì ít nhất một nhiệm vụ khoa học cấp quốc gia."),
        ],
    },
    {
        "layout": "new",
        "path": "/tin-tuc-su-kien/hop-tac-dao-tao-voi-dai-hoc-kyushu-nhat-ban.html?categoryId=7",
        "title": "Hợp tác đào tạo với Đại học Kyushu (Nhật Bản)",
        "date": "2026-02-05T10:00",
        "views": 1530,
        "author": "Hải Yến",
        "cat": "htqt",
        "varieties": ["image on another host", "link to an off-site page (never crawled)"],
        "blocks": [
            p("Ngày 4/2/2026, Đại học Thái Nguyên và Đại học Kyushu (Nhật Bản) đã ký kết biên bản ghi nhớ hợp tác trong đào tạo sau đại học, trao đổi giảng viên, sinh viên và triển khai các dự án nghiên cứu chung."),
            img("{{OTHER_ORIGIN}}/photos/2026/02/ky-ket-hop-tac-kyushu.jpg", seed=91, w=720, h=480,
                alt="Lễ ký kết biên bản ghi nhớ hợp tác",
                caption="Lễ ký kết biên bản ghi nhớ hợp tác. Ảnh: Đại học Kyushu",
                credit="Đại học Kyushu", style="figure"),
            {"p": "Thông tin chi tiết về chương trình được đăng tải trên website của đối tác.",
             "html": 'Thông tin chi tiết về chương trình được đăng tải trên <a href="{{OTHER_ORIGIN}}/tin-tuc-su-kien/bai-viet-tren-trang-khac.html" target="_blank">website của đối tác</a>.'},
            p("Theo thỏa thuận, từ năm học 2026 - 2027, mỗi năm Đại học Kyushu tiếp nhận 10 nghiên cứu sinh của Đại học Thái Nguyên theo chương trình học bổng toàn phần."),
        ],
    },
    {
        "layout": "new",
        "path": "/tin-tuc-su-kien/tuyen-sinh-dai-hoc-chinh-quy-nam-2026.html?categoryId=3",
        "title": "Tuyển sinh đại học chính quy năm 2026: ĐHTN dự kiến tuyển hơn 25.000 chỉ tiêu",
        "date": "2026-03-02T16:45",
        "views": 12873,
        "author": None,
        "cat": "daotao",
        "varieties": ["no byline", "figure caption without credit"],
        "blocks": [
            p("Năm 2026, Đại học Thái Nguyên dự kiến tuyển sinh hơn 25.000 chỉ tiêu đại học chính quy cho 190 ngành đào tạo tại các trường đại học thành viên, các trường thuộc và hai phân hiệu tại Lào Cai, Hà Giang."),
            img("/uploads/2026/03/ngay-hoi-tu-van-tuyen-sinh.jpg", seed=101, w=800, h=533,
                alt="Ngày hội tư vấn tuyển sinh",
                caption="Thí sinh tìm hiểu thông tin tuyển sinh tại Ngày hội tư vấn", credit=None, style="figure"),
            p("Các phương thức xét tuyển gồm: xét kết quả thi tốt nghiệp trung học phổ thông, xét học bạ, xét kết quả kỳ thi đánh giá năng lực và xét tuyển thẳng theo quy chế của Bộ Giáo dục và Đào tạo."),
            p("Thí sinh tra cứu thông tin chi tiết về ngành, chỉ tiêu và tổ hợp xét tuyển trên cổng thông tin tuyển sinh của Đại học Thái Nguyên hoặc liên hệ bộ phận tư vấn của các trường thành viên để được hỗ trợ."),
        ],
    },
    {
        # The same picture as the 2020 article on green chemistry, re-published under a new URL.
        "layout": "new",
        "path": "/tin-tuc-su-kien/khoa-hoc-cong-nghe/5-nam-phat-trien-huong-nghien-cuu-hoa-hoc-xanh.html",
        "title": "Nhìn lại 5 năm phát triển hướng nghiên cứu hóa học xanh",
        "date": "2026-01-20T08:30",
        "views": 640,
        "author": "Phương Thảo",
        "cat": "khcn",
        "varieties": ["same image bytes as the 2020 NFD article, another URL"],
        "blocks": [
            p("Từ hội thảo khoa học quốc gia năm 2020, hướng nghiên cứu hóa học xanh của Trường Đại học Khoa học đã phát triển thành một trong những nhóm nghiên cứu mạnh của Đại học Thái Nguyên."),
            img("/uploads/2026/01/hoi-thao-hoa-hoc-xanh-2020.jpg", seed=31, w=600, h=400,
                same_bytes_as="/Uploads/images/2020/10/hoi-thao-hoa-hoc-xanh.jpg",
                alt="Hội thảo hóa học xanh năm 2020",
                caption="Hội thảo khoa học quốc gia về hóa học xanh năm 2020. Ảnh: Thu Hằng",
                credit="Thu Hằng", style="figure"),
            p("Trong 5 năm, nhóm đã công bố 47 bài báo quốc tế, đăng ký 3 bằng độc quyền sáng chế và chuyển giao quy trình xử lý nước thải bằng vật liệu sinh học cho hai doanh nghiệp trên địa bàn tỉnh."),
        ],
    },
    {
        "layout": "new",
        "path": "/tin-tuc-su-kien/ngay-hoi-viec-lam-nam-2026.html?categoryId=1",
        "title": "Ngày hội việc làm Đại học Thái Nguyên năm 2026",
        "date": "2026-02-27T15:00",
        "views": None,
        "author": "Văn Quyết",
        "cat": "tonghop",
        "varieties": ["2026 page without a view counter", "caption 'Ảnh: …' as a line of its own"],
        "blocks": [
            p("Ngày 27/2/2026, Đại học Thái Nguyên tổ chức Ngày hội việc làm năm 2026 với sự tham gia của 120 doanh nghiệp, cung cấp hơn 5.000 vị trí việc làm và thực tập cho sinh viên."),
            img("/uploads/2026/02/ngay-hoi-viec-lam-2026.png", seed=111, w=640, h=400,
                alt="Sinh viên tìm hiểu thông tin tuyển dụng",
                caption="Ảnh: Văn Quyết", credit="Văn Quyết", style="own_line"),
            p("Bên cạnh các gian hàng tuyển dụng, Ngày hội còn có các buổi tọa đàm về kỹ năng viết hồ sơ xin việc, phỏng vấn và định hướng nghề nghiệp trong thời đại chuyển đổi số."),
        ],
    },
    {
        "layout": "new_en",
        "path": "/en/tin-tuc-su-kien/tnu-signs-cooperation-agreement-with-kyushu-university.html",
        "title": "Thai Nguyen University signs cooperation agreement with Kyushu University",
        "date": "2026-02-06T11:00",
        "views": 312,
        "author": "TNU Media",
        "cat": "en",
        "varieties": ["English edition (/en/)", "caption 'Photo: …'", "Views: 312"],
        "blocks": [
            p("On February 4, 2026, Thai Nguyen University (TNU) and Kyushu University (Japan) signed a memorandum of understanding on graduate training, staff and student exchange and joint research projects."),
            img("/uploads/2026/02/tnu-kyushu-signing.jpg", seed=121, w=720, h=480,
                alt="The signing ceremony", caption="The signing ceremony. Photo: TNU Media",
                credit="TNU Media", style="figure"),
            p("Under the agreement, Kyushu University will host ten TNU doctoral students every year from the 2026 - 2027 academic year under a full scholarship programme."),
        ],
    },
]

STATIC_PAGES: list[dict[str, Any]] = [
    {
        # A -dn page that is not news: title and text, no date line, no counter.
        "path": "/lich-su-dn45.html",
        "title": "Lịch sử phát triển",
        "paragraphs": [
            "Đại học Thái Nguyên được thành lập ngày 04/4/1994 theo Nghị định số 31/CP của Chính phủ, trên cơ sở sắp xếp lại các trường đại học trên địa bàn tỉnh Thái Nguyên.",
            "Trải qua hơn 30 năm xây dựng và phát triển, Đại học Thái Nguyên đã trở thành một trong ba đại học vùng của cả nước, với các trường đại học thành viên, các trường thuộc, phân hiệu và nhiều viện, trung tâm nghiên cứu.",
            "Sứ mạng của Đại học Thái Nguyên là đào tạo nguồn nhân lực chất lượng cao, nghiên cứu khoa học và chuyển giao công nghệ phục vụ sự phát triển kinh tế - xã hội của vùng trung du, miền núi phía Bắc và cả nước.",
        ],
    },
]


# --- ground truth --------------------------------------------------------------------------

def real_src(image: dict[str, Any]) -> str:
    """The URL an archivist wants: the widest srcset candidate, else the (lazy) source."""
    if image.get("srcset"):
        return max(image["srcset"], key=lambda c: c[1])[0]
    return image["src"]


def expected_entry(article: dict[str, Any]) -> dict[str, Any]:
    nfc = lambda s: unicodedata.normalize("NFC", s) if s is not None else None  # noqa: E731
    images = []
    for block in article["blocks"]:
        if "img" not in block:
            continue
        im = block["img"]
        images.append({
            "src": real_src(im),
            "caption": nfc(im.get("caption")),
            "alt": nfc(im.get("alt")),
            "credit": im.get("credit"),
            "status": im.get("status", 200),
        })
    entry = {
        "title": nfc(article["title"]),
        "published_at": article["date"] if len(article["date"]) == 10 else article["date"] + ":00+07:00",
        "published_text": layouts.published_text(article),
        "views": article.get("views"),
        "author": nfc(article.get("author")),
        "category": article["crumbs"][-1][0],
        "body_text": "\n\n".join(nfc(b["p"]) for b in article["blocks"] if "p" in b),
        "images": images,
    }
    if article.get("redirect_from"):
        # the old path that answers 301 to this one (an article has at most one old URL)
        (entry["redirect_from"],) = article["redirect_from"]
    return entry


# --- images --------------------------------------------------------------------------------


def draw(seed: int, w: int, h: int, fmt: str) -> bytes:
    """A small picture unique to `seed`: a gradient, a few shapes and its number."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    c1 = tuple(rnd.randrange(256) for _ in range(3))
    c2 = tuple(rnd.randrange(256) for _ in range(3))
    im = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(im)
    for y in range(h):
        t = y / max(h - 1, 1)
        d.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(c1, c2)))
    for _ in range(6):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        r = rnd.randrange(max(w, h) // 12, max(w, h) // 4)
        color = tuple(rnd.randrange(256) for _ in range(3))
        (d.ellipse if rnd.random() < 0.5 else d.rectangle)([x0 - r, y0 - r // 2, x0 + r, y0 + r // 2], fill=color)
    d.text((10, 10), f"TNU replica #{seed} {w}x{h}", fill=(255, 255, 255))
    buf = BytesIO()
    if fmt == "png":
        im.quantize(32).save(buf, "PNG", optimize=True)
    else:
        im.save(buf, "JPEG", quality=60, optimize=True)
    return buf.getvalue()


def write_image(root: Path, src: str, seed: int, w: int, h: int, force: bool) -> None:
    target = root / src.lstrip("/")
    if target.exists() and not force:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fmt = "png" if src.lower().endswith(".png") else "jpeg"
    target.write_bytes(draw(seed, w, h, fmt))


def image_files(article: dict[str, Any], www: Path, other: Path) -> list[tuple[Path, str, int, int, int]]:
    """(root, src, seed, w, h) of every file an article's images need."""
    out = []
    for block in article["blocks"]:
        im = block.get("img")
        if not im or im.get("status", 200) != 200 or im.get("same_bytes_as"):
            continue
        cands = im.get("srcset") or [(im["src"], im["width"])]
        for url, width in cands:
            root, path = (other, url.removeprefix("{{OTHER_ORIGIN}}")) if url.startswith("{{OTHER_ORIGIN}}") else (www, url)
            height = round(im["height"] * width / im["width"])
            out.append((root, path, im.get("bytes_seed", im["seed"]) + (0 if width == im["width"] else width), width, height))
    return out


# --- site ------------------------------------------------------------------------------------


def listing_url(base: str, page: int) -> str:
    if page == 1:
        return base
    return f"{base}{'&' if '?' in base else '?'}page={page}"


def item_for(article: dict[str, Any], href: str) -> dict[str, str]:
    thumb = next(
        (real_src(b["img"]) for b in article["blocks"] if "img" in b and b["img"].get("status", 200) == 200),
        "/Content/images/no-image.png",
    )
    first = next(b["p"] for b in article["blocks"] if "p" in b)
    summary = unicodedata.normalize("NFC", first)
    if len(summary) > 180:
        summary = summary[:180].rsplit(" ", 1)[0] + "…"
    return {"title": unicodedata.normalize("NFC", article["title"]), "href": href,
            "thumb": thumb, "date_text": layouts.published_text(article), "summary": summary}


def listings(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every listing page (pagination included), each with its items, newest first."""
    groups: list[tuple[str, str, list[tuple[str, str]], int, list[dict[str, str]]]] = []
    newest = sorted(articles, key=lambda a: a["date"], reverse=True)
    # Old CMS: the root lists every old article, and an old URL for articles moved to the new site.
    old_items = [(a, a.get("old_href", a["path"])) for a in newest if a["layout"] == "old" or a.get("old_href")]
    groups.append(("old", OLD_ROOT[0], [OLD_ROOT], OLD_PER_PAGE, [item_for(a, h) for a, h in old_items]))
    for key, (name, href) in OLD_CATS.items():
        items = [item_for(a, h) for a, h in old_items if a.get("old_cat", a["cat"]) == key]
        groups.append(("old", name, old_crumbs(key), OLD_PER_PAGE, items))
    new_items = [a for a in newest if a["layout"] == "new" and not a.get("old_href")]
    groups.append(("new", NEW_ROOT[0], [NEW_ROOT], NEW_PER_PAGE, [item_for(a, a["path"]) for a in new_items]))
    for key in NEW_CATS:
        items = [item_for(a, a["path"]) for a in new_items if a["cat"] == key]
        groups.append(("new", NEW_CATS[key][0], new_crumbs(key), NEW_PER_PAGE, items))
    en = [item_for(a, a["path"]) for a in newest if a["layout"] == "new_en"]
    groups.append(("new", EN_ROOT[0], [EN_ROOT], NEW_PER_PAGE, en))
    out = []
    for layout, title, crumbs, per_page, items in groups:
        if not items:
            continue
        pages = (len(items) + per_page - 1) // per_page
        base = crumbs[-1][1]
        for n in range(1, pages + 1):
            out.append({"layout": layout, "title": title, "crumbs": crumbs, "base": base, "page": n,
                        "pages": pages, "url": listing_url(base, n),
                        "items": items[(n - 1) * per_page: n * per_page]})
    return out


def site_context(articles: list[dict[str, Any]], listing_pages: list[dict[str, Any]],
                 static_pages: list[dict[str, Any]]) -> dict[str, Any]:
    """What every page's furniture shows: the menu and the latest news."""
    bases = {lp["base"] for lp in listing_pages}
    new_group = [NEW_ROOT] + [c for c in NEW_CATS.values() if c[1] in bases]
    old_group = [OLD_ROOT] + [c for c in OLD_CATS.values() if c[1] in bases]
    latest = sorted((a for a in articles if a["layout"] != "new_en" and not a.get("old_href")),
                    key=lambda a: a["date"], reverse=True)[:5]
    return {
        "menu": [
            {"name": "Giới thiệu", "items": [(s["title"], s["path"]) for s in static_pages]
             + [("Sơ đồ website", "/home/sitemap")]},
            {"name": "Tin tức - Sự kiện", "items": new_group},
            {"name": "Lưu trữ tin 2019 - 2021", "items": old_group},
            {"name": "English", "items": [EN_ROOT] if EN_ROOT[1] in bases else []},
        ],
        "latest": [(unicodedata.normalize("NFC", a["title"]), a["path"]) for a in latest],
    }


FURNITURE_IMAGES = {  # path: (seed, w, h)
    "/Content/images/logo.png": (901, 96, 90),
    "/Content/images/header-bg.png": (902, 400, 118),
    "/Content/images/video-thumb.png": (903, 280, 160),
    "/Content/images/fb-share.png": (904, 24, 24),
    "/Content/images/tw-share.png": (905, 24, 24),
    "/Content/images/print.png": (906, 24, 24),
    "/Content/images/no-image.png": (907, 180, 120),
}

ROBOTS = "User-agent: *\nDisallow: /account/\nDisallow: /news/search\n"
OTHER_ROBOTS = "User-agent: *\nDisallow:\n"
OFFSITE_PAGE = "/tin-tuc-su-kien/bai-viet-tren-trang-khac.html"


def write_text(root: Path, url: str, text: str) -> None:
    target = root / file_for(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def write_furniture_images(www: Path, force: bool) -> None:
    from PIL import Image

    for path, (seed, w, h) in FURNITURE_IMAGES.items():
        write_image(www, path, seed, w, h, force)
    gif = www / layouts.PLACEHOLDER_GIF.lstrip("/")
    if force or not gif.exists():
        buf = BytesIO()
        Image.new("P", (1, 1), 0).save(buf, "GIF", transparency=0)
        gif.write_bytes(buf.getvalue())
    ico = www / "favicon.ico"
    if force or not ico.exists():
        buf = BytesIO()
        Image.open(BytesIO(draw(908, 32, 32, "png"))).save(buf, "ICO", sizes=[(32, 32)])
        ico.write_bytes(buf.getvalue())


def clean_text_files(root: Path) -> None:
    """Drop generated pages (not images: their bytes are fixtures) so removed pages disappear."""
    if not root.exists():
        return
    for f in root.rglob("*"):
        if f.is_file() and f.suffix.lower() not in {".jpg", ".jpeg", ".png", ".gif", ".ico"}:
            f.unlink()


def write_readme(out: Path, articles: list[dict[str, Any]], listing_pages: list[dict[str, Any]],
                 static_pages: list[dict[str, Any]]) -> None:
    """tests/site/README.md: what is where, generated so that it cannot drift from the site."""
    lines = [
        "# The replica of tnu.edu.vn (generated by build.py — edit build.py, not this file)",
        "",
        "Served by `crawler.replica.server.ReplicaServer` (`python -m crawler.replica.server`). `www/` is the site,",
        "`_other/` the other host, `routes.json` the 301/500-once rules, `expected.json` the ground truth",
        "(`articles` keyed by final path with query, `redirect_from` the old path that answers 301;",
        "image `src` is a path on the site or",
        "`{{OTHER_ORIGIN}}/…`; `alt` is null when the attribute is absent).",
        "",
        "## Articles",
        "",
        "| path | layout | exercises |",
        "| --- | --- | --- |",
    ]
    for a in articles:
        extra = [f"old URL {u} (301)" for u in a.get("redirect_from", ())]
        lines.append(f"| `{a['path']}` | {a['layout']} | {'; '.join(a.get('varieties', []) + extra)} |")
    lines += ["", "## Listings", ""] + [f"- `{lp['url']}` ({lp['layout']}, {len(lp['items'])} items)" for lp in listing_pages]
    lines += ["", "## Other pages", "", "- `/` home: menu to both layouts' listings, latest news",
              *[f"- `{s['path']}` static page (not an article: no date, no counter)" for s in static_pages],
              "- `/home/sitemap` HTML site map (excluded by the spider)",
              "- `/robots.txt` disallows `/account/` and `/news/search`; every page links it in the footer",
              f"- `{{{{OTHER_ORIGIN}}}}{OFFSITE_PAGE}` off-site page, linked from an article, never to be fetched",
              ""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def write_site(out: Path, articles: list[dict[str, Any]], static_pages: list[dict[str, Any]],
               force_images: bool = False, readme: bool = True) -> dict[str, Any]:
    """Render `articles` (dicts as in ARTICLES) and `static_pages` into a replica under `out`
    (www/, _other/, routes.json, expected.json) and return the ground truth. The benchmark
    generator calls this with thousands of articles."""
    www, other = out / "www", out / "_other"
    for a in articles:
        a["crumbs"] = old_crumbs(a["cat"]) if a["layout"] == "old" else (
            [EN_ROOT] if a["layout"] == "new_en" else new_crumbs(a["cat"]))
    listing_pages = listings(articles)
    site = site_context(articles, listing_pages, static_pages)
    peers: dict[str, list[dict[str, Any]]] = {}
    for a in articles:
        if not a.get("old_href"):
            peers.setdefault(a["layout"], []).append(a)
    for a in articles:  # "Tin khác" / "Tin liên quan": the next three of the same layout
        ring = peers.get(a["layout"], [])
        i = next((n for n, b in enumerate(ring) if b is a), -1)
        a["related"] = [(unicodedata.normalize("NFC", b["title"]), b["path"])
                        for b in (ring[i + 1:] + ring[:max(i, 0)])[:3]]

    clean_text_files(www)
    clean_text_files(other)
    for a in articles:
        write_text(www, a["path"], layouts.render_article(a, site))
        for root, src, seed, w, h in image_files(a, www, other):
            write_image(root, src, seed, w, h, force_images)
    for a in articles:  # the same picture published under another URL: byte for byte
        for block in a["blocks"]:
            if block.get("img", {}).get("same_bytes_as"):
                target = www / block["img"]["src"].lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(www / block["img"]["same_bytes_as"].lstrip("/"), target)
    for page in static_pages:
        page["crumbs"] = [("Giới thiệu", "/home/sitemap"), (page["title"], page["path"])]
        write_text(www, page["path"], layouts.render_static(page, site))
    for lp in listing_pages:
        write_text(www, lp["url"], layouts.render_listing(lp, site))
    write_text(www, "/", layouts.render_home(site))
    write_text(www, "/home/sitemap", layouts.render_sitemap(site))
    write_text(www, "/robots.txt", ROBOTS)
    write_furniture_images(www, force_images)

    write_text(other, "/robots.txt", OTHER_ROBOTS)
    write_text(other, OFFSITE_PAGE, layouts.render_offsite())

    redirects = {old: {"status": 301, "location": a["path"]} for a in articles for old in a.get("redirect_from", ())}
    flaky = [a["path"] for a in articles if a.get("fail_once")]
    routes = {
        "redirects": redirects,
        "fail_once": {path: 500 for path in flaky},
    }
    (out / "routes.json").write_text(json.dumps(routes, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    expected = {
        "articles": {a["path"]: expected_entry(a) for a in articles},
        "listings": [lp["url"] for lp in listing_pages],
        "not_articles": [s["path"] for s in static_pages],
        "forbidden": ["/account/login?returnUrl=%2F", "/account/dang-nhap", "/news/search",
                      "{{OTHER_ORIGIN}}" + OFFSITE_PAGE],
        "flaky": flaky,
    }
    (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if readme:
        write_readme(out, articles, listing_pages, static_pages)
    return expected


def main(force_images: bool = False) -> None:
    expected = write_site(HERE, ARTICLES, STATIC_PAGES, force_images)
    print(f"build: {len(expected['articles'])} articles, {len(expected['listings'])} listing pages, "
          f"{len(expected['not_articles'])} static pages -> {HERE / 'www'}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force-images", action="store_true", help="redraw every image (changes committed bytes)")
    main(ap.parse_args().force_images)
