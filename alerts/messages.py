"""What an alert says: one event joined with its report, version and source, rendered as text."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from archive.catalog.models import Event, Report, Source, Version

from .speech import N_, Speech, format_when, ngettext, speaking
from .speech import gettext as _

# Messages are gettext msgids (English); they speak the language set around them (``use_language``).
KIND_LABELS = {
    "new": N_("New report"),
    "changed": N_("Report changed"),
    "removed": N_("Report taken down"),
    "restored": N_("Report restored"),
    "source_failing": N_("Source failing"),
    "source_recovered": N_("Source recovered"),
    "overdue": N_("Report overdue"),
    "test": N_("Test message"),
}


def kind_label(kind: str) -> str:
    """What an event kind is called in the current language."""
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def headed(label: str, text: str) -> str:
    """``label：text`` in Chinese, ``label: text`` in English."""
    return _("%(label)s: %(text)s", label=label, text=text)


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
    parts = [_("+%(added)s / -%(removed)s characters", added=view.chars_added, removed=view.chars_removed)]
    if view.paragraphs_changed:
        parts.append(ngettext("%(num)s paragraph", "%(num)s paragraphs", view.paragraphs_changed))
    summary = _summary_detail(view.diff_summary)
    if summary.get("metadata_changed"):
        fields = _("、").join(str(f) for f in summary["metadata_changed"])
        parts.append(headed(_("metadata changed"), fields))
    elif summary.get("text"):
        parts.append(str(summary["text"])[:300])
    return _("，").join(parts)


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
        source = _("%(title)s (%(name)s)", title=view.source_title, name=view.source_name)
    if view.report_id is not None:
        lines.append(headed(_("Title"), view.headline))
        if view.publisher:
            lines.append(headed(_("Issuing body"), view.publisher))
        if view.pub_date:
            lines.append(headed(_("Published"), format_when(view.pub_date)))
        if source:
            lines.append(headed(_("Source"), source))
        if view.kind == "changed":
            version = _("version %(number)s: ", number=view.version_number) if view.version_number else ""
            lines.append(headed(_("Change"), version + change_summary(view)))
        if view.url:
            lines.append(headed(_("Original"), view.url))
        lines.append(headed(_("Archived copy"), archived_url(base_url, view.report_id)))
    else:
        if source:
            lines.append(headed(_("Source"), source))
        reason = view.detail.get("reason")
        if reason:
            lines.append(headed(_("Reason"), str(reason)))
        if view.kind == "overdue" and view.detail.get("year"):
            lines.append(headed(_("Report year"), _("%(year)s (due by %(due)s)", year=view.detail["year"],
                                                     due=view.detail.get("due", ""))))
        if view.source_name:
            lines.append(headed(_("Source page"), f"{base_url.rstrip('/')}/sources/{view.source_name}"))
    return lines


def compose(view: EventView, base_url: str) -> Message:
    """The alert for one event."""
    return Message(title=headed(kind_label(view.kind), view.headline), body="\n".join(body_lines(view, base_url)))


def compose_digest(views: Sequence[EventView], base_url: str, day: dt.date) -> Message:
    """One message carrying several events (a daily digest)."""
    blocks = []
    for number, view in enumerate(views, start=1):
        first = _("%(number)s. [%(label)s] %(headline)s", number=number, label=kind_label(view.kind),
                  headline=view.headline)
        blocks.append("\n".join([first, *body_lines(view, base_url)]))
    title = headed(_("govarchive daily digest %(day)s", day=format_when(day)),
                   ngettext("%(num)s item", "%(num)s items", len(views)))
    return Message(title=title, body="\n\n".join(blocks))


def connectivity_message(base_url: str, speech: Speech | None = None) -> Message:
    """What ``govarchive alerts test`` sends (in ``speech``'s current language)."""
    with speaking(speech):
        return Message(
            title=headed(_("govarchive test message"), _("the subscription is connected")),
            body=_("This is a test message. Receiving it means this subscription's channel works.") + "\n"
            + headed(_("Archive"), f"{base_url.rstrip('/')}/"),
        )
