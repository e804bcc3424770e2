"""Runs whose crawl process is gone: closed as ``died`` wherever runs are read or a new one starts.

A process killed with SIGKILL cannot record its end; its run would stay ``running`` forever.
The run row keeps the crawl's pid, so anyone on the same machine can tell (a worker's run may be
on another machine and is left to the distributed frontier's own time limit).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive.catalog.models import CrawlRun, Source, SourceRun
from archive.outcomes import Outcome
from archive.timeutil import as_utc, utcnow

logger = logging.getLogger(__name__)
DIED_ERROR = "the crawl process (pid {pid}) ended without recording its end"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def close_dead_runs(engine: Engine) -> list[int]:
    """Mark running runs (and their running source runs) whose process is gone as died; their ids."""
    closed: list[int] = []
    with Session(engine, expire_on_commit=False) as db:
        running = db.exec(select(CrawlRun).where(col(CrawlRun.status) == Outcome.RUNNING)).all()
        for run in running:
            if run.pid is None or run.trigger == "worker" or pid_alive(run.pid):
                continue
            now = utcnow()
            error = DIED_ERROR.format(pid=run.pid)
            run.status, run.finished_at, run.error = Outcome.DIED.value, now, run.error or error
            db.add(run)
            for name in filter(None, (n.strip() for n in run.sources.split(","))):
                source = db.exec(select(Source).where(col(Source.name) == name)).first()
                if source is None:
                    continue
                row = db.exec(select(SourceRun).where(col(SourceRun.run_id) == run.id)
                              .where(col(SourceRun.source_id) == source.id)).first()
                if row is None:
                    assert run.id is not None and source.id is not None
                    row = SourceRun(run_id=run.id, source_id=source.id)
                elif row.status != Outcome.RUNNING:
                    continue  # this source had finished before the process went
                row.status, row.error = Outcome.DIED.value, error
                source.last_run_status, source.last_run_at = Outcome.DIED.value, now
                db.add(row)
                db.add(source)
            assert run.id is not None
            closed.append(run.id)
        db.commit()
    return closed


def running_run(engine: Engine, name: str, run_timeout: float) -> int | None:
    """A run of source ``name`` still in progress; stale ones are closed (died: process gone;
    interrupted: a worker's run past the time limit ``run_timeout`` seconds)."""
    close_dead_runs(engine)  # a run whose process is gone (on this machine) is marked died
    now = utcnow()
    with Session(engine) as db:
        runs = db.exec(select(CrawlRun).where(col(CrawlRun.status) == Outcome.RUNNING)).all()
        for run in runs:
            if name not in [s.strip() for s in run.sources.split(",")]:
                continue
            if run.pid is not None and run.trigger != "worker":
                alive = pid_alive(run.pid)
            else:  # a worker's process may be on another machine: trust it within the time limit
                alive = (now - as_utc(run.started_at)).total_seconds() < run_timeout
            if alive:
                return run.id
            run.status = Outcome.INTERRUPTED.value
            run.finished_at = as_utc(now)
            run.error = run.error or "the crawl process ended without recording its end"
            db.add(run)
            logger.warning("closing stale crawl run %s of %s (process %s is gone)", run.id, name, run.pid)
        db.commit()
    return None


def settle_child_run(engine: Engine, name: str, *, run_id: int | None, pid: int, started: dt.datetime,
                     trigger: str, status: str | None, error: str | None,
                     exit_code: int | None) -> tuple[int | None, str, str | None]:
    """Settle the run a crawl child process of source ``name`` recorded: ``(run id, status, error)``.

    The run (``run_id`` from the child's report, else found by the child's pid and start) is marked
    as ``trigger``'s; when the child could not close it (``status`` given: killed, crashed) it is
    closed with ``status`` and ``error``, its running source runs failed. A child that recorded no
    run gets one, closed as ``status`` (failed when None).
    """
    now = utcnow()
    with Session(engine, expire_on_commit=False) as db:
        run = db.get(CrawlRun, run_id) if run_id is not None else None
        if run is None:
            run = _find_child_run(db, name, pid, started)
        if run is None:
            run = CrawlRun(started_at=as_utc(started), sources=name, trigger=trigger, pid=pid,
                           status=status or Outcome.FAILED.value,
                           error=error or "the crawl ended without recording a run", finished_at=now,
                           stats_json=json.dumps({"exit_code": exit_code}))
        else:
            run.trigger = trigger
            if status is not None and run.status == Outcome.RUNNING:
                run.status, run.error, run.finished_at = status, error, now
                for source_run in db.exec(select(SourceRun).where(col(SourceRun.run_id) == run.id)
                                          .where(col(SourceRun.status) == Outcome.RUNNING)):
                    source_run.status, source_run.error = Outcome.FAILED.value, error
                    db.add(source_run)
        db.add(run)
        db.commit()
        return run.id, run.status, run.error


def _find_child_run(db: Session, name: str, pid: int, started: dt.datetime) -> CrawlRun | None:
    candidates = db.exec(select(CrawlRun).where(col(CrawlRun.started_at) >= as_utc(started - dt.timedelta(seconds=5)))
                         .order_by(col(CrawlRun.id).desc())).all()
    for run in candidates:
        if run.pid == pid or (run.pid is None and name in run.sources.split(",")):
            return run
    return None
