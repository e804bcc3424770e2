"""Overdue annual reports: last year's report not archived by the due date (1 April by default).

Per division: the government of a division that a crawled source watches has no report about last
year in the archive (archive/coverage.py). A source whose division is unknown is judged on its own:
no report of any kind about last year.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select as sa_select  # sqlmodel's select types at most four columns
from sqlmodel import Session, col, select

from archive.attribution import GOVERNMENT
from archive.catalog.models import Event, Report, Source, SourceRun
from archive.coverage import watched_divisions
from archive.divisions import registry
from archive.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class OverdueDivision:
    """A watched division whose government's report for ``year`` was due by ``due`` and is missing."""

    code: str
    name: str
    full_name: str
    year: int
    due: dt.date
    source_id: int  # the first source watching it (for routing by source / region / level)
    sources: tuple[int, ...]


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
    sources = session.connection().execute(
        sa_select(col(Source.id), col(Source.name), col(Source.title), col(Source.region),
                  col(Source.level))  # columns: thousands of sources
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


def overdue_divisions(session: Session, today: dt.date, *, month_day: str = "04-01") -> list[OverdueDivision]:
    """Divisions watched by a source crawled at least once whose government's report for last year
    is missing on or after its due date (in code order)."""
    due = due_date(today, month_day)
    if today < due:
        return []
    year = today.year - 1
    reg = registry()
    crawled = set(session.exec(select(SourceRun.source_id).where(col(SourceRun.status) != "running")).all())
    watched = {code: [s for s in ids if s in crawled] for code, ids in watched_divisions(session.connection(), reg).items()}
    published = set(session.exec(
        select(Report.division_code).where(col(Report.report_year) == year, col(Report.publisher_kind) == GOVERNMENT)
    ).all())
    out = []
    for code, ids in sorted(watched.items()):
        division = reg.get(code)
        if not ids or code in published or division is None:
            continue
        out.append(OverdueDivision(code=code, name=division.name, full_name=reg.full_name(code), year=year,
                                   due=due, source_id=ids[0], sources=tuple(ids)))
    return out


def raise_overdue_events(session: Session, today: dt.date, *, month_day: str = "04-01") -> list[int]:
    """One ``overdue`` event per overdue division (or source of no known division) and year, never a
    second; return the new event ids."""
    created = []
    covered: set[int] = set()
    for division in overdue_divisions(session, today, month_day=month_day):
        covered.update(division.sources)
        if _already_raised(session, division.source_id, division.year, division.code):
            continue
        detail = {"year": division.year, "due": division.due.isoformat(), "division_code": division.code,
                  "division": division.full_name,
                  "reason": f"{division.name}人民政府 {division.year} 年度报告未在 {division.due.isoformat()} 前发布"}
        created.append(_add_event(session, division.source_id, f"{division.name}人民政府：{division.year} 年度报告逾期未发布",
                                  detail))
    watching = {s for ids in watched_divisions(session.connection(), registry()).values() for s in ids}
    for item in overdue_sources(session, today, month_day=month_day):
        if item.source_id in covered or item.source_id in watching or _already_raised(session, item.source_id, item.year):
            continue
        detail = {"year": item.year, "due": item.due.isoformat(), "latest_report_year": item.latest_report_year,
                  "reason": f"{item.year} 年度报告未在 {item.due.isoformat()} 前发布"}
        created.append(_add_event(session, item.source_id, f"{item.title or item.name}：{item.year} 年度报告逾期未发布",
                                  detail))
    session.commit()
    return created


def _add_event(session: Session, source_id: int, title: str, detail: dict[str, object]) -> int:
    event = Event(kind="overdue", source_id=source_id, created_at=utcnow(), title=title,
                  detail_json=json.dumps(detail, ensure_ascii=False))
    session.add(event)
    session.flush()
    assert event.id is not None
    return event.id


def _already_raised(session: Session, source_id: int, year: int, division: str | None = None) -> bool:
    """Whether an overdue event for ``year`` exists: of ``division`` (any source), else of the source."""
    query = select(Event.detail_json).where(col(Event.kind) == "overdue")
    if division is None:
        query = query.where(col(Event.source_id) == source_id)
    for detail in session.exec(query).all():
        try:
            data = json.loads(detail or "{}")
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("year") == year and (division is None or data.get("division_code") == division):
            return True
    return False
