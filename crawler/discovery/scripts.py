"""Lists filled by JavaScript: find the JSON endpoint a page's script reads, read its items."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import lxml.html

from .links import Link, best_title, parse_html
from .urls import canonical_url, is_web_url

# String literals in scripts that name a data endpoint.
_LITERAL = re.compile(r"""(["'`])((?:https?://|/|\./|\.\./)?[\w\-./%?=&:;,+~]*?(?:\.json|/api/|\.do|\.jsp|\.action|/data/|list)[\w\-./%?=&:;,+~]*)\1""", re.IGNORECASE)
_CALL = re.compile(r"""(?:fetch|\$\.(?:get|getJSON|post|ajax)|axios(?:\.get)?|open)\s*\(\s*(?:["'](?:GET|POST)["']\s*,\s*)?["'`]([^"'`]+)["'`]""", re.IGNORECASE)
_URL_KEY = re.compile(r"""\burl\s*:\s*["'`]([^"'`]+)["'`]""")
_NOT_DATA = re.compile(r"\.(js|css|png|jpe?g|gif|svg|ico|html?|shtml)(\?|$)", re.IGNORECASE)

_TITLE_KEYS = ("title", "fulltitle", "full_title", "name", "bt", "wz", "doctitle", "subject", "text", "label")
_URL_KEYS = ("url", "link", "href", "path", "docpuburl", "puburl", "detailurl", "weburl", "linkurl")
_PAGES_KEYS = ("pages", "totalpage", "totalpages", "pagecount", "page_count", "total_pages", "countpage")
_PAGE_KEYS = ("page", "pageno", "pagenum", "currentpage", "current", "curpage", "page_no")
_NEXT_KEYS = ("next", "nexturl", "next_url", "nextpage", "next_page")


def script_texts(html: str) -> list[str]:
    """Inline script bodies and ``data-url``-like attributes of a page."""
    root = parse_html(html)
    if root is None:
        return []
    out = [s.text or "" for s in root.iter("script") if not s.get("src")]
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name.startswith("data-") and ("url" in name or "src" in name or "api" in name):
                out.append(f'"{value}"')
    return out


def json_endpoints(html: str, url: str) -> list[str]:
    """URLs of data endpoints read by the page's own scripts, most explicit first."""
    found: list[str] = []
    for script in script_texts(html):
        for pattern in (_CALL, _URL_KEY, _LITERAL):
            for m in pattern.finditer(script):
                value = m.group(m.lastindex or 1)
                if _NOT_DATA.search(value) or "${" in value or "+" in value.split("?")[0][-1:]:
                    continue
                candidate = canonical_url(value, url)
                if is_web_url(candidate) and candidate != canonical_url(url):
                    found.append(candidate)
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class JsonList:
    """Items of a JSON list answer and the further pages it names."""

    links: list[Link] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)


def _lower(d: dict[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in d.items()}


def _items(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        low = _lower(node)
        if any(isinstance(low.get(k), str) for k in _TITLE_KEYS) and any(
            isinstance(low.get(k), str) for k in _URL_KEYS
        ):
            yield node
            return
        for value in node.values():
            yield from _items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _items(value)


def _find_int(node: Any, keys: tuple[str, ...], depth: int = 0) -> int | None:
    if depth > 3 or not isinstance(node, dict):
        return None
    low = _lower(node)
    for key in keys:
        value = low.get(key)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value)
    for value in node.values():
        if isinstance(value, dict) and (found := _find_int(value, keys, depth + 1)) is not None:
            return found
    return None


def _find_str(node: Any, keys: tuple[str, ...], depth: int = 0) -> str | None:
    if depth > 3 or not isinstance(node, dict):
        return None
    low = _lower(node)
    for key in keys:
        if isinstance(low.get(key), str) and low[key]:
            return str(low[key])
    for value in node.values():
        if isinstance(value, dict) and (found := _find_str(value, keys, depth + 1)) is not None:
            return found
    return None


def _page_url(url: str, number: int) -> str:
    from .pagination import query_page_url

    parts = url.split("?", 1)
    if len(parts) == 2:
        for key in ("page", "pageNo", "pageNum", "pageIndex", "currentPage", "p"):
            if re.search(rf"(^|&){key}=", parts[1]):
                return query_page_url(url, key, number)
    return query_page_url(url, "page", number)


def parse_json_list(text: str, url: str, limit: int) -> JsonList | None:
    """Read a JSON list answer: items ``{title, url}`` anywhere in it, plus paging hints.

    None when ``text`` is not JSON. Item URLs are resolved against ``url``; an item's title may
    carry HTML (``<em>`` highlights), which is flattened.
    """
    text = text.strip()
    if text.startswith(")]}'"):
        text = text.split("\n", 1)[-1]
    if m := re.match(r"^[\w$.]+\s*\((.*)\)\s*;?\s*$", text, re.DOTALL):  # JSONP
        text = m.group(1)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    links = []
    for item in _items(data):
        low = _lower(item)
        title = next((low[k] for k in _TITLE_KEYS if isinstance(low.get(k), str) and low[k]), "")
        href = next((low[k] for k in _URL_KEYS if isinstance(low.get(k), str) and low[k]), "")
        if "<" in title:
            root = lxml.html.fragment_fromstring(title, create_parent="span")
            title = root.text_content()
        link_url = canonical_url(href, url)
        if is_web_url(link_url):
            links.append(Link(link_url, best_title(title, ""), title))
    pages: list[str] = []
    if isinstance(data, dict):
        if (nxt := _find_str(data, _NEXT_KEYS)) and not nxt.isdigit():
            pages.append(canonical_url(urljoin(url, nxt)))
        total = _find_int(data, _PAGES_KEYS)
        current = _find_int(data, _PAGE_KEYS) or 1
        if total and total > 1 and current == 1:
            pages.extend(_page_url(url, n) for n in range(2, min(total, limit) + 1))
    return JsonList(links, list(dict.fromkeys(pages)))
