"""``govarchive extract FILE|URL``: run the extractor on one page or report file, store nothing.

A page goes through the page extractor; a file (PDF, DOCX, DOC, WPS, OFD, an image …) through its
document reader (OCR for scans, LibreOffice for legacy formats), with the ``documents.*`` limits.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import typer

from archive.records import AttachmentRecord, ExtractedReport
from archive.textnorm import text_hash
from crawler.extraction import NoReportText, extract_attachment, extract_page
from crawler.extraction.combine import is_stub, with_document_text
from crawler.extraction.document import extract_document, is_document
from crawler.extraction.readers import READABLE_TYPES

from .context import get_settings
from .output import JsonOption, emit_json, fail

if TYPE_CHECKING:
    from govarchive.config import Settings

_CHALLENGE_STATUSES = (202, 412)
_CHALLENGE_MARKERS = (b"$_ts", b"r='m'", b'r="m"', b"__jsl_clearance")


class _FetchError(Exception):
    """A download that failed; the message is one line."""


def _download(url: str, user_agent: str, timeout: float, max_bytes: int) -> tuple[int, bytes, dict[str, str], str]:
    """GET ``url``: ``(status, body, headers with lower-case names, final URL)``."""
    import httpx

    try:
        host = urlsplit(url).hostname
    except ValueError as exc:
        raise _FetchError(f"bad URL {url!r}: {exc}") from None
    if not host:
        raise _FetchError(f"bad URL {url!r}: no host")
    try:
        with (
            httpx.Client(headers={"User-Agent": user_agent}, timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise _FetchError(f"{url}: larger than {max_bytes} bytes")
                chunks.append(chunk)
            headers = {name.lower(): value for name, value in response.headers.items()}
            return response.status_code, b"".join(chunks), headers, str(response.url)
    except httpx.InvalidURL as exc:
        raise _FetchError(f"bad URL {url!r}: {exc}") from None
    except httpx.TimeoutException:
        raise _FetchError(f"{url}: no answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise _FetchError(f"cannot fetch {url}: {exc or type(exc).__name__}") from None


def _fetch(url: str, user_agent: str, timeout: float, max_bytes: int) -> tuple[bytes, dict[str, str], str]:
    """GET ``url``: ``(body, headers with lower-case names, final URL)``; one-line failures."""
    try:
        status, body, headers, final_url = _download(url, user_agent, timeout, max_bytes)
    except _FetchError as exc:
        fail(str(exc))
    if status in _CHALLENGE_STATUSES and any(marker in body[:20_000] for marker in _CHALLENGE_MARKERS):
        fail(f"{url}: answered HTTP {status} with an anti-bot JavaScript challenge (needs a browser)")
    if status >= 400:
        fail(f"{url}: HTTP {status}")
    return body, headers, final_url


def _with_files(report: ExtractedReport, settings: Settings) -> ExtractedReport:
    """A fetched page that only points at its files (or page scans) takes their text, as a crawl does."""
    if not report.attachments or not is_stub(report.text):
        return report
    crawl, limits = settings.crawl, settings.documents.limits()
    records: list[AttachmentRecord] = []
    for attachment in report.attachments:
        if attachment.type not in READABLE_TYPES or not attachment.url.startswith(("http://", "https://")):
            records.append(attachment)
            continue
        try:
            status, body, headers, _ = _download(attachment.url, crawl.resolved_user_agent(), crawl.timeout,
                                                 crawl.max_attachment_bytes)
        except _FetchError as exc:
            records.append(dataclasses.replace(attachment, text_status=f"not fetched: {exc}"))
            continue
        if status >= 400:
            records.append(dataclasses.replace(attachment, text_status=f"not fetched: HTTP {status}"))
            continue
        records.append(extract_attachment(body, attachment.name, headers.get("content-type"), attachment.url, limits))
    return with_document_text(report, tuple(records))


def _read(path: Path) -> bytes:
    if not path.exists():
        fail(f"no such file: {path}")
    if not path.is_file():
        fail(f"not a file: {path}")
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")


def _url_file_name(headers: dict[str, str], url: str) -> str:
    from crawler.pipelines.extraction import file_name

    return file_name(headers, url)


def report_document(report: ExtractedReport) -> dict[str, Any]:
    """The documented ``extract --json`` shape (docs/cli.md)."""
    doc = report.metadata()
    doc["text"] = report.text
    doc["attachments"] = [{"url": a.url, "name": a.name, "type": a.type} for a in report.attachments]
    doc["text_source"] = report.text_source
    doc["ocr_confidence"] = report.ocr_confidence
    doc["text_hash"] = text_hash(report.text)  # the catalog's rule (archive.textnorm), so the values compare
    order = ("title", "text", "publisher", "pub_date", "written_date", "index_no", "doc_no", "validity",
             "report_year", "site_name", "column", "attachments", "text_source", "ocr_confidence", "text_hash")
    return {key: doc[key] for key in order}


def _print_plain(doc: dict[str, Any]) -> None:
    lines = [f"{key}: {doc[key]}" for key in doc if key not in ("text", "attachments") and doc[key] is not None]
    lines += [f"attachment: {a['name']} ({a['type']}) {a['url']}" for a in doc["attachments"]]
    typer.echo("\n".join(lines) + "\n\n" + doc["text"])


def extract(
    ctx: typer.Context,
    source: str = typer.Argument(
        ..., metavar="FILE|URL",
        help="A saved page or report file (HTML, PDF, DOCX, DOC, WPS, OFD, image) or an http(s) URL to fetch."),
    url: str | None = typer.Option(
        None, "--url", metavar="BASE_URL", help="The page's own address (resolves attachment links)."
    ),
    json_: bool = JsonOption,
) -> None:
    """Extract report text and metadata from one page or report file; nothing is stored."""
    settings = get_settings(ctx)
    if source.startswith(("http://", "https://")):
        crawl = settings.crawl
        body, headers, final_url = _fetch(source, crawl.resolved_user_agent(), crawl.timeout,
                                          max(crawl.max_page_bytes, crawl.max_attachment_bytes))
        base = url or final_url
        name = _url_file_name(headers, final_url)
    else:
        path = Path(source)
        body, headers = _read(path), {}
        base = url or path.resolve().as_uri()
        name = path.name
    try:
        if is_document(body, name, headers.get("content-type")):
            report = extract_document(body, name, headers.get("content-type"), base, settings.documents.limits())
        else:
            report = extract_page(body, base, headers)
            if source.startswith(("http://", "https://")):
                report = _with_files(report, settings)
    except NoReportText as exc:
        fail(f"no report text in {source}: {exc.reason}")
    doc = report_document(report)
    if json_:
        emit_json(doc)
    else:
        _print_plain(doc)
