"""Whose news the dataset is: its title, authors, licence line, keywords and citation name the
sites it holds, as their profiles name them (the `sites` rows a crawl writes), and nothing else:
an archive of an operator's ad-hoc site names that site's host and not the university, and
`export --site X` names X alone. Real archives written by the store, exported by the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from access_archive import build_archive, run_cli
from access_archive import save_news as save

from archive.export import export
from archive.store import Archive
from crawler.sites import packaged

MLCROISSANT = Path(sys.executable).with_name("mlcroissant")
FRICTIONLESS = Path(sys.executable).with_name("frictionless")
SITES = packaged()
TNU, ICTU = SITES.get("tnu"), SITES.get("ictu")
# The university's names as its profile gives them: what no other site's dataset may claim.
UNIVERSITY = (TNU.title, TNU.title_en)


def metadata(out: Path) -> tuple[str, dict, dict]:
    """(README.md, datapackage.json, croissant.json) of an export."""
    return (
        (out / "README.md").read_text(encoding="utf-8"),
        json.loads((out / "datapackage.json").read_text(encoding="utf-8")),
        json.loads((out / "croissant.json").read_text(encoding="utf-8")),
    )


def front_matter(card: str) -> str:
    return card.split("---\n")[1]


def section(card: str, heading: str) -> str:
    return card.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def publisher_texts(card: str, package: dict, croissant: dict) -> list[str]:
    """The whole card and both metadata files: titles, authors, licence, citation, keywords, and
    every table's and field's description."""
    return [card, json.dumps(package, ensure_ascii=False), json.dumps(croissant, ensure_ascii=False)]


def register(archive: Archive, site) -> None:
    """The site's row as a crawl writes it (crawler/run.py register), from its profile."""
    archive.register_site(
        site.name,
        site.title,
        list(site.hosts),
        site.digest,
        "2026-03-01T02:00:00Z",
        site.title_en,
        site.home,
        site.language,
        site.member_of,
    )


def test_a_tnu_archive_names_the_university_from_its_profile(tmp_path):
    db_path, images_dir = build_archive(tmp_path / "archive")  # tnu's row written from the shipped profile
    export(db_path, images_dir, tmp_path / "out")
    card, package, croissant = metadata(tmp_path / "out")
    title = f"News of {TNU.title_en} ({TNU.title}, tnu.edu.vn), archived"
    assert TNU.home == "https://tnu.edu.vn/"  # the profile's first start URL
    assert f"pretty_name: {json.dumps(title, ensure_ascii=False)}" in front_matter(card)
    assert f"\n# {title}\n" in card and package["title"] == croissant["alternateName"] == title
    owner = f"{TNU.title_en} ({TNU.title})"
    assert package["contributors"][0] == {"title": owner, "path": TNU.home, "role": "author"}
    assert (
        croissant["creator"] == croissant["publisher"] == {"@type": "sc:Organization", "name": owner, "url": TNU.home}
    )
    assert croissant["url"] == package["homepage"] == TNU.home
    rights = f"The articles' text and photographs belong to {owner} and the photographers credited"
    assert rights in package["rights"] and rights in croissant["copyrightNotice"]
    assert rights in section(card, "Licence")
    assert package["keywords"][:2] == croissant["keywords"][:2] == [TNU.title_en, TNU.title]
    cite = section(card, "How to cite")
    assert f"content © {owner}." in cite and f"author = {{{{{owner}}}}}," in cite
    assert f"title = {{{{{title}}}}}," in cite and croissant["citeAs"] in cite


def test_an_archive_of_an_adhoc_site_names_its_host_and_not_the_university(tmp_path):
    """An operator's crawl of a host no profile claims: the site's row has no title (crawler/sites
    registry: an ad-hoc site), so every text is worded from its host."""
    db_path, images_dir = tmp_path / "a.sqlite", tmp_path / "images"
    host = "127.0.0.1:8001"
    with Archive(db_path, images_dir) as archive:
        archive.register_site(host, None, [host], None, "2026-03-01T02:00:00Z")
        save(archive, host, f"http://{host}/tin/khai-giang.html", "Khai giảng năm học mới")
        save(archive, host, f"http://{host}/tin/tot-nghiep.html", "Lễ tốt nghiệp")
    export(db_path, images_dir, tmp_path / "out")
    card, package, croissant = metadata(tmp_path / "out")
    title = f"News of {host}, archived"
    assert package["title"] == croissant["alternateName"] == title and f"\n# {title}\n" in card
    assert package["contributors"][0] == {"title": host, "path": f"http://{host}/", "role": "author"}
    assert croissant["creator"] == {"@type": "sc:Organization", "name": host, "url": f"http://{host}/"}
    assert f"belong to the owner of {host} and the photographers" in package["rights"]
    assert host in package["keywords"] and f"author = {{{{{host}}}}}," in card
    for text in publisher_texts(card, package, croissant):
        for name in (*UNIVERSITY, "tnu.edu.vn"):
            assert name not in text
    validate(tmp_path / "out")


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory) -> tuple[Path, Path]:
    """An archive of two member sites, as a crawl of both writes it: each site's row from its profile."""
    root = tmp_path_factory.mktemp("two")
    db_path, images_dir = root / "tnu.sqlite", root / "images"
    with Archive(db_path, images_dir) as archive:
        register(archive, TNU)
        register(archive, ICTU)
        save(archive, "tnu", "https://tnu.edu.vn/tin-tuc-su-kien/khai-giang.html", "Khai giảng")
        save(archive, "ictu", "https://ictu.edu.vn/tin-tuc/hoi-thao.html", "Hội thảo")
        save(archive, "ictu", "https://ictu.edu.vn/tin-tuc/tuyen-sinh.html", "Tuyển sinh")
    return db_path, images_dir


def test_export_site_names_that_site_alone(two_sites, tmp_path):
    db_path, images_dir = two_sites
    out = tmp_path / "ictu"
    done = run_cli("export", "--site", "ictu", "--out", out, "--db", db_path, "--images-dir", images_dir, "-q")
    assert done.returncode == 0, done.stderr
    card, package, croissant = metadata(out)
    owner = f"{ICTU.title_en} ({ICTU.title})"
    title = f"News of {ICTU.title_en} ({ICTU.title}, ictu.edu.vn), archived"
    assert package["title"] == croissant["alternateName"] == title and f"\n# {title}\n" in card
    assert croissant["creator"] == croissant["publisher"]
    assert croissant["creator"] == {"@type": "sc:Organization", "name": owner, "url": "https://ictu.edu.vn/"}
    assert [c["title"] for c in package["contributors"] if c["role"] == "author"] == [owner]
    assert f"belong to {owner} and the photographers" in package["rights"]
    assert package["keywords"][:2] == [ICTU.title_en, ICTU.title]
    # the university's own site, its home page and its names as a publisher are nowhere
    university = f"{TNU.title_en} ({TNU.title}"
    for text in publisher_texts(card, package, croissant):
        assert university not in text and "tnu.edu.vn" not in text
    assert TNU.title_en not in package["keywords"] and TNU.title not in package["keywords"]


def test_a_dataset_of_several_sites_names_each_and_validates(two_sites, tmp_path):
    db_path, images_dir = two_sites
    out = tmp_path / "all"
    export(db_path, images_dir, out)
    card, package, croissant = metadata(out)
    ictu, tnu = f"{ICTU.title_en} ({ICTU.title})", f"{TNU.title_en} ({TNU.title})"
    # the largest site first
    title = (
        f"News of {ICTU.title_en} ({ICTU.title}, ictu.edu.vn) and {TNU.title_en} ({TNU.title}, tnu.edu.vn), archived"
    )
    assert package["title"] == title and f"\n# {title}\n" in card
    assert croissant["creator"] == [
        {"@type": "sc:Organization", "name": ictu, "url": ICTU.home},
        {"@type": "sc:Organization", "name": tnu, "url": TNU.home},
    ]
    assert f"belong to {ictu} and {tnu} and the photographers" in package["rights"]
    assert f"author = {{{{{ictu}}} and {{{tnu}}}}}," in card
    assert package["keywords"][:4] == [ICTU.title_en, ICTU.title, TNU.title_en, TNU.title]
    validate(out)


def validate(out: Path) -> None:
    """Both validators accept the metadata (a list of creators, titles from the sites' rows)."""
    checked = subprocess.run(
        [str(MLCROISSANT), "validate", "--jsonld", str(out / "croissant.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0 and "WARNING" not in checked.stderr, checked.stderr[-2000:]
    checked = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", str(out / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(checked.stdout)
    assert report["valid"], [e["message"] for task in report["tasks"] for e in task["errors"]]


def test_many_sites_are_the_largest_and_a_count_and_bibtex_text_is_escaped():
    from archive.dataset import publisher

    sites = [{"name": f"s{n}", "title": f"Trường {n}", "articles": n, "origins": []} for n in range(1, 6)]
    assert publisher.title(sites) == "News of Trường 5 (s5) and 4 other sites, archived"
    assert publisher.title(sites[:3]) == "News of Trường 3 (s3), Trường 2 (s2) and Trường 1 (s1), archived"
    owner = {"name": "kt", "title": "Kinh tế & QTKD {50%}", "home": "https://kt.example/", "articles": 1}
    assert publisher.bibtex_authors([owner]) == "{Kinh tế \\& QTKD (50\\%)}"
    assert publisher.named(owner) == "Kinh tế & QTKD {50%} (kt.example)"
