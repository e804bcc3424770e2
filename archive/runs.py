"""Runs whose crawl process is gone: closed as ``died`` wherever runs are read or a new one starts.

A process killed with SIGKILL cannot record its end; its run would stay ``running`` forever.
The run row keeps the crawl's pid, so anyone on the same machine can tell (a worker's run may be
on another machine and is left to the distributed frontier's own time limit).
"""

from __future__ import annotations

import os

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive.catalog.models import CrawlRun, Source, SourceRun
from archive.outcomes import Outcome
from archive.timeutil import utcnow

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
