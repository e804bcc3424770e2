"""Discovery without per-site code: pure functions over a response's text.

Report links by title, list pagination (next links, TRS page scripts, numbered pages, query
pages, Hanweb jpage), JSON lists read by scripts, sitemaps and site search, traps, and what a
page is (content, a JavaScript challenge, a JS-only list, a soft 404). The discovery families
that use them during a crawl — one module each, one registry — are in :mod:`.families`.
"""

from __future__ import annotations

from .columns import is_home_page, link_role
from .links import Link, best_title, expand_cdata, extract_links
from .pages import CHALLENGE, classify_challenge, is_soft_404, looks_challenged, looks_js_only_list
from .pagination import (
    FormPage,
    HanwebPlan,
    counted_pages,
    hanweb_pages,
    hanweb_plan,
    hanweb_record_count,
    hanweb_total,
    link_pages,
    list_pages,
    script_pages,
)
from .scripts import JsonList, json_endpoints, parse_json_list
from .sitemap import SearchForm, robots_sitemaps, search_form, sitemap_urls
from .urls import (
    canonical_url,
    column_prefix,
    extension,
    host_allowed,
    is_attachment_url,
    is_page_url,
    is_trap,
    looks_like_column,
    looks_like_list,
)

__all__ = [
    "CHALLENGE", "FormPage", "HanwebPlan", "counted_pages", "hanweb_plan", "hanweb_total", "JsonList", "Link", "SearchForm", "best_title", "canonical_url",
    "classify_challenge", "column_prefix", "expand_cdata", "extension", "is_home_page", "link_role", "extract_links",
    "hanweb_pages", "hanweb_record_count", "host_allowed", "is_attachment_url", "is_page_url",
    "is_soft_404", "is_trap", "looks_challenged", "json_endpoints", "link_pages", "list_pages", "looks_js_only_list",
    "looks_like_column", "looks_like_list", "parse_json_list", "robots_sitemaps", "script_pages", "search_form",
    "sitemap_urls",
]
