"""benchmarks/quality.py on three tiny pages of our own, laid out as trafilatura's tests/ folder."""

from __future__ import annotations

import json

import pytest

from benchmarks import quality

ARTICLE = """<html><head><title>Hội nghị</title></head><body>
<nav><a href="/">Trang chủ</a> <a href="/tin">Tin tức</a></nav>
<article><h1>Hội nghị tổng kết năm học</h1>
<p>Sáng nay, Đại học Thái Nguyên tổ chức hội nghị tổng kết năm học với sự tham dự của các đơn vị thành viên.</p>
<p>Hội nghị đánh giá kết quả đào tạo, nghiên cứu khoa học và hợp tác quốc tế trong năm qua.</p>
</article>
<aside><h3>Tin khác</h3><ul><li><a href="/a">Tuyển sinh đại học chính quy năm nay</a></li></ul></aside>
<footer>Bản quyền thuộc về Đại học Thái Nguyên</footer></body></html>"""

BLOG = """<html><body><div id="menu"><a href="/">Home</a></div>
<div class="post"><h2>Notes on archiving</h2>
<p>Web archives keep the page as it was served, byte for byte, so that readers can replay it later.</p>
<p>An extractor only reads the text; the archive keeps everything else as well.</p></div>
<div class="footer">Imprint and privacy policy</div></body></html>"""

EMPTY = "<html><body><div>Loading…</div></body></html>"

EVAL = {
    "https://example.org/hoi-nghi": {
        "file": "hoi-nghi.html",
        "with": ["Đại học Thái Nguyên tổ chức hội nghị", "hợp tác quốc tế"],
        "without": ["Bản quyền thuộc về", "Tuyển sinh đại học chính quy"],
    },
    "https://example.org/notes": {
        "file": "notes.html",
        "with": ["replay it later", "the archive keeps everything else"],
        "without": ["Imprint and privacy policy"],
    },
    "https://example.org/empty": {"file": "empty.html", "with": ["never written"], "without": ["Loading"]},
}


@pytest.fixture
def evaldir(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "hoi-nghi.html").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "cache" / "notes.html").write_text(BLOG, encoding="utf-8")
    (tmp_path / "cache" / "empty.html").write_text(EMPTY, encoding="utf-8")
    (tmp_path / "evaldata.json").write_text(json.dumps(EVAL), encoding="utf-8")
    return tmp_path


def test_both_extractors_are_scored_on_the_same_pages(evaldir, tmp_path):
    result = quality.evaluate(evaldir)
    assert result["pages"] == 3
    ours = result["ours"]
    # two articles read whole and clean, the empty page a miss: 4 of 5 snippets, nothing unwanted
    assert ours["recall"] == 0.8
    assert ours["precision"] == 1.0
    assert ours["pages_below_0_5"] == round(1 / 3, 3)
    assert set(result["trafilatura"]) == set(ours)
    assert "| F1 |" in quality.markdown(result)
    assert ours["pages_below_0_5_count"] == 1
    ratio = result["time_ratio"]
    assert ratio["mean"] == round(ours["ms_per_page_mean"] / result["trafilatura"]["ms_per_page_mean"], 3)
    assert f"Time ours / trafilatura: {ratio['median']} (medians), {ratio['mean']} (means" in quality.markdown(result)


def test_who_is_timed_first_on_a_page_takes_turns(evaldir):
    # timed first on a page, an extractor takes 5-10 % longer than timed right after another
    calls = []

    def reader(name):
        def read(body: bytes, url: str) -> str:
            calls.append((name, url))
            return body.decode("utf-8")

        return read

    quality.evaluate(evaldir, extractors={"ours": reader("ours"), "trafilatura": reader("trafilatura")})
    timed = calls[2:]  # after each one's untimed warm-up on the first page
    pages = sorted(EVAL)
    assert [url for _, url in timed] == [url for url in pages for _ in range(2)]
    assert [name for name, _ in timed] == ["ours", "trafilatura", "trafilatura", "ours", "ours", "trafilatura"]


def test_scoring_counts_as_trafilaturas_scripts_do():
    item = {"with": ["a  b", "c"], "without": ["x", "y"]}
    assert quality.count(item, "a\nb and x") == (1, 1, 1, 1)
    assert quality.count(item, None) == (0, 0, 2, 2)


def test_an_older_evaldata_py_is_read_as_data(tmp_path):
    (tmp_path / "evaldata.py").write_text("EVAL_PAGES = " + repr(EVAL) + "\n", encoding="utf-8")
    assert quality.load(tmp_path) == EVAL


def test_without_the_data_the_bench_part_is_skipped_and_says_how_to_get_it(tmp_path, capsys):
    said = []
    assert quality.bench_section(tmp_path / "absent", tmp_path / "results", log=said.append) is None
    assert "git clone" in said[0] and "adbar/trafilatura" in said[0]
    assert quality.main(["--evaldata", str(tmp_path / "absent")]) == 2
    assert "git clone" in capsys.readouterr().err


def test_the_bench_part_writes_its_results(evaldir, tmp_path):
    result = quality.bench_section(evaldir, tmp_path / "results")
    assert result["pages"] == 3
    assert json.loads((tmp_path / "results" / "quality.json").read_text())["ours"] == result["ours"]
