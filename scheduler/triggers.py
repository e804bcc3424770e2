"""Triggers: cron expressions, a deterministic per-source offset, the busy season on top."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger


class ScheduleError(ValueError):
    """A schedule that is not a cron expression."""


_CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _crontab_day(token: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token[:3].lower() in _CRONTAB_DAYS:
        return _CRONTAB_DAYS.index(token[:3].lower())
    raise ValueError(f"{token!r} is not a day of the week")


def crontab_days(field: str) -> str:
    """A crontab day-of-week field (0 or 7 = Sunday) as APScheduler 3 day names.

    APScheduler 3 numbers days from Monday = 0, so ``from_crontab("0 3 * * 1")`` would run on
    Tuesdays; names mean the same to both.
    """
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.split(","):
        span, _, step = item.partition("/")
        every = int(step) if step else 1
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            first, last = span.split("-", 1)
            low, high = _crontab_day(first), _crontab_day(last)
        else:
            low = _crontab_day(span)
            high = 6 if step else low
        if high < low or every < 1:
            raise ValueError(f"{item!r} is not a day-of-week range")
        days.update(day % 7 for day in range(low, high + 1, every))
    return ",".join(_CRONTAB_DAYS[day] for day in sorted(days))


@functools.lru_cache(maxsize=256)  # thousands of sources share two expressions; a CronTrigger is never changed
def parse_cron(expression: str, timezone: str) -> CronTrigger:
    """A cron trigger from five crontab fields (``m h dom mon dow``) or six (seconds first)."""
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ScheduleError(f"{expression!r} is not a cron expression (5 fields, or 6 with seconds first)")
    second, minute, hour, day, month, day_of_week = fields
    try:
        return CronTrigger(
            second=second, minute=minute, hour=hour, day=day, month=month,
            day_of_week=crontab_days(day_of_week), timezone=timezone,
        )
    except ValueError as exc:
        raise ScheduleError(f"{expression!r} is not a cron expression: {exc}") from None


def source_offset(name: str, jitter_seconds: int) -> int:
    """A stable offset in ``[0, jitter_seconds]`` for ``name``, so portals are not all hit at once."""
    if jitter_seconds <= 0:
        return 0
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % (jitter_seconds + 1)


class OffsetTrigger(BaseTrigger):
    """Another trigger's fire times shifted later by a fixed number of seconds."""

    __slots__ = ("seconds", "trigger")

    def __init__(self, trigger: BaseTrigger, seconds: int) -> None:
        self.trigger = trigger
        self.seconds = seconds

    def get_next_fire_time(self, previous_fire_time: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
        shift = dt.timedelta(seconds=self.seconds)
        previous = previous_fire_time - shift if previous_fire_time is not None else None
        fire_time = self.trigger.get_next_fire_time(previous, now - shift)
        return fire_time + shift if fire_time is not None else None

    def __getstate__(self) -> dict[str, Any]:
        return {"version": 1, "trigger": self.trigger, "seconds": self.seconds}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.trigger = state["trigger"]
        self.seconds = state["seconds"]

    def __str__(self) -> str:
        return f"{self.trigger} +{self.seconds}s"

    def __repr__(self) -> str:
        return f"<OffsetTrigger ({self.trigger!r}, seconds={self.seconds})>"


def source_trigger(
    name: str,
    schedule: str | None,
    *,
    default_cron: str,
    busy_season_cron: str,
    jitter_seconds: int,
    timezone: str,
) -> BaseTrigger:
    """When a source is crawled: its own cron or the default one shifted by the source's offset,
    plus the busy-season cron (also shifted) while reports are due (empty: no busy season)."""
    offset = source_offset(name, jitter_seconds)
    main: BaseTrigger = (
        parse_cron(schedule, timezone) if schedule else OffsetTrigger(parse_cron(default_cron, timezone), offset)
    )
    if not busy_season_cron.strip():
        return main
    busy = OffsetTrigger(parse_cron(busy_season_cron, timezone), offset)
    return OrTrigger([main, busy])
