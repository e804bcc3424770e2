"""What the scheduler is told, as one frozen value built by the application (``govarchive.scheduling``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from alerts import AlertOptions


@dataclass(frozen=True, slots=True)
class SchedulerOptions:
    """The scheduler's settings as plain values (defaults as in the application's settings)."""

    log_dir: Path  # crawl children's stderr, one file per source
    alerts: AlertOptions = field(default_factory=AlertOptions)
    child_env: Mapping[str, str] = field(default_factory=dict)  # added to crawl children's environment
    timezone: str = "Asia/Shanghai"
    default_cron: str = "0 3 * * *"
    busy_season_cron: str = "0 */6 * 1-4 *"
    jitter_seconds: int = 1800
    run_timeout_seconds: int = 6 * 3600
    misfire_grace_seconds: int = 3600
    max_concurrent_crawls: int = 2
    stop_grace_seconds: int = 30
    dispatch_interval_seconds: int = 60
