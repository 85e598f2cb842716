"""What the generators of the CMS replicas share (tests/site_wordpress, tests/site_nukeviet,
tests/site_dnn): the blocks an article is written in, the pictures, the files, the ground truth.

Each replica's build.py holds its site's data and markup; this module holds no markup.
Pictures are drawn by tests/site/build.py's `draw` (one way of drawing fixtures) once and kept:
their bytes are fixtures, rewritten only with --force-images.
"""

from __future__ import annotations

import html
import importlib.util
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS.parent))
from crawler.replica.server import file_for  # noqa: E402  (one mapping for the writer and the server)

_spec = importlib.util.spec_from_file_location("_site_build", TESTS / "site" / "build.py")
_site_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_site_build)  # type: ignore[union-attr]
draw = _site_build.draw

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif"})


def p(text: str) -> dict[str, str]:
    return {"p": text}


def img(src: str, *, seed: int, w: int = 480, h: int = 320, **kw: Any) -> dict[str, Any]:
    """An image block: `seed` draws its picture; `caption`, `alt`, `credit` are the ground truth,
    `style` says how the replica prints it."""
    return {"img": {"src": src, "seed": seed, "width": w, "height": h, **kw}}


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def thousands(n: int) -> str:
    """1234 -> "1.234" (Vietnamese groups thousands with dots)."""
    return f"{n:,}".replace(",", ".")


def nfc(text: str | None) -> str | None:
    return unicodedata.normalize("NFC", text) if text is not None else None


def images_truth(article: dict[str, Any]) -> list[dict[str, Any]]:
    """What the archive must hold of each content image of an article, in page order."""
    return [
        {
            "src": b["img"]["src"],
            "caption": nfc(b["img"].get("caption")),
            "alt": nfc(b["img"].get("alt")),
            "credit": nfc(b["img"].get("credit")),
        }
        for b in article["blocks"]
        if "img" in b
    ]


def body_truth(article: dict[str, Any]) -> str:
    """The body text: the lead (when the page prints one) then every paragraph, blank-line joined."""
    paras = ([article["lead"]] if article.get("lead") else []) + [b["p"] for b in article["blocks"] if "p" in b]
    return "\n\n".join(nfc(t) for t in paras)


def clear_pages(www: Path) -> None:
    """Remove every generated page, keeping the pictures (their bytes are fixtures)."""
    if www.exists():
        for f in www.rglob("*"):
            if f.is_file() and f.suffix.lower() not in IMAGE_SUFFIXES:
                f.unlink()


def write_text(www: Path, url: str, text: str) -> None:
    """The file that serves `url` (path with query, crawler.replica.server.file_for)."""
    target = www / file_for(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def write_image(www: Path, src: str, seed: int, w: int, h: int, force: bool) -> None:
    target = www / src.lstrip("/")
    if target.exists() and not force:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(draw(seed, w, h, "png" if src.lower().endswith(".png") else "jpeg"))


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def sitemap_urlset(entries: list[tuple[str, str]], stylesheet: str = "") -> str:
    pi = f'<?xml-stylesheet type="text/xsl" href="{stylesheet}" ?>\n' if stylesheet else ""
    urls = "".join(f"<url><loc>{{{{ORIGIN}}}}{path}</loc><lastmod>{mod}</lastmod></url>" for path, mod in entries)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{pi}'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
    )


def readme(doc: str, articles: list[dict[str, Any]], others: list[str]) -> str:
    """A replica's README.md: its generator's docstring, a table of its articles, its other pages."""
    head = doc.split("Writes (committed)")[0].replace("Generate the replica", "# The replica", 1).strip()
    lines = [head, "", "## Articles", "", "| path | exercises |", "| --- | --- |"]
    lines += [f"| `{a['path']}` | {'; '.join(a['varieties'])} |" for a in articles]
    lines += ["", "## Pages that are no articles (refused)", ""] + [f"- {line}" for line in others] + [""]
    return "\n".join(lines)
