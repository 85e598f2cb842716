"""Extraction quality on real pages nobody here wrote: trafilatura's public evaluation set.

    .venv/bin/python -m benchmarks.quality --evaldata DIR [--limit N] [--results DIR]

DIR is the `tests/` folder of the trafilatura repository (github.com/adbar/trafilatura): its
`evaldata.json` (or the older `evaldata.py`) gives, for each page, a few snippets the main text
must contain and a few it must not; the pages are the HTML files of `tests/cache/` and
`tests/eval/`. The pages are not copied into this repository; get them with

    git clone --depth 1 https://github.com/adbar/trafilatura /tmp/trafilatura
    .venv/bin/python -m benchmarks.quality --evaldata /tmp/trafilatura/tests

Scored as trafilatura's own evaluation scripts score (tests/eval_common.py there): a
must-contain snippet found is a true positive, missing a false negative; a must-not-contain
snippet found is a false positive, absent a true negative; whitespace is normalised first.
Ours is the article body (`body_text`); theirs is `trafilatura.extract` with the settings its
evaluation uses (no comments, tables on, no formatting). Also: the share of pages whose own
F1 is below 0.5 (pages where an extractor failed outright), milliseconds per page (each page
timed by both, in turn, so that the machine's load weighs on both alike, the one that goes first
taking turns: on this machine an extractor timed first on a page took 5-10 % longer than the
same extractor timed right after it) and their ratio, which is the speed target: ours no slower
than trafilatura's own time on the same pages.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOW_TO_GET = (
    "the quality benchmark needs trafilatura's evaluation set, which is not in this repository: "
    "git clone --depth 1 https://github.com/adbar/trafilatura /tmp/trafilatura, then pass "
    "--quality-data /tmp/trafilatura/tests (make bench QUALITY_DATA=/tmp/trafilatura/tests)"
)
# trafilatura's evaluation settings (tests/eval_common.py EXTRACT_OPTS there)
TRAFILATURA_OPTS = {"include_comments": False, "include_tables": True, "include_formatting": False}


class MissingData(Exception):
    """The evaluation folder is absent or incomplete; the message says how to get it."""


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    page_f1: list[float] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)

    def add(self, counts: tuple[int, int, int, int], elapsed_ms: float) -> None:
        tp, fp, fn, tn = counts
        self.tp, self.fp, self.fn, self.tn = self.tp + tp, self.fp + fp, self.fn + fn, self.tn + tn
        self.page_f1.append(f1(tp, fp, fn))
        self.ms.append(elapsed_ms)

    def summary(self) -> dict[str, Any]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        total = self.tp + self.fp + self.fn + self.tn
        return {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1(self.tp, self.fp, self.fn), 3),
            "accuracy": round((self.tp + self.tn) / total, 3) if total else 0.0,
            "pages_below_0_5": round(sum(1 for x in self.page_f1 if x < 0.5) / len(self.page_f1), 3)
            if self.page_f1
            else 0.0,
            "pages_below_0_5_count": sum(1 for x in self.page_f1 if x < 0.5),
            "ms_per_page_median": round(statistics.median(self.ms), 2) if self.ms else 0.0,
            "ms_per_page_mean": round(statistics.fmean(self.ms), 2) if self.ms else 0.0,
        }


def f1(tp: int, fp: int, fn: int) -> float:
    denominator = 2 * tp + fp + fn
    return 2 * tp / denominator if denominator else 1.0


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def count(item: dict[str, Any], text: str | None) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of one page, as trafilatura's eval_common.count_item counts them."""
    found = norm(text) if text else ""
    tp = sum(1 for snippet in item["with"] if text and norm(snippet) in found)
    fp = sum(1 for snippet in item["without"] if text and norm(snippet) in found)
    return tp, fp, len(item["with"]) - tp, len(item["without"]) - fp


def load(folder: Path) -> dict[str, dict[str, Any]]:
    """{url: {"file", "with", "without"}} from evaldata.json, or evaldata.py's EVAL_PAGES."""
    if not folder.is_dir():
        raise MissingData(f"{folder}: no such folder; {HOW_TO_GET}")
    if (folder / "evaldata.json").is_file():
        return json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    if (folder / "evaldata.py").is_file():
        # a plain dict literal: read as data, never executed
        tree = ast.parse((folder / "evaldata.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "EVAL_PAGES" for t in node.targets):
                return ast.literal_eval(node.value)
    raise MissingData(f"{folder}: no evaldata.json or evaldata.py; {HOW_TO_GET}")


def page_file(folder: Path, name: str) -> Path | None:
    for sub in ("cache", "eval"):
        if (folder / sub / name).is_file():
            return folder / sub / name
    return None


def ours(body: bytes, url: str) -> str | None:
    from crawler.extract import extract_article

    return extract_article(body, url).body_text


def trafilatura_text(body: bytes, url: str) -> str | None:
    from trafilatura import extract

    return extract(body, url=url, **TRAFILATURA_OPTS)


Extractor = Callable[[bytes, str], "str | None"]


def evaluate(folder: Path, limit: int | None = None, extractors: dict[str, Extractor] | None = None) -> dict[str, Any]:
    """Both extractors over every page of the set (or its first `limit`, sorted by URL)."""
    extractors = extractors or {"ours": ours, "trafilatura": trafilatura_text}
    data = load(folder)
    pages = []
    for url in sorted(data)[:limit]:
        path = page_file(folder, data[url]["file"])
        if path is not None:
            pages.append((url, data[url], path.read_bytes()))
    if not pages:
        raise MissingData(f"{folder}: none of the evaluation pages is there (cache/, eval/); {HOW_TO_GET}")
    scores = {name: Score() for name in extractors}
    # imports and first-use set-up (trafilatura's, dateparser's) are paid once, outside the timing:
    # the first extractor to meet a page would otherwise pay the other's imports too
    for extract in extractors.values():
        with suppress(Exception):  # a crash is scored below, where it counts
            extract(pages[0][2], pages[0][0])
    names = list(extractors)
    for i, (url, item, body) in enumerate(pages):
        # who goes first takes turns: timed first on a page, trafilatura took 6 % (median) to 10 %
        # (mean) longer than trafilatura timed right after it on the same pages, ours 5 % and 9 %
        turn = i % len(names)
        for name in names[turn:] + names[:turn]:
            extract = extractors[name]
            started = time.perf_counter()
            try:
                text = extract(body, url)
            except Exception:  # an extractor that crashes on a page scores it as a full miss
                text = None
            scores[name].add(count(item, text), (time.perf_counter() - started) * 1000)
    out = {name: score.summary() for name, score in scores.items()}
    result = {"pages": len(pages), "missing": len(data if limit is None else sorted(data)[:limit]) - len(pages), **out}
    if "ours" in out and "trafilatura" in out:
        result["time_ratio"] = time_ratio(out["ours"], out["trafilatura"])
    return result


def time_ratio(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, float]:
    """Our time a page over trafilatura's on the same pages in the same run: of the medians, and
    of the means (that is, of the whole set's time). Both timed page by page, in turn."""

    def ratio(key: str) -> float:
        return round(ours[key] / theirs[key], 3) if theirs[key] else 0.0

    return {"median": ratio("ms_per_page_median"), "mean": ratio("ms_per_page_mean")}


def markdown(result: dict[str, Any]) -> str:
    names = [k for k in result if isinstance(result[k], dict) and k != "time_ratio"]
    rows = [
        ("precision", "precision"),
        ("recall", "recall"),
        ("F1", "f1"),
        ("pages with F1 < 0.5", "pages_below_0_5"),
        ("pages with F1 < 0.5 (count)", "pages_below_0_5_count"),
        ("ms per page (median)", "ms_per_page_median"),
        ("ms per page (mean)", "ms_per_page_mean"),
    ]
    lines = [
        f"Extraction quality on trafilatura's evaluation set ({result['pages']} pages"
        + (f", {result['missing']} missing" if result["missing"] else "")
        + "):",
        "",
        "| measure | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
        *[f"| {label} | " + " | ".join(str(result[n][key]) for n in names) + " |" for label, key in rows],
        "",
    ]
    if "time_ratio" in result:
        ratio = result["time_ratio"]
        lines += [
            f"Time ours / trafilatura: {ratio['median']} (medians), {ratio['mean']} (means: the whole set's time); "
            "target ≤ 1.0.",
            "",
        ]
    return "\n".join(lines)


def bench_section(folder: Path | None, results_dir: Path, log: Callable[[str], Any] = print) -> dict[str, Any] | None:
    """`make bench`'s quality part: results beside latest.json, or skipped with how to get the data."""
    try:
        if folder is None:
            raise MissingData(f"no --quality-data given; {HOW_TO_GET}")
        result = evaluate(folder)
    except MissingData as exc:
        log(f"bench: quality skipped: {exc}")
        return None
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "quality.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (results_dir / "quality.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.splitlines()[0])
    ap.add_argument("--evaldata", type=Path, required=True, help="trafilatura's tests/ folder (evaldata.json, cache/)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages (by URL)")
    ap.add_argument("--results", type=Path, default=None, help="also write quality.json and quality.md there")
    args = ap.parse_args(argv)
    try:
        result = evaluate(args.evaldata, args.limit)
    except MissingData as exc:
        print(f"quality: {exc}", file=sys.stderr)
        return 2
    if args.results:
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / "quality.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        (args.results / "quality.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
