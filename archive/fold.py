"""Folding Vietnamese text for search: the same function for the index and for every query.

SQLite's unicode61 tokenizer folds neither double-marked letters nor đ, so folding is done here,
in Python, and the FTS index is built over the folded copy (see archive/db.py).
"""

from __future__ import annotations

import unicodedata

# đ/Đ are letters of their own, not d plus a mark: NFD leaves them alone.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def nfc(text: str | None) -> str | None:
    return None if text is None else unicodedata.normalize("NFC", text)


def fold(text: str | None) -> str:
    """'Đại học Thái Nguyên' -> 'dai hoc thai nguyen'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).lower()
