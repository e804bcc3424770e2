"""Sitemaps and site search, where a portal offers them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

from scrapy.utils.sitemap import Sitemap

from .links import parse_html
from .urls import canonical_url, is_web_url

_SEARCH_ACTION = re.compile(r"(was5/web/search|jsearchfront/search\.do|/search5?/|sousuo|/search\.(jsp|do|html?)|/s\?)", re.IGNORECASE)
_QUERY_NAMES = ("searchword", "q", "keyword", "keywords", "qt", "query", "wd", "sw")


def sitemap_urls(body: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of an XML sitemap; empty lists when it is not one."""
    try:
        sitemap = Sitemap(body)
    except Exception:  # lxml raises several kinds on non-XML bodies
        return [], []
    locs = [canonical_url(entry["loc"]) for entry in sitemap if entry.get("loc")]
    if sitemap.type == "sitemapindex":
        return [], locs
    if sitemap.type == "urlset":
        return locs, []
    return [], []


def robots_sitemaps(robots_txt: str, base_url: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt."""
    return [canonical_url(m.strip(), base_url) for m in re.findall(r"(?im)^\s*sitemap\s*:\s*(\S+)", robots_txt)]


@dataclass(frozen=True, slots=True)
class SearchForm:
    """A GET search form of the portal: where it goes and the fixed fields it sends."""

    action: str
    query_name: str
    fields: tuple[tuple[str, str], ...]

    def url(self, keyword: str) -> str:
        """The search results URL for ``keyword``."""
        pairs = [*self.fields, (self.query_name, keyword)]
        joiner = "&" if urlsplit(self.action).query else "?"
        return f"{self.action}{joiner}{urlencode(pairs)}"


def search_form(html: str, url: str) -> SearchForm | None:
    """The site-search form a template exposes (TRS was5, Hanweb jsearchfront …), if any."""
    root = parse_html(html)
    if root is None:
        return None
    for form in root.iter("form"):
        action = canonical_url(form.get("action") or "", url) if form.get("action") else ""
        if not action or not is_web_url(action) or not _SEARCH_ACTION.search(action):
            continue
        if (form.get("method") or "get").lower() != "get":
            continue
        query_name = None
        fields: list[tuple[str, str]] = []
        for field in form.iter("input"):
            name = field.get("name")
            if not name:
                continue
            kind = (field.get("type") or "text").lower()
            if kind in ("text", "search") and query_name is None and name.lower() in _QUERY_NAMES:
                query_name = name
            elif kind == "hidden":
                fields.append((name, field.get("value") or ""))
        if query_name is None:
            names = [f.get("name") for f in form.iter("input") if (f.get("type") or "text").lower() in ("text", "search")]
            query_name = next((n for n in names if n), None)
        if query_name:
            return SearchForm(urljoin(url, action), query_name, tuple(fields))
    return None
