"""List pagination without per-site code: next links, TRS page scripts, query-string pages, Hanweb jpage."""

from __future__ import annotations

import functools
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
    return list(_pages_in(urljoin(url, "./"), min(count, limit), name, ext))


@functools.lru_cache(maxsize=64)
def _pages_in(folder: str, count: int, name: str, ext: str) -> tuple[str, ...]:
    # Every page of a TRS list repeats the same pager: made once, not once per page (which
    # made a 1,000-page column cost a million URL normalisations).
    pages = [f"{folder}{name}.{ext}"] + [f"{folder}{name}_{i}.{ext}" for i in range(1, count)]
    return tuple(canonical_url(p) for p in pages)


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


_PAGE_COUNT = re.compile(
    r"(?:共\s*(\d+)\s*页|总页数\s*[:：]?\s*(\d+)|(?:pageCount|totalPage|totalPages|pagecount)\s*[:=]\s*['\"]?(\d+))"
)


def counted_pages(html: str, url: str, pages: list[str], limit: int) -> list[str]:
    """Every page 2..N when the page states its page count (共24页) and links one numbered page."""
    m = _PAGE_COUNT.search(html)
    if not m:
        return []
    count = int(next(g for g in m.groups() if g))
    if count < 2:
        return []
    for page in pages:
        parts = urlsplit(page)
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key.lower() in _PAGE_KEYS and value.isdigit():
                return [query_page_url(page, key, n) for n in range(2, min(count, limit) + 1)]
        if fm := _PAGE_FILE.match(parts.path):
            folder = fm.group(1) or "/"
            base = urlunsplit((parts.scheme, parts.netloc, folder, "", ""))
            return [f"{base}{fm.group(2)}_{n}.{fm.group(4)}" for n in range(1, min(count, limit))]
    return []


def list_pages(html: str, url: str, links: list[Link], limit: int) -> list[str]:
    """All further pages of the list at ``url`` that this page reveals."""
    linked = link_pages(links, url)
    pages = script_pages(html, url, limit) + linked + counted_pages(html, url, linked, limit)
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
_TOTAL = re.compile(
    r"<totalrecord>\s*(\d+)|\btotal_?record\s*[:=]\s*['\"]?(\d+)|\btotal\s*[:=]\s*['\"]?(\d+)|共\s*(\d+)\s*条",
    re.IGNORECASE,
)
_PERPAGE = re.compile(r"(?:perpage|perPage|pageSize)\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_GROUP = re.compile(r"groupSize\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_UNIT = re.compile(r"(?:jpageform_|unitid\s*[=:]\s*['\"]?)(\d+)", re.IGNORECASE)
_DATAPROXY = re.compile(r"[\"']([^\"']*dataproxy\.jsp[^\"']*)[\"']", re.IGNORECASE)
_SEND = re.compile(r"\.send\(\s*[\"']([^\"']*columnid=[^\"']*)[\"']", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FormPage:
    """A list page fetched by POST (Hanweb ``dataproxy.jsp``)."""

    url: str
    formdata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HanwebPlan:
    """How to ask a Hanweb jpage ``dataproxy.jsp`` for the records after those already shown."""

    endpoint: str
    formdata: dict[str, str]
    perpage: int
    group: int
    total: int | None

    def pages(self, after: int, limit: int) -> list[FormPage]:
        """The POSTs for records ``after+1`` … total (or one group when the total is unknown)."""
        starts = list(range(after + 1, self.total + 1, self.group)) if self.total is not None else [after + 1]
        out = []
        for start in starts[: max(0, limit)]:
            end = start + self.group - 1 if self.total is None else min(self.total, start + self.group - 1)
            query = urlencode({"startrecord": start, "endrecord": end, "perpage": self.perpage})
            out.append(FormPage(f"{self.endpoint}?{query}", dict(self.formdata)))
        return out


def hanweb_plan(html: str, url: str) -> HanwebPlan | None:
    """The jpage paging of a Hanweb column page: endpoint, form fields, page and group sizes, total."""
    proxy = None
    if (m := _NEXTGROUP.search(html)) and (href := _HREF.search(m.group(1))):
        proxy = href.group(1)
    if proxy is None and (m := _DATAPROXY.search(html)):
        proxy = m.group(1)
    if proxy is None:
        return None
    proxy_url = urljoin(url, proxy.replace("&amp;", "&"))
    parts = urlsplit(proxy_url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    if m := _SEND.search(html):
        params.update(parse_qsl(m.group(1).replace("&amp;", "&"), keep_blank_values=True))
    for key in ("startrecord", "endrecord", "perpage", "page"):
        params.pop(key, None)
    if "unitid" not in params and (m := _UNIT.search(html)):
        params["unitid"] = m.group(1)
    params.setdefault("col", "1")
    params.setdefault("appid", "1")
    params.setdefault("path", "/")
    params.setdefault("sourceContentType", "1")
    params.setdefault("permissiontype", "0")
    perpage = max(1, int(m.group(1))) if (m := _PERPAGE.search(html)) else 15
    group = max(1, int(m.group(1))) if (m := _GROUP.search(html)) else perpage * 3
    total = int(next(g for g in m.groups() if g)) if (m := _TOTAL.search(html)) else None
    endpoint = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return HanwebPlan(endpoint, params, perpage, group, total)


def hanweb_pages(html: str, url: str, limit: int, records_seen: int = 0) -> list[FormPage]:
    """The ``dataproxy.jsp`` POSTs that return the rest of a Hanweb jpage list.

    The form fields come from the ``<nextgroup>`` link or the page's own script; the number of
    groups from the total and the page and group sizes. With no total known, one group is asked
    for beyond ``records_seen`` and the caller keeps going while groups come back non-empty.
    """
    plan = hanweb_plan(html, url)
    return plan.pages(records_seen, limit) if plan is not None else []


def hanweb_total(text: str) -> int | None:
    """The ``<totalrecord>`` of a dataproxy answer."""
    m = re.search(r"<totalrecord>\s*(\d+)", text, re.IGNORECASE)
    return int(m.group(1)) if m else None


def hanweb_record_count(text: str) -> int:
    """How many ``<record>`` entries a jpage datastore holds."""
    # records proper, not the same tag inside a script's regular expression that parses them
    return len(re.findall(r"<record>\s*<!\[CDATA\[", text, re.IGNORECASE))
