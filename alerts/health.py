"""Source health, kept apart from "no change": failing runs in a row, or a listing that shrank.

After each crawl run the source's recent runs decide its health. The change ok → failing/blocked
raises one ``source_failing`` event, the way back one ``source_recovered``; the state flip and its
event are written in one transaction, and only by the checker that flipped the state.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from archive.catalog.models import Event, Source, SourceRun
from archive.outcomes import is_ok
from archive.timeutil import utcnow

from .options import AlertOptions

logger = logging.getLogger(__name__)

# Every finished status but ok is a failure (archive.outcomes: store_unavailable, no_reports, died …).
UNFINISHED_RUN_STATUSES = ("running", "queued", "skipped")
_HISTORY = 50


@dataclass(frozen=True, slots=True)
class HealthChange:
    """A source whose health changed, and the event that says so."""

    source: str
    before: str
    after: str
    reason: str
    event_id: int | None


@dataclass(frozen=True, slots=True)
class _Verdict:
    health: str | None  # ok / failing / blocked; None: not enough evidence to change anything
    reason: str
    consecutive_failures: int
    usual_link_count: int | None
    run_id: int | None


def assess(runs: list[SourceRun], usual: int | None, options: AlertOptions) -> _Verdict:
    """Health from a source's finished runs, newest first, and its usual number of report links."""
    if not runs:
        return _Verdict(None, "", 0, usual, None)
    latest = runs[0]
    failures = 0
    for run in runs:
        if is_ok(run.status):
            break
        failures += 1
    if failures >= options.failing_after_runs:
        recent = runs[:failures]
        health = "blocked" if all(r.status == "blocked" for r in recent) else "failing"
        detail = f": {latest.error}" if latest.error else f" ({latest.status})"
        return _Verdict(health, f"{failures} runs in a row failed{detail}", failures, usual, latest.run_id)
    if failures:
        return _Verdict(None, "", failures, usual, latest.run_id)
    links = latest.report_links
    if usual and links < options.drop_ratio * usual:
        reason = f"the listing yielded {links} report links, usually {usual} (page template changed?)"
        return _Verdict("failing", reason, 0, usual, latest.run_id)
    # Healthy: the usual count follows the listing slowly, and never from a shrunken one.
    new_usual = links if not usual else round((usual * 3 + links) / 4)
    return _Verdict("ok", "", 0, new_usual or None, latest.run_id)


def check_source_health(session: Session, options: AlertOptions, source: str | None = None) -> list[HealthChange]:
    """Re-assess one source (by name) or all; record health, raise events on changes; commit."""
    query = select(Source).order_by(col(Source.id))
    if source is not None:
        query = query.where(col(Source.name) == source)
    changes = []
    for row in list(session.exec(query)):
        change = _check_one(session, row, options)
        if change is not None:
            changes.append(change)
    return changes


def _check_one(session: Session, source: Source, options: AlertOptions) -> HealthChange | None:
    runs = list(
        session.exec(
            select(SourceRun)
            .where(col(SourceRun.source_id) == source.id)
            .where(col(SourceRun.status).not_in(UNFINISHED_RUN_STATUSES))
            .order_by(col(SourceRun.run_id).desc())
            .limit(_HISTORY)
        )
    )
    verdict = assess(runs, source.usual_link_count, options)
    before = source.health or "ok"
    values: dict[str, object] = {"consecutive_failures": verdict.consecutive_failures}
    if verdict.usual_link_count != source.usual_link_count:
        values["usual_link_count"] = verdict.usual_link_count
    after = verdict.health or before
    kind = None
    if after != before:
        values["health"] = after
        if before == "ok":
            kind = "source_failing"
        elif after == "ok":
            kind = "source_recovered"
    # Conditional on the health we read: a concurrent checker that got there first wins.
    result = session.exec(
        update(Source).where(col(Source.id) == source.id).where(col(Source.health) == source.health).values(**values)
    )
    if result.rowcount != 1:
        session.rollback()
        return None
    event_id = None
    if kind is not None:
        detail = {
            "reason": verdict.reason or "the latest run succeeded",
            "health": after,
            "previous_health": before,
            "consecutive_failures": verdict.consecutive_failures,
            "run_id": verdict.run_id,
            "report_links": runs[0].report_links if runs else None,
            "usual_link_count": source.usual_link_count,
        }
        event = Event(
            kind=kind,
            source_id=source.id,
            created_at=utcnow(),
            title=source.title or source.name,
            detail_json=json.dumps(detail, ensure_ascii=False),
        )
        session.add(event)
        session.flush()
        event_id = event.id
    session.commit()
    if after == before:
        return None
    logger.info("source %s health %s → %s %s", source.name, before, after, verdict.reason)
    return HealthChange(source.name, before, after, verdict.reason, event_id)
