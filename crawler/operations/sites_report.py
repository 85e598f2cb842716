"""What `tnu-archive sites` tells the operator: every site, from its profile and from what the
archive holds of it. Pure functions over the sites (crawler/sites/) and the archive's overview
(archive/storage/sites.py overview); the command reads both and prints what these return."""

from __future__ import annotations

from collections.abc import Mapping

from crawler.sites import Sites


def site_list(sites: Sites, held: Mapping[str, dict] | None) -> list[dict]:
    """One entry per site: the profiles in name order, then the sites only the archive knows
    (hosts crawled from a --start-url). `held` is None when there is no archive (yet)."""
    held = held or {}
    rows = []
    for site in sites:
        rows.append(_row(site.name, held.get(site.name), site.title, list(site.hosts)))
        rows[-1].update(
            enabled=site.enabled,
            start_urls=list(site.start_urls),
            timezone=site.timezone,
            language=site.language,
            profile=site.origin,
        )
    for name, entry in held.items():
        if sites.get(name) is None:
            rows.append(_row(name, entry, entry.get("title"), entry.get("hosts") or []))
            rows[-1].update(enabled=False, start_urls=[], timezone=None, language=None, profile=None)
    return rows


def _row(name: str, entry: dict | None, title: str | None, hosts: list[str]) -> dict:
    entry = entry or {}
    last = entry.get("last_run")
    return {
        "name": name,
        "title": title,
        "hosts": hosts,
        "articles": entry.get("articles", 0),
        "newest": entry.get("newest"),
        "last_run": None
        if last is None
        else {
            "run": last["run_id"],
            "started_at": last.get("started_at"),
            "status": last["status"],
            "exit_code": last.get("exit_code"),
            "problems": last.get("problems") or [],
        },
        "drift": [
            {"field": field, "fill_rate": rate, "baseline": base} for field, rate, base in entry.get("fallen") or []
        ],
    }


HEADER = f"{'site':16}  {'articles':>8}  {'newest':10}  {'last run':24}  {'drift':22}  hosts"


def site_lines(rows: list[dict]) -> list[str]:
    """The table: one line per site, then its title and, for a disabled profile, that it is."""
    lines = [HEADER]
    for row in rows:
        last = row["last_run"]
        run = f"{last['run']} {last['status']} {(last['started_at'] or '')[:10]}" if last else "-"
        drift = ", ".join(f"{d['field']} {d['fill_rate']:.0%}" for d in row["drift"]) or "-"
        lines.append(
            f"{row['name']:16}  {row['articles']:>8}  {(row['newest'] or '-')[:10]:10}  {run:24}  {drift:22}  "
            + " ".join(row["hosts"])
        )
        notes = [row["title"] or ""] + ([] if row["enabled"] or row["profile"] is None else ["(disabled)"])
        if any(notes):
            lines.append("      " + " ".join(n for n in notes if n))
    return lines
