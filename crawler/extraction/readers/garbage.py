"""Is a text layer readable Chinese, or mojibake from a broken font map?

Real Chinese prose draws almost all of its characters from the 3,755 level-1 characters of
GB 2312 (the everyday set), ASCII and CJK punctuation. A broken ``ToUnicode`` map yields
private-use code points, U+FFFD, control characters, or a scatter of rare ideographs and
Latin-1 letters: far fewer everyday characters.
"""

from __future__ import annotations

import unicodedata

_MIN_CHARS = 20
_MIN_EVERYDAY_SHARE = 0.6


def _everyday(char: str) -> bool:
    if char.isascii():
        return char.isprintable()
    if "\u4e00" <= char <= "\u9fff":
        try:
            return 0xB0 <= char.encode("gb2312")[0] <= 0xD7  # GB 2312 level 1
        except UnicodeEncodeError:
            return False
    return unicodedata.category(char).startswith(("P", "S", "N", "Z")) and not "\ue000" <= char <= "\uf8ff"


def everyday_share(text: str) -> float:
    """Share of ``text``'s non-space characters that everyday Chinese text is made of."""
    chars = [c for c in text if not c.isspace()]
    return sum(map(_everyday, chars)) / len(chars) if chars else 1.0


def is_garbage(text: str) -> bool:
    """True for a text long enough to judge whose characters are mostly not everyday ones."""
    compact = "".join(text.split())
    return len(compact) >= _MIN_CHARS and everyday_share(compact) < _MIN_EVERYDAY_SHARE
