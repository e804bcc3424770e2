"""Build the scheduler from its options and the sources' schedules; run it as a service or once.

The job store is a table (``scheduler_jobs``) in the catalog database, so jobs, their next run
times and missed runs survive restarts. Crawls run in their own executor, one per source at a
time (``max_instances=1`` plus a catalog check), missed runs coalesce into one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor as Pool
from dataclasses import dataclass
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from .children import default_crawl_command
from .jobs import JobContext, install_context
from .options import SchedulerOptions
from .triggers import source_offset, source_trigger

logger = logging.getLogger(__name__)

JOBSTORE_TABLE = "scheduler_jobs"
HEALTH_SWEEP_MINUTES = 15
OVERDUE_CHECK_HOUR = 9


@dataclass(frozen=True, slots=True)
class SourceSchedule:
    """A source's name and its own cron expression (None: the default schedule)."""

    name: str
    schedule: str | None = None


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A job the scheduler should have."""

    id: str
    name: str
    func: str  # textual reference, as stored
    args: tuple[Any, ...]
    trigger: BaseTrigger
    executor: str
    misfire_grace_time: int
    schedule: str  # for people: "0 3 * * * +143s; busy season 0 */6 * 1-4 * +143s"


@dataclass(frozen=True, slots=True)
class JobInfo:
    """A job and its next run, for ``schedule list``."""

    id: str
    name: str
    schedule: str
    next_run_time: dt.datetime | None


@dataclass(frozen=True, slots=True)
class JobRun:
    """What ``run_due`` did with one due job."""

    id: str
    scheduled_for: dt.datetime
    status: str  # ran / failed / missed
    result: Any = None
    error: str | None = None


def job_specs(options: SchedulerOptions, sources: Sequence[SourceSchedule]) -> list[JobSpec]:
    """Every job: one crawl per source, the alert dispatcher, the health sweep, the overdue check."""
    config = options
    grace = config.misfire_grace_seconds
    specs = [
        JobSpec(
            id=f"crawl:{source.name}",
            name=f"crawl {source.name}",
            func="scheduler.jobs:crawl_source",
            args=(source.name,),
            trigger=source_trigger(
                source.name, source.schedule, default_cron=config.default_cron,
                busy_season_cron=config.busy_season_cron, jitter_seconds=config.jitter_seconds,
                timezone=config.timezone,
            ),
            executor="crawls",
            misfire_grace_time=grace,
            schedule=_describe(source, options),
        )
        for source in sorted(sources, key=lambda s: s.name)
    ]
    interval = options.dispatch_interval_seconds
    specs += [
        JobSpec("alerts:dispatch", "dispatch alerts", "scheduler.jobs:dispatch_alerts", (),
                IntervalTrigger(seconds=interval, timezone=config.timezone), "default", interval,
                f"every {interval}s"),
        JobSpec("health:check", "check source health", "scheduler.jobs:check_source_health", (),
                IntervalTrigger(minutes=HEALTH_SWEEP_MINUTES, timezone=config.timezone), "default", grace,
                f"every {HEALTH_SWEEP_MINUTES} min"),
        JobSpec("overdue:check", "check overdue reports", "scheduler.jobs:check_overdue", (),
                CronTrigger(hour=OVERDUE_CHECK_HOUR, minute=0, timezone=config.timezone), "default", 86400,
                f"0 {OVERDUE_CHECK_HOUR} * * *"),
    ]
    return specs


def _describe(source: SourceSchedule, config: SchedulerOptions) -> str:
    offset = source_offset(source.name, config.jitter_seconds)
    shift = f" +{offset}s" if offset else ""
    parts = [source.schedule or f"{config.default_cron}{shift}"]
    if config.busy_season_cron.strip():
        parts.append(f"busy season {config.busy_season_cron}{shift}")
    return "; ".join(parts)


def _trigger_key(trigger: BaseTrigger) -> str:
    # An interval trigger's repr carries its start date, which differs on every start.
    return str(trigger) if isinstance(trigger, IntervalTrigger) else repr(trigger)


def _same(job: Job, spec: JobSpec) -> bool:
    return job.func_ref == spec.func and tuple(job.args) == spec.args and _trigger_key(job.trigger) == _trigger_key(spec.trigger)


class ArchiveScheduler:
    """APScheduler with govarchive's jobs, its job store in the catalog."""

    def __init__(self, scheduler: BackgroundScheduler, context: JobContext, specs: Sequence[JobSpec],
                 max_concurrent_crawls: int) -> None:
        self.scheduler = scheduler
        self.context = context
        self.specs = list(specs)
        self.max_concurrent_crawls = max_concurrent_crawls
        self._opened = False

    def open(self, *, sync: bool = True) -> None:
        """Load the job store (started paused); with ``sync``, make its jobs match the specs,
        keeping the stored next run time (and so a missed run) of every unchanged job."""
        install_context(self.context)
        self.scheduler.start(paused=True)
        self._opened = True
        if sync:
            self._sync()

    def _sync(self) -> None:
        wanted = {spec.id: spec for spec in self.specs}
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                logger.info("removing job %s (its source is gone)", job.id)
                job.remove()
        for spec in self.specs:
            stored = self.scheduler.get_job(spec.id)
            extra: dict[str, Any] = {}
            if stored is not None and _same(stored, spec):
                extra["next_run_time"] = stored.next_run_time
            self.scheduler.add_job(
                spec.func, trigger=spec.trigger, args=spec.args, id=spec.id, name=spec.name,
                executor=spec.executor, replace_existing=True, max_instances=1, coalesce=True,
                misfire_grace_time=spec.misfire_grace_time, **extra,
            )

    def jobs(self, now: dt.datetime | None = None, *, offset: int = 0, limit: int | None = None) -> list[JobInfo]:
        """Every job (or a page of them) with its next run: the stored one, or what the current schedule gives."""
        now = now or dt.datetime.now(self.scheduler.timezone)
        infos = []
        stored_jobs = {job.id: job for job in self.scheduler.get_jobs()}  # one read of the store, not one per job
        for spec in self.specs[offset:None if limit is None else offset + limit]:
            stored = stored_jobs.get(spec.id)
            if stored is not None and _same(stored, spec):
                next_run = stored.next_run_time
            else:
                next_run = spec.trigger.get_next_fire_time(None, now)
            infos.append(JobInfo(spec.id, spec.name, spec.schedule, next_run))
        return infos

    def run_due(self, now: dt.datetime | None = None) -> list[JobRun]:
        """Run every job whose stored next run time has come (crawls in parallel first, then the
        rest in order), then store each one's next run time. Runs past their grace time are missed."""
        now = now or dt.datetime.now(self.scheduler.timezone)
        due = [job for job in self.scheduler.get_jobs() if job.next_run_time is not None and job.next_run_time <= now]
        crawls = [job for job in due if job.executor == "crawls"]
        others = [job for job in due if job.executor != "crawls"]
        others.sort(key=lambda job: job.id == "alerts:dispatch")  # alerts last: after the crawls' events
        results: list[JobRun] = []
        with Pool(max_workers=self.max_concurrent_crawls) as pool:
            results += list(pool.map(lambda job: self._run_one(job, now), crawls))
        results += [self._run_one(job, now) for job in others]
        for job in due:
            scheduled = next(r.scheduled_for for r in results if r.id == job.id)
            following = job.trigger.get_next_fire_time(scheduled, now)
            if following is None:
                self.scheduler.remove_job(job.id)
            else:
                self.scheduler.modify_job(job.id, next_run_time=following)
        return results

    def _run_one(self, job: Job, now: dt.datetime) -> JobRun:
        scheduled = job._get_run_times(now)[-1]  # coalesce: only the latest missed run
        late = (now - scheduled).total_seconds()
        if job.misfire_grace_time is not None and late > job.misfire_grace_time:
            logger.warning("job %s missed its run at %s by %ss", job.id, scheduled, int(late))
            return JobRun(job.id, scheduled, "missed")
        try:
            result = job.func(*job.args, **job.kwargs)
        except Exception as exc:
            logger.exception("job %s failed", job.id)
            return JobRun(job.id, scheduled, "failed", error=f"{type(exc).__name__}: {exc}")
        return JobRun(job.id, scheduled, "ran", result=result)

    def serve(self, stop: threading.Event) -> None:
        """Run the jobs until ``stop`` is set, then stop cleanly (see :meth:`close`)."""
        if not self._opened:
            self.open()
        self.scheduler.resume()
        logger.info("scheduler running with %d jobs", len(self.specs))
        try:
            while not stop.wait(1.0):
                pass
        finally:
            self.close()

    def close(self) -> None:
        """Tell running crawls to stop (SIGTERM, bounded wait, SIGKILL), wait for jobs to record it."""
        self.context.children.stop_all(self.context.stop_grace)
        if self._opened and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self._opened = False


def _log_job_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_ERROR:
        logger.error("job %s raised %r", event.job_id, event.exception)
    elif event.code == EVENT_JOB_MISSED:
        logger.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    elif event.code == EVENT_JOB_MAX_INSTANCES:
        logger.warning("job %s is still running; this run is skipped", event.job_id)


def build_scheduler(
    options: SchedulerOptions,
    sources: Sequence[SourceSchedule],
    *,
    engine: Engine,
    crawl_command: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    text_loader: Callable[[str], str] | None = None,
) -> ArchiveScheduler:
    """The scheduler for ``sources`` on the catalog ``engine`` (not started: call ``open``/``serve``).

    ``crawl_command`` is the govarchive command line prefix (default ``python -m govarchive``);
    crawl children get ``env`` (default: this process's) with ``options.child_env`` added.
    """
    config = options
    child_env = {**(env if env is not None else os.environ), **options.child_env}
    context = JobContext(
        engine=engine,
        crawl_command=tuple(crawl_command or default_crawl_command()),
        env=child_env,
        run_timeout=float(config.run_timeout_seconds),
        stop_grace=float(config.stop_grace_seconds),
        log_dir=options.log_dir,
        alerts=options.alerts,
        text_loader=text_loader,
    )
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
        executors={
            "default": ThreadPoolExecutor(max_workers=4),
            "crawls": ThreadPoolExecutor(max_workers=config.max_concurrent_crawls),
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": config.misfire_grace_seconds},
        timezone=config.timezone,
    )
    scheduler.add_listener(_log_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return ArchiveScheduler(scheduler, context, job_specs(options, sources), config.max_concurrent_crawls)
