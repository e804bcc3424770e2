"""A source's status and error text at the end of its crawl, from the crawler's stats.

The vocabulary is ``archive.outcomes.Outcome``; this reads Scrapy's stats into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archive.outcomes import ERROR_STAT, STATUS_STAT, Outcome, is_ok
from archive.runsummary import RunCounts, SourceSummary
from crawler.extensions import source_counts

# Exceptions (by class name, as counted in ``archive/error/<Name>``) that mean the archive itself
# could not take what was fetched: the object store down or full, the catalog unreachable.
UNAVAILABLE_ERRORS = frozenset({"StoreUnavailableError", "CatalogUnavailableError", "OperationalError",
                                "InterfaceError"})
# Scrapy finish reasons, and ours, that say why a crawl stopped early.
FINISH_REASONS = {
    "closespider_timeout": Outcome.TIMEOUT,
    "shutdown": Outcome.INTERRUPTED,
    "store_unavailable": Outcome.STORE_UNAVAILABLE,
}


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the object store or catalog could not be reached."""
    return type(exc).__name__ in UNAVAILABLE_ERRORS


def describe_unavailable(exc: BaseException) -> str:
    """One line for an unavailable store or catalog: SQLAlchemy's database errors read as the catalog's."""
    original = getattr(exc, "orig", None)  # sqlalchemy.exc.DBAPIError wraps the driver's error
    if original is not None:
        lines = str(original).strip().splitlines()
        return f"catalog unavailable: {lines[0] if lines else type(original).__name__}"
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def store_unavailable(stats: Mapping[str, Any]) -> bool:
    """Whether an archive write failed because the store or catalog was unavailable."""
    return any(key.startswith("archive/error/") and key.rsplit("/", 1)[-1] in UNAVAILABLE_ERRORS
               for key in stats)


def source_status(counts: Mapping[str, Any], stats: Mapping[str, Any]) -> str:
    """One of ``archive.outcomes.Outcome`` (or a spider's own status) for a source's finished crawl."""
    custom = stats.get(STATUS_STAT)
    if custom:
        return str(custom)
    if store_unavailable(stats):
        return Outcome.STORE_UNAVAILABLE.value
    reason = stats.get("finish_reason")
    if reason in FINISH_REASONS:
        return FINISH_REASONS[reason].value
    if reason not in (None, "finished"):
        return Outcome.FAILED.value
    if counts["blocked"]:
        return Outcome.BLOCKED.value
    if counts["errors"]:
        return Outcome.FAILED.value
    if not counts["discovered"] and not stats.get("fetch/sitemap") and not counts.get("resumed"):
        return Outcome.NO_REPORTS.value
    return Outcome.OK.value


def first_error(stats: Mapping[str, Any], status: str | None = None) -> str | None:
    """A one-line description of what went wrong, from the error counters."""
    if stats.get(ERROR_STAT):
        return str(stats[ERROR_STAT]).splitlines()[0]
    parts = []
    if stats.get("errors/first_archive"):
        parts.append(str(stats["errors/first_archive"]).splitlines()[0])
    for key in sorted(stats):
        if key.startswith(("errors/report/", "archive/error/", "extraction/error/")):
            parts.append(f"{key.split('/', 2)[-1]} ×{stats[key]}")
    if stats.get("errors/listing"):
        first = stats.get("errors/first_listing")
        parts.insert(0, f"{stats['errors/listing']} list page(s) failed" + (f" (first: {first})" if first else ""))
    if stats.get("discovery/blocked") or stats.get("archive/blocked"):
        parts.append("blocked by an anti-bot challenge")
    if not parts and status == Outcome.NO_REPORTS:
        pages = int(stats.get("discovery/list_pages") or 0)
        parts.append(f"no report link found on {pages} list page(s)")
    reason = stats.get("finish_reason")
    if reason not in (None, "finished"):
        parts.append(f"crawl ended: {reason}")
    return "; ".join(parts) or None


def source_summary(name: str, stats: Mapping[str, Any]) -> SourceSummary:
    """Source ``name``'s counts, status and error from its crawler's (or its workers' summed) stats."""
    counts = source_counts(stats)
    status = source_status(counts, stats)
    return SourceSummary(name, status, RunCounts.from_mapping(counts), None if is_ok(status) else first_error(stats, status),
                         requests=counts["requests"])
