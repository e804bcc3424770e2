"""The application's side of the scheduler: the settings folded into ``SchedulerOptions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govarchive.alerting import alert_options
from scheduler.options import SchedulerOptions

if TYPE_CHECKING:
    from govarchive.config import Settings

# ``[scheduler]`` settings that SchedulerOptions takes as they are.
SCHEDULER_FIELDS = ("timezone", "default_cron", "busy_season_cron", "jitter_seconds", "run_timeout_seconds",
                    "misfire_grace_seconds", "max_concurrent_crawls", "stop_grace_seconds")


def scheduler_options(settings: Settings) -> SchedulerOptions:
    """The scheduler's options; crawl children learn the home through ``GOVARCHIVE_HOME``."""
    config = settings.scheduler
    home = settings.home.resolve()
    return SchedulerOptions(
        log_dir=home / "logs" / "crawls",
        alerts=alert_options(settings),
        child_env={"GOVARCHIVE_HOME": str(home)},
        **{name: getattr(config, name) for name in SCHEDULER_FIELDS},
        dispatch_interval_seconds=settings.alerts.dispatch_interval_seconds,
    )
