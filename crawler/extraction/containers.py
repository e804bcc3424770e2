"""Where the report body lives, per CMS family (the families the simulated portal renders: govarchive/portal/render/).

Order: ``<UCAPCONTENT>`` → ``ZJEG_RSS.content.begin/end`` (and ``<$[信息内容]>``) comment
pair → ``div.TRS_Editor`` / ``.TRS_UEDITOR`` → ``#UCAP-CONTENT`` → ``#zoom`` / ``#Zoom`` →
``.article_content`` / ``.article-content`` / ``.main-txt`` / ``.wenz`` / ``.xxgkcont`` (then
a few more seen in the wild: gov.cn ``.pages_content``, VSB ``.v_news_content`` …) → generic text density. A located container that turns out
empty (a JS-filled ``#zoom``) hands over to the next rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from crawler.extraction.boilerplate import is_chrome_element

_COMMENT_PAIRS = (
    ("ZJEG_RSS.content.begin", "ZJEG_RSS.content.end",
     re.compile(r"<!--\s*ZJEG_RSS\.content\.begin\s*-->(.*?)<!--\s*ZJEG_RSS\.content\.end\s*-->", re.S | re.I)),
    ("<$[信息内容]>begin", "<$[信息内容]>end",
     re.compile(r"<!--\s*<\$\[信息内容\]>\s*begin\s*-->(.*?)<!--\s*<\$\[信息内容\]>\s*end\s*-->", re.S)),
)
# (kind, name) tiers in priority order; kind "class" or "id", names lower-case
_TIERS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("class", "trs_editor"), ("class", "trs_ueditor")),
    (("id", "ucap-content"),),
    (("id", "zoom"),),
    (("class", "article_content"), ("class", "article-content"), ("class", "main-txt"),
     ("class", "wenz"), ("class", "xxgkcont")),
    (("class", "pages_content"), ("class", "wz_zoom"), ("class", "b12c"), ("id", "content"),
     ("class", "article-body"), ("class", "txt"), ("id", "art_content"), ("class", "con_text"),
     ("class", "v_news_content"), ("id", "vsb_content")),
)
_BLOCK_CANDIDATES = frozenset({"div", "td", "th", "article", "section", "main", "ucapcontent", "center", "blockquote"})
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "blockquote", "pre"})
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "select", "option", "textarea"})
_WORDS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


def word_count(text: str) -> int:
    """CJK characters, letters and digits in ``text`` (counted by runs: few allocations)."""
    return sum(map(len, _WORDS.findall(text)))


def has_words(text: str, count: int) -> bool:
    """Whether ``text`` holds at least ``count`` words (``word_count``), reading only as far as needed."""
    if count <= 0:
        return True
    seen = 0
    for run in _WORDS.finditer(text):
        seen += run.end() - run.start()
        if seen >= count:
            return True
    return False


@dataclass
class Container:
    """A located report body: ``element`` to render; ``anchor`` is the element of the page
    tree it came from (for attachments near it); ``rule`` names the rule that matched."""

    element: HtmlElement
    anchor: HtmlElement
    rule: str


def _index(root: HtmlElement) -> tuple[dict[str, list[HtmlElement]], dict[str, list[HtmlElement]]]:
    classes: dict[str, list[HtmlElement]] = {}
    ids: dict[str, list[HtmlElement]] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        cls = el.get("class")
        if cls:
            for token in cls.lower().split():
                classes.setdefault(token, []).append(el)
        ident = el.get("id")
        if ident:
            ids.setdefault(ident.strip().lower(), []).append(el)
    return classes, ids


def _text_size(el: HtmlElement) -> int:
    return word_count(el.text_content())


def _comment_anchor(root: HtmlElement, marker: str) -> HtmlElement | None:
    for comment in root.iter(etree.Comment):
        if marker in (comment.text or ""):
            return comment.getparent()
    return None


def candidates(root: HtmlElement, html: str) -> Iterator[Container]:
    """Known containers in priority order (best of each rule first)."""
    for el in root.iter("ucapcontent"):
        yield Container(el, el, "ucapcontent")
    for begin, _end, pattern in _COMMENT_PAIRS:
        match = pattern.search(html)
        if match and match.group(1).strip():
            fragment = lxml.html.fragment_fromstring(match.group(1), create_parent="div")
            anchor = _comment_anchor(root, begin)
            yield Container(fragment, anchor if anchor is not None else root, "comment:" + begin)
    classes, ids = _index(root)
    for tier in _TIERS:
        found: list[HtmlElement] = []
        for kind, name in tier:
            found += (classes if kind == "class" else ids).get(name, [])
        # outermost matches only; largest first
        outer = [el for el in found if not any(anc in found for anc in el.iterancestors())]
        for el in sorted(outer, key=_text_size, reverse=True) if len(outer) > 1 else outer:
            yield Container(el, el, "/".join(n for _k, n in tier))


def densest_block(root: HtmlElement) -> HtmlElement | None:
    """Generic fallback: the block that owns the most non-link text (readability-style).

    Text of a paragraph (``p``, ``li`` …) scores the paragraph's parent fully and the
    grandparent by half. Text sitting directly in a ``div``/``td`` (``<br>`` layouts,
    ``<div>`` paragraphs) scores that block and its parent fully, the grandparent by half,
    so a body made of many such blocks beats its longest block, while a lone text cell
    ties with its row and wins as the deeper element.
    """
    scores: dict[HtmlElement, float] = {}
    body = next(root.iter("body"), root)

    def add(el: HtmlElement | None, value: float) -> HtmlElement | None:
        if el is None or el.tag == "html":
            return None
        scores[el] = scores.get(el, 0.0) + value
        return None if el is body else el.getparent()

    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in _SKIP or el.tag == "a":
            continue
        own = word_count(el.text or "")
        own += sum(word_count(child.tail) for child in el if child.tail)
        if not own or any(anc.tag in ("a", *_SKIP) for anc in el.iterancestors()):
            continue
        block: HtmlElement | None = el
        via_paragraph = False
        while block is not None and block is not body and block.tag not in _BLOCK_CANDIDATES:
            if block.tag in _PARAGRAPHS:
                block, via_paragraph = block.getparent(), True
                break
            block = block.getparent()
        if block is None:
            continue
        parent = add(block, own)
        if not via_paragraph:
            parent = add(parent, own)
        add(parent, own / 2)
    ranked: list[tuple[float, int, HtmlElement]] = []
    for el, score in sorted(scores.items(), key=lambda item: item[1], reverse=True)[:8]:
        if is_chrome_element(el):
            continue
        total = word_count(el.text_content())
        linked = sum(word_count(a.text_content()) for a in el.iter("a"))
        adjusted = score * (1 - linked / total) if total else 0.0
        ranked.append((adjusted, sum(1 for _ in el.iterancestors()), el))
    top = max((item[0] for item in ranked), default=0.0)
    if top <= 0:
        return None
    # near-ties: the deepest of the best (a text cell rather than its row)
    return max((item for item in ranked if item[0] >= 0.995 * top), key=lambda item: item[1])[2]
