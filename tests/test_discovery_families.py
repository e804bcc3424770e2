"""Discovery families are plug-ins: a family registered by a test is consulted by the spider's
listing without a change to the spider, and its requests are counted like any listing's."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from scrapy.http import Response

from crawler.discovery.families import (
    DiscoveryFamily,
    ListPage,
    ListPageFamily,
    SitemapFamily,
    family_classes,
    register_family,
    unregister_family,
)
from crawler.discovery.links import Link
from tests.crawl_support import REPO, archived, crawl_env, local_source, run_crawl
from tests.fixtures.static_site import report_page, serve_pages

pytestmark = pytest.mark.slow

TITLE = "某县2024年法治政府建设情况报告"


class ToyListFamily(DiscoveryFamily):
    """A list page names a plain-text list (``<div data-toy-list="URL">``): one ``title|URL`` a line."""

    kind = "toy"
    counts_as_list_page = True

    def claims(self, page: ListPage) -> bool:
        return "data-toy-list=" in page.text

    def follow(self, page: ListPage) -> Iterator[Any]:
        url = urljoin(page.url, page.text.split('data-toy-list="', 1)[1].split('"', 1)[0])
        if request := self.walk.listing_request(url, kind="toy", depth=page.depth + 1):
            yield request

    def parse(self, response: Response) -> Iterator[Any]:
        text = self.walk.listing_answer(response)
        if text is None:
            return
        links = [Link(urljoin(response.url, url.strip()), title.strip())
                 for title, _, url in (line.partition("|") for line in text.splitlines()) if url]
        self.walk.note_links(links)
        yield from self.walk.report_links(links)[1]


def test_a_registered_family_is_ordered_and_refused_twice() -> None:
    register_family(ToyListFamily, before=SitemapFamily)
    try:
        names = [f.__name__ for f in family_classes()]
        assert names[-2:] == ["ToyListFamily", "SitemapFamily"] and names[0] == "ListPageFamily"

        class Clash(DiscoveryFamily):
            kind = "list"

        with pytest.raises(ValueError, match="kind 'list' is registered already"):
            register_family(Clash)
    finally:
        unregister_family(ToyListFamily)
    assert ToyListFamily not in family_classes() and ListPageFamily in family_classes()


_CRAWL_WITH_TOY = """
import sys
from crawler.discovery.families import register_family
from tests.test_discovery_families import ToyListFamily
from govarchive.launch.runner import main

register_family(ToyListFamily)
sys.exit(main(sys.argv[1:]))
"""


def test_a_toy_family_finds_a_report_without_editing_the_spider(tmp_path: Path) -> None:
    listing = ('<html><head><meta charset="utf-8"></head><body><ul class="list">'
               '<li><a href="/col/notice.html">关于开展法治宣传的通知</a></li></ul>'
               '<div data-toy-list="/col/toy.txt"></div></body></html>').encode()
    pages = {"/robots.txt": (200, b"User-agent: *\nAllow: /\n"), "/col/index.html": (200, listing),
             "/col/toy.txt": (200, f"{TITLE}|/col/report.html\n".encode()),
             "/col/report.html": (200, report_page(TITLE))}
    for site in serve_pages(pages):
        home = tmp_path / "home"
        base = f"http://127.0.0.1:{site.server_address[1]}"
        names = local_source(home, base)

        plain = run_crawl(home, names)  # without the family: the report is not found
        assert plain.code == 1 and plain.source("files")["status"] == "no_reports", plain.stderr
        assert plain.source("files")["discovered"] == 0 and archived(home) == {}
        assert "/col/toy.txt" not in site.seen

        done = subprocess.run([sys.executable, "-c", _CRAWL_WITH_TOY, "--no-progress", "--json", *names],
                              cwd=REPO, env=crawl_env(home), capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr
        source = next(s for s in json.loads(done.stdout)["sources"] if s["name"] == "files")
        assert source["discovered"] == 1 and source["new"] == 1 and source["status"] == "ok", source
        assert set(archived(home)) == {f"{base}/col/report.html"}
        assert archived(home)[f"{base}/col/report.html"].title == TITLE
        assert site.seen.count("/col/toy.txt") == 1


def test_the_listing_counts_a_toy_familys_pages_and_waits_for_them() -> None:
    """In-process, through the spider's own callbacks: the toy's request is pending (and a list
    page) until its answer is read, and the listing ends only then, with the report it found."""
    from scrapy.http import HtmlResponse, TextResponse
    from scrapy.utils.test import get_crawler

    from crawler.items import DiscoveredReport
    from spiders.portal import GovPortalSpider
    from spiders.sources import SourceDefinition

    base = "http://127.0.0.1:9"
    register_family(ToyListFamily)
    try:
        crawler = get_crawler(GovPortalSpider, {"GOVARCHIVE_CHECK_ONLY": True})
        definition = SourceDefinition(name="toy", start_urls=[f"{base}/col/index.html"], render="never")
        spider = GovPortalSpider.from_crawler(crawler, definition=definition)
        crawler.spider = spider
        first = list(spider.begin_listing())
        assert [r.meta["govarchive_kind"] for r in first] == ["list", "sitemap"] and spider.list_pending == 2
        assert list(spider.parse_listing(TextResponse(first[1].url, status=404, request=first[1]))) == []
        assert (spider.list_pending, spider.listing_done) == (1, False)  # no sitemap: no listing failure

        page = HtmlResponse(f"{base}/col/index.html", body=b'<html><body><div data-toy-list="toy.txt"></div>'
                            b"</body></html>", encoding="utf-8", request=first[0])
        (toy,) = list(spider.parse_listing(page))
        assert toy.meta["govarchive_kind"] == "toy" and toy.url == f"{base}/col/toy.txt"
        assert (spider.list_pending, spider.list_count, spider.listing_done) == (1, 2, False)

        answer = TextResponse(toy.url, body=f"{TITLE}|/col/r.html\n".encode(), encoding="utf-8", request=toy)
        found = list(spider.parse_listing(answer))
        assert found[0] == DiscoveredReport("toy", f"{base}/col/r.html", TITLE)
        assert spider.listing_done and crawler.stats.get_value("discovery/toy_pages") == 1
        assert crawler.stats.get_value("discovery/listing_complete") is True
    finally:
        unregister_family(ToyListFamily)


def test_the_listing_stays_open_while_a_list_page_is_still_read() -> None:
    """Scrapy draws a callback's output lazily, between other answers: a list page whose report is
    drawn but whose further pages are not yet requested holds the listing open when the sitemap's
    404 is read in between (the listing used to end there: every known report re-checked at once,
    and the first page's links recorded as the complete listing)."""
    from scrapy.http import HtmlResponse, TextResponse
    from scrapy.utils.test import get_crawler

    from crawler.items import DiscoveredReport
    from spiders.portal import GovPortalSpider
    from spiders.sources import SourceDefinition

    base = "http://127.0.0.1:9"
    crawler = get_crawler(GovPortalSpider, {"GOVARCHIVE_CHECK_ONLY": True})
    definition = SourceDefinition(name="paged", start_urls=[f"{base}/col/index.html"], render="never")
    spider = GovPortalSpider.from_crawler(crawler, definition=definition)
    crawler.spider = spider
    first = list(spider.begin_listing())
    body = ('<html><head><meta charset="utf-8"></head><body><ul class="list"><li>'
            f'<a href="/col/2024/t0_1.html">{TITLE}</a></li></ul>'
            '<script>createPageHTML(3, 0, "index", "html");</script></body></html>').encode()
    reading = spider.parse_listing(HtmlResponse(first[0].url, body=body, encoding="utf-8", request=first[0]))
    assert next(reading) == DiscoveredReport("paged", f"{base}/col/2024/t0_1.html", TITLE)
    assert list(spider.parse_listing(TextResponse(first[1].url, status=404, request=first[1]))) == []
    assert not spider.listing_done  # the first page's further pages are still to come
    assert sorted(r.url for r in reading) == [f"{base}/col/index_1.html", f"{base}/col/index_2.html"]
    assert (spider.list_pending, spider.listing_done) == (2, False)
