"""The listing state machine: walks a source's listing over the registered discovery families.

It holds what a listing found (list pages seen, pending requests, report links and titles,
columns) and makes every listing request; the families (``crawler.discovery.families``) decide
what a page holds and what to follow. Each answer goes to the family of its ``govarchive_kind``;
when nothing is pending any more the families may extend the listing, else it ends: the
families close, the ``Listing`` item is yielded and the known reports due are re-checked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy.http import FormRequest, Request, Response, TextResponse

from crawler.columns import ColumnMemory, RememberedColumns
from crawler.discovery import Link, canonical_url, extract_links, host_allowed, is_attachment_url, is_page_url
from crawler.discovery.families import DiscoveryFamily, ListPage, family_classes
from crawler.discovery.families.home import REMEMBERED
from crawler.discovery.urls import is_trap, looks_like_list
from crawler.items import Listing
from crawler.middlewares.render import BLOCKED

if TYPE_CHECKING:
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

REPORT_STATUSES = [202, 304, 400, 403, 404, 410, 412, 429, 451, 500, 502, 503, 504, 521]
# Report pages before the next list page (depth first): the scheduler then holds the list pages
# still to read and the reports of the few pages read last, not every report of the listing.
LISTING_PRIORITY = -10


class ListingMachine:
    """Mixin of the portal spider: the listing's state, its requests, and the families' dispatch."""

    # set by the spider's configuration (spiders.portal)
    source: Any
    allowed_domains: list[str]
    base_starts: list[str]
    home_urls: list[str]
    max_list_pages: int
    max_seek_pages: int
    seek_depth: int
    depth_limit: int
    memory: ColumnMemory | None
    families: list[DiscoveryFamily]

    def reset_state(self) -> None:
        """Forget what a listing found (a distributed worker lists one run after another)."""
        self.starts = list(self.base_starts)  # list pages to walk: given, or found from the home page
        self.columns: dict[str, int] = {}  # report column found from the home page → reports it listed
        self.remembered = RememberedColumns()
        self.search_url: str | None = None  # the site search asked, remembered like a column
        self.search_forms: list[str] = []
        self.sitemap_seen = False
        self.list_seen: set[str] = set()
        self.list_pending = 0
        self.list_running = 0  # listing callbacks (and the start) not yet run to their end
        self.list_count = 0
        self.listing_ok = True
        self.listing_truncated = False
        self.listing_done = False
        self.link_seen: set[str] = set()
        self.link_titles: dict[str, str] = {}
        self.listed: dict[str, str] = {}  # report URL → listed title
        self.families = [family(self) for family in family_classes()]
        self._by_kind: dict[str | None, DiscoveryFamily] = {f.kind: f for f in self.families if f.kind is not None}
        self.reset_reports()

    if TYPE_CHECKING:  # provided by the spider and its report mixin
        crawler: Any

        @property
        def check_only(self) -> bool: ...

        def inc(self, key: str, count: int = 1) -> None: ...
        def set_stat(self, key: str, value: Any) -> None: ...
        def get_stat(self, key: str) -> Any: ...
        def reset_reports(self) -> None: ...
        def render_meta(self) -> dict[str, Any]: ...
        def to_browser(self, request: Request) -> Request: ...
        def load_known(self) -> None: ...
        def report_request(self, url: str, title: str, *, reason: str) -> Any: ...
        def rechecks(self, complete: bool) -> Iterator[Any]: ...

    def _family(self, kind: str | None) -> DiscoveryFamily:
        return self._by_kind.get(kind) or self._by_kind["list"]

    # Start ---------------------------------------------------------------------------------
    def begin_listing(self) -> Iterator[Any]:
        """Every family's first requests (the known reports read first)."""
        self.load_known()
        with self._running():
            for family in self.families:
                yield from family.start()
        yield from self._maybe_finish()  # nothing could be requested at all

    # Requests ------------------------------------------------------------------------------
    def listing_request(self, url: str, *, kind: str, depth: int, formdata: dict[str, str] | None = None,
                        origin: str | None = None) -> Request | None:
        """A request of family ``kind``, counted as pending; None when seen, off-site, a trap or over a cap."""
        family = self._family(kind)
        key = url + ("#" + "&".join(f"{k}={v}" for k, v in sorted(formdata.items())) if formdata else "")
        if key in self.list_seen or not host_allowed(url, self.allowed_domains):
            return None
        if family.depth_limited and (is_trap(url) or depth > self.depth_limit):
            self.inc("discovery/trap_skipped")
            return None
        if family.counts_as_list_page and self.list_count >= self.max_list_pages:
            if not self.listing_truncated:
                logger.warning("%s: more than %d list pages, stopping there", self.source.name, self.max_list_pages)
            self.listing_truncated = True
            self.inc("discovery/list_pages_capped")
            return None
        self.list_seen.add(key)
        self.list_pending += 1
        if family.counts_as_list_page:
            self.list_count += 1
        meta = {"govarchive_kind": kind, "govarchive_depth": depth, "govarchive_origin": origin,
                "handle_httpstatus_list": REPORT_STATUSES}
        if family.browser:
            meta.update(self.render_meta())
        if not family.retry:
            meta["dont_retry"] = True
        if formdata is not None:
            return FormRequest(url, formdata=formdata, callback=self.parse_listing, errback=self.listing_failed,
                               meta=meta, dont_filter=True, priority=LISTING_PRIORITY)
        return Request(url, callback=self.parse_listing, errback=self.listing_failed, meta=meta, dont_filter=True,
                       priority=LISTING_PRIORITY)

    def list_request(self, url: str, depth: int) -> Request | None:
        return self.listing_request(url, kind="list", depth=depth)

    def column_request(self, url: str) -> Request | None:
        """A report column (found or remembered): walked like a given start page."""
        url = canonical_url(url)
        self.columns.setdefault(url, 0)
        if url not in self.starts:
            self.starts.append(url)
        return self.list_request(url, depth=0)

    def browser_list_request(self, request: Request) -> Request:
        """``request`` (a list page, or its URL) once more through the browser, read as a list page."""
        self.list_pending += 1
        meta = {"govarchive_kind": "list", "govarchive_depth": 0, "handle_httpstatus_list": REPORT_STATUSES,
                **request.meta}
        plain = request.replace(callback=self.parse_listing, errback=self.listing_failed, meta=meta,
                                dont_filter=True, priority=LISTING_PRIORITY)
        return self.to_browser(plain)

    # Answers -------------------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Every listing answer: to the family of its kind, then the listing ends if nothing is pending."""
        with self._running():
            yield from self._family(response.meta.get("govarchive_kind")).parse(response)
        yield from self._maybe_finish()

    def listing_failed(self, failure: Failure) -> Iterator[Any]:
        # Scrapy hangs the request on the Failure it hands an errback; Twisted's type has no such field
        request = failure.request  # type: ignore[attr-defined]
        self.list_pending -= 1
        with self._running():
            yield from self._family(request.meta.get("govarchive_kind")).failed(request, failure)
        yield from self._maybe_finish()

    @contextmanager
    def _running(self) -> Iterator[None]:
        """Hold the listing open while a callback's requests are still being drawn from it: Scrapy
        draws a callback's output lazily, between other answers, so a pending count of 0 alone would
        end the listing while a list page's further pages are not yet requested."""
        self.list_running += 1
        try:
            yield
        finally:
            self.list_running -= 1

    def listing_answer(self, response: Response) -> str | None:
        """The response text when it is a usable listing answer; else notes the failure."""
        self.list_pending -= 1
        self.inc(f"discovery/{response.meta.get('govarchive_kind', 'list')}_pages")
        if response.meta.get(BLOCKED):
            self.inc("discovery/blocked")
            self.listing_failure(response.url, "blocked by an anti-bot challenge")
            return None
        if response.status != 200 or not isinstance(response, TextResponse):
            if response.meta.get(REMEMBERED) or (
                    response.meta.get("govarchive_kind") == "seek" and response.meta.get("govarchive_depth")):
                # a remembered column gone, or a dead navigation link: seek (again), no listing failure
                self.inc("discovery/column_gone" if response.meta.get(REMEMBERED) else "discovery/seek_dead_link")
                return None
            self.listing_failure(response.url, f"HTTP {response.status}")
            return None
        return response.text

    def listing_failure(self, url: str, reason: str) -> None:
        self.listing_ok = False
        self.inc("errors/listing")
        if not self.get_stat("errors/first_listing"):
            self.set_stat("errors/first_listing", f"list page {url}: {reason}")
        logger.warning("%s: list page %s failed: %s", self.source.name, url, reason)

    def read_list(self, response: Response, text: str) -> Iterator[Any]:
        """A list page: its report links, then what each family that claims the page follows."""
        links = extract_links(text, response.url)
        page = ListPage(response, text, canonical_url(response.url), response.meta.get("govarchive_depth", 0),
                        response.meta.get("govarchive_kind", "list"), links, self.max_list_pages)
        page.new_links = [link for link in links if link.url not in self.link_seen]
        self.note_links(links)
        page.matched, found = self.report_links(links)
        yield from found
        for family in self.families:
            if family.claims(page):
                yield from family.follow(page)

    def note_links(self, links: Iterable[Link]) -> None:
        for link in links:
            self.link_seen.add(link.url)
            if len(link.title) > len(self.link_titles.get(link.url, "")):
                self.link_titles[link.url] = link.title

    def report_links(self, links: Iterable[Link]) -> tuple[int, list[Any]]:
        """(how many links name a report, the requests or items for those not yet handled)."""
        matched = 0
        out: list[Any] = []
        for link in links:
            if not host_allowed(link.url, self.allowed_domains):
                continue
            if not is_page_url(link.url) and not is_attachment_url(link.url):
                continue  # a report may be linked as a file (PDF, DOCX …), never as a script or image
            if link.url in self.starts or looks_like_list(link.url) or not self.source.title_matches(link.title):
                continue  # a column named 法治政府建设年度报告 is not a report
            matched += 1
            if link.url not in self.listed:
                self.listed[link.url] = link.title
                self.inc("discovery/reports")
            if request := self.report_request(link.url, link.title, reason="listed"):
                out.append(request)
        self.inc("discovery/report_links", matched)
        return matched, out

    # End of the listing --------------------------------------------------------------------
    def _maybe_finish(self) -> Iterator[Any]:
        if self.list_pending <= 0 and self.list_running <= 0 and not self.listing_done:
            yield from self.finish_listing()

    def finish_listing(self) -> Iterator[Any]:
        """More requests if a family extends the listing; else its end: families close, Listing, re-checks."""
        for family in self.families:
            if more := family.extend():
                yield from more
                return
        self.listing_done = True
        complete = self.listing_ok and not self.listing_truncated
        self.set_stat("discovery/listing_complete", complete)
        for family in self.families:
            yield from family.close()
        if self.check_only:
            return
        yield Listing(self.source.name, tuple(sorted(self.listed)), complete)
        yield from self.rechecks(complete)

    def on_idle(self, spider: scrapy.Spider) -> None:
        if spider is not self or self.listing_done:
            return
        # a listing request vanished without callback (should not happen): finish without it
        logger.warning("%s: listing did not finish cleanly; treating it as incomplete", self.source.name)
        self.listing_ok = False
        self.list_pending = self.list_running = 0
        scheduled = False
        for obj in self.finish_listing():
            if isinstance(obj, Request):
                self.crawler.engine.crawl(obj)
                scheduled = True
        if scheduled:
            raise DontCloseSpider
