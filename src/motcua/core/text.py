"""Vietnamese text folding shared by search on every database.

`fold("Đăng Ký khai sinh") == "dang ky khai sinh"`: NFD, drop combining marks, map đ/Đ (which has
no decomposition) and case-fold. The same function fills the stored folded columns, so SQLite and
PostgreSQL return the same matches.
"""

from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.casefold()).strip()


def nfc(text: str) -> str:
    """Normalise to NFC: input from old systems often arrives decomposed (NFD)."""
    return unicodedata.normalize("NFC", text)
