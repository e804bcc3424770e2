"""Report pages: which to fetch (new ones plainly, known ones conditionally and on their own
cadence), and what their answers are — a ReportPage to extract, or an outcome (304, gone, blocked)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from archive.records import FetchedPage
from archive.textnorm import sha256_hex
from crawler.discovery import canonical_url, is_attachment_url
from crawler.items import DiscoveredReport, PageOutcome, ReportPage
from crawler.middlewares.render import BLOCKED, RENDERED
from crawler.session import CrawlSession, recheck_due
from spiders.listing import REPORT_STATUSES

if TYPE_CHECKING:
    from twisted.python.failure import Failure

    from archive.recorder import KnownReport

logger = logging.getLogger(__name__)


class ReportFetching:
    """Mixin of the portal spider: report requests, their answers and the re-checks of known reports."""

    source: Any
    recheck_hours: float
    max_attachment_bytes: int
    listed: dict[str, str]

    if TYPE_CHECKING:  # provided by the spider
        @property
        def session(self) -> CrawlSession: ...
        @property
        def check_only(self) -> bool: ...

        def inc(self, key: str, count: int = 1) -> None: ...
        def render_meta(self) -> dict[str, Any]: ...
        def to_browser(self, request: Request) -> Request: ...

    def reset_reports(self) -> None:
        self.requested: set[str] = set()
        self.known: dict[str, KnownReport] = {}

    def load_known(self) -> None:
        """The source's known reports, read before the listing starts (none in a check)."""
        if not self.check_only:
            self.known = {k.url: k for k in self.session.known_reports()}

    def report_request(self, url: str, title: str, *, reason: str) -> Request | DiscoveredReport | None:
        """The request for a report page (``reason``: listed, sitemap, recheck, absent), once per URL."""
        if url in self.requested:
            return None
        self.requested.add(url)
        known = self.known.get(url)
        if self.check_only:
            return DiscoveredReport(self.source.name, url, title, known=known is not None)
        if url in self.session.done:
            self.inc("resume/skipped")
            return None
        headers: dict[str, str] = {}
        if known is not None and known.status == "active":
            if reason == "listed" and not recheck_due(known, self.recheck_hours):
                self.inc("discovery/known_skipped")
                return None
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            self.inc("fetch/conditional" if headers else "fetch/unconditional_recheck")
        self.inc(f"fetch/{reason}")
        meta = {"govarchive_kind": "report", "govarchive_url": url, "govarchive_title": title,
                "govarchive_known": known is not None, "handle_httpstatus_list": REPORT_STATUSES}
        if is_attachment_url(url):  # the report is a file: its own size limit, never the browser
            meta["download_maxsize"] = self.max_attachment_bytes
        elif not headers:  # a conditional re-check goes plainly; only a changed page needs the browser
            meta.update(self.render_meta())
        return Request(url, headers=headers, callback=self.parse_report, errback=self.report_failed, meta=meta,
                       dont_filter=True, priority=0 if reason == "listed" else -5)

    def rechecks(self, complete: bool) -> Iterator[Any]:
        """Known reports due by their own cadence, and those a complete listing no longer shows."""
        for url, known in sorted(self.known.items()):
            if known.status != "active" or url in self.requested:
                continue
            absent = complete and url not in self.listed
            if not absent and not recheck_due(known, self.recheck_hours):
                continue
            if request := self.report_request(url, self.listed.get(url, ""), reason="absent" if absent else "recheck"):
                yield request

    def fetched(self, response: Response) -> FetchedPage:
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
        page = self.fetched(response)
        known = bool(response.meta.get("govarchive_known"))
        source = self.source.name
        # a conditional re-check that found a change, for a source read through the browser
        escalate = (200 <= response.status < 300 and self.source.render == "always"
                    and not response.meta.get(RENDERED) and not is_attachment_url(page.url)
                    and response.request is not None)
        if not escalate:
            self.inc("report/fetched")  # a page sent on to the browser is counted when it comes back
        if response.meta.get(BLOCKED):
            yield PageOutcome("blocked", source, page, known)
        elif response.status == 304:
            yield PageOutcome("not_modified", source, page, known)
        elif response.status in (404, 410):  # a 200 saying 该信息不存在 is caught after extraction
            if known:
                yield PageOutcome("missing", source, page, known)
            else:
                self.inc("report/dead_link")
        elif escalate:
            request = response.request
            assert request is not None
            plain = request.replace(headers={k: v for k, v in request.headers.items()
                                             if k.lower() not in (b"if-none-match", b"if-modified-since")})
            yield self.to_browser(plain)
        elif 200 <= response.status < 300 and self.same_payload(page):
            self.inc("report/same_payload")  # the bytes of its current version: nothing to extract
            yield PageOutcome("same_payload", source, page, known)
        elif 200 <= response.status < 300:
            yield ReportPage(source, page, response.meta.get("govarchive_title", ""), known)
        else:
            self.inc("errors/report")
            self.inc(f"errors/report/http_{response.status}")
            logger.warning("%s: report page %s answered HTTP %s", source, page.url, response.status)

    def same_payload(self, page: FetchedPage) -> bool:
        """Whether ``page`` (a 200) is byte for byte its known report's current version — what a
        portal that ignores conditional requests answers for an unchanged report."""
        known = self.known.get(page.url)
        return (known is not None and known.status == "active" and known.payload_digest is not None
                and sha256_hex(page.body) == known.payload_digest)

    def report_failed(self, failure: Failure) -> None:
        # Scrapy hangs the request on the Failure it hands an errback; Twisted's type has no such field
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest):
            self.inc("robots/forbidden_report")
            return
        self.inc("errors/report")
        self.inc(f"errors/report/{failure.type.__name__ if failure.type else 'unknown'}")
        logger.warning("%s: report page %s failed: %s", self.source.name, request.url, failure.getErrorMessage())
