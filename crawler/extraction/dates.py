"""Dates as government pages write them → ``datetime.date``."""

from __future__ import annotations

import datetime as dt
import re

_CN_DIGITS = str.maketrans("〇零○ＯO一二三四五六七八九", "0000012345678" + "9")
_NUMERIC = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_CHINESE = re.compile(r"([〇零○一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
_DATE_LINE = re.compile(
    r"^[\s(（]*(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|"
    r"[〇零○一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*日|"
    r"(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2})[\s)）]*$")


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _cn_number(text: str) -> int:
    """一 … 三十一 → 1 … 31."""
    if "十" not in text:
        return int(text.translate(_CN_DIGITS))
    tens, _, ones = text.partition("十")
    return (int(tens.translate(_CN_DIGITS)) if tens else 1) * 10 + (int(ones.translate(_CN_DIGITS)) if ones else 0)


def parse_date(text: str | None) -> dt.date | None:
    """The first date in ``text``: ``2022-03-29``, ``2021-08-01-06:08:00``, ``2026年03月01日``,
    ``2022/3/29``, ``20220329``, ``二〇二五年一月八日``; ``None`` when there is none."""
    if not text:
        return None
    for match in _NUMERIC.finditer(text):
        found = _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if found:
            return found
    chinese = _CHINESE.search(text)
    if chinese:
        return _make(int(chinese.group(1).translate(_CN_DIGITS)), _cn_number(chinese.group(2)),
                     _cn_number(chinese.group(3)))
    for match in _COMPACT.finditer(text):
        found = _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if found:
            return found
    return None


def is_date_line(line: str) -> bool:
    """True when the whole line is one date (a signature date such as ``2025年1月8日``)."""
    return bool(_DATE_LINE.match(line))
