"""Links of a list page: expand what HTML parsers drop, then read each anchor's best title."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html

from .urls import canonical_url, is_web_url

# Hanweb jpage keeps the list as CDATA records inside <script type="text/xml"> — invisible to an
# HTML parser, so the records are spliced back into the markup first.
_XML_SCRIPT = re.compile(r"<script[^>]*type\s*=\s*[\"']?text/xml[\"']?[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_TRUNCATED = re.compile(r"(\.{2,}|…+|\.\.\.)\s*$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Link:
    """An anchor: its absolute URL, its best title (``title=`` when the text is cut) and raw text."""

    url: str
    title: str
    text: str = ""


def expand_cdata(text: str) -> str:
    """Replace each ``<script type="text/xml">`` block by the HTML its CDATA sections carry.

    A bare XML document (a Hanweb ``dataproxy.jsp`` answer) becomes the concatenated records.
    """

    def _records(match: re.Match[str]) -> str:
        return "\n".join(_CDATA.findall(match.group(1)))

    expanded = _XML_SCRIPT.sub(_records, text)
    stripped = expanded.lstrip()
    if stripped.startswith("<?xml") or stripped.startswith("<datastore"):
        expanded = "\n".join(_CDATA.findall(expanded))
    return expanded


def _clean(value: str | None) -> str:
    return _SPACE.sub(" ", value or "").strip()


def best_title(text: str, title_attr: str) -> str:
    """The anchor's title: ``title=`` when the text is empty, truncated or a prefix of it."""
    text, title_attr = _clean(text), _clean(title_attr)
    if not title_attr:
        return text
    if not text or _TRUNCATED.search(text) or len(title_attr) > len(text):
        return title_attr
    return text


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """Parse possibly broken HTML; None when there is nothing to parse."""
    text = text.strip()
    if not text:
        return None
    try:
        return lxml.html.fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        try:
            return lxml.html.fromstring(text.encode("utf-8", "replace"))
        except (lxml.etree.ParserError, ValueError):
            return None


def extract_links(html: str, base_url: str) -> list[Link]:
    """Every http(s) anchor of ``html`` (after CDATA expansion), first occurrence of each URL."""
    root = parse_html(expand_cdata(html))
    if root is None:
        return []
    base = base_url
    for href in root.xpath("//base/@href"):
        base = canonical_url(href, base_url)
        break
    seen: dict[str, Link] = {}
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = canonical_url(href, base)
        if not is_web_url(url):
            continue
        text = anchor.text_content()
        title = best_title(text, anchor.get("title") or "")
        if url in seen:
            if len(title) > len(seen[url].title):
                seen[url] = Link(url, title, _clean(text))
            continue
        seen[url] = Link(url, title, _clean(text))
    return list(seen.values())
