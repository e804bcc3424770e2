"""The one soft-404 judgement: a page that answers 200 but only says the item is gone.

Portals rarely answer 404 for a deleted article; they show "该信息不存在" or "页面不存在" in the
normal page frame. The crawler asks this of a whole page (title + visible text, frame included),
the recorder of an extracted report (title + report text); both use :func:`is_soft_404`, with a
length limit that fits what they hand in.
"""

from __future__ import annotations

import re

SOFT_404_PHRASES: tuple[str, ...] = (
    "页面不存在",
    "页面未找到",
    "页面找不到",
    "找不到页面",
    "找不到该页面",
    "页面已删除",
    "您访问的页面",
    "您所访问的页面",
    "该信息不存在",
    "信息不存在",
    "文章不存在",
    "内容不存在",
    "已删除",
    "已被删除",
    "信息已删除",
    "内容已删除",
    "该信息已撤销",
    "已撤销发布",
    "已撤稿",
    "信息已过期",
    "page not found",
    "404 not found",
)
# An extracted report text longer than this is a report, whatever phrase it quotes.
REPORT_TEXT_LIMIT = 300

_WHITE = re.compile(r"\s+")
_PHRASES = re.compile("|".join(re.escape(_WHITE.sub("", p)) for p in SOFT_404_PHRASES))


def says_gone(text: str) -> bool:
    """Whether ``text`` holds a not-found phrase (case and white space ignored)."""
    return bool(_PHRASES.search(_WHITE.sub("", text).lower()))


def is_soft_404(status: int, title: str, text: str, max_chars: int = REPORT_TEXT_LIMIT) -> bool:
    """An error status, a title that says the item is gone, or a short text that says so.

    ``max_chars`` bounds ``text`` (a longer text is content that may quote a phrase): 300 for an
    extracted report, more for a whole page's visible text, which includes the site's frame.
    """
    if status >= 400:
        return True
    if says_gone(title):
        return True
    return len(text) <= max_chars and says_gone(text)
