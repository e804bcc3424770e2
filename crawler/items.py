"""What spiders hand to the pipelines: one small record per kind of finding."""

from __future__ import annotations

from dataclasses import dataclass

from archive.records import ExtractedReport, FetchedPage


@dataclass(frozen=True, slots=True)
class ReportPage:
    """A fetched candidate report page, not yet extracted."""

    source: str
    page: FetchedPage
    listed_title: str = ""
    known: bool = False  # the archive already holds this URL


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """A report page after extraction (and attachment fetching), ready to archive."""

    source: str
    page: FetchedPage
    report: ExtractedReport
    known: bool = False


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """A report URL whose answer needs no extraction: ``not_modified``, ``same_payload`` (a 200 with
    its current version's bytes), ``missing`` or ``blocked``."""

    kind: str
    source: str
    page: FetchedPage
    known: bool = False


@dataclass(frozen=True, slots=True)
class Listing:
    """The report URLs a source's listing links to; ``complete`` when every list page was read."""

    source: str
    urls: tuple[str, ...]
    complete: bool


@dataclass(frozen=True, slots=True)
class DiscoveredReport:
    """A report link found by discovery (``sources check``: nothing is fetched or stored)."""

    source: str
    url: str
    title: str
    known: bool = False


@dataclass(frozen=True, slots=True)
class ReportColumns:
    """The report columns a home-page source was found to have (remembered for the next run)."""

    source: str
    columns: tuple[str, ...]
    sitemap: bool = True
