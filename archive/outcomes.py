"""How a crawl run, and each source in it, ended: the one vocabulary of run and source statuses.

Every place that shows or acts on an outcome (``crawl``'s JSON and exit code, ``sources
list/show``, the web pages' badges, the source-failing alerts, the scheduler) uses these strings.
Only ``ok`` is good: any other status is a failure there. A spider may end its source with a status
of its own (e.g. ``no_report_column`` from home-page discovery) through the Scrapy stats
``govarchive/source_status`` and ``govarchive/source_error``; it counts as not ok everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Outcome(StrEnum):
    """A run's or a source's status."""

    RUNNING = "running"  # still crawling (a run whose process is gone becomes DIED)
    OK = "ok"  # the source's pages were listed and every page due was fetched and recorded
    FAILED = "failed"  # errors stopped some or all of the work (HTTP errors, refused, bad answers)
    STORE_UNAVAILABLE = "store_unavailable"  # the object store or catalog could not take what was fetched
    BLOCKED = "blocked"  # an anti-bot challenge (HTTP 412 …) was not passed
    NO_REPORTS = "no_reports"  # the listing answered but named no report at all
    NO_REPORT_COLUMN = "no_report_column"  # home-page discovery found no report column
    TIMEOUT = "timeout"  # stopped at the run's time limit
    INTERRUPTED = "interrupted"  # stopped on purpose (Ctrl-C, scheduler shutdown)
    DIED = "died"  # the crawl process ended without recording its end (killed, crashed machine)


MEANINGS: dict[str, str] = {
    Outcome.RUNNING: "still crawling",
    Outcome.OK: "listed, and every page due was fetched and recorded",
    Outcome.FAILED: "errors stopped some or all of the work; see the error text",
    Outcome.STORE_UNAVAILABLE: "the object store or catalog could not take what was fetched",
    Outcome.BLOCKED: "an anti-bot challenge (HTTP 412 …) was not passed",
    Outcome.NO_REPORTS: "the listing answered but named no report",
    Outcome.NO_REPORT_COLUMN: "home-page discovery found no report column",
    Outcome.TIMEOUT: "stopped at the run's time limit",
    Outcome.INTERRUPTED: "stopped on purpose (Ctrl-C, scheduler shutdown)",
    Outcome.DIED: "the crawl process ended without recording its end (killed)",
}

# Scrapy stats a spider sets to end its source with a status (and error text) of its own.
STATUS_STAT = "govarchive/source_status"
ERROR_STAT = "govarchive/source_error"

# Exit codes of `govarchive crawl` (docs/cli.md): 0 only when every source is ok.
EXIT_OK = 0
EXIT_NOT_OK = 1  # the run finished, at least one source is not ok (or the run could not start)
EXIT_USAGE = 2

# When sources differ, the run takes the first of these that any source has.
_RUN_PRECEDENCE = (Outcome.STORE_UNAVAILABLE, Outcome.DIED, Outcome.INTERRUPTED, Outcome.TIMEOUT)


def is_ok(status: str | None) -> bool:
    """Whether ``status`` is a good outcome (only ``ok`` is)."""
    return status == Outcome.OK


def is_finished(status: str | None) -> bool:
    """Whether ``status`` closes a run or source run (anything but running, queued, skipped)."""
    return bool(status) and status not in (Outcome.RUNNING, "queued", "skipped")


def run_status(source_statuses: Iterable[str]) -> str:
    """A run's status from its sources': ok when all are; their common status when they agree;
    else the gravest of store_unavailable / died / interrupted / timeout present; else failed."""
    bad = [s for s in source_statuses if not is_ok(s)]
    if not bad:
        return Outcome.OK.value
    if len(set(bad)) == 1:
        return bad[0]
    for status in _RUN_PRECEDENCE:
        if status in bad:
            return status.value
    return Outcome.FAILED.value


def source_verdict(health: str | None, last_run_status: str | None, never_run: bool = False) -> str:
    """What a source's badge says: its health when failing/blocked, else its last run's status when
    that was not ok (a source is never shown ok while its last run failed), else ok (or never run)."""
    if health in ("failing", "blocked"):
        return health
    if never_run and last_run_status is None:
        return "never run"
    if last_run_status and is_finished(last_run_status) and not is_ok(last_run_status):
        return last_run_status
    return health or Outcome.OK.value
