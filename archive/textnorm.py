"""The one normal form of a report text and its hash, used by extraction and the catalog alike.

The rule is the one the catalog has always hashed (so hashes already stored stay valid): NFC
(not NFKC: full-width ``，`` stays ``，``), one paragraph per line, no blank or padded lines,
invisible and control characters removed, runs of white space collapsed to one ASCII space, and
no space next to a Chinese character (layout, not content: "2023年 法治政府 建设" and
"2023年法治政府建设" are the same text). A line break inside a line's white space (U+2028,
U+0085) counts as a space, as the extractor's renderer always treated it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# CJK ideographs and punctuation, full-width forms, and the quotes/dashes Chinese text uses.
_CJK = "[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026\u00b7]"
_SPACE_BY_CJK = re.compile(f"(?<={_CJK}) | (?={_CJK})")
_SPACES_IN_LINE = re.compile(r"[^\S\n]+")  # _SPACES but the line break (\s is every one of them)


def normalise_line(line: str) -> str:
    """One line (no ``\\n`` inside) in normal form."""
    return _SPACE_BY_CJK.sub("", _SPACES.sub(" ", _INVISIBLE.sub("", line)).strip())


def normalise_text(text: str) -> str:
    """The normal form of a report text (see the module docstring); idempotent."""
    # Invisibles go before NFC: removing one can leave a sequence that composes.
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n"))
    # normalise_line on each line, done on the whole text at once: no invisibles are left after
    # NFC, white space but the line break becomes one space, and a space left after stripping
    # never touches a line break, so the spaces next to Chinese characters go in one pass
    lines = (line.strip() for line in _SPACES_IN_LINE.sub(" ", text).split("\n"))
    text = "\n".join(line for line in lines if line)
    return _SPACE_BY_CJK.sub("", text) if " " in text else text  # most report texts have no space at all


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalised_hash(normalised: str) -> str:
    """SHA-256 hex of a text already in normal form (equal to its object-store key)."""
    return sha256_hex(normalised.encode("utf-8"))


def text_hash(text: str) -> str:
    """SHA-256 hex of ``text``'s normal form: the ``text_hash`` the catalog and ``extract`` show."""
    return normalised_hash(normalise_text(text))
