"""Folded full-text search over the archive: what `tnu-archive search` runs.

Archivists type Vietnamese with or without its marks ("dai hoc" for "Đại học"). The index
(`article_search_fts`, see archive/db.py) holds text folded by archive.storage.fold.fold, so the query is
folded the same way. The user's text never reaches FTS5's query parser as syntax: it is cut into
words, each word becomes a quoted FTS5 string, and the strings are AND-ed. Two conveniences are
kept from the usual search-box grammar because they cannot be abused: a word ending in `*` is a
prefix, and words inside balanced double quotes must appear as a phrase.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from archive.browse import article_page_path
from archive.db import check_version
from archive.storage.existing import cannot_open, immutable_needed, readonly_uri
from archive.storage.fold import fold

# A word as unicode61 sees one: letters and digits; everything else separates words.
_WORD = r"[^\W_]+"
_TOKEN = re.compile(rf'"|({_WORD})(\*?)')
_MAX_TERMS = 64  # a pasted page is not a query; FTS5 would accept it but rank it meaninglessly
_SNIPPET_CHARS = 180


class SearchError(ValueError):
    """A query or an archive that cannot be searched; the message is meant for the user."""


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """Open an existing archive for reading only: a missing file is an error, never created.

    Readers of the access layer (search, export, verify) must not change the archive, whatever
    they are given; `mode=ro` plus `query_only` make that a property of the connection. On
    read-only media (a DVD, a read-only mount, a folder without write permission) SQLite cannot
    create the `-shm` file a WAL archive's readers share, and `mode=ro` answers "unable to open
    database file": the archive is then opened `immutable=1` (see `immutable_needed`).
    Raises sqlite3.OperationalError when even that cannot open it (no read permission).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no archive at {path}")
    immutable = immutable_needed(path)
    conn = sqlite3.connect(readonly_uri(path, immutable), uri=True, timeout=30)
    conn.execute("PRAGMA query_only = ON")
    try:
        check_version(conn, path)
    except sqlite3.DatabaseError as exc:
        if cannot_open(exc):
            conn.close()
            raise
        # not a database at all: the caller's first query says so in its own words
    except BaseException:
        conn.close()
        raise
    return conn


def build_match(query: str) -> str:
    """Turn anything a user typed into a safe FTS5 expression over the folded index.

    Raises SearchError when nothing searchable is left (empty input, only punctuation).
    """
    folded = fold(query)
    # Quotes only make phrases when they pair up; an odd one out is ignored like punctuation.
    phrases_on = folded.count('"') % 2 == 0
    groups: list[tuple[list[str], bool]] = []  # (words, prefix on the last word)
    in_phrase = False
    phrase: list[str] = []
    for match in _TOKEN.finditer(folded):
        word, star = match.group(1), match.group(2)
        if word is None:  # a double quote
            if not phrases_on:
                continue
            if in_phrase and phrase:
                groups.append((phrase, False))
            in_phrase, phrase = not in_phrase, []
            continue
        if in_phrase:
            phrase.append(word)
        else:
            groups.append(([word], bool(star)))
    if not groups:
        raise SearchError("nothing to search for: type at least one word")
    if sum(len(words) for words, _ in groups) > _MAX_TERMS:
        raise SearchError(f"query too long: at most {_MAX_TERMS} words")
    # Words are letters and digits only, so wrapping them in quotes cannot produce syntax.
    return " ".join('"' + " ".join(words) + '"' + ("*" if prefix else "") for words, prefix in groups)


def search(
    db: sqlite_utils.Database | sqlite3.Connection, query: str, limit: int = 20, site: str | None = None
) -> list[dict]:
    """Articles matching `query`, best first (bm25, the title weighing most); of one site only
    when `site` names one (articles.site).

    Each hit: id (articles.id), page (its page in `tnu-archive serve`, e.g. "/article/12"), url,
    site, title, published_at, snippet (original accented text around the match when it
    can be located, else the folded text) and rank (bm25 score: lower is better).
    """
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise SearchError("limit must be a positive whole number")
    match = build_match(query)
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    has_index = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'article_search_fts'").fetchone()
    if not has_index:
        raise SearchError("this archive has no search index (its schema predates search)")
    terms = _terms(match)
    # An archive older than sites (read-only, so never migrated) has no articles.site.
    has_site = any(column[1] == "site" for column in conn.execute("PRAGMA table_info(articles)"))
    if site is not None and not has_site:
        raise SearchError("this archive predates sites (a crawl by this version adds them): search it without --site")
    try:
        # Ranking first, on the index alone: every matching row is scored and sorted, so
        # anything else selected here (the body, FTS5's snippet) would be made for every match
        # (20,000 for a common word) to be thrown away for all but `limit` of them.
        of_site = "AND rowid IN (SELECT id FROM articles WHERE site = ?)" if site is not None else ""
        ranked = conn.execute(
            f"""
            SELECT rowid, bm25(article_search_fts, 5.0, 1.0, 2.0) AS rank
            FROM article_search_fts
            WHERE article_search_fts MATCH ? {of_site}
            ORDER BY rank, rowid
            LIMIT ?
            """,
            (match, *([site] if site is not None else []), limit),
        ).fetchall()
        details = (
            {
                row[0]: row[1:]
                for row in conn.execute(
                    f"""
                SELECT id, url, {"site" if has_site else "NULL"}, title, published_at, body_text FROM articles
                WHERE id IN ({",".join("?" * len(ranked))})
                """,
                    [rowid for rowid, _ in ranked],
                )
            }
            if ranked
            else {}
        )
    except sqlite3.OperationalError as exc:  # e.g. a damaged index; still one clear line
        raise SearchError(f"search failed: {exc}") from exc
    hits = []
    for article_id, rank in ranked:
        if article_id not in details:  # an index row without its article: nothing to show
            continue
        url, site_name, title, published_at, body_text = details[article_id]
        captions = "\n".join(
            c
            for (c,) in conn.execute(
                "SELECT caption FROM article_images WHERE article_id = ? AND caption IS NOT NULL ORDER BY position",
                (article_id,),
            )
        )
        snippet = original_snippet([body_text or "", captions], terms)
        if snippet is None and original_snippet([title or ""], terms) is not None:
            # Only the title matched, and it is shown anyway: show how the article begins.
            snippet = original_snippet([body_text or captions], [])
        hits.append(
            {
                "id": article_id,
                "page": article_page_path(article_id),
                "url": url,
                "site": site_name,
                "title": title,
                "published_at": published_at,
                "snippet": snippet if snippet is not None else _folded_snippet(conn, match, article_id),
                "rank": rank,
            }
        )
    return hits


def _folded_snippet(conn: sqlite3.Connection, match: str, article_id: int) -> str:
    """FTS5's own snippet of the folded text: the fallback when the original cannot be located."""
    try:
        row = conn.execute(
            "SELECT snippet(article_search_fts, -1, '', '', '…', 24) FROM article_search_fts "
            "WHERE article_search_fts MATCH ? AND rowid = ?",
            (match, article_id),
        ).fetchone()
    except sqlite3.OperationalError as exc:
        raise SearchError(f"search failed: {exc}") from exc
    return row[0] if row else ""


def _terms(match: str) -> list[tuple[str, bool]]:
    """The folded words of a built expression, each with whether it is a prefix."""
    terms = []
    for group in re.finditer(r'"([^"]*)"(\*?)', match):
        words = group.group(1).split()
        for i, word in enumerate(words):
            terms.append((word, bool(group.group(2)) and i == len(words) - 1))
    return terms


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return fold(ch)


def _fold_with_offsets(text: str) -> tuple[str, list[int] | range]:
    """Fold `text` character by character, remembering where each folded character came from."""
    # Nearly always every character folds to exactly one (Vietnamese letters, digits,
    # punctuation): then one str.translate over the few distinct characters does it in C and
    # the folded text lines up with the original, position for position. The loop below, a
    # Python step per character, was most of a query's time.
    table = {ch: _fold_char(ch) for ch in set(text)}
    if len("".join(table.values())) == len(table):  # none folds to 0 or 2+ characters
        return text.translate(str.maketrans(table)), range(len(text))
    folded: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        f = _fold_char(ch)
        folded.append(f)
        origin.extend([i] * len(f))
    return "".join(folded), origin


def original_snippet(texts: list[str], terms: list[tuple[str, bool]]) -> str | None:
    """The stretch of original text showing the most distinct query words, or None.

    Searching is done on the folded text; offsets map the window back to the accented original,
    so the user reads "Trường Đại học" even though "truong dai hoc" matched.
    """
    if not terms:  # no words to show: the start of the first text
        text = next((t for t in texts if t), "")
        return _cut(text, 0) if text else None
    # A word starts where the character before is no letter or digit ([^\W_] is str.isalnum);
    # checked after the match, not by a lookbehind, which would cost `re` its fast scan for the
    # literal word. Words are letters and digits only, so no skipped match hides a valid one.
    patterns = [re.compile(re.escape(word) + ("" if prefix else r"(?![^\W_])")) for word, prefix in terms]
    best: tuple[int, int, str, list[int] | range, int] | None = None  # (-distinct, order, text, origin, pos)
    for order, text in enumerate(texts):
        if best is not None and -best[0] == len(patterns):
            break  # a window of an earlier text shows every word: nothing later can beat it
        if not text:
            continue
        folded, origin = _fold_with_offsets(text)
        hits = sorted(
            (m.start(), n)
            for n, pattern in enumerate(patterns)
            for m in pattern.finditer(folded)
            if not m.start() or not folded[m.start() - 1].isalnum()
        )
        # Slide a window over the hits (sorted by position), counting the distinct words in it.
        seen: Counter[int] = Counter()
        right = 0
        for left, (start, _) in enumerate(hits):
            while right < len(hits) and hits[right][0] < start + _SNIPPET_CHARS // 2:
                seen[hits[right][1]] += 1
                right += 1
            candidate = (-len(seen), order, text, origin, start)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
                if len(seen) == len(patterns):
                    break  # the first window showing every word; ties keep the first
            seen[hits[left][1]] -= 1
            if not seen[hits[left][1]]:
                del seen[hits[left][1]]
    if best is None:
        return None
    _, _, text, origin, start = best
    return _cut(text, origin[start] if start < len(origin) else 0)


def _cut(text: str, begin: int) -> str:
    """About _SNIPPET_CHARS of `text` on one line, starting a little before `begin`."""
    # Some context before the first word, cut at a space so no word is shown half.
    lead = max(0, begin - 40)
    if lead > 0:
        space = text.find(" ", lead, begin)
        lead = space + 1 if space != -1 else lead
    end = min(len(text), lead + _SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin else end
    body = " ".join(text[lead:end].split())  # paragraphs and captions shown on one line
    return ("…" if lead > 0 else "") + body + ("…" if end < len(text) else "")
