"""crawler/sites/: the shipped profiles, the operator's, the site of any URL, and the one-line
errors for a profile that cannot be used."""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from pathlib import Path

import pytest

from crawler.cli import category_names
from crawler.extract.article import read_article
from crawler.navigation import links
from crawler.sites import PROFILES_DIR, SiteError, Sites, download_slots, load, packaged
from crawler.sites.site import parse

MEMBERS = {
    "tnu": "tnu.edu.vn",
    "tnue": "tnue.edu.vn",
    "tnut": "tnut.edu.vn",
    "tump": "tump.edu.vn",
    "tuaf": "tuaf.edu.vn",
    "tueba": "tueba.edu.vn",
    "tnus": "tnus.edu.vn",
    "ictu": "ictu.edu.vn",
    "sfl": "sfl.tnu.edu.vn",
    "is": "is.tnu.edu.vn",
}


def test_every_member_site_ships_as_a_profile_with_its_hosts_and_start_page():
    sites = packaged()
    assert {site.name for site in sites} == set(MEMBERS)
    for name, host in MEMBERS.items():
        site = sites.get(name)
        assert host in site.hosts and site.start_urls == (f"https://{host}/",) and site.enabled
        assert site.title and site.timezone == "Asia/Ho_Chi_Minh" and site.digest
    assert packaged().get("tnu").hosts == ("tnu.edu.vn", "www.tnu.edu.vn", "en.tnu.edu.vn")


def test_only_the_university_profile_has_rules_of_its_own():
    """Nobody has seen the other members' markup: no guessed selector or URL rule."""
    for site in packaged():
        has_rules = bool(site.selectors or site.article_paths or site.listing_paths or site.excluded_paths)
        assert has_rules == (site.name == "tnu"), site.name


ROOT = Path(__file__).resolve().parents[1]


def code_files() -> list[Path]:
    """Every file of the code (crawler/ and archive/: modules, templates, data) but the profiles."""
    files = []
    for folder in (ROOT / "crawler", ROOT / "archive"):
        for path in sorted(folder.rglob("*")):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and PROFILES_DIR not in path.parents
                and path.suffix in (".py", ".html", ".toml", ".json", ".txt", ".sql")
            ):
                files.append(path)
    return files


def test_the_universitys_name_is_written_in_the_profiles_only():
    tnu = packaged().get("tnu")
    # its names as the profile gives them (acronyms like TNU are in every file name: not a name here)
    names = {unicodedata.normalize("NFC", n).casefold() for n in (tnu.title, *tnu.title_names) if " " in n}
    assert {"đại học thái nguyên", "thai nguyen university"} <= names
    files = code_files()
    assert ROOT / "archive" / "browse" / "metadata.py" in files and ROOT / "crawler" / "extract" / "dates.py" in files
    for path in files:
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8")).casefold()
        for name in names:
            assert name not in text, f"{path.relative_to(ROOT)} names {name!r}: site knowledge belongs in its profile"
    assert "Đại học Thái Nguyên" in (PROFILES_DIR / "tnu.toml").read_text(encoding="utf-8")


def test_no_code_links_a_sites_address():
    """What a site is reached at is its profile's (start_urls) or the archive's (its articles'
    URLs): no string the code uses is a URL on a host a profile claims. Docstrings and comments
    may give one as an example."""
    hosts = {host for site in packaged() for host in site.hosts}
    on_a_site = re.compile(r"https?://(?:[\w-]+\.)*(?:" + "|".join(re.escape(h) for h in sorted(hosts)) + r")\b", re.I)
    for path in (p for p in code_files() if p.suffix == ".py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                found = on_a_site.search(node.value)
                assert not found, f"{path.relative_to(ROOT)}:{node.lineno} links {found.group(0)}"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://tnu.edu.vn/tin-tuc-su-kien.html", "tnu"),
        ("https://en.tnu.edu.vn/x-dt1.html", "tnu"),
        ("https://sfl.tnu.edu.vn/", "sfl"),
        ("https://is.tnu.edu.vn/", "is"),
        ("https://khoa.tnu.edu.vn/", "tnu"),
        ("https://www.ictu.edu.vn/", "ictu"),
        ("http://127.0.0.1:8001/", "127.0.0.1:8001"),
    ],
)
def test_every_url_has_a_site_the_most_specific_host_winning(url, name):
    assert packaged().of(url).name == name


def test_a_host_no_profile_claims_is_read_with_the_shared_rules():
    sites = packaged()
    adhoc, tnu = sites.of("http://127.0.0.1:8001/"), sites.get("tnu")
    assert adhoc.adhoc and adhoc.hosts == ("127.0.0.1:8001",) and adhoc.title is None
    assert adhoc.selectors == tnu.selectors and adhoc.article_paths == tnu.article_paths
    assert links.is_article("http://127.0.0.1:8001/a-b-dn12.html", sites)
    # a member's own site borrows nothing: its links are judged by the generic rules alone
    assert not links.is_article("https://tnue.edu.vn/a-b-dn12.html", sites)
    assert links.is_article("https://tnu.edu.vn/a-b-dn12.html", sites)


def operator(tmp_path: Path, text: str) -> Path:
    (tmp_path / "tnu-archive.toml").write_text(text, encoding="utf-8")
    return tmp_path / "tnu.sqlite"


def test_an_operator_adds_a_site_and_changes_a_shipped_one(tmp_path):
    db = operator(
        tmp_path,
        'contact = "mailto:a@b.c"\n'
        "[sites.school]\n"
        'start_urls = ["http://127.0.0.2:8001/"]\n'
        "[sites.school.urls]\n"
        'page_param = "trang-so"\n'
        "[sites.school.categories]\n"
        '"Tin" = "Tin tức"\n'
        "[sites.tnue]\n"
        "enabled = false\n",
    )
    sites = load(db)
    school = sites.get("school")
    assert school.hosts == ("127.0.0.2:8001",) and school.origin == str(tmp_path / "tnu-archive.toml")
    assert not sites.get("tnue").enabled and sites.get("tnue").hosts == ("tnue.edu.vn", "www.tnue.edu.vn")
    assert "https://tnue.edu.vn/" not in sites.start()
    assert sites.start(["school"]) == ["http://127.0.0.2:8001/"]
    # the site's own page parameter numbers its listings' pages
    assert links.page_number("http://127.0.0.2:8001/tin?trang-so=3", sites) == 3
    assert links.clean_url("http://127.0.0.2:8001/tin?trang-so=1", sites) == "http://127.0.0.2:8001/tin"
    assert links.page_number("http://127.0.0.1:9/tin?trang-so=3", sites) == 1
    page = "<html><body><article><h1>Tiêu đề</h1><p>Đăng ngày: 15-07-2020</p><nav class='breadcrumb'><a>Tin</a></nav>"
    page += (
        "<p>"
        + "Nội dung bài viết dài. " * 12
        + "</p><p>"
        + "Đoạn thứ hai của bài. " * 12
        + "</p></article></body></html>"
    )
    # the archive keeps the category as printed; the dataset names it as the profile says
    assert read_article(page, "http://127.0.0.2:8001/a", site=school).article.category == "Tin"
    assert category_names(db)["school"] == {"Tin": "Tin tức"}


def test_the_start_urls_given_and_of_the_sites_named():
    sites = packaged()
    assert sites.start([], ["http://127.0.0.1:1/"]) == ["http://127.0.0.1:1/"]
    assert sites.start(["sfl", "is"]) == ["https://sfl.tnu.edu.vn/", "https://is.tnu.edu.vn/"]
    assert [s.name for s in sites.of_run(["http://127.0.0.1:1/", "http://127.0.0.1:1/x", "https://tnu.edu.vn/"])] == [
        "127.0.0.1:1",
        "tnu",
    ]
    with pytest.raises(SiteError, match="no site named 'nowhere'"):
        sites.start(["nowhere"])


def test_recovery_looks_up_every_host_of_the_sites_named():
    sites = Sites(
        [
            *packaged(),
            parse("school", {"hosts": ["a.vn", "old-a.vn:8080"], "archive_matches": ["*.a.vn"]}, "f"),
            parse("off", {"hosts": ["off.vn"], "enabled": False}, "f"),
        ]
    )
    assert sites.recover_matches(["tnu"]) == ["tnu.edu.vn/*", "www.tnu.edu.vn/*", "en.tnu.edu.vn/*"]
    # every host (with its port), then the profile's own patterns; and those given besides
    assert sites.recover_matches(["school"], ["x.vn/news/*"]) == ["a.vn/*", "old-a.vn:8080/*", "*.a.vn", "x.vn/news/*"]
    assert sites.recover_matches([], ["x.vn/*"]) == ["x.vn/*"]
    # neither: every enabled site's hosts
    every = sites.recover_matches()
    assert "tnue.edu.vn/*" in every and "sfl.tnu.edu.vn/*" in every and "a.vn/*" in every
    assert "off.vn/*" not in every
    with pytest.raises(SiteError, match="no site named 'nowhere'"):
        sites.recover_matches(["nowhere"])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"hosts": ["a.vn"], "colour": "red"}, "unknown key 'colour'"),
        ({}, "give its hosts"),
        ({"start_urls": ["ftp://a.vn/"]}, "not an http(s) URL"),
        ({"hosts": ["a.vn"], "urls": {"article": ["(x"]}}, "urls.article: '(x' is no regular expression"),
        ({"hosts": ["a.vn"], "layouts": [{"layout": "x", "body": "div[[["}]}, "layout x: body = 'div[[[' is no CSS"),
        ({"hosts": ["a.vn"], "layouts": [{"title": "h1"}]}, "needs a body selector"),
        ({"hosts": ["a.vn"], "timezone": "Mars/Olympus"}, "no IANA time zone"),
        ({"hosts": ["a.vn"], "language": "tiếng Việt"}, "no language tag"),
        ({"hosts": ["a.vn"], "politeness": {"concurrency": 0}}, "politeness.concurrency must be a positive"),
        ({"hosts": ["a.vn"], "enabled": "yes"}, "enabled must be true or false"),
        ({"hosts": ["a/b"]}, "is no host name"),
        ({"hosts": ["a.vn"], "archive_matches": ["*"]}, "archive_matches: no host in the URL pattern '*'"),
        ({"hosts": ["a.vn"], "home": "a.vn"}, "home: not an http(s) URL: 'a.vn'"),
        ({"hosts": ["a.vn"], "title_en": ["School"]}, "title_en must be a string"),
    ],
)
def test_a_profile_that_cannot_be_used_is_one_line_naming_it(table, message):
    with pytest.raises(SiteError, match=re.escape(message)) as raised:
        parse("school", table, "tnu-archive.toml")
    assert str(raised.value).startswith("tnu-archive.toml: site 'school': ") and "\n" not in str(raised.value)


def test_a_sites_home_page_is_its_first_start_url_unless_the_profile_names_one():
    """What the exported dataset gives as the publisher's address, with its English name."""
    school = parse("school", {"title": "Trường", "start_urls": ["https://a.vn/tin/", "https://a.vn/"]}, "x.toml")
    assert (school.home, school.title_en) == ("https://a.vn/tin/", None)
    named = parse("school", {"start_urls": ["https://a.vn/tin/"], "home": "https://a.vn/", "title_en": "School"}, "x")
    assert (named.home, named.title_en) == ("https://a.vn/", "School")
    assert parse("school", {"hosts": ["a.vn"]}, "x").home is None
    # every shipped profile gives its owner's name in English too
    assert all(site.title_en and site.home == site.start_urls[0] for site in packaged())
    assert packaged().get("tnu").title_en == "Thai Nguyen University"


def test_the_members_of_the_university_say_so_and_a_membership_names_another_site():
    """What titles a dataset of the university's sites after the university (archive/dataset/publisher.py)."""
    members = {site.name: site.member_of for site in packaged()}
    assert members.pop("tnu") is None and set(members.values()) == {"tnu"} and len(members) == 9
    with pytest.raises(SiteError, match="member_of 'school' is no other site's name"):
        parse("school", {"hosts": ["a.vn"], "member_of": "school"}, "f")
    with pytest.raises(SiteError, match="member_of 'Đại học' is no other site's name"):
        parse("school", {"hosts": ["a.vn"], "member_of": "Đại học"}, "f")
    with pytest.raises(SiteError, match=re.escape("tnu-archive.toml: site 'school': member_of 'tnuu' names no site")):
        Sites([*packaged(), parse("school", {"hosts": ["a.vn"], "member_of": "tnuu"}, "tnu-archive.toml")])
    assert Sites([*packaged(), parse("school", {"hosts": ["a.vn"], "member_of": "tnu"}, "f")]).get("school")


def test_two_sites_may_not_claim_one_host():
    with pytest.raises(SiteError, match="claimed by both a and b"):
        Sites([parse("a", {"hosts": ["x.vn"]}, "f"), parse("b", {"hosts": ["x.vn"]}, "f")])


def test_a_site_name_is_never_host_like():
    with pytest.raises(SiteError, match="lower-case letters"):
        parse("example.org", {"hosts": ["example.org"]}, "f")


def test_politeness_overrides_become_each_hosts_download_slot():
    slow = parse(
        "slow", {"hosts": ["a.vn", "www.a.vn:8080"], "politeness": {"download_delay": 2, "concurrency": 1}}, "f"
    )
    plain = parse("plain", {"hosts": ["b.vn"]}, "f")
    assert download_slots([slow, plain]) == {
        "a.vn": {"delay": 2.0, "concurrency": 1},
        "www.a.vn": {"delay": 2.0, "concurrency": 1},
    }


def test_sites_lists_the_profiles_without_an_archive_and_makes_none(tmp_path):
    from click.testing import CliRunner

    from crawler.cli import cli

    result = CliRunner().invoke(cli, ["sites", "--json", "--db", str(tmp_path / "data" / "tnu.sqlite")])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["name"] for row in rows] == sorted(MEMBERS)
    assert all(row["articles"] == 0 and row["last_run"] is None for row in rows)
    assert not (tmp_path / "data").exists()
    table = CliRunner().invoke(cli, ["sites", "--db", str(tmp_path / "tnu.sqlite")])
    assert table.exit_code == 0 and "sfl.tnu.edu.vn" in table.output
