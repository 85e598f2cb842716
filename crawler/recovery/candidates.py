"""The captures of URLs no rule names, judged by what they hold (the `recover` spider's candidates).

A web archive keeps a site under every URL it ever had: older URL generations
(`/Article/Details/210`, `…tnustatic-67-tnusite-2~110.html`) that no rule of the site's profile
names, and every URL of a site whose profile has no rules at all. Such captures are candidates.
Judging is by URL, not by capture (a home page or a listing is captured thousands of times, each
capture another digest): one capture of a URL, its newest, is fetched and read by the extractor;
the URL's other captures wait for its verdict. An article's captures are then read like those of
any article URL; a URL that is no article is remembered (recovered_captures, archive/operations/recovery.py)
and none of its captures is fetched again, by this run or a later one.

The URLs so fetched are counted against a per-run cap (RECOVER_MAX_CANDIDATES): what it leaves
out is counted for the run's problems, and the next run goes on with it, the URLs judged already
being asked for no more. What this holds is bounded by the cap: the URLs judged in this run, and
the waiting captures of those being judged.
"""

from __future__ import annotations

from crawler.recovery.cdx import Capture


class Candidates:
    def __init__(self, cap: int) -> None:
        self.cap = max(cap, 0)  # RECOVER_MAX_CANDIDATES (crawler/settings.py)
        self.taken = 0  # candidate URLs fetched this run
        self._waiting: dict[str, list[Capture]] = {}  # URL being judged -> its other captures
        self._verdicts: dict[str, bool] = {}  # URL judged this run -> it is an article

    def verdict(self, url: str) -> bool | None:
        """This run's verdict on a URL (None: not judged in this run)."""
        return self._verdicts.get(url)

    def judging(self, url: str) -> bool:
        return url in self._waiting

    def wait(self, url: str, captures: list[Capture]) -> None:
        """More captures of a URL being judged: read if it is an article."""
        self._waiting[url].extend(captures)

    def take(self, url: str, captures: list[Capture]) -> Capture | None:
        """The capture to fetch of a URL not judged yet (the newest of `captures`, which are in
        time order), the others kept until its verdict; None once the run's cap is met."""
        if self.taken >= self.cap or not captures:
            return None
        self.taken += 1
        self._waiting[url] = list(captures[:-1])
        return captures[-1]

    def judged(self, url: str, article: bool | None) -> list[Capture]:
        """The verdict on a URL fetched as a candidate; its waiting captures to read when it is an
        article. `article` None: it could not be read (a failed fetch): no verdict, and the next
        run asks for it again."""
        waiting = self._waiting.pop(url, [])
        if article is None:
            return []
        self._verdicts[url] = article
        return waiting if article else []
