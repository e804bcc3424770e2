"""URL hygiene for discovery: canonical forms, traps, what looks like a list page or a file."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

from crawler.extraction.readers import FILE_TYPES

# Query keys that carry a session, a cache-buster or a tracker, never content.
SESSION_KEYS = frozenset(
    {"jsessionid", "sid", "sessionid", "phpsessid", "aspsessionid", "sessid", "_", "timestamp", "rnd",
     "random", "utm_source", "utm_medium", "utm_campaign", "spm"}
)
_SESSION_PATH = re.compile(r";(jsessionid|sid|phpsessid)=[^/?#]*", re.IGNORECASE)

# Calendars and date pickers generate endless distinct URLs.
_CALENDAR = re.compile(
    r"(calendar|rili|/cal/|[?&](date|day|month|year|yyyy|mm|dd|riqi)=\d{1,4}(?:-\d{1,2}){0,2}(&|$))",
    re.IGNORECASE,
)
ATTACHMENT_EXTENSIONS = FILE_TYPES  # one list of document types: crawler/extraction/readers
_DOWNLOAD_SCRIPT = re.compile(r"(downfile|download|attachment|getfile|fileDownload)[^/]*\.(jsp|do|php|aspx?)", re.IGNORECASE)
_NOT_PAGES = ATTACHMENT_EXTENSIONS | {"css", "js", "gif", "ico", "svg", "mp4", "mp3", "flv", "swf", "xml", "json"}
_COLUMN_PATH = re.compile(r"(/|/index(_\d+)?\.s?html?|/col/col\d+/index\.s?html?|/list(_\d+)?\.s?html?)$", re.IGNORECASE)


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute URL without fragment, session ids or tracking parameters; query order kept."""
    if base:
        url = urljoin(base, url.strip())
    url = safe_url_string(url.strip())
    url = _SESSION_PATH.sub("", url)
    parts = urlsplit(url)
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k.lower() not in SESSION_KEYS]
    if len(kept) != len(pairs):
        query = urlencode(kept, safe="/:,")
    netloc = parts.netloc.lower()
    if parts.scheme == "http" and netloc.endswith(":80"):
        netloc = netloc[:-3]
    elif parts.scheme == "https" and netloc.endswith(":443"):
        netloc = netloc[:-4]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def is_web_url(url: str) -> bool:
    """http(s) URLs only: no javascript:, mailto:, tel: …"""
    return urlsplit(url).scheme in ("http", "https")


def host_allowed(url: str, allowed_domains: Iterable[str]) -> bool:
    """Whether the URL's host is one of ``allowed_domains`` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in allowed_domains)


def is_trap(url: str) -> bool:
    """Calendars, date pickers and other URL spaces without end."""
    if _CALENDAR.search(url):
        return True
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    # the same segment repeated is a relative-link loop (a/b/a/b/…)
    return len(segments) > 12 or (len(segments) >= 4 and len(set(segments)) <= len(segments) // 2)


def extension(url: str) -> str:
    """Lower-case extension of the URL's path (or of a ``filename=`` query value)."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in ("filename", "file", "fname", "name") and "." in value:
            return value.rsplit(".", 1)[-1].lower()
    name = posixpath.basename(parts.path)
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_attachment_url(url: str) -> bool:
    """A file a report may carry (pdf, doc, docx, wps, ofd, xls …) or a download script."""
    return extension(url) in ATTACHMENT_EXTENSIONS or bool(_DOWNLOAD_SCRIPT.search(urlsplit(url).path))


def is_page_url(url: str) -> bool:
    """Could be an HTML page (not a stylesheet, script, image or file)."""
    return is_web_url(url) and extension(url) not in _NOT_PAGES and not is_attachment_url(url)


def column_prefix(url: str) -> str:
    """The folder of a list URL: ``…/fzzfjsndbg/index.html`` → ``…/fzzfjsndbg/``."""
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else posixpath.dirname(parts.path) + "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, "", ""))


def looks_like_list(url: str) -> bool:
    """Shaped like a column or list page (``…/``, ``index.html``, ``index_3.html``, ``/col/col123/``)."""
    return bool(_COLUMN_PATH.search(urlsplit(url).path))


def looks_like_column(url: str, start_urls: Iterable[str]) -> bool:
    """A sub-column of a start URL: under its folder and shaped like a list page, not an article."""
    if not _COLUMN_PATH.search(urlsplit(url).path):
        return False
    target = canonical_url(url)
    for start in start_urls:
        prefix = column_prefix(canonical_url(start))
        if target.startswith(prefix) and target != canonical_url(start):
            return True
    return False
