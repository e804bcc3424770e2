"""List pagination without per-site code: next links, TRS page scripts, query-string pages, Hanweb jpage."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .links import Link
from .urls import canonical_url

_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后一页|next|>|›|»|>>|＞)\s*$", re.IGNORECASE)
# createPageHTML(67, 0, "index", "html") / createPage(34,0,"index","html") — count, current, name, ext
_CREATE_PAGE = re.compile(
    r"createPage(?:HTML)?\s*\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_COUNT_PAGE = re.compile(r"var\s+countPage\s*=\s*['\"]?(\d+)")
_CURRENT_PAGE = re.compile(r"var\s+currentPage\s*=\s*['\"]?(\d+)")
_PAGE_FILE = re.compile(r"^(.*/)?(index|list|default)_(\d+)\.(s?html?)$", re.IGNORECASE)
_PAGE_KEYS = ("page", "cur_page", "pagenum", "pageno", "pageindex", "currentpage", "p", "pn", "curpage")


def _page_count_urls(url: str, count: int, name: str, ext: str, limit: int) -> list[str]:
    """TRS static pages: ``name.ext``, ``name_1.ext`` … ``name_{count-1}.ext`` beside ``url``."""
    folder = urljoin(url, "./")
    pages = [f"{folder}{name}.{ext}"] + [f"{folder}{name}_{i}.{ext}" for i in range(1, min(count, limit))]
    return [canonical_url(p) for p in pages]


def script_pages(html: str, url: str, limit: int) -> list[str]:
    """Pages named by TRS ``createPageHTML``/``createPage`` or ``var countPage`` on a list page."""
    if m := _CREATE_PAGE.search(html):
        return _page_count_urls(url, int(m.group(1)), m.group(3), m.group(4), limit)
    if m := _COUNT_PAGE.search(html):
        ext = "shtml" if ".shtml" in url else "htm" if url.endswith(".htm") else "html"
        return _page_count_urls(url, int(m.group(1)), "index", ext, limit)
    return []


def _is_page_of(candidate: str, url: str) -> bool:
    """``candidate`` is another page of the same list as ``url`` (same folder or same path)."""
    a, b = urlsplit(candidate), urlsplit(url)
    if a.netloc != b.netloc:
        return False
    if (m := _PAGE_FILE.match(a.path)) and (m.group(1) or "/") == (b.path.rsplit("/", 1)[0] + "/"):
        return True
    if a.path == b.path and a.query != b.query:
        keys = {k.lower() for k, _ in parse_qsl(a.query)}
        return bool(keys & set(_PAGE_KEYS))
    return False


def link_pages(links: list[Link], url: str) -> list[str]:
    """Pagination among a page's anchors: next-page links and numbered siblings of the list."""
    out: list[str] = []
    for link in links:
        if link.url == url:
            continue
        if _NEXT_TEXT.match(link.text) or _NEXT_TEXT.match(link.title) or _is_page_of(link.url, url):
            out.append(link.url)
    return list(dict.fromkeys(out))


def list_pages(html: str, url: str, links: list[Link], limit: int) -> list[str]:
    """All further pages of the list at ``url`` that this page reveals."""
    pages = script_pages(html, url, limit) + link_pages(links, url)
    own = canonical_url(url)
    return [p for p in dict.fromkeys(pages) if p != own]


def query_page_url(url: str, key: str, number: int) -> str:
    """``url`` with its page parameter ``key`` set to ``number``."""
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    pairs.append((key, str(number)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), ""))


# Hanweb jpage --------------------------------------------------------------------------
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.DOTALL | re.IGNORECASE)
_HREF = re.compile(r"href\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_TOTAL = re.compile(r"(?:<totalrecord>\s*|totalRecord\s*[:=]\s*['\"]?)(\d+)", re.IGNORECASE)
_PERPAGE = re.compile(r"(?:perpage|perPage|pageSize)\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_UNIT = re.compile(r"(?:jpageform_|unitid\s*[=:]\s*['\"]?)(\d+)", re.IGNORECASE)
_DATAPROXY = re.compile(r"[\"']([^\"']*dataproxy\.jsp[^\"']*)[\"']", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FormPage:
    """A list page fetched by POST (Hanweb ``dataproxy.jsp``)."""

    url: str
    formdata: dict[str, str] = field(default_factory=dict)


def hanweb_pages(html: str, url: str, limit: int, records_seen: int = 0) -> list[FormPage]:
    """The ``dataproxy.jsp`` POSTs that return the rest of a Hanweb jpage list.

    The form fields come from the ``<nextgroup>`` link (or the page's dataproxy URL); the number
    of groups from ``totalrecord`` and ``perpage``. With no total known, one group is asked for
    beyond ``records_seen`` and the caller keeps going while groups come back non-empty.
    """
    proxy = None
    if (m := _NEXTGROUP.search(html)) and (href := _HREF.search(m.group(1))):
        proxy = href.group(1)
    if proxy is None and (m := _DATAPROXY.search(html)):
        proxy = m.group(1)
    if proxy is None:
        return []
    proxy_url = urljoin(url, proxy.replace("&amp;", "&"))
    parts = urlsplit(proxy_url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key in ("startrecord", "endrecord", "perpage", "page"):
        params.pop(key, None)
    if "unitid" not in params and (m := _UNIT.search(html)):
        params["unitid"] = m.group(1)
    params.setdefault("col", "1")
    params.setdefault("appid", "1")
    params.setdefault("path", "/")
    params.setdefault("sourceContentType", "1")
    params.setdefault("permissiontype", "0")
    perpage = int(m.group(1)) if (m := _PERPAGE.search(html)) else 15
    perpage = max(1, perpage)
    group = perpage * 3
    endpoint = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    total = int(m.group(1)) if (m := _TOTAL.search(html)) else None
    starts: list[int]
    starts = list(range(records_seen + 1, total + 1, group)) if total is not None else [records_seen + 1]
    out = []
    for start in starts[: max(0, limit)]:
        end = start + group - 1
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": perpage})
        out.append(FormPage(f"{endpoint}?{query}", dict(params)))
    return out


def hanweb_record_count(text: str) -> int:
    """How many ``<record>`` entries a jpage datastore holds."""
    return len(re.findall(r"<record>", text, re.IGNORECASE))
