"""The alert settings folded into one frozen value, built by the application (``govarchive.alerting``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .speech import Speech


@dataclass(frozen=True, slots=True)
class AlertOptions:
    """Everything the dispatcher, health and overdue checks need to know."""

    base_url: str = "http://127.0.0.1:8000"
    max_attempts: int = 8
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 6 * 3600.0
    send_lease_seconds: float = 300.0
    digest_time: dt.time = dt.time(8, 0)
    timezone: str = "Asia/Shanghai"
    # An event id missing for this long is a rolled-back transaction, not one still committing.
    batch_size: int = 500
    failing_after_runs: int = 3
    drop_ratio: float = 0.5
    overdue_month_day: str = "04-01"
    language: str = "zh"  # what messages speak (settings.language)
    speech: Speech | None = None  # the application's translations; None: plain English msgids

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """Exponential back-off after ``attempts`` failed attempts, capped."""
        seconds = self.retry_base_seconds * (2 ** max(attempts - 1, 0))
        return dt.timedelta(seconds=min(seconds, self.retry_max_seconds))

    def next_digest_at(self, after: dt.datetime) -> dt.datetime:
        """The first daily digest time strictly after ``after`` (aware), in UTC."""
        local = after.astimezone(self.zone)
        candidate = dt.datetime.combine(local.date(), self.digest_time, tzinfo=self.zone)
        if candidate <= local:
            candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), self.digest_time, tzinfo=self.zone)
        return candidate.astimezone(dt.UTC)
