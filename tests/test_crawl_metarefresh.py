"""The meta-refresh middleware skips decoding pages that cannot redirect, and decides as Scrapy's does."""

from __future__ import annotations

import re
import warnings

from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.middlewares.metarefresh import HEAD_BYTES, QuickMetaRefreshMiddleware, may_refresh
from crawler.settings import base_settings

URL = "http://gov.test/col/index.html"
FILLER = "<p>法治政府建设年度报告正文。</p>" * 40  # 840 characters, 1,960 bytes in UTF-8


def _page(head: str, *, before: int = 0, encoding: str = "utf-8") -> bytes:
    return (f"<html><head>{FILLER * before}{head}</head><body>{FILLER}</body></html>").encode(encoding)


REFRESH = '<meta http-equiv="refresh" content="0;url=/col/list.html">'
BODIES = {
    "plain page": (_page(""), "utf-8"),
    "refresh": (_page(REFRESH), "utf-8"),
    "refresh, upper case": (_page(REFRESH.upper().replace("/COL/LIST.HTML", "/col/list.html")), "utf-8"),
    "refresh in GBK": (_page(REFRESH, encoding="gbk"), "gbk"),
    "refresh by a character reference": (_page('<meta http-equiv="&#114;efresh" content="0;url=/x.html">'), "utf-8"),
    "refresh after 3,400 characters": (_page(REFRESH, before=4), "utf-8"),
    "refresh past 4,096 characters": (_page(REFRESH, before=6), "utf-8"),  # within 16 KB: Scrapy decides
    "refresh past 16 KB": (_page(REFRESH, before=9), "utf-8"),
    "refresh in UTF-16": (_page(REFRESH, encoding="utf-16"), "utf-16"),
    "refresh with a long delay": (_page('<meta http-equiv="refresh" content="600;url=/x.html">'), "utf-8"),
    "the word only, in text": (_page("<title>refresh</title>"), "utf-8"),
}


def _middlewares() -> tuple[MetaRefreshMiddleware, QuickMetaRefreshMiddleware]:
    crawler = get_crawler(settings_dict={})
    return MetaRefreshMiddleware.from_crawler(crawler), QuickMetaRefreshMiddleware.from_crawler(crawler)


def _outcome(result: Request | Response) -> str:
    return f"redirect to {result.url}" if isinstance(result, Request) else "kept"


def test_quick_meta_refresh_decides_as_scrapy_does() -> None:
    scrapy_mw, ours = _middlewares()
    outcomes = {}
    for name, (body, encoding) in BODIES.items():
        request = Request(URL)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Scrapy's own method warns about its old spider argument
            theirs = scrapy_mw.process_response(request, HtmlResponse(URL, body=body, encoding=encoding),
                                                None)
        mine = ours.process_response(request, HtmlResponse(URL, body=body, encoding=encoding))
        assert _outcome(mine) == _outcome(theirs), name
        outcomes[name] = _outcome(mine)
    assert outcomes["refresh"] == outcomes["refresh in GBK"] == "redirect to http://gov.test/col/list.html"
    assert outcomes["refresh by a character reference"] == "kept"  # Scrapy does not decode it either
    assert outcomes["refresh in UTF-16"].startswith("redirect")
    assert outcomes["refresh after 3,400 characters"].startswith("redirect")
    assert outcomes["plain page"] == outcomes["refresh past 4,096 characters"] == outcomes["refresh past 16 KB"] == "kept"


def test_a_page_without_refresh_is_not_decoded() -> None:
    _, ours = _middlewares()
    response = HtmlResponse(URL, body=_page(""), encoding="utf-8")
    assert ours.process_response(Request(URL), response) is response
    assert response._cached_ubody is None  # Scrapy's decoded body: never made
    assert not may_refresh(_page(""))
    assert may_refresh(b" " * (HEAD_BYTES - 7) + b"REFRESH") and not may_refresh(b" " * (HEAD_BYTES - 6) + b"refresh")


def test_the_crawl_uses_the_quick_middleware() -> None:
    middlewares = Settings(base_settings()).getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"] is None
    assert middlewares["crawler.middlewares.metarefresh.QuickMetaRefreshMiddleware"] == 580


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"refresh", b"REFRESH", b"ReFrEsH", b"refres", b"\x00", b"<meta>", b"\xe4\xb8\xad",
                                 b"x" * 700, b"\xc3\x89"]), max_size=40), st.integers(0, 3))
def test_may_refresh_finds_what_a_case_blind_search_of_the_head_finds(parts: list[bytes], cut: int) -> None:
    body = b"".join(parts)[: HEAD_BYTES + 8 - cut]  # a word may straddle the 16 KB edge
    expected = re.search(rb"refresh|\x00", body[:HEAD_BYTES], re.IGNORECASE) is not None
    assert may_refresh(body) == expected
