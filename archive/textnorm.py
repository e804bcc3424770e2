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
import itertools
import re
import unicodedata

_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# CJK ideographs and punctuation, full-width forms, and the quotes/dashes Chinese text uses.
_CJK = "[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026\u00b7]"
_SPACE_BY_CJK = re.compile(f"(?<={_CJK}) | (?={_CJK})")
_IS_CJK = re.compile(_CJK).match


def normalise_line(line: str) -> str:
    """One line (no ``\\n`` inside) in normal form."""
    return _SPACE_BY_CJK.sub("", _SPACES.sub(" ", _INVISIBLE.sub("", line)).strip())


def normalise_text(text: str) -> str:
    """The normal form of a report text (see the module docstring); idempotent."""
    # Invisibles go before NFC: removing one can leave a sequence that composes.
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n"))
    # normalise_line on each line, done with str methods (several times faster than the regular
    # expressions on long texts): no invisibles are left after NFC, str.split() splits at the same
    # white space as \s (a line's U+2028 or U+0085 included), and after the join every space
    # stands alone between two other characters
    lines = (" ".join(line.split()) for line in text.split("\n"))
    text = "\n".join(line for line in lines if line)
    return _drop_spaces_by_cjk(text) if " " in text else text  # most report texts have no space at all


def _drop_spaces_by_cjk(text: str) -> str:
    """``_SPACE_BY_CJK.sub("", text)`` for a text whose spaces stand alone: a space goes when the
    character before or after it is Chinese."""
    parts = text.split(" ")
    out = [parts[0]]
    for before, after in itertools.pairwise(parts):
        if not ((before and _IS_CJK(before[-1])) or (after and _IS_CJK(after[0]))):
            out.append(" ")
        out.append(after)
    return "".join(out)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalised_hash(normalised: str) -> str:
    """SHA-256 hex of a text already in normal form (equal to its object-store key)."""
    return sha256_hex(normalised.encode("utf-8"))


def text_hash(text: str) -> str:
    """SHA-256 hex of ``text``'s normal form: the ``text_hash`` the catalog and ``extract`` show."""
    return normalised_hash(normalise_text(text))
