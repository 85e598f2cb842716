"""The many-hosts measure of `make bench`: is every host crawled at the pace it was given?

A night's crawl of the university is ten sites at once, each on its own server, each with its
own polite delay. Here the same generated replica is served on N loopback addresses
(127.0.0.10 … 127.0.0.29 for 20, benchmarks/serve.py --hosts), each a site of its own defined by
an operator's profile in tnu-archive.toml with a per-host `download_delay`, and crawled with the
crawler's own settings (politeness on: nothing is overridden). The replica server notes the
time of every request it answers; from those notes, per host:

- `rate_per_s` = (requests − 1) / (last − first): the requests the host received over the span
  between its first and its last one, gaps included (a host with nothing queued for a while, or
  held back by the crawl, shows it here);
- `ratio` = rate_per_s / the configured rate (1 / download_delay): the goal is ≥ 0.9 for every
  host with N at once;
- `min_interval_s`, `median_interval_s`: the gaps between its requests as the server saw them
  (politeness: the shortest is about the delay less its jitter; on a loaded machine a request
  held up on its way can arrive with the next one, a gap of 0).

Only pure functions here (the profiles' text, the request log read, the figures computed); the
runner (benchmarks/run.py bench_many_hosts) starts the server and the crawls. Every figure is
computed from the samples kept beside it (each host's `requests`, `first_s`, `last_s`), so that
anyone, the tests included, recomputes it exactly from latest.json.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

# Achieved over configured rate that every host must reach with all of them at once.
GOAL = 0.9
SAMPLE_DIGITS = 3  # times kept to the millisecond


def site_name(url: str) -> str:
    """The profile name of a replica host: `host10` for http://127.0.0.10:PORT/."""
    return "host" + (urlsplit(url).hostname or "").rsplit(".", 1)[-1]


def operator_config(urls: Sequence[str], delay: float, rules: Mapping[str, Any] | None = None) -> str:
    """tnu-archive.toml for these replica hosts: one site each, each with its own polite delay
    (crawler/sites/site.py `[politeness]`, which becomes the host's download slot) and the
    profile keys in `rules` (the URL rules and layouts the replica's pages are read with)."""
    tables = []
    for url in urls:
        name = site_name(url)
        site = {**(rules or {}), "start_urls": [url], "politeness": {"download_delay": delay}}
        tables.append(_toml_table(f"sites.{name}", site))
    return "\n".join(tables)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list) and all(not isinstance(v, Mapping) for v in value):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML value for {value!r}")


def _toml_table(name: str, data: Mapping[str, Any]) -> str:
    """One table with its sub-tables and arrays of tables, as a profile's keys are shaped."""
    plain = [f"{key} = {_toml_value(v)}" for key, v in data.items() if not _is_table(v)]
    out = [f"[{name}]", *plain, ""]
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.append(_toml_table(f"{name}.{key}", value))
        elif _is_table(value):
            for entry in value:
                body = [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
                out += [f"[[{name}.{key}]]", *body, ""]
    return "\n".join(out)


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping) or (isinstance(value, list) and any(isinstance(v, Mapping) for v in value))


def read_request_log(text: str, hosts: Iterable[str]) -> dict[str, list[float]]:
    """The times of the requests each of `hosts` (host:port) received, in order, from the
    server's log (`<time> <host:port> <method> <target>` a line); other hosts' lines are left out."""
    times: dict[str, list[float]] = {host: [] for host in hosts}
    for line in text.splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[1] in times:
            times[parts[1]].append(float(parts[0]))
    for found in times.values():
        found.sort()
    return times


def host_samples(times: Mapping[str, Sequence[float]], t0: float) -> list[dict[str, Any]]:
    """Per host: its requests, its first and last request in seconds since `t0`, its gaps."""
    out = []
    for host, stamps in times.items():
        gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
        out.append(
            {
                "host": host,
                "requests": len(stamps),
                "first_s": round(stamps[0] - t0, SAMPLE_DIGITS) if stamps else None,
                "last_s": round(stamps[-1] - t0, SAMPLE_DIGITS) if stamps else None,
                "min_interval_s": round(min(gaps), SAMPLE_DIGITS) if gaps else None,
                "median_interval_s": round(statistics.median(gaps), SAMPLE_DIGITS) if gaps else None,
            }
        )
    return out


def host_rate(sample: Mapping[str, Any]) -> float | None:
    """Requests a second over the host's span, from its sample; None under two requests."""
    span = (sample["last_s"] or 0) - (sample["first_s"] or 0)
    if sample["requests"] < 2 or span <= 0:
        return None
    return round((sample["requests"] - 1) / span, 3)


def rate_figures(samples: list[dict[str, Any]], configured_rate: float) -> dict[str, Any]:
    """Each host's achieved rate and its ratio to the configured one, and how many reach GOAL."""
    hosts = []
    for sample in samples:
        rate = host_rate(sample)
        ratio = round(rate / configured_rate, 3) if rate is not None else None
        hosts.append({**sample, "rate_per_s": rate, "ratio": ratio})
    ratios = [h["ratio"] for h in hosts if h["ratio"] is not None]
    return {
        "per_host": hosts,
        "min_ratio": min(ratios) if ratios else None,
        "median_ratio": round(statistics.median(ratios), 3) if ratios else None,
        "hosts_at_goal": sum(r >= GOAL for r in ratios),
    }


def crawl_figures(
    times: Mapping[str, Sequence[float]], configured_rate: float, pages: int, elapsed_s: float
) -> dict[str, Any]:
    """The figures of one crawl of N hosts: per host (rate_figures), and the whole crawl's pages
    and requests a second over Scrapy's elapsed time."""
    starts = [stamps[0] for stamps in times.values() if stamps]
    samples = host_samples(times, min(starts) if starts else 0.0)
    requests = sum(s["requests"] for s in samples)
    elapsed = round(elapsed_s, SAMPLE_DIGITS)
    return {
        "hosts": len(samples),
        "elapsed_s": elapsed,
        "pages": pages,
        "requests": requests,
        "pages_per_s": round(pages / elapsed, 2) if elapsed else None,
        "requests_per_s": round(requests / elapsed, 2) if elapsed else None,
        **rate_figures(samples, configured_rate),
    }


def markdown(results: Mapping[str, Any]) -> str:
    """The many-hosts part of latest.md: one site beside N sites at once."""
    one, many = results["one"], results["many"]

    def row(name: str, cell: Callable[[Mapping[str, Any]], Any], target: str = "") -> str:
        return f"| {name} | {cell(one)} | {cell(many)} | {target} |"

    per_host = ", ".join(f"{h['host'].split(':')[0]} {h['ratio']}" for h in many["per_host"])
    return "\n".join(
        [
            f"Many hosts: {results['hosts']} replicas of {results['articles_per_host']} articles on loopback "
            f"addresses, each its own site with a delay of {results['delay_s']} s "
            f"({results['configured_rate_per_s']} requests/s), crawled with the crawler's own settings "
            f"({results['profiles']}).",
            "",
            f"| many hosts | one site | {many['hosts']} sites at once | target |",
            "| --- | ---: | ---: | ---: |",
            row("hosts at ≥ 0.9 of their rate", lambda c: f"{c['hosts_at_goal']} / {c['hosts']}", "all"),
            row(
                "achieved / configured rate: min, median",
                lambda c: f"{c['min_ratio']}, {c['median_ratio']}",
                f"≥ {GOAL}",
            ),
            row("pages/s, all hosts", lambda c: c["pages_per_s"]),
            row("requests/s, all hosts", lambda c: c["requests_per_s"]),
            row("shortest gap between two requests to a host, s", shortest_gap),
            row("crawl, s (Scrapy's elapsed time)", lambda c: c["elapsed_s"]),
            row("load average (1 min), start → end", lambda c: " → ".join(str(x) for x in c["load_average_1m"])),
            "",
            f"Achieved / configured rate per host, {many['hosts']} at once: {per_host}.",
            "",
        ]
    )


def ratios(crawl: Mapping[str, Any]) -> str:
    return f"{crawl['min_ratio']}, {crawl['median_ratio']}"


def shortest_gap(crawl: Mapping[str, Any]) -> float | None:
    """The shortest time between two requests to one host, over the crawl's hosts."""
    gaps = [h["min_interval_s"] for h in crawl["per_host"] if h["min_interval_s"] is not None]
    return min(gaps) if gaps else None
