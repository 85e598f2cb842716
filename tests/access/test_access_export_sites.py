"""A dataset of several sites, or of one (`export --site`), says what is that site's: the runs'
figures are the site's own, never another site's. Real archives written by the store (a run
crawling two member sites, each site's outcome recorded as a crawl records it), exported by the
command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from access_archive import run_cli
from access_archive import save_news as save
from test_access_publisher import validate

from archive.export import export
from archive.store import Archive
from crawler.sites import packaged
from crawler.sites.site import parse

SITES = packaged()
TNU, ICTU = SITES.get("tnu"), SITES.get("ictu")
AT = "2026-03-01T02:00:00Z"

# One crawl of both sites: each site's own figures, and the run's (their sum, and its images).
OUTCOMES = {
    "tnu": {"status": "ok", "pages": 41, "articles_new": 17, "articles_changed": 3, "errors": {"http_404": 2}},
    "ictu": {"status": "drift", "pages": 9, "articles_new": 5, "articles_changed": 1, "errors": {"timeout": 1}},
}
RUN = {"status": "drift", "pages": 50, "articles_new": 22, "articles_changed": 4, "images_new": 13}


def register(archive: Archive, site) -> None:
    """The site's row as a crawl writes it (crawler/crawl_run.py register), from its profile."""
    archive.register_site(
        site.name,
        site.title,
        list(site.hosts),
        site.digest,
        AT,
        site.title_en,
        site.home,
        site.language,
        site.member_of,
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> tuple[Path, Path, dict[str, int]]:
    """Two member sites crawled in one run, then a recovery that read an ictu article's counter:
    (database, images folder, run ids by kind)."""
    root = tmp_path_factory.mktemp("crawled")
    db_path, images_dir = root / "tnu.sqlite", root / "images"
    with Archive(db_path, images_dir) as archive:
        register(archive, TNU)
        register(archive, ICTU)
        crawl = archive.start_run([TNU.home, ICTU.home], {"DOWNLOAD_DELAY": 0.5})
        save(archive, "tnu", "https://tnu.edu.vn/tin-tuc-su-kien/khai-giang.html", "Khai giảng", crawl, 120)
        save(archive, "ictu", "https://ictu.edu.vn/tin-tuc/hoi-thao.html", "Hội thảo", crawl, 40)
        for site, outcome in OUTCOMES.items():
            counts = {k: v for k, v in outcome.items() if k not in ("status", "errors")}
            archive.record_run_site(
                crawl,
                site,
                status=outcome["status"],
                exit_code=0 if outcome["status"] == "ok" else 3,
                counts={**counts, "articles_unchanged": 0},
                errors=outcome["errors"],
                fill_rates={"title": 1.0},
                problems=[],
            )
        archive.finish_run(
            crawl,
            status=RUN["status"],
            exit_code=3,
            counts={k: v for k, v in RUN.items() if k != "status"} | {"articles_unchanged": 0, "images_failed": 2},
            errors={"http_404": 2, "timeout": 1},
            fill_rates={"title": 1.0},
            problems=["site ictu: date empty"],
        )
        recover = archive.start_run(["https://web.archive.org/"], {}, kind="recover")
        save(archive, "ictu", "https://ictu.edu.vn/tin-tuc/tuyen-sinh.html", "Tuyển sinh", recover, 7)
        archive.finish_run(
            recover,
            status="ok",
            exit_code=0,
            counts={"pages": 6, "articles_new": 1},
            errors={"capture_not_html": 1},
            fill_rates={},
            problems=[],
        )
    return db_path, images_dir, {"crawl": crawl, "recover": recover}


def runs_of(out: Path) -> dict[int, dict]:
    lines = (out / "jsonl" / "crawl_runs.jsonl").read_text(encoding="utf-8").splitlines()
    return {row["id"]: row for row in map(json.loads, lines)}


def test_a_dataset_of_one_site_carries_that_sites_own_run_figures(crawled, tmp_path):
    db_path, images_dir, ids = crawled
    for site in ("ictu", "tnu"):
        out = tmp_path / site
        done = run_cli("export", "--site", site, "--out", out, "--db", db_path, "--images-dir", images_dir, "-q")
        assert done.returncode == 0, done.stderr
        run = runs_of(out)[ids["crawl"]]
        own = OUTCOMES[site]
        assert {k: run[k] for k in own} == {**own, "errors": json.dumps(own["errors"])}
        assert run["articles_unchanged"] == 0
        # images are the run's, shared by its sites: none is claimed as the site's
        assert run["images_new"] is None and run["images_failed"] is None
        # the month's figures in the card are the site's too (ictu's has the recovery, of no figure)
        card = (out / "README.md").read_text(encoding="utf-8")
        line = next(line for line in card.splitlines() if line.startswith(f"| {run['started_at'][:7]} | "))
        assert line.endswith(f" | {own['pages']} | {own['articles_new']} | {own['articles_changed']} |")
    # the recovery counted no site apart: no figure of its own, its status the run's
    recovered = runs_of(tmp_path / "ictu")[ids["recover"]]
    assert recovered["status"] == "ok" and recovered["kind"] == "recover"
    assert [recovered[k] for k in ("pages", "articles_new", "errors", "images_new")] == [None] * 4
    assert ids["recover"] not in runs_of(tmp_path / "tnu")  # it read no counter of tnu's


def test_a_dataset_of_every_site_carries_the_whole_runs_figures(crawled, tmp_path):
    db_path, images_dir, ids = crawled
    export(db_path, images_dir, tmp_path / "all")
    run = runs_of(tmp_path / "all")[ids["crawl"]]
    assert {k: run[k] for k in RUN} == RUN and run["images_failed"] == 2
    assert json.loads(run["errors"]) == {"http_404": 2, "timeout": 1}
    recovered = runs_of(tmp_path / "all")[ids["recover"]]
    assert recovered["pages"] == 6 and recovered["articles_new"] == 1


def test_the_run_figures_say_whose_they_are(crawled, tmp_path):
    db_path, images_dir, _ = crawled
    export(db_path, images_dir, tmp_path / "all", site="ictu")
    package = json.loads((tmp_path / "all" / "datapackage.json").read_text(encoding="utf-8"))
    runs = next(r for r in package["resources"] if r["name"] == "crawl_runs")
    fields = {f["name"]: f["description"] for f in runs["schema"]["fields"]}
    for name in ("pages", "articles_new", "errors"):
        assert "in a dataset of one site (`export --site`) the site's own (its run_sites row)" in fields[name]
    assert "NULL in a dataset of one site" in fields["images_new"]


# -- the languages it declares --------------------------------------------------------------

# An operator's site of English pages (a profile in tnu-archive.toml), beside the university's.
ENGLISH = parse(
    "intl",
    {
        "title": "International Office",
        "title_en": "International Office",
        "start_urls": ["https://intl.example.org/"],
        "language": "en-GB",
    },
    "tnu-archive.toml",
)


def front(out: Path) -> str:
    return (out / "README.md").read_text(encoding="utf-8").split("---\n")[1]


def croissant_of(out: Path) -> dict:
    return json.loads((out / "croissant.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def two_languages(tmp_path_factory) -> tuple[Path, Path]:
    """tnu (Vietnamese, one article) and an English site (two), each row from its profile."""
    root = tmp_path_factory.mktemp("languages")
    db_path, images_dir = root / "tnu.sqlite", root / "images"
    with Archive(db_path, images_dir) as archive:
        register(archive, TNU)
        register(archive, ENGLISH)
        save(archive, "tnu", "https://tnu.edu.vn/tin-tuc-su-kien/khai-giang.html", "Khai giảng", None)
        save(archive, "intl", "https://intl.example.org/news/exchange.html", "Exchange programme", None)
        save(archive, "intl", "https://intl.example.org/news/visit.html", "A visit", None)
    return db_path, images_dir


def test_a_dataset_declares_the_languages_of_its_sites_largest_first(two_languages, tmp_path):
    db_path, images_dir = two_languages
    out = tmp_path / "all"
    export(db_path, images_dir, out)
    assert '\nlanguage:\n- "en-GB"\n- "vi"\n' in f"\n{front(out)}"
    assert '- "english"\n- "vietnamese"\n' in front(out)  # the hub's tags
    croissant = croissant_of(out)
    assert croissant["inLanguage"] == ["en-GB", "vi"]
    assert croissant["keywords"][-3:] == ["English", "Vietnamese", "web archive"]
    assert "- Languages: English (`en-GB`), Vietnamese (`vi`)\n" in (out / "README.md").read_text(encoding="utf-8")
    # the sites table says each site's
    sites = [json.loads(line) for line in (out / "jsonl" / "sites.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {row["name"]: row["language"] for row in sites} == {"intl": "en-GB", "tnu": "vi"}
    validate(out)


def test_a_dataset_of_one_site_declares_its_language_alone(two_languages, tmp_path):
    db_path, images_dir = two_languages
    export(db_path, images_dir, tmp_path / "intl", site="intl")
    assert '\nlanguage:\n- "en-GB"\npretty_name' in f"\n{front(tmp_path / 'intl')}"
    croissant = croissant_of(tmp_path / "intl")
    assert croissant["inLanguage"] == "en-GB" and "Vietnamese" not in croissant["keywords"]
    assert "vi" not in front(tmp_path / "intl").split("\n")
    export(db_path, images_dir, tmp_path / "tnu", site="tnu")
    assert croissant_of(tmp_path / "tnu")["inLanguage"] == "vi"
    assert "English" not in croissant_of(tmp_path / "tnu")["keywords"]


def test_a_dataset_whose_sites_language_is_unknown_declares_none(tmp_path):
    """A host no profile claims: its row has no language (crawler/crawl_run.py writes none), and
    the dataset claims none rather than a guess."""
    db_path, images_dir = tmp_path / "a.sqlite", tmp_path / "images"
    host = "127.0.0.1:8001"
    with Archive(db_path, images_dir) as archive:
        archive.register_site(host, None, [host], None, AT)
        save(archive, host, f"http://{host}/news/one.html", "One", None)
    export(db_path, images_dir, tmp_path / "out")
    assert "language:" not in front(tmp_path / "out")
    croissant = croissant_of(tmp_path / "out")
    assert "inLanguage" not in croissant and "Vietnamese" not in croissant["keywords"]
    assert "- Language: not recorded" in (tmp_path / "out" / "README.md").read_text(encoding="utf-8")


def test_a_language_babel_does_not_know_is_named_by_its_tag():
    from archive.dataset.publisher import language_name

    assert [language_name(tag) for tag in ("vi", "en-GB", "zh-Hant", "qaa")] == [
        "Vietnamese",
        "English",
        "Chinese",
        "qaa",
    ]


# -- whose sites they are -------------------------------------------------------------------


def university(root: Path, *others: str) -> tuple[Path, Path]:
    """tnu and four of its member sites (ictu the largest), each row from its profile, and the
    hosts no profile claims in `others`."""
    db_path, images_dir = root / "tnu.sqlite", root / "images"
    with Archive(db_path, images_dir) as archive:
        for name, articles in (("tnu", 1), ("ictu", 3), ("tnue", 1), ("sfl", 1), ("tump", 2)):
            site = SITES.get(name)
            register(archive, site)
            for n in range(articles):
                save(archive, name, f"{site.home}tin-tuc/bai-{n}.html", f"Tin {name} {n}", None)
        for host in others:
            archive.register_site(host, None, [host], None, AT)
            save(archive, host, f"http://{host}/news/one.html", "One", None)
    return db_path, images_dir


def test_a_dataset_of_the_universitys_sites_is_titled_after_the_university(tmp_path):
    db_path, images_dir = university(tmp_path / "archive")
    out = tmp_path / "out"
    export(db_path, images_dir, out)
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    title = f"News of {TNU.title_en} ({TNU.title}, tnu.edu.vn) and 4 of its member sites, archived"
    assert package["title"] == croissant_of(out)["alternateName"] == title
    assert f"\n# {title}\n" in (out / "README.md").read_text(encoding="utf-8")
    assert package["homepage"] == croissant_of(out)["url"] == TNU.home  # not the largest site's
    # each school is still an author of its own articles, the largest first
    authors = [c["title"] for c in package["contributors"] if c["role"] == "author"]
    assert authors[0] == f"{ICTU.title_en} ({ICTU.title})" and len(authors) == 5
    sites = [json.loads(line) for line in (out / "jsonl" / "sites.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {row["name"]: row["member_of"] for row in sites} == {
        "tnu": None,
        "ictu": "tnu",
        "tnue": "tnu",
        "sfl": "tnu",
        "tump": "tnu",
    }


def test_a_site_of_no_member_keeps_the_largest_site_and_a_count(tmp_path):
    db_path, images_dir = university(tmp_path / "archive", "127.0.0.1:8001")
    export(db_path, images_dir, tmp_path / "out")
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["title"] == f"News of {ICTU.title_en} ({ICTU.title}, ictu.edu.vn) and 5 other sites, archived"
    assert package["homepage"] == ICTU.home
