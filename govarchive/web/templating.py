"""Jinja2 filters for the pages; everything archived is escaped (autoescape is on)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape

STATUS_CLASSES = {
    "ok": "ok",
    "failing": "bad",
    "failed": "bad",
    "blocked": "warn",
    "running": "info",
    "never run": "muted",
    "removed": "bad",
    "active": "ok",
    "sent": "ok",
    "pending": "info",
    "sending": "info",
    "timeout": "bad",
    "interrupted": "warn",
    "store_unavailable": "bad",
    "no_reports": "warn",
    "no_report_column": "warn",
    "died": "bad",
}
STATUS_LABELS = {"blocked": "blocked (challenge not passed)"}


def format_time(value: Any, with_time: bool = True) -> str:
    """``YYYY-MM-DD HH:MM`` (UTC) for datetimes and ISO strings; dates as ``YYYY-MM-DD``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%d %H:%M") if with_time else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def filesize(value: int | None) -> str:
    if value is None:
        return "—"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"


def highlight(text: str, terms: Sequence[str]) -> Markup:
    """``text`` escaped, with every occurrence of ``terms`` wrapped in ``<mark>``."""
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def status_badge(status: str | None) -> Markup:
    label = status or "—"
    css = STATUS_CLASSES.get(label, "muted" if label in ("never run", "") else "bad")
    return Markup(f'<span class="badge {css}">{escape(STATUS_LABELS.get(label, label))}</span>')


def install_filters(env: Environment) -> None:
    env.filters["when"] = format_time
    env.filters["day"] = lambda value: format_time(value, with_time=False)
    env.filters["filesize"] = filesize
    env.filters["highlight"] = highlight
    env.filters["badge"] = status_badge
