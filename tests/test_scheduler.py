"""The scheduler: triggers, the job store across restarts, --once, time limits, one run per source.

Crawls run as real child processes: a stand-in crawl command (``FAKE_CRAWL``) that records its
crawl run in the catalog the way ``govarchive crawl`` does, sleeps (``sleepy*``) or crashes
(``crashy*``) by name. Time moves with time_machine; the job store is the catalog's SQLite file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive.catalog.database import create_catalog_engine, init_catalog
from archive.catalog.models import CrawlRun, Source, SourceRun
from govarchive.config import Settings, load_settings
from govarchive.scheduling import scheduler_options
from scheduler import jobs
from scheduler.app import ArchiveScheduler, SourceSchedule, build_scheduler
from scheduler.children import pid_alive
from scheduler.triggers import ScheduleError, crontab_days, parse_cron, source_offset, source_trigger
from tests.cli_helpers import run_cli

SHANGHAI = ZoneInfo("Asia/Shanghai")

FAKE_CRAWL = r'''
"""Stands in for `govarchive crawl NAME --json`: records a crawl run as the real one does."""
import json, os, sys, time
from sqlmodel import Session, select
from archive.catalog.database import create_catalog_engine
from archive.catalog.models import CrawlRun, Source, SourceRun
from govarchive.config import load_settings

name = sys.argv[sys.argv.index("crawl") + 1]
with open(os.environ["FAKE_CRAWL_LOG"], "a", encoding="utf-8") as log:
    log.write(name + "\n")
if name.startswith("crashy"):
    print("Traceback (most recent call last):\nRuntimeError: boom in the crawler", file=sys.stderr)
    sys.exit(3)
engine = create_catalog_engine(load_settings().catalog_url)
with Session(engine) as db:
    source = db.exec(select(Source).where(Source.name == name)).first() or Source(name=name)
    db.add(source)
    db.flush()
    run = CrawlRun(sources=name, pid=os.getpid())
    db.add(run)
    db.flush()
    db.add(SourceRun(run_id=run.id, source_id=source.id))
    db.commit()
    run_id = run.id
if name.startswith("sleepy"):
    time.sleep(600)
with Session(engine) as db:
    run = db.get(CrawlRun, run_id)
    run.status = "ok"
    source_run = db.exec(select(SourceRun).where(SourceRun.run_id == run_id)).one()
    source_run.status = "ok"
    source_run.report_links = 12
    db.add(run)
    db.add(source_run)
    db.commit()
print(json.dumps({"run_id": run_id, "sources": [{"name": name, "discovered": 12, "fetched": 12, "new": 0,
                  "changed": 0, "unchanged": 12, "removed": 0, "errors": 0}]}))
'''


class Harness:
    """A home, its catalog, the stand-in crawl command and the log of crawls it was asked for."""

    def __init__(self, root: Path) -> None:
        self.home = root / "home"
        self.home.mkdir()
        self.script = root / "fake_crawl.py"
        self.script.write_text(FAKE_CRAWL, encoding="utf-8")
        self.log = root / "crawls.log"
        self.log.touch()
        self.engine: Engine | None = None

    def settings(self, **scheduler: object) -> Settings:
        values: dict[str, object] = {"busy_season_cron": "", "jitter_seconds": 0, **scheduler}
        return load_settings(self.home, scheduler=values)

    def open(self, sources: list[SourceSchedule], settings: Settings | None = None, *, sync: bool = True) -> ArchiveScheduler:
        settings = settings or self.settings()
        if self.engine is None:
            self.engine = create_catalog_engine(settings.catalog_url)
            init_catalog(self.engine)
        service = build_scheduler(
            scheduler_options(settings), sources, engine=self.engine, crawl_command=[sys.executable, str(self.script)],
            env={**os.environ, "FAKE_CRAWL_LOG": str(self.log)},
        )
        service.open(sync=sync)
        return service

    def crawled(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").split()

    def runs(self) -> list[CrawlRun]:
        assert self.engine is not None
        with Session(self.engine) as db:
            return list(db.exec(select(CrawlRun).order_by(col(CrawlRun.id))))


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(tmp_path)
    yield h
    if h.engine is not None:
        h.engine.dispose()


def fire_times(trigger: object, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    times, previous, now = [], None, start
    while True:
        fire = trigger.get_next_fire_time(previous, now)  # type: ignore[attr-defined]
        if fire is None or fire >= end:
            return times
        times.append(fire)
        previous, now = fire, fire


# Triggers ---------------------------------------------------------------------------------


def test_each_source_gets_its_own_stable_offset_within_the_jitter() -> None:
    offsets = {name: source_offset(name, 1800) for name in ("mile", "gejiu", "jianghan", "hunan", "dazu")}
    assert offsets == {name: source_offset(name, 1800) for name in offsets}
    assert all(0 <= o <= 1800 for o in offsets.values())
    assert len(set(offsets.values())) == len(offsets)
    assert source_offset("mile", 0) == 0


def test_default_schedule_is_shifted_per_source_and_denser_from_january_to_april() -> None:
    trigger = source_trigger("mile", None, default_cron="0 3 * * *", busy_season_cron="0 */6 * 1-4 *",
                             jitter_seconds=1800, timezone="Asia/Shanghai")
    offset = dt.timedelta(seconds=source_offset("mile", 1800))
    february = fire_times(trigger, dt.datetime(2025, 2, 10, tzinfo=SHANGHAI), dt.datetime(2025, 2, 17, tzinfo=SHANGHAI))
    july = fire_times(trigger, dt.datetime(2025, 7, 10, tzinfo=SHANGHAI), dt.datetime(2025, 7, 17, tzinfo=SHANGHAI))

    assert len(july) == 7 and len(february) == 7 * 5
    assert july[0] == dt.datetime(2025, 7, 10, 3, tzinfo=SHANGHAI) + offset
    assert sorted({(t - offset).hour for t in february}) == [0, 3, 6, 12, 18]


def test_a_source_of_its_own_schedule_keeps_it_exactly() -> None:
    trigger = source_trigger("mile", "15 4 * * 1", default_cron="0 3 * * *", busy_season_cron="",
                             jitter_seconds=1800, timezone="Asia/Shanghai")
    [monday] = fire_times(trigger, dt.datetime(2025, 7, 8, tzinfo=SHANGHAI), dt.datetime(2025, 7, 15, tzinfo=SHANGHAI))
    assert monday == dt.datetime(2025, 7, 14, 4, 15, tzinfo=SHANGHAI)


def test_bad_cron_expressions_are_refused() -> None:
    with pytest.raises(ScheduleError, match="'every day' is not a cron expression"):
        parse_cron("every day", "Asia/Shanghai")
    with pytest.raises(ScheduleError, match="is not a cron expression"):
        parse_cron("0 25 * * *", "Asia/Shanghai")
    assert parse_cron("*/5 * * * * *", "UTC").fields[-1].name == "second"  # six fields: seconds first


# The job store ------------------------------------------------------------------------------


def test_job_store_keeps_next_run_times_and_missed_runs_across_restarts(harness: Harness) -> None:
    sources = [SourceSchedule("alpha", "*/10 * * * *")]
    with time_machine.travel(dt.datetime(2025, 7, 1, 10, 1, tzinfo=SHANGHAI), tick=False):
        first = harness.open(sources)
        stored = {j.id: j.next_run_time for j in first.jobs()}
        first.close()
    assert stored["crawl:alpha"] == dt.datetime(2025, 7, 1, 10, 10, tzinfo=SHANGHAI)

    # Down for 35 minutes: three runs missed; the restart keeps the stored (past) run time ...
    with time_machine.travel(dt.datetime(2025, 7, 1, 10, 36, tzinfo=SHANGHAI), tick=False):
        second = harness.open(sources)
        kept = {j.id: j.next_run_time for j in second.jobs()}
        # ... and runs the missed crawl once (coalesced), then moves on to the next slot.
        runs = second.run_due()
        after = {j.id: j.next_run_time for j in second.jobs()}
        second.close()

    assert kept["crawl:alpha"] == stored["crawl:alpha"]
    assert kept["alerts:dispatch"] == stored["alerts:dispatch"]
    assert [(r.id, r.status) for r in runs if r.id.startswith("crawl:")] == [("crawl:alpha", "ran")]
    assert harness.crawled() == ["alpha"]
    assert after["crawl:alpha"] == dt.datetime(2025, 7, 1, 10, 40, tzinfo=SHANGHAI)


def test_a_changed_schedule_replaces_the_stored_run_time_and_removed_sources_go(harness: Harness) -> None:
    with time_machine.travel(dt.datetime(2025, 7, 1, 10, 1, tzinfo=SHANGHAI), tick=False):
        harness.open([SourceSchedule("alpha", "*/10 * * * *"), SourceSchedule("beta", "0 5 * * *")]).close()
        service = harness.open([SourceSchedule("alpha", "30 * * * *")])
        jobs_now = {j.id: j.next_run_time for j in service.jobs()}
        stored_ids = sorted(job.id for job in service.scheduler.get_jobs())
        service.close()
    assert jobs_now["crawl:alpha"] == dt.datetime(2025, 7, 1, 10, 30, tzinfo=SHANGHAI)
    assert stored_ids == ["alerts:dispatch", "crawl:alpha", "health:check", "overdue:check"]


def test_once_runs_only_what_is_due(harness: Harness) -> None:
    sources = [SourceSchedule("hourly", "0 * * * *"), SourceSchedule("nightly", "30 2 * * *")]
    with time_machine.travel(dt.datetime(2025, 7, 1, 10, 5, tzinfo=SHANGHAI), tick=False):
        harness.open(sources).close()
    with time_machine.travel(dt.datetime(2025, 7, 1, 11, 1, tzinfo=SHANGHAI), tick=False):
        service = harness.open(sources)
        runs = service.run_due()
        again = service.run_due()
        following = {j.id: j.next_run_time for j in service.jobs()}
        service.close()

    assert sorted(r.id for r in runs) == ["alerts:dispatch", "crawl:hourly", "health:check"]
    assert all(r.status == "ran" for r in runs)
    assert runs[-1].id == "alerts:dispatch"  # alerts go out after the crawls that made them
    assert again == []
    assert harness.crawled() == ["hourly"]
    assert following["crawl:hourly"] == dt.datetime(2025, 7, 1, 12, 0, tzinfo=SHANGHAI)
    assert following["crawl:nightly"] == dt.datetime(2025, 7, 2, 2, 30, tzinfo=SHANGHAI)


def test_a_run_missed_beyond_its_grace_time_is_skipped(harness: Harness) -> None:
    settings = harness.settings(misfire_grace_seconds=600)
    with time_machine.travel(dt.datetime(2025, 7, 1, 10, 5, tzinfo=SHANGHAI), tick=False):
        harness.open([SourceSchedule("hourly", "0 * * * *")], settings).close()
    with time_machine.travel(dt.datetime(2025, 7, 1, 11, 30, tzinfo=SHANGHAI), tick=False):
        service = harness.open([SourceSchedule("hourly", "0 * * * *")], settings)
        runs = {r.id: r.status for r in service.run_due()}
        following = {j.id: j.next_run_time for j in service.jobs()}
        service.close()
    assert runs["crawl:hourly"] == "missed"
    assert harness.crawled() == []
    assert following["crawl:hourly"] == dt.datetime(2025, 7, 1, 12, 0, tzinfo=SHANGHAI)


# Crawl jobs ---------------------------------------------------------------------------------


def test_a_scheduled_crawl_is_recorded_as_such_and_its_health_checked(harness: Harness) -> None:
    harness.open([SourceSchedule("quick")], sync=False)

    outcome = jobs.crawl_source("quick")

    assert (outcome.status, outcome.exit_code, outcome.stats["unchanged"]) == ("ok", 0, 12)
    [run] = harness.runs()
    assert (run.id, run.status, run.trigger) == (outcome.run_id, "ok", "schedule")
    assert harness.engine is not None
    with Session(harness.engine) as db:
        source = db.exec(select(Source).where(Source.name == "quick")).one()
    assert (source.health, source.usual_link_count) == ("ok", 12)
    assert (harness.home / "logs" / "crawls" / "quick.log").exists()


def test_a_run_exceeding_its_time_limit_is_killed_and_recorded_timeout(harness: Harness) -> None:
    # 8 s: time for the stand-in crawl to start and record its run even on a busy machine.
    harness.open([SourceSchedule("sleepy")], harness.settings(run_timeout_seconds=8, stop_grace_seconds=2), sync=False)

    outcome = jobs.crawl_source("sleepy")

    assert outcome.status == "timeout"
    [run] = harness.runs()
    assert (run.status, run.trigger) == ("timeout", "schedule")
    assert run.error == "killed after exceeding the time limit of 8s"
    assert run.pid is not None and not pid_alive(run.pid)
    assert harness.engine is not None
    with Session(harness.engine) as db:
        [source_run] = db.exec(select(SourceRun)).all()
    assert (source_run.status, source_run.error) == ("failed", run.error)


def test_a_crawl_that_crashed_before_recording_is_recorded_failed(harness: Harness) -> None:
    harness.open([SourceSchedule("crashy")], sync=False)

    outcome = jobs.crawl_source("crashy")

    assert (outcome.status, outcome.exit_code) == ("failed", 3)
    [run] = harness.runs()
    assert (run.status, run.trigger, run.sources) == ("failed", "schedule", "crashy")
    assert run.error is not None and run.error.startswith("crawl exited with 3: ")
    assert "RuntimeError: boom in the crawler" in run.error
    assert json.loads(run.stats_json) == {"exit_code": 3}


def test_one_run_per_source_at_a_time(harness: Harness) -> None:
    harness.open([SourceSchedule("quick")], sync=False)
    assert harness.engine is not None
    with Session(harness.engine) as db:
        db.add(CrawlRun(sources="other,quick", pid=os.getpid()))  # alive: this very process
        db.commit()

    busy = jobs.crawl_source("quick")

    assert (busy.status, busy.run_id) == ("skipped", 1)
    assert harness.crawled() == []
    # The process behind that run dies without recording its end: the next run closes it and goes ahead.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with Session(harness.engine) as db:
        stale = db.get(CrawlRun, 1)
        assert stale is not None
        stale.pid = gone.pid
        db.add(stale)
        db.commit()

    ran = jobs.crawl_source("quick")

    assert ran.status == "ok"
    assert harness.crawled() == ["quick"]
    assert [(r.id, r.status) for r in harness.runs()] == [(1, "died"), (2, "ok")]


# The command line ---------------------------------------------------------------------------


def test_cli_schedule_list_and_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    assert run_cli(capsys, "--home", home, "init").code == 0
    assert run_cli(capsys, "--home", home, "sources", "add", "mine", "--start-url", "http://127.0.0.1:9/").code == 0

    listed = run_cli(capsys, "--home", home, "schedule", "list", "--json")
    once = run_cli(capsys, "--home", home, "schedule", "run", "--once", "--json")
    relisted = run_cli(capsys, "--home", home, "schedule", "list", "--json")

    assert listed.code == 0 and once.code == 0
    ids = [job["id"] for job in listed.json()]
    assert ids[-3:] == ["alerts:dispatch", "health:check", "overdue:check"]
    assert ids[:-3] == ["crawl:mine"]  # built-in sources are not scheduled unless enabled
    assert all(job["next_run_time"] for job in listed.json())
    assert once.json() == []  # the first start only registers the jobs; nothing is due yet
    crawl_times = {j["id"]: j["next_run_time"] for j in relisted.json() if j["id"].startswith("crawl:")}
    assert crawl_times == {j["id"]: j["next_run_time"] for j in listed.json() if j["id"].startswith("crawl:")}


@pytest.mark.parametrize(
    ("field", "days"),
    [("1", "mon"), ("0", "sun"), ("7", "sun"), ("1-5", "mon,tue,wed,thu,fri"), ("5-7", "sun,fri,sat"),
     ("*/2", "sun,tue,thu,sat"), ("mon-wed", "mon,tue,wed"), ("*", "*")],
)
def test_crontab_weekdays_mean_what_crontab_means(field: str, days: str) -> None:
    assert crontab_days(field) == days
