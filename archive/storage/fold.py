"""Folding Vietnamese text for search: the same function for the index and for every query.

SQLite's unicode61 tokenizer folds neither double-marked letters nor đ, so folding is done here,
in Python, and the FTS index is built over the folded copy (see archive/db.py).
"""

from __future__ import annotations

import re
import unicodedata

# đ/Đ are letters of their own, not d plus a mark: NFD leaves them alone.
_EXTRA_PAIRS = (("đ", "d"), ("Đ", "d"), ("ð", "d"))


def nfc(text: str | None) -> str | None:
    return None if text is None else unicodedata.normalize("NFC", text)


# C0 controls but tab and newline (which text has), DEL, and C1 controls: no page text needs
# them, and ESC, CSI (U+009B), BEL... drive the terminal of whoever prints the archive.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str | None) -> str | None:
    """`text` without control characters (tab and newline kept)."""
    if text is None or not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", text)


def fold(text: str | None) -> str:
    """'Trường Đại học' -> 'truong dai hoc'."""
    if not text:
        return ""
    # Same result as translating these letters and dropping every combining character one by one,
    # 2-3x faster on an article body (folding dominated the cost of storing one): str.translate
    # and a per-character generator cost a Python step per character, str.replace of the few
    # distinct letters and marks present does not.
    for letter, plain in _EXTRA_PAIRS:
        if letter in text:
            text = text.replace(letter, plain)
    decomposed = unicodedata.normalize("NFD", text)
    for mark in {ch for ch in set(decomposed) if unicodedata.combining(ch)}:
        decomposed = decomposed.replace(mark, "")
    return unicodedata.normalize("NFC", decomposed).lower()
