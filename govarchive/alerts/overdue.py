"""Overdue annual reports: last year's report not archived by the due date (1 April by default)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from archive.catalog.models import Event, Report, Source, SourceRun

from .timeutil import utcnow


@dataclass(frozen=True, slots=True)
class OverdueSource:
    """A source whose report for ``year`` was due by ``due`` and is not in the archive."""

    source_id: int
    name: str
    title: str
    region: str
    level: str
    year: int
    due: dt.date
    latest_report_year: int | None


def due_date(today: dt.date, month_day: str) -> dt.date:
    """This year's due date for last year's report (``MM-DD``)."""
    month, day = (int(part) for part in month_day.split("-"))
    return dt.date(today.year, month, day)


def overdue_sources(session: Session, today: dt.date, *, month_day: str = "04-01") -> list[OverdueSource]:
    """Sources crawled at least once whose report for last year is missing on or after its due date.

    Before the due date nothing is overdue. A source never crawled is unknown, not overdue.
    """
    due = due_date(today, month_day)
    if today < due:
        return []
    year = today.year - 1
    have = select(Report.source_id).where(col(Report.report_year) == year)
    crawled = select(SourceRun.source_id).where(col(SourceRun.status) != "running")
    sources = session.exec(
        select(Source)
        .where(col(Source.id).not_in(have))
        .where(col(Source.id).in_(crawled))
        .order_by(col(Source.name))
    ).all()
    latest = dict(
        session.exec(
            select(Report.source_id, func.max(Report.report_year)).group_by(col(Report.source_id))
        ).all()
    )
    return [
        OverdueSource(
            source_id=s.id or 0,
            name=s.name,
            title=s.title,
            region=s.region,
            level=s.level,
            year=year,
            due=due,
            latest_report_year=latest.get(s.id),
        )
        for s in sources
    ]


def raise_overdue_events(session: Session, today: dt.date, *, month_day: str = "04-01") -> list[int]:
    """One ``overdue`` event per overdue source and year (never a second); return the new event ids."""
    created = []
    for item in overdue_sources(session, today, month_day=month_day):
        if _already_raised(session, item.source_id, item.year):
            continue
        detail = {"year": item.year, "due": item.due.isoformat(), "latest_report_year": item.latest_report_year,
                  "reason": f"{item.year} 年度报告未在 {item.due.isoformat()} 前发布"}
        event = Event(
            kind="overdue",
            source_id=item.source_id,
            created_at=utcnow(),
            title=f"{item.title or item.name}：{item.year} 年度报告逾期未发布",
            detail_json=json.dumps(detail, ensure_ascii=False),
        )
        session.add(event)
        session.flush()
        assert event.id is not None
        created.append(event.id)
    session.commit()
    return created


def _already_raised(session: Session, source_id: int, year: int) -> bool:
    raised = session.exec(
        select(Event.detail_json).where(col(Event.kind) == "overdue").where(col(Event.source_id) == source_id)
    ).all()
    for detail in raised:
        try:
            if json.loads(detail or "{}").get("year") == year:
                return True
        except (ValueError, AttributeError):
            continue
    return False
