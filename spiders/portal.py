"""The generic portal spider: one source, any CMS family, no per-site code.

It walks the source's list pages (pagination, sub-columns, Hanweb jpage POSTs, JSON lists read
by scripts, a sitemap), keeps links whose title matches the source's report pattern, and fetches
those report pages — new ones plainly, known ones conditionally and only on their own cadence
or when the listing no longer shows them. It yields items; pipelines extract and archive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import FormRequest, Request, Response, TextResponse

from archive.records import FetchedPage
from crawler.columns import ColumnMemory, RememberedColumns
from crawler.discovery import (
    HanwebPlan,
    Link,
    canonical_url,
    column_prefix,
    extract_links,
    hanweb_plan,
    hanweb_record_count,
    hanweb_total,
    host_allowed,
    is_attachment_url,
    is_page_url,
    is_trap,
    json_endpoints,
    list_pages,
    looks_js_only_list,
    looks_like_column,
    looks_like_list,
    parse_json_list,
    search_form,
    sitemap_urls,
)
from crawler.discovery.columns import is_home_page, link_role
from crawler.items import DiscoveredReport, Listing, PageOutcome, ReportColumns, ReportPage
from crawler.middlewares.render import BLOCKED, RENDERED, browser_request, render_meta
from crawler.session import CrawlSession, crawl_session, recheck_due
from spiders.sources import SourceDefinition, SourceError, get_source

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

    from archive.recorder import KnownReport

logger = logging.getLogger(__name__)

LISTING_KINDS = frozenset({"list", "hanweb", "json", "search", "sitemap", "seek"})
REPORT_STATUSES = [202, 304, 400, 403, 404, 410, 412, 429, 451, 500, 502, 503, 504, 521]
SEARCH_KEYWORD = "法治政府建设"
MAX_JSON_CANDIDATES = 4


class GovPortalSpider(scrapy.Spider):
    """``scrapy crawl portal -a source=NAME``: discover and fetch one source's reports."""

    name = "portal"

    def __init__(self, source: str | None = None, definition: SourceDefinition | str | None = None,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source_name = source
        self._definition = definition

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler)
        return spider

    # Set-up ----------------------------------------------------------------------------
    def _configure(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if isinstance(self._definition, SourceDefinition):
            self.source = self._definition
        elif isinstance(self._definition, str):
            self.source = SourceDefinition.model_validate_json(self._definition)
        elif self.source_name:
            dirs = [Path(d) for d in settings.getlist("GOVARCHIVE_SOURCES_DIRS")]
            try:
                self.source = get_source(self.source_name, dirs)
            except SourceError as exc:
                raise ValueError(str(exc)) from None
        else:
            raise ValueError("no source given: scrapy crawl portal -a source=NAME")
        self.source_name = self.source.name
        self.allowed_domains = list(self.source.allowed_domains)
        self.max_list_pages = settings.getint("GOVARCHIVE_MAX_LIST_PAGES", 200)
        self.depth_limit = settings.getint("GOVARCHIVE_DEPTH_LIMIT", 8)
        self.recheck_hours = settings.getfloat("GOVARCHIVE_RECHECK_HOURS", 24.0)
        self.max_attachment_bytes = settings.getint("GOVARCHIVE_MAX_ATTACHMENT_BYTES", 50 * 1024 * 1024)
        starts = [canonical_url(u) for u in self.source.start_urls]
        # a portal's home page: the report column is sought from it (crawler.discovery.columns)
        self.home_urls = [u for u in starts if is_home_page(u)]
        self.base_starts = [u for u in starts if not is_home_page(u)]
        self.max_seek_pages = settings.getint("GOVARCHIVE_MAX_SEEK_PAGES", 40)
        self.seek_depth = settings.getint("GOVARCHIVE_SEEK_DEPTH", 4)
        folder = settings.get("GOVARCHIVE_COLUMNS_DIR")
        self.memory = ColumnMemory(Path(folder)) if folder else None
        self._reset_state()
        crawler.signals.connect(self._on_idle, signal=signals.spider_idle)

    def _reset_state(self) -> None:
        """Forget what a listing found (a distributed worker lists one run after another)."""
        # listing state
        self.starts = list(self.base_starts)  # list pages to walk: given, or found from the home page
        self.columns: dict[str, int] = {}  # report column found from the home page → reports it listed
        self.remembered = RememberedColumns()
        self.sought = False
        self.search_url: str | None = None  # the site search asked, remembered like a column
        self.seek_count = 0
        self.sitemap_seen = False
        self.list_seen: set[str] = set()
        self.list_pending = 0
        self.list_count = 0
        self.listing_ok = True
        self.listing_truncated = False
        self.listing_done = False
        self.link_seen: set[str] = set()
        self.link_titles: dict[str, str] = {}
        self.listed: dict[str, str] = {}  # report URL → listed title
        self.sitemap_candidates: set[str] = set()
        self.search_forms: list[str] = []
        self.json_origins: dict[str, list[int]] = {}  # page → [pending candidates, links found]
        # fetching state
        self.requested: set[str] = set()
        self.known: dict[str, KnownReport] = {}

    @property
    def session(self) -> CrawlSession:
        return crawl_session(self.crawler)

    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(key, count)  # type: ignore[union-attr]

    # Start -----------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        for obj in self._begin_listing():
            yield obj

    def _begin_listing(self) -> Iterator[Any]:
        """The start pages' and sitemaps' requests (the known reports read first)."""
        session = self.session
        if not session.check_only:
            self.known = {k.url: k for k in session.known_reports()}
        for url in self.starts:
            if request := self._list_request(url, depth=0):
                yield request
        if self.home_urls:
            yield from self._begin_home()
        for url in self._sitemap_locations():
            if request := self._listing_request(url, kind="sitemap", depth=0, callback=self.parse_sitemap):
                yield request
        if self.list_pending == 0:  # nothing could be requested at all
            yield from self._finish_listing()

    def _sitemap_locations(self) -> list[str]:
        if self.home_urls and self.remembered.columns and not self.remembered.sitemap:
            return []  # the portal had no sitemap when its columns were found
        hosts = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in self.base_starts + self.home_urls}
        return [f"{h}/sitemap.xml" for h in sorted(hosts)]

    # Home pages ------------------------------------------------------------------------
    def _begin_home(self) -> Iterator[Request]:
        """The remembered report columns, else the search for them from the home page."""
        if self.memory is not None:
            self.remembered = self.memory.read(self.source.name)
        if not self.remembered.columns:
            yield from self._seek_home()
            return
        self._inc("discovery/columns_remembered", len(self.remembered.columns))
        for url in self.remembered.columns:
            if request := self._column_request(url):
                request.meta["govarchive_remembered"] = True
                yield request

    def _seek_home(self) -> Iterator[Request]:
        self.sought = True
        for url in self.home_urls:
            if request := self._seek_request(url, 0):
                yield request

    def _seek_request(self, url: str, depth: int) -> Request | None:
        if depth > self.seek_depth or self.seek_count >= self.max_seek_pages:
            self._inc("discovery/seek_capped")
            return None
        request = self._listing_request(url, kind="seek", depth=depth, callback=self.parse_seek)
        if request is not None:
            self.seek_count += 1
        return request

    def _column_request(self, url: str) -> Request | None:
        """A report column (found or remembered): walked like a given start page."""
        url = canonical_url(url)
        self.columns.setdefault(url, 0)
        if url not in self.starts:
            self.starts.append(url)
        return self._list_request(url, depth=0)

    def parse_seek(self, response: Response) -> Iterator[Any]:
        """A home or navigation page: follow navigation, list the report columns it names."""
        text = self._listing_answer(response)
        if text is not None:
            depth = response.meta.get("govarchive_depth", 0)
            links = extract_links(text, response.url)
            self._note_links(links)
            yield from self._report_links(links)[1]  # a report linked straight from these pages
            for link in links:
                if not host_allowed(link.url, self.allowed_domains) or not is_page_url(link.url):
                    continue
                role = link_role(link)
                if role == "column":
                    self._inc("discovery/columns_found")
                    if request := self._column_request(link.url):
                        yield request
                elif role == "nav" and (request := self._seek_request(link.url, depth + 1)):
                    yield request
            if (form := search_form(text, response.url)) is not None:
                self.search_forms.append(form.url(SEARCH_KEYWORD))
        yield from self._maybe_finish()

    def _column_outcome(self) -> Iterator[Any]:
        """After the listing of a home-page source: its status when no column was found; what to remember."""
        found = tuple(url for url, count in self.columns.items() if count > 0)
        stats = self.crawler.stats
        if not self.listed and self.listing_ok and stats is not None:
            if not set(self.columns) - {self.search_url}:
                stats.set_value("govarchive/source_status", "no_report_column")
                stats.set_value("govarchive/source_error",
                                f"no report column found from the home page {self.home_urls[0]} "
                                f"({self.seek_count} page(s) looked at, site search included)")
            else:
                logger.warning("%s: report column(s) %s list no report", self.source.name, ", ".join(self.columns))
                self._inc("discovery/empty_columns")
        if self.session.check_only or not self.listing_ok:
            return
        if found != self.remembered.columns or (found and self.sitemap_seen != self.remembered.sitemap):
            yield ReportColumns(self.source.name, found, self.sitemap_seen)

    # Requests --------------------------------------------------------------------------
    @property
    def _browser_timeout(self) -> float:
        return self.crawler.settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", 30000) / 1000

    def _render_meta(self) -> dict[str, Any]:
        if self.source.render != "always":
            return {}
        return render_meta(self._browser_timeout, self.crawler.settings.get("USER_AGENT"))

    def _to_browser(self, request: Request) -> Request:
        return browser_request(request, self._browser_timeout, self.crawler.settings.get("USER_AGENT"))

    def _listing_request(self, url: str, *, kind: str, depth: int, callback: Any,
                         formdata: dict[str, str] | None = None, origin: str | None = None) -> Request | None:
        key = url + ("#" + "&".join(f"{k}={v}" for k, v in sorted(formdata.items())) if formdata else "")
        if key in self.list_seen or not host_allowed(url, self.allowed_domains):
            return None
        if kind == "list" and (is_trap(url) or depth > self.depth_limit):
            self._inc("discovery/trap_skipped")
            return None
        if kind in ("list", "hanweb", "json") and self.list_count >= self.max_list_pages:
            if not self.listing_truncated:
                logger.warning("%s: more than %d list pages, stopping there", self.source.name, self.max_list_pages)
            self.listing_truncated = True
            self._inc("discovery/list_pages_capped")
            return None
        self.list_seen.add(key)
        self.list_pending += 1
        if kind in ("list", "hanweb", "json"):
            self.list_count += 1
        meta = {"govarchive_kind": kind, "govarchive_depth": depth, "govarchive_origin": origin,
                "handle_httpstatus_list": REPORT_STATUSES}
        if kind in ("list", "search"):
            meta.update(self._render_meta())
        if kind == "sitemap":
            meta["dont_retry"] = True
        if formdata is not None:
            return FormRequest(url, formdata=formdata, callback=callback, errback=self.listing_failed,
                               meta=meta, dont_filter=True, priority=10)
        return Request(url, callback=callback, errback=self.listing_failed, meta=meta, dont_filter=True, priority=10)

    def _list_request(self, url: str, depth: int) -> Request | None:
        return self._listing_request(url, kind="list", depth=depth, callback=self.parse_list)

    def _report_request(self, url: str, title: str, *, reason: str) -> Request | DiscoveredReport | None:
        if url in self.requested:
            return None
        self.requested.add(url)
        known = self.known.get(url)
        if self.session.check_only:
            return DiscoveredReport(self.source.name, url, title, known=known is not None)
        if url in self.session.done:
            self._inc("resume/skipped")
            return None
        active = known is not None and known.status == "active"
        if active and reason == "listed" and not recheck_due(known, self.recheck_hours):  # type: ignore[arg-type]
            self._inc("discovery/known_skipped")
            return None
        headers: dict[str, str] = {}
        if active:
            if known.etag:  # type: ignore[union-attr]
                headers["If-None-Match"] = known.etag  # type: ignore[union-attr]
            if known.last_modified:  # type: ignore[union-attr]
                headers["If-Modified-Since"] = known.last_modified  # type: ignore[union-attr]
            self._inc("fetch/conditional" if headers else "fetch/unconditional_recheck")
        self._inc(f"fetch/{reason}")
        meta = {"govarchive_kind": "report", "govarchive_url": url, "govarchive_title": title,
                "govarchive_known": known is not None, "handle_httpstatus_list": REPORT_STATUSES}
        if is_attachment_url(url):  # the report is a file: its own size limit, never the browser
            meta["download_maxsize"] = self.max_attachment_bytes
        elif not headers:  # a conditional re-check goes plainly; only a changed page needs the browser
            meta.update(self._render_meta())
        return Request(url, headers=headers, callback=self.parse_report, errback=self.report_failed, meta=meta,
                       dont_filter=True, priority=0 if reason == "listed" else -5)

    # Listing ---------------------------------------------------------------------------
    def _listing_answer(self, response: Response) -> str | None:
        """The response text when it is a usable listing answer; else notes the failure."""
        self.list_pending -= 1
        self._inc(f"discovery/{response.meta.get('govarchive_kind', 'list')}_pages")
        if response.meta.get(BLOCKED):
            self._inc("discovery/blocked")
            self._listing_failure(response.url, "blocked by an anti-bot challenge")
            return None
        if response.status != 200 or not isinstance(response, TextResponse):
            if response.meta.get("govarchive_remembered") or (
                    response.meta.get("govarchive_kind") == "seek" and response.meta.get("govarchive_depth")):
                # a remembered column gone, or a dead navigation link: seek (again), no listing failure
                self._inc("discovery/column_gone" if response.meta.get("govarchive_remembered")
                          else "discovery/seek_dead_link")
                return None
            self._listing_failure(response.url, f"HTTP {response.status}")
            return None
        return response.text

    def _listing_failure(self, url: str, reason: str) -> None:
        self.listing_ok = False
        self._inc("errors/listing")
        stats = self.crawler.stats
        if stats is not None and not stats.get_value("errors/first_listing"):
            stats.set_value("errors/first_listing", f"list page {url}: {reason}")
        logger.warning("%s: list page %s failed: %s", self.source.name, url, reason)

    def parse_list(self, response: Response) -> Iterator[Any]:
        text = self._listing_answer(response)
        if text is not None:
            yield from self._read_list(response, text)
        yield from self._maybe_finish()

    def _read_list(self, response: Response, text: str) -> Iterator[Any]:
        url = canonical_url(response.url)
        depth = response.meta.get("govarchive_depth", 0)
        kind = response.meta.get("govarchive_kind", "list")
        links = extract_links(text, response.url)
        new_links = [link for link in links if link.url not in self.link_seen]
        self._note_links(links)
        matched, found = self._report_links(links)
        if url in self.columns:
            self.columns[url] += matched
        yield from found
        # pagination: follow a page's numbered/next links only while pages bring new links
        pages = list_pages(text, url, links, self.max_list_pages)
        if new_links or depth == 0:
            for page in pages:  # pages of one list are siblings: the depth counts columns, not pages
                if request := self._list_request(page, depth):
                    yield request
        for link in links:
            if (looks_like_column(link.url, self.starts) and link.url not in pages
                    and (request := self._list_request(link.url, depth + 1))):
                yield request
        if ("datastore" in text or "dataproxy.jsp" in text) and (plan := hanweb_plan(text, url)) is not None:
            yield from self._hanweb_requests(plan, hanweb_record_count(text), url, depth)
        if kind != "search" and (form := search_form(text, url)) is not None:
            self.search_forms.append(form.url(SEARCH_KEYWORD))
        if not matched and not pages and looks_js_only_list(text, links):
            yield from self._script_lists(response, text, url, depth)

    def _note_links(self, links: Iterable[Link]) -> None:
        for link in links:
            self.link_seen.add(link.url)
            if len(link.title) > len(self.link_titles.get(link.url, "")):
                self.link_titles[link.url] = link.title

    def _report_links(self, links: Iterable[Link]) -> tuple[int, list[Any]]:
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
                self._inc("discovery/reports")
            if request := self._report_request(link.url, link.title, reason="listed"):
                out.append(request)
        self._inc("discovery/report_links", matched)
        return matched, out

    def _hanweb_requests(self, plan: HanwebPlan, after: int, url: str, depth: int) -> Iterator[Request]:
        for page in plan.pages(after, self.max_list_pages):
            request = self._listing_request(page.url, kind="hanweb", depth=depth, callback=self.parse_hanweb,
                                            formdata=page.formdata, origin=url)
            if request is not None:
                request.meta["govarchive_hanweb"] = (plan, int(page.url.split("endrecord=")[1].split("&")[0]))
                yield request

    def parse_hanweb(self, response: Response) -> Iterator[Any]:
        text = self._listing_answer(response)
        if text is not None:
            links = extract_links(text, response.url)
            self._note_links(links)
            yield from self._report_links(links)[1]
            plan, end = response.meta.get("govarchive_hanweb", (None, 0))
            if plan is not None and plan.total is None and hanweb_record_count(text):
                # the column page did not say how many records there are: the answer may, else go on
                plan = dataclasses.replace(plan, total=hanweb_total(text))
                origin = response.meta.get("govarchive_origin") or response.url
                yield from self._hanweb_requests(plan, end, origin, response.meta.get("govarchive_depth", 0))
        yield from self._maybe_finish()

    def _script_lists(self, response: Response, text: str, url: str, depth: int) -> Iterator[Request]:
        """A list filled by JavaScript: read the JSON its scripts load, else render the page."""
        candidates = json_endpoints(text, url)[:MAX_JSON_CANDIDATES]
        requests = [
            r for c in candidates
            if (r := self._listing_request(c, kind="json", depth=depth + 1, callback=self.parse_json, origin=url))
        ]
        if requests:
            self.json_origins[url] = [len(requests), 0]
            yield from requests
            return
        yield from self._render_list(response)

    def _render_list(self, response: Response) -> Iterator[Request]:
        request = response.request
        if request is None or self.source.render == "never" or response.meta.get(RENDERED):
            if self.source.render == "never" and response.meta.get("govarchive_kind") == "list":
                logger.warning("%s: %s looks filled by JavaScript and render = never", self.source.name, response.url)
                self._inc("discovery/js_list_not_rendered")
            return
        self._inc("render/js_list")
        self.list_pending += 1
        yield self._to_browser(request.replace(callback=self.parse_list, errback=self.listing_failed))

    def parse_json(self, response: Response) -> Iterator[Any]:
        origin = response.meta.get("govarchive_origin")
        if origin is None:  # a further page of a known JSON list: failing breaks the listing
            text = self._listing_answer(response)
        else:  # a guessed endpoint that does not answer is not a broken listing
            self.list_pending -= 1
            self._inc("discovery/json_pages")
            text = response.text if response.status == 200 and isinstance(response, TextResponse) else None
        parsed = parse_json_list(text, response.url, self.max_list_pages) if text is not None else None
        if parsed is not None:
            for link in parsed.links:
                self.link_seen.add(link.url)
                self.link_titles.setdefault(link.url, link.title)
            yield from self._report_links(parsed.links)[1]
            for page in parsed.pages:
                request = self._listing_request(page, kind="json", depth=response.meta.get("govarchive_depth", 1) + 1,
                                                callback=self.parse_json, origin=None)
                if request is not None:
                    yield request
        if origin in self.json_origins:
            state = self.json_origins[origin]
            state[0] -= 1
            state[1] += len(parsed.links) if parsed is not None else 0
            if state[0] == 0 and state[1] == 0:
                yield from self._render_origin(origin)
        yield from self._maybe_finish()

    def _render_origin(self, origin: str) -> Iterator[Request]:
        if self.source.render == "never":
            self._inc("discovery/js_list_not_rendered")
            return
        self._inc("render/js_list")
        self.list_pending += 1
        meta = {"govarchive_kind": "list", "govarchive_depth": 0, "handle_httpstatus_list": REPORT_STATUSES}
        plain = Request(origin, callback=self.parse_list, errback=self.listing_failed, meta=meta, dont_filter=True,
                        priority=10)
        yield self._to_browser(plain)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        self.list_pending -= 1
        self._inc("discovery/sitemap_pages")
        if response.status == 200:
            pages, nested = sitemap_urls(response.body)
            self.sitemap_seen = self.sitemap_seen or bool(pages or nested)
            prefixes = [column_prefix(u) for u in self.starts]
            for url in pages:
                if any(url.startswith(p) for p in prefixes) and host_allowed(url, self.allowed_domains):
                    self.sitemap_candidates.add(url)
            for url in nested[:20]:
                request = self._listing_request(url, kind="sitemap", depth=1, callback=self.parse_sitemap)
                if request is not None:
                    yield request
        yield from self._maybe_finish()

    def parse_search(self, response: Response) -> Iterator[Any]:
        text = self._listing_answer(response)
        if text is not None:
            yield from self._read_list(response, text)
        yield from self._maybe_finish()

    def listing_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        self.list_pending -= 1
        kind = request.meta.get("govarchive_kind")
        if kind == "sitemap":
            pass  # most portals have none
        elif kind == "json" and request.meta.get("govarchive_origin") in self.json_origins:
            state = self.json_origins[request.meta["govarchive_origin"]]
            state[0] -= 1
            if state[0] == 0 and state[1] == 0:
                yield from self._render_origin(request.meta["govarchive_origin"])
        else:
            reason = "forbidden by robots.txt" if failure.check(IgnoreRequest) else failure.getErrorMessage()
            if failure.check(IgnoreRequest):
                self._inc("robots/forbidden_list")
            self._listing_failure(request.url, reason)
        yield from self._maybe_finish()

    # End of the listing ------------------------------------------------------------------
    def _maybe_finish(self) -> Iterator[Any]:
        if self.list_pending <= 0 and not self.listing_done:
            yield from self._finish_listing()

    def _finish_listing(self) -> Iterator[Any]:
        if self.home_urls and not self.sought and not self.listed and self.listing_ok:
            # the remembered columns are gone (404, soft 404, no report any more): seek them again
            self._inc("discovery/columns_reseek")
            requests = list(self._seek_home())
            if requests:
                yield from requests
                return
        wanted = self.source.search == "always" or (self.source.search == "auto" and not self.listed)
        if wanted and self.search_forms and self.listing_ok:
            # ask the portal's own search (once; its result pages are walked like a list)
            url = self.search_forms[0]
            self.search_forms = []
            if request := self._listing_request(url, kind="search", depth=1, callback=self.parse_search):
                if self.home_urls:  # remembered like a column when it lists reports
                    self.search_url = canonical_url(url)
                    self.columns.setdefault(self.search_url, 0)
                yield request
                return
        self.listing_done = True
        if self.home_urls:
            yield from self._column_outcome()
        complete = self.listing_ok and not self.listing_truncated
        self.crawler.stats.set_value("discovery/listing_complete", complete)  # type: ignore[union-attr]
        list_pages = {key.split("#", 1)[0] for key in self.list_seen} | set(self.starts)
        for url in sorted(self.sitemap_candidates - set(self.listed) - list_pages):
            title = self.link_titles.get(url)
            if title is not None and not self.source.title_matches(title):
                continue  # the listing showed it under a title that is not a report's
            if title is None and self.session.check_only:
                self._inc("discovery/sitemap_unconfirmed")
                continue  # only a fetch would tell; a check fetches nothing
            if request := self._report_request(url, title or "", reason="sitemap"):
                yield request
        if self.session.check_only:
            return
        yield Listing(self.source.name, tuple(sorted(self.listed)), complete)
        yield from self._rechecks(complete)

    def _rechecks(self, complete: bool) -> Iterator[Any]:
        """Known reports due by their own cadence, and those a complete listing no longer shows."""
        for url, known in sorted(self.known.items()):
            if known.status != "active" or url in self.requested:
                continue
            absent = complete and url not in self.listed
            if not absent and not recheck_due(known, self.recheck_hours):
                continue
            if request := self._report_request(url, self.listed.get(url, ""), reason="absent" if absent else "recheck"):
                yield request

    def _on_idle(self, spider: scrapy.Spider) -> None:
        if spider is not self or self.listing_done:
            return
        # a listing request vanished without callback (should not happen): finish without it
        logger.warning("%s: listing did not finish cleanly; treating it as incomplete", self.source.name)
        self.listing_ok = False
        self.list_pending = 0
        scheduled = False
        for obj in self._finish_listing():
            if isinstance(obj, Request):
                self.crawler.engine.crawl(obj)  # type: ignore[union-attr]
                scheduled = True
        if scheduled:
            raise DontCloseSpider

    # Report pages ------------------------------------------------------------------------
    def _fetched(self, response: Response) -> FetchedPage:
        url = response.meta.get("govarchive_url") or response.url
        request = response.request
        req_headers = {}
        if request is not None:
            req_headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
                           for k, v in request.headers.items()}
        headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        final = canonical_url(response.url)
        return FetchedPage(
            url=url,
            status=response.status,
            headers=headers,
            body=response.body,
            fetched_at=dt.datetime.now(dt.UTC),
            final_url=final if final != url else None,
            request_headers=req_headers,
            method=request.method if request is not None else "GET",
        )

    def parse_report(self, response: Response) -> Iterator[Any]:
        page = self._fetched(response)
        known = bool(response.meta.get("govarchive_known"))
        source = self.source.name
        # a conditional re-check that found a change, for a source read through the browser
        escalate = (200 <= response.status < 300 and self.source.render == "always"
                    and not response.meta.get(RENDERED) and not is_attachment_url(page.url)
                    and response.request is not None)
        if not escalate:
            self._inc("report/fetched")  # a page sent on to the browser is counted when it comes back
        if response.meta.get(BLOCKED):
            yield PageOutcome("blocked", source, page, known)
        elif response.status == 304:
            yield PageOutcome("not_modified", source, page, known)
        elif response.status in (404, 410):  # a 200 saying 该信息不存在 is caught after extraction
            if known:
                yield PageOutcome("missing", source, page, known)
            else:
                self._inc("report/dead_link")
        elif escalate:
            request = response.request
            assert request is not None
            plain = request.replace(headers={k: v for k, v in request.headers.items()
                                             if k.lower() not in (b"if-none-match", b"if-modified-since")})
            yield self._to_browser(plain)
        elif 200 <= response.status < 300:
            yield ReportPage(source, page, response.meta.get("govarchive_title", ""), known)
        else:
            self._inc("errors/report")
            self._inc(f"errors/report/http_{response.status}")
            logger.warning("%s: report page %s answered HTTP %s", source, page.url, response.status)

    def report_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest):
            self._inc("robots/forbidden_report")
            return
        self._inc("errors/report")
        self._inc(f"errors/report/{failure.type.__name__ if failure.type else 'unknown'}")
        logger.warning("%s: report page %s failed: %s", self.source.name, request.url, failure.getErrorMessage())
