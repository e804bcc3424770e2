"""The application's side of alerts: its settings and translations folded into ``AlertOptions``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from alerts import AlertOptions
from govarchive import i18n

if TYPE_CHECKING:
    from govarchive.config import Settings

SPEECH = i18n  # the module provides what alerts.speech.Speech asks for


def alert_options(settings: Settings) -> AlertOptions:
    """Fold ``settings.alerts`` (and the scheduler's time zone and the language) into options."""
    alerts = settings.alerts
    hour, minute = (int(part) for part in alerts.digest_time.split(":"))
    return AlertOptions(
        base_url=alerts.base_url.rstrip("/"),
        max_attempts=alerts.max_attempts,
        retry_base_seconds=alerts.retry_base_seconds,
        send_lease_seconds=float(alerts.send_lease_seconds),
        digest_time=dt.time(hour, minute),
        timezone=settings.scheduler.timezone,
        failing_after_runs=alerts.failing_after_runs,
        drop_ratio=alerts.drop_ratio,
        overdue_month_day=alerts.overdue_month_day,
        language=settings.language,
        speech=SPEECH,
    )
