"""Tesseract (``chi_sim``, which reads digits and Latin letters too) on one page image → lines of text and a confidence.

Tesseract is run as a program (not through a wrapper library) so that it shares the deadline,
memory cap and process-group kill of every converter (:mod:`.tools`); its TSV output gives the
words with their boxes and confidences. Options are pinned (page segmentation 6 = one block of
text, one OpenMP thread, no inverted-image retry): the same image always gives the same text.

The words are then put back as Chinese is written: no spaces between CJK characters; a comma,
colon, semicolon, bracket, ``?`` or ``!`` that Tesseract prints in ASCII is made full-width when
the gap it stands in is a full character wide (``，`` takes a whole em, ``,`` a third of one), the
page's usual kind where the gap cannot tell; ``"`` becomes ``“`` or ``”`` by the paragraph's open quotes, a digit-``一``-digit dash
``—``; and visual lines are joined into paragraphs — a line that reaches the right margin
continues into the next one unless that one is indented (a new paragraph starts two characters
in).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Any

from crawler.extraction.readers.tools import Deadline, run

LANGUAGES = "chi_sim"
_CJK = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_FULL_WIDTH = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"})
_PUNCT = frozenset(",:;()?!")
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACE_AFTER_CJK_PUNCT = re.compile(rf"(?<=[{_CJK}][,:;?!])\s+|\s+(?=[,:;?!](?:[{_CJK}]|$))")
_DIGIT_DASH = re.compile(r"(?<=\d)一(?=\d)")
_ENDS_PARAGRAPH = re.compile(r"[。！？：；!?]$")


@dataclass(frozen=True, slots=True)
class PageText:
    """One page's paragraphs, with the summed confidence × characters (for a weighted mean)."""

    lines: list[str]
    weighted_confidence: float
    chars: int


@dataclass(frozen=True, slots=True)
class _Word:
    left: int
    right: int
    text: str


@dataclass(slots=True)
class _Line:
    left: int
    right: int
    height: int
    words: list[_Word]


_RED = 80  # how much redder than green and blue a pixel is to count as seal ink


def without_seals(image: Any) -> Any:
    """A greyscale copy of a Pillow image with red seal ink (公章 over the signature) made white:
    black text under a seal stays, the seal's strokes no longer read as characters."""
    from PIL import ImageChops

    if image.mode not in ("RGB", "RGBA", "P", "CMYK"):
        return image.convert("L")
    rgb = image.convert("RGB")
    red, green, blue = rgb.split()
    seal = ImageChops.subtract(red, ImageChops.lighter(green, blue)).point(lambda v: 255 if v > _RED else 0)
    grey = rgb.convert("L")
    grey.paste(255, mask=seal)
    return grey


def ocr_image(path: str, deadline: Deadline, memory_mb: int, dpi: int | None = None) -> PageText:
    """OCR of the image file at ``path`` (PNG, JPEG, TIFF …); ``dpi`` when the file does not say."""
    resolution = ["--dpi", str(dpi)] if dpi else []
    tsv = run(["tesseract", path, "stdout", "-l", LANGUAGES, "--psm", "6", *resolution,
               "-c", "tessedit_do_invert=0", "tsv"], deadline, memory_mb)
    return parse_tsv(tsv.decode("utf-8", "replace"))


def parse_tsv(tsv: str) -> PageText:
    """Tesseract TSV → paragraphs (see the module docstring)."""
    lines: dict[tuple[str, str, str], _Line] = {}
    weighted, chars = 0.0, 0
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, width, height, conf = int(cols[6]), int(cols[8]), int(cols[9]), float(cols[10])
        word = cols[11].strip()
        key = (cols[2], cols[3], cols[4])
        line = lines.setdefault(key, _Line(left, left + width, height, []))
        line.left, line.right = min(line.left, left), max(line.right, left + width)
        line.height = max(line.height, height)
        line.words.append(_Word(left, left + width, word))
        if conf >= 0:
            weighted += conf * len(word)
            chars += len(word)
    return PageText(_paragraphs(list(lines.values())), weighted, chars)


def _widths(lines: list[_Line], em: float) -> tuple[dict[tuple[int, int], bool], bool]:
    """Full-width or not, for each lone punctuation word whose gap tells; and the page's usual kind."""
    decided: dict[tuple[int, int], bool] = {}
    for n, line in enumerate(lines):
        words = line.words
        for i in range(1, len(words) - 1):
            if words[i].text in _PUNCT:
                decided[(n, i)] = words[i + 1].left - words[i - 1].right >= 0.75 * em
    full = sum(decided.values())
    return decided, full * 2 >= len(decided) if decided else True


def _tidy(line: _Line, n: int, decided: dict[tuple[int, int], bool], usual: bool) -> str:
    parts: list[str] = []
    for i, word in enumerate(line.words):
        text = word.text
        if len(text) == 1 and text in _PUNCT:
            if decided.get((n, i), usual):
                text = text.translate(_FULL_WIDTH)
        elif usual:
            text = re.sub(rf"(?<=[{_CJK}])[,:;?!]|[()](?=[{_CJK}])", lambda m: m.group(0).translate(_FULL_WIDTH), text)
        parts.append(text)
    text = _SPACE_AFTER_CJK_PUNCT.sub("", _SPACE_NEAR_CJK.sub("", " ".join(parts)))
    return _DIGIT_DASH.sub("—", text).strip()


def _pair_quotes(paragraph: str) -> str:
    """ASCII ``"`` → ``“`` or ``”``: the one that closes an open quote, else the one that opens."""
    out: list[str] = []
    inside = False
    for char in paragraph:
        if char == '"':
            char = "”" if inside else "“"
        if char in "“”":
            inside = char == "“"
        out.append(char)
    return "".join(out)


def _paragraphs(lines: list[_Line]) -> list[str]:
    if not lines:
        return []
    char = statistics.median(line.height for line in lines) or 1
    margin_left = min(line.left for line in lines)
    margin_right = max(line.right for line in lines)
    # where paragraphs are indented, indentation alone tells a new one; elsewhere a full line
    # that ends a sentence is taken to end its paragraph
    indents = any(line.left > margin_left + char for line in lines)
    decided, usual = _widths(lines, char)
    out: list[str] = []
    joining = False
    for n, line in enumerate(lines):
        text = _tidy(line, n, decided, usual)
        if not text:
            continue
        if joining and line.left <= margin_left + char and out:
            out[-1] += text
        else:
            out.append(text)
        joining = line.right >= margin_right - 1.5 * char and (indents or not _ENDS_PARAGRAPH.search(text))
    return [_pair_quotes(paragraph) if '"' in paragraph else paragraph for paragraph in out]
