"""Extraction of report pages and their attachments, then the title gate (precision)."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import unquote, urlsplit

from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from archive.records import AttachmentRecord, ExtractedReport
from crawler.config import crawl_config
from crawler.discovery import extension, is_attachment_url, is_soft_404
from crawler.extraction import (
    ExtractionError,
    NoReportText,
    decode_html,
    extract_attachment,
    text_hash,
)
from crawler.extraction.combine import with_document_text
from crawler.extraction.readers import IMAGE_TYPES, READABLE_TYPES, ReadLimits
from crawler.items import ExtractedPage, PageOutcome, ReportPage
from crawler.session import spider_source
from crawler.workers.pagework import PageJob
from crawler.workers.pool import PagePool, default_workers, page_pool

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

class ExtractionPipeline:
    """ReportPage → ExtractedPage (clean text, metadata, attachment texts), or a soft-404 outcome.

    Pages are extracted in the page-work process pool (``crawler.workers.pool``), off the
    reactor's interpreter. Documents (PDF, DOC, scans …) are read in a thread pool of their own,
    one thread per core, never on the reactor thread: OCR and LibreOffice take seconds (in
    child processes of their own), and must not hold up page extraction.
    """

    def __init__(self, crawler: Crawler, max_attachment_bytes: int, limits: ReadLimits | None = None,
                 ocr_images: bool = True, workers: int | None = None) -> None:
        self.crawler = crawler
        self.workers = default_workers() if workers is None else workers
        self.max_attachment_bytes = max_attachment_bytes
        self.limits = limits or ReadLimits()
        self.fetched_types = READABLE_TYPES if ocr_images else READABLE_TYPES - IMAGE_TYPES
        self.documents = ThreadPool(minthreads=0, maxthreads=os.cpu_count() or 1, name="govarchive-documents")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = crawl_config(crawler)
        limits = config.document_limits
        return cls(crawler, config.max_attachment_bytes, ReadLimits(**limits) if limits else None,
                   config.ocr_images, config.page_workers)

    @property
    def pool(self) -> PagePool:
        return page_pool(self.workers)

    def open_spider(self) -> None:
        self.documents.start()

    def close_spider(self) -> None:
        self.documents.stop()

    def _read(self, body: bytes, name: str, content_type: str | None, url: str) -> Any:
        from twisted.internet import reactor
        from twisted.internet.interfaces import IReactorFromThreads

        return deferToThreadPool(IReactorFromThreads(reactor), self.documents, extract_attachment, body, name, content_type, url,
                                 self.limits)

    def _inc(self, key: str) -> None:
        if self.crawler.stats:
            self.crawler.stats.inc_value(key)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ReportPage):
            return item
        page = item.page
        if _is_file(page.headers, page.final_url or page.url):
            return await self._file_report(item)
        try:
            report: ExtractedReport = await self.pool.run(
                PageJob("page", page.body, page.final_url or page.url, dict(page.headers)))
        except NoReportText as exc:
            text, _ = decode_html(page.body, dict(page.headers))
            if is_soft_404(text, body_chars=4000):
                if item.known:
                    return PageOutcome("missing", item.source, page, known=True)
                raise DropItem(f"soft 404 at {page.url}") from None
            self._inc("extraction/no_text")
            raise DropItem(f"no report text at {page.url}: {exc.reason}") from None
        except ExtractionError as exc:
            self._inc(f"extraction/error/{type(exc).__name__}")
            self._inc("errors/extraction")
            raise DropItem(f"extraction failed at {page.url}: {exc}") from None
        self._inc("extraction/ok")
        if report.attachments:
            attachments = tuple([await self._fetch_attachment(a) for a in report.attachments])
            report = with_document_text(report, attachments)
            if report.text_source != "html":
                self._inc(f"extraction/text_from/{report.text_source}")
        return ExtractedPage(item.source, page, report, item.known)

    async def _file_report(self, item: ReportPage) -> ExtractedPage:
        """A list links the report as a file (PDF, DOCX …): its text is the report's."""
        page = item.page
        name = file_name(page.headers, page.final_url or page.url)
        content_type = page.headers.get("content-type")
        record: AttachmentRecord = await maybe_deferred_to_future(
            self._read(page.body, name, content_type, page.url)
        )
        if record.text:
            self._inc("extraction/file_report")
        else:  # kept all the same: the file is archived, its text status says why there is no text
            self._inc("extraction/file_without_text")
            logger.info("no text in the file at %s: %s", page.url, record.text_status)
        text = record.text or ""
        report = ExtractedReport(title=item.listed_title or name, text=text, attachments=(record,),
                                 text_hash=text_hash(text), text_source=record.text_source,
                                 ocr_confidence=record.ocr_confidence)
        return ExtractedPage(item.source, page, report, item.known)

    async def _fetch_attachment(self, attachment: AttachmentRecord) -> AttachmentRecord:
        if attachment.body is not None or attachment.type not in self.fetched_types:
            return attachment
        engine = self.crawler.engine
        assert engine is not None
        request = Request(
            attachment.url,
            meta={"govarchive_kind": "attachment", "download_maxsize": self.max_attachment_bytes,
                  "download_warnsize": self.max_attachment_bytes},
            dont_filter=True,
            priority=5,
        )
        try:
            response = await engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 — any download failure only costs the attachment
            self._inc("attachments/failed")
            reason = "larger than the attachment limit" if "maxsize" in str(exc).lower() else type(exc).__name__
            return dataclasses.replace(attachment, text_status=f"not fetched: {reason}")
        if response.status != 200:
            self._inc("attachments/failed")
            return dataclasses.replace(attachment, text_status=f"not fetched: HTTP {response.status}")
        self._inc("attachments/fetched")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1") or None
        record: AttachmentRecord = await maybe_deferred_to_future(
            self._read(response.body, attachment.name, content_type, attachment.url)
        )
        if record.type == "unknown" and attachment.type:
            record = dataclasses.replace(record, type=attachment.type)
        return record


class ReportFilterPipeline:
    """The second gate: an unknown page is archived only if its own title names a report."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ExtractedPage) or item.known:
            return item
        source = spider_source(self.crawler)
        title = item.report.title
        if not source.title_matches(title):
            if self.crawler.stats:
                self.crawler.stats.inc_value("filter/rejected")
            raise DropItem(f"not a report by its title: {title!r} at {item.page.url}")
        return item


def _is_file(headers: Mapping[str, str], url: str) -> bool:
    """A downloaded file rather than a page: by its Content-Type, else by its URL."""
    kind = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if kind:
        return not (kind.startswith("text/") or "html" in kind or "xml" in kind)
    return is_attachment_url(url)


def file_name(headers: Mapping[str, str], url: str) -> str:
    """The file's name: its Content-Disposition, else the URL's last segment (with an extension)."""
    disposition = headers.get("content-disposition") or ""
    if m := re.search(r"filename\*=UTF-8''([^;]+)", disposition, re.IGNORECASE):
        return unquote(m.group(1))
    if m := re.search(r'filename="?([^";]+)', disposition, re.IGNORECASE):
        return m.group(1)
    tail = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return tail if "." in tail else f"{tail or 'report'}.{extension(url) or 'bin'}"
