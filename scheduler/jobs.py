"""The scheduler's jobs: plain functions, referenced by name from the job store.

Jobs find the catalog engine and the crawl command in the :class:`JobContext` the application
installed (:func:`install_context`); their stored arguments are plain values (a source name).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts import AlertOptions, DispatchStats, HealthChange, dispatch, raise_overdue_events
from alerts import check_source_health as assess_health
from archive.outcomes import is_ok
from archive.runs import running_run, settle_child_run
from archive.runsummary import SourceSummary
from archive.timeutil import utcnow

from .children import ChildRegistry, terminate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What jobs need, as plain values: built once from the settings by the application."""

    engine: Engine
    crawl_command: tuple[str, ...]  # the govarchive command; "crawl NAME --json" is appended
    env: Mapping[str, str]
    run_timeout: float
    stop_grace: float
    log_dir: Path
    alerts: AlertOptions
    children: ChildRegistry = field(default_factory=ChildRegistry)
    text_loader: Callable[[str], str] | None = None


_context: JobContext | None = None


def install_context(context: JobContext) -> None:
    """Make ``context`` the one the jobs of this process use."""
    global _context
    _context = context


def current_context() -> JobContext:
    if _context is None:
        raise RuntimeError("no scheduler job context installed (build the scheduler first)")
    return _context


@dataclass(frozen=True, slots=True)
class CrawlOutcome:
    """How one scheduled crawl ended."""

    source: str
    status: str  # ok / failed / timeout / interrupted / skipped (whatever the run recorded, else ours)
    run_id: int | None = None
    exit_code: int | None = None
    error: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)


# Crawls -----------------------------------------------------------------------------------


def crawl_source(name: str) -> CrawlOutcome:
    """Crawl one source in a child process, at most one run per source, within the time limit.

    The child (``govarchive crawl NAME --json``) records its own crawl run; this records what the
    child could not: a crash, a kill at the time limit (``timeout``), a stop at shutdown
    (``interrupted``). The source's health is re-assessed afterwards.
    """
    context = current_context()
    if context.children.closing:
        return CrawlOutcome(name, "skipped", error="the scheduler is stopping")
    busy = running_run(context.engine, name, context.run_timeout)
    if busy is not None:
        logger.warning("not crawling %s: run %s is still running", name, busy)
        return CrawlOutcome(name, "skipped", run_id=busy, error=f"run {busy} is still running")
    context.log_dir.mkdir(parents=True, exist_ok=True)
    log_path = context.log_dir / f"{name}.log"
    started = utcnow()
    with log_path.open("wb") as log:
        child = context.children.spawn(context.crawl_command, [name], env=context.env, stdout=subprocess.PIPE,
                                       stderr=log, extra=["--no-alerts"])  # dispatch_alerts sends them
        if child is None:
            return CrawlOutcome(name, "skipped", error="the scheduler is stopping")
        logger.info("crawl %s started (pid %s)", name, child.pid)
        status = None
        try:
            out, _ = child.communicate(timeout=context.run_timeout)
        except subprocess.TimeoutExpired:
            logger.error("crawl %s exceeded %ss; stopping it", name, context.run_timeout)
            terminate(child, context.stop_grace)
            out, _ = child.communicate()
            status = "timeout"
        finally:
            context.children.release(child)
    if status is None and child.returncode != 0:
        status = "interrupted" if context.children.closing else "failed"
    report = _parse_report(out)
    error = None
    if status == "timeout":
        error = f"killed after exceeding the time limit of {context.run_timeout:g}s"
    elif status is not None:
        error = f"crawl exited with {child.returncode}: {_tail(log_path)}"
    outcome = _record(context.engine, name, child.pid, started, status, child.returncode, report, error)
    try:
        with Session(context.engine) as db:
            assess_health(db, context.alerts, name)
    except Exception:
        logger.exception("health check of %s after its crawl failed", name)
    return outcome


def _parse_report(out: bytes | None) -> dict[str, Any]:
    try:
        value = json.loads((out or b"").decode("utf-8", "replace") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(kept)[-500:] or "(no output)"


def _record(engine: Engine, name: str, pid: int, started: dt.datetime, status: str | None, exit_code: int | None,
            report: dict[str, Any], error: str | None) -> CrawlOutcome:
    """Mark the child's crawl run as scheduled, close it if the child could not, or record one."""
    reported = report.get("run_id") if isinstance(report.get("run_id"), int) else None
    run_id, final, run_error = settle_child_run(engine, name, run_id=reported, pid=pid, started=started,
                                                trigger="schedule", status=status, error=error, exit_code=exit_code)
    sources = report.get("sources")
    entry = next((s for s in sources if isinstance(s, dict) and s.get("name") == name), None) if isinstance(sources, list) else None
    stats = SourceSummary.from_dict(entry).as_dict() if entry is not None else {}
    if not is_ok(final):
        logger.warning("crawl %s ended %s (run %s): %s", name, final, run_id, run_error)
    return CrawlOutcome(name, final, run_id, exit_code, run_error, stats)


# Alerts, health, overdue --------------------------------------------------------------------


def dispatch_alerts() -> DispatchStats:
    """Fan new events out and send what is due (the scheduler runs this every minute)."""
    context = current_context()
    stats = dispatch(context.engine, context.alerts, text_loader=context.text_loader,
                     should_stop=lambda: context.children.closing)
    if stats.sent or stats.failed_attempts or stats.deliveries_created:
        logger.info("alerts: %s", stats.as_dict())
    return stats


def check_source_health(name: str | None = None) -> list[HealthChange]:
    """Re-assess the health of one source or all (crawls run outside the scheduler too)."""
    context = current_context()
    with Session(context.engine) as db:
        return assess_health(db, context.alerts, name)


def check_overdue(today: dt.date | None = None) -> list[int]:
    """Raise one ``overdue`` event per source whose report for last year is late."""
    context = current_context()
    today = today or utcnow().astimezone(context.alerts.zone).date()
    with Session(context.engine) as db:
        return raise_overdue_events(db, today, month_day=context.alerts.overdue_month_day)
