"""What an alert says: one event joined with its report, version and source, rendered as text."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from archive.catalog.models import Event, Report, Source, Version

KIND_LABELS = {
    "new": "新报告",
    "changed": "报告有变更",
    "removed": "报告已撤下",
    "restored": "报告已恢复",
    "source_failing": "来源异常",
    "source_recovered": "来源已恢复",
    "overdue": "报告逾期未发布",
    "test": "测试消息",
}


@dataclass(frozen=True, slots=True)
class EventView:
    """One event with what a message or feed entry needs to say about it."""

    event_id: int
    kind: str
    created_at: dt.datetime
    title: str = ""
    source_name: str = ""
    source_title: str = ""
    region: str = ""
    level: str = ""
    report_id: int | None = None
    report_title: str = ""
    publisher: str | None = None
    pub_date: dt.date | None = None
    report_year: int | None = None
    url: str = ""
    version_number: int | None = None
    chars_added: int = 0
    chars_removed: int = 0
    paragraphs_changed: int = 0
    diff_summary: str | None = None
    text_key: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def headline(self) -> str:
        return self.report_title or self.title or self.source_title or self.source_name


@dataclass(frozen=True, slots=True)
class Message:
    """A notification: a subject line and a plain-text body."""

    title: str
    body: str


def _detail(event: Event) -> dict[str, Any]:
    try:
        value = json.loads(event.detail_json or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def load_views(session: Session, events: Sequence[Event]) -> list[EventView]:
    """Join ``events`` with their sources, reports and versions (three queries, not one per event)."""
    source_ids = {e.source_id for e in events if e.source_id is not None}
    report_ids = {e.report_id for e in events if e.report_id is not None}
    version_ids = {e.version_id for e in events if e.version_id is not None}
    reports = _by_id(session, Report, report_ids)
    source_ids |= {r.source_id for r in reports.values()}
    sources = _by_id(session, Source, source_ids)
    versions = _by_id(session, Version, version_ids)
    views = []
    for event in events:
        report = reports.get(event.report_id) if event.report_id is not None else None
        source_id = event.source_id if event.source_id is not None else (report.source_id if report else None)
        source = sources.get(source_id) if source_id is not None else None
        version = versions.get(event.version_id) if event.version_id is not None else None
        assert event.id is not None
        views.append(
            EventView(
                event_id=event.id,
                kind=event.kind,
                created_at=event.created_at,
                title=event.title,
                source_name=source.name if source else "",
                source_title=source.title if source else "",
                region=source.region if source else "",
                level=source.level if source else "",
                report_id=report.id if report else None,
                report_title=(version.title if version and version.title else (report.title if report else "")),
                publisher=report.publisher if report else None,
                pub_date=report.pub_date if report else None,
                report_year=report.report_year if report else None,
                url=(version.url if version and version.url else (report.canonical_url if report else "")),
                version_number=version.number if version else None,
                chars_added=version.chars_added if version else 0,
                chars_removed=version.chars_removed if version else 0,
                paragraphs_changed=version.paragraphs_changed if version else 0,
                diff_summary=version.diff_summary if version else None,
                text_key=version.text_key if version else None,
                detail=_detail(event),
            )
        )
    return views


def _by_id(session: Session, model: Any, ids: Iterable[int]) -> dict[int, Any]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(model).where(model.id.in_(wanted)))}


def archived_url(base_url: str, report_id: int) -> str:
    """The archived copy of a report in the web app."""
    return f"{base_url.rstrip('/')}/reports/{report_id}"


def change_summary(view: EventView) -> str:
    """A short line on what changed: characters added and removed, paragraphs touched."""
    parts = [f"+{view.chars_added} / -{view.chars_removed} 字"]
    if view.paragraphs_changed:
        parts.append(f"{view.paragraphs_changed} 段")
    summary = _summary_detail(view.diff_summary)
    if summary.get("metadata_changed"):
        parts.append("元数据变更：" + "、".join(str(f) for f in summary["metadata_changed"]))
    elif summary.get("text"):
        parts.append(str(summary["text"])[:300])
    return "，".join(parts)


def _summary_detail(diff_summary: str | None) -> dict[str, Any]:
    # The archive writes the diff summary as a JSON object; older rows may hold plain text.
    if not diff_summary:
        return {}
    try:
        value = json.loads(diff_summary)
    except ValueError:
        return {"text": diff_summary.strip()}
    return value if isinstance(value, dict) else {"text": str(value)}


def body_lines(view: EventView, base_url: str) -> list[str]:
    """The body of an alert about ``view``, line by line."""
    lines: list[str] = []
    source = view.source_title or view.source_name
    if view.source_title and view.source_name and view.source_title != view.source_name:
        source = f"{view.source_title}（{view.source_name}）"
    if view.report_id is not None:
        lines.append(f"标题：{view.headline}")
        if view.publisher:
            lines.append(f"发布机构：{view.publisher}")
        if view.pub_date:
            lines.append(f"发布日期：{view.pub_date.isoformat()}")
        if source:
            lines.append(f"来源：{source}")
        if view.kind == "changed":
            version = f"第 {view.version_number} 版：" if view.version_number else ""
            lines.append(f"变更：{version}{change_summary(view)}")
        if view.url:
            lines.append(f"原文：{view.url}")
        lines.append(f"存档：{archived_url(base_url, view.report_id)}")
    else:
        if source:
            lines.append(f"来源：{source}")
        reason = view.detail.get("reason")
        if reason:
            lines.append(f"原因：{reason}")
        if view.kind == "overdue" and view.detail.get("year"):
            lines.append(f"年度：{view.detail['year']}（应于 {view.detail.get('due', '')} 前发布）")
        if view.source_name:
            lines.append(f"来源页面：{base_url.rstrip('/')}/sources/{view.source_name}")
    return lines


def compose(view: EventView, base_url: str) -> Message:
    """The alert for one event."""
    label = KIND_LABELS.get(view.kind, view.kind)
    return Message(title=f"{label}：{view.headline}", body="\n".join(body_lines(view, base_url)))


def compose_digest(views: Sequence[EventView], base_url: str, day: dt.date) -> Message:
    """One message carrying several events (a daily digest)."""
    blocks = []
    for number, view in enumerate(views, start=1):
        label = KIND_LABELS.get(view.kind, view.kind)
        blocks.append("\n".join([f"{number}. 【{label}】{view.headline}", *body_lines(view, base_url)]))
    title = f"govarchive 每日摘要 {day.isoformat()}：{len(views)} 条"
    return Message(title=title, body="\n\n".join(blocks))


def connectivity_message(base_url: str) -> Message:
    """What ``govarchive alerts test`` sends."""
    return Message(
        title="govarchive 测试消息：订阅已连通",
        body=f"这是一条测试消息。收到即表示此订阅渠道可用。\n存档：{base_url.rstrip('/')}/",
    )
