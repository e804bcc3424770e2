"""Scale-out with real parts: Redis frontier, PostgreSQL catalog, SeaweedFS S3, worker processes.

Workers are ``python -m govarchive worker`` child processes; the simulated portal runs in this
process and counts every request it answers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from archive.catalog.models import CrawlRun, Report, SourceRun, Version
from archive.verify import verify_archive
from crawler.distributed.frontier import Frontier
from govarchive.config import Settings, load_settings
from govarchive.launch.runs import queue_run
from spiders.sources import portal_sources, write_source_file
from tests.fixtures.redis import RedisServer

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.s3, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
FAST_CRAWL = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE": "false", "RETRY_BACKOFF": "0.2", "TIMEOUT": "15"}
LEASE_SECONDS = 3


# Helpers ------------------------------------------------------------------------------------
def install(home: Path, world: Any, families: Iterable[str]) -> list[str]:
    wanted = set(families)
    return [write_source_file(s, home / "sources").stem for s in portal_sources(world)
            if s.name.removeprefix("demo-") in wanted]


def environment(home: Path, values: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")}
    env["GOVARCHIVE_HOME"] = str(home)
    env.update({f"GOVARCHIVE_CRAWL__{k}": v for k, v in FAST_CRAWL.items()})
    env.update(values)
    return env


class Deployment:
    """One scaled-out archive: PostgreSQL + S3 bucket + Redis, and the env its processes get."""

    def __init__(self, home: Path, postgres_url: str, seaweedfs: Any, redis_url: str) -> None:
        self.home = home
        self.catalog_url = postgres_url
        self.bucket = seaweedfs.new_bucket()
        self.seaweedfs = seaweedfs
        self.redis_url = redis_url
        self.values = {
            "GOVARCHIVE_CATALOG__URL": postgres_url,
            "GOVARCHIVE_STORE__URL": f"s3://{self.bucket}/archive",
            "GOVARCHIVE_STORE__ENDPOINT_URL": seaweedfs.endpoint_url,
            "GOVARCHIVE_STORE__REGION": seaweedfs.region,
            "GOVARCHIVE_STORE__ACCESS_KEY_ID": seaweedfs.access_key_id,
            "GOVARCHIVE_STORE__SECRET_ACCESS_KEY": seaweedfs.secret_access_key,
            "GOVARCHIVE_WORKER__REDIS_URL": redis_url,
            "GOVARCHIVE_WORKER__LEASE_SECONDS": str(LEASE_SECONDS),
        }
        self.env = environment(home, self.values)
        self.frontier = Frontier.from_url(redis_url)

    def settings(self) -> Settings:
        return load_settings(self.home, catalog={"url": self.catalog_url},
                             store={"url": self.values["GOVARCHIVE_STORE__URL"],
                                    "endpoint_url": self.seaweedfs.endpoint_url, "region": self.seaweedfs.region,
                                    "access_key_id": self.seaweedfs.access_key_id,
                                    "secret_access_key": self.seaweedfs.secret_access_key},
                             worker={"redis_url": self.redis_url})

    def start_worker(self, idle_timeout: float = 120) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "govarchive", "worker", "--json", "--idle-timeout", str(idle_timeout)],
            cwd=REPO, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_workers(self, count: int, timeout: float = 60) -> None:
        wait_for(lambda: len(self.frontier.workers()) >= count, timeout, f"{count} worker heartbeats")

    def wait_run(self, run_id: int, timeout: float = 180) -> CrawlRun:
        """The crawl run once a worker has closed it."""
        return wait_for(lambda: (run := self.run(run_id)).status != "running" and run, timeout, f"run {run_id}",
                        every=0.2)

    def run(self, run_id: int) -> CrawlRun:
        engine = create_engine(self.catalog_url)
        try:
            with Session(engine) as db:
                run = db.get(CrawlRun, run_id)
                assert run is not None
                return run
        finally:
            engine.dispose()


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def stop(process: subprocess.Popen[str], timeout: float = 60) -> tuple[int, dict[str, Any], str]:
    """SIGTERM (a worker stops taking work and hands back what it holds); its exit code and report."""
    process.send_signal(signal.SIGTERM)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"worker did not stop: {err[-2000:]}") from None
    return process.returncode, json.loads(out) if out.strip() else {}, err


def logical_archive(catalog_url: str) -> dict[str, tuple[str, str | None, int, str]]:
    """canonical URL → (title, text hash, number of versions, status)."""
    engine = create_engine(catalog_url)
    try:
        with Session(engine) as db:
            counts = dict(db.exec(select(Version.report_id, func.count()).group_by(Version.report_id)).all())
            return {r.canonical_url: (r.title, r.text_hash, int(counts.get(r.id, 0)), r.status)
                    for r in db.exec(select(Report)).all()}
    finally:
        engine.dispose()


def page_fetches(world: Any) -> Counter[tuple[str, str]]:
    """How often each page was asked for; robots.txt is read once per worker, by design."""
    return Counter((r.method, r.path) for r in world.request_log if not r.path.endswith("robots.txt"))


def single_process_archive(home: Path, names: list[str]) -> dict[str, tuple[str, str | None, int, str]]:
    """The same sources crawled by one ``govarchive crawl`` into an embedded home."""
    done = subprocess.run([sys.executable, "-m", "govarchive", "crawl", "--json", *names], cwd=REPO,
                          env=environment(home, {}), capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return logical_archive(f"sqlite:///{home / 'catalog.db'}")


@pytest.fixture
def deployment(tmp_path: Path, postgres_url: str, seaweedfs: Any, redis_url: str) -> Iterator[Deployment]:
    yield Deployment(tmp_path / "workers", postgres_url, seaweedfs, redis_url)


# Two workers on one crawl --------------------------------------------------------------------
def test_two_workers_fetch_every_page_once_and_archive_what_one_process_does(
    deployment: Deployment, portal_world: Any, tmp_path: Path
) -> None:
    families = ("trs", "hanweb", "table")
    names = install(deployment.home, portal_world, families)
    expected = {r.url for r in portal_world.expected_reports() if r.family in families}
    portal_world.set_slow(0.2)  # long enough for both workers to take part

    workers = [deployment.start_worker(), deployment.start_worker()]
    deployment.wait_workers(2)
    portal_world.clear_log()
    queued = queue_run(deployment.settings(), names, trigger="test")
    assert queued["status"] == "queued", queued
    run = deployment.wait_run(queued["run_id"])
    results = [stop(w) for w in workers]
    assert all(code == 0 for code, _, _ in results), [err[-2000:] for _, _, err in results]

    # every page once, and both workers did part of it
    fetches = page_fetches(portal_world)
    assert fetches and max(fetches.values()) == 1, [k for k, n in fetches.items() if n > 1]
    fetched = [sum(s["fetched"] for s in report["sources"].values()) for _, report, _ in results]
    assert sum(fetched) == len(expected) and all(n > 0 for n in fetched), fetched

    # the run is recorded once, with the counts of both workers
    assert run.status == "ok" and run.finished_at is not None, run
    engine = create_engine(deployment.catalog_url)
    with Session(engine) as db:
        source_runs = db.exec(select(SourceRun).where(SourceRun.run_id == run.id)).all()
    assert sorted(r.new for r in source_runs) == [8, 8, 8] and all(r.status == "ok" for r in source_runs)

    # the archive equals the one a single process makes
    distributed = logical_archive(deployment.catalog_url)
    assert set(distributed) == expected
    portal_world.set_slow(0)
    single = single_process_archive(tmp_path / "single", install(tmp_path / "single", portal_world, families))
    assert distributed == single

    # and every object those rows name is in the S3 bucket, intact
    checked = verify_archive(engine, deployment.seaweedfs.store(deployment.bucket, "archive"), orphans=False)
    engine.dispose()
    assert checked.passed and checked.checked >= 3 * len(expected), checked.to_json()


def test_a_killed_worker_loses_nothing(deployment: Deployment, portal_world: Any) -> None:
    families = ("trs", "table")
    names = install(deployment.home, portal_world, families)
    expected = {r.url for r in portal_world.expected_reports() if r.family in families}
    portal_world.set_slow(0.5)  # each request holds its lease half a second: the kill lands mid-request

    workers = {}
    for _ in range(2):
        process = deployment.start_worker()
        workers[process.pid] = process
    deployment.wait_workers(2)
    queued = queue_run(deployment.settings(), names, trigger="test")
    frontier = deployment.frontier

    def held_by() -> Counter[str]:
        return Counter(owner for name in names for owner in frontier.lease_owners(name).values())

    # wait until a report is archived and some worker holds leases, then kill the busiest one
    wait_for(lambda: logical_archive(deployment.catalog_url) and held_by(), 120, "a first report and leases")
    victim_id, _ = held_by().most_common(1)[0]
    victim_pid = int(victim_id.rsplit("-", 2)[1])
    os.kill(victim_pid, signal.SIGKILL)
    unfinished = [lease for name in names for lease, owner in frontier.lease_owners(name).items()
                  if owner == victim_id]
    assert unfinished  # it died holding popped requests
    victim = workers.pop(victim_pid)
    victim.communicate(timeout=10)  # reads and closes its pipes
    assert victim.returncode == -signal.SIGKILL

    (survivor,) = workers.values()
    run = deployment.wait_run(queued["run_id"])
    code, report, err = stop(survivor)
    assert code == 0 and report["reason"] == "signal", err[-2000:]
    assert report["recovered"] >= len(unfinished)  # the survivor put the dead worker's requests back
    assert sum(frontier.recovered(name) for name in names) >= len(unfinished)

    assert_archived_once(deployment, run, expected)


def assert_archived_once(deployment: Deployment, run: CrawlRun, expected: set[str]) -> None:
    """The run ended ok, with every expected report archived once: one version each, nothing else."""
    assert run.status == "ok", (run.status, run.error)
    archived = logical_archive(deployment.catalog_url)
    assert set(archived) == expected  # nothing lost
    assert all(versions == 1 and status == "active" for _, _, versions, status in archived.values())
    engine = create_engine(deployment.catalog_url)
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(Version)).one() == len(expected)  # nothing twice
    engine.dispose()


# Concurrent archiving --------------------------------------------------------------------------
def _page(url: str, text: str, second: int) -> tuple[Any, Any]:
    import datetime as dt

    from archive.records import ExtractedReport, FetchedPage

    body = f"<html><body><h1>2024年法治政府建设年度报告</h1><p>{text}</p></body></html>".encode()
    page = FetchedPage(url=url, status=200, headers={"content-type": "text/html; charset=utf-8"}, body=body,
                       fetched_at=dt.datetime(2025, 3, 1, 8, 0, second, tzinfo=dt.UTC))
    return page, ExtractedReport(title="2024年法治政府建设年度报告", text=text)


def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_workers_recording_at_once_make_one_report_and_one_version(deployment: Deployment, attempt: int) -> None:
    """Same URL from two workers (a re-queued lease), and one text at two URLs: no duplicates, not by luck."""
    from govarchive.launch.runs import settings_archive

    archive = settings_archive(deployment.settings())
    archive.ensure_source("demo")
    text = "本年度法治政府建设取得新进展，依法行政水平持续提升，行政复议和应诉工作规范有序。" * 8
    frontier = deployment.frontier
    for worker in ("w1", "w2"):
        frontier.heartbeat(worker, 60)

    # one URL fetched twice (two exchanges, one second apart), recorded at the same moment
    same = [_page(f"http://portal.test/{attempt}/a.html", text, s) for s in (1, 2)]
    outcomes = _at_once(*(lambda p=p, r=r: archive.record_report("demo", p, r).outcome for p, r in same))
    assert sorted(outcomes) == ["new", "unchanged"]

    # one text at two new URLs, each recorded under the workers' text lock, as the pipeline does
    moved_text = text.replace("本年度", f"第{attempt}次")
    pages = [_page(f"http://portal.test/{attempt}/{name}.html", moved_text, 3) for name in ("b", "c")]

    def locked(worker: str, page: Any, report: Any) -> str:
        from archive.changes import normalise_text, text_hash

        with frontier.lock(f"demo:text:{text_hash(normalise_text(report.text))}", worker):
            return archive.record_report("demo", page, report).outcome

    outcomes = _at_once(*(lambda w=w, p=p: locked(w, *p) for w, p in zip(("w1", "w2"), pages, strict=True)))
    assert sorted(outcomes) == ["moved", "new"]

    engine = create_engine(deployment.catalog_url)
    with Session(engine) as db:
        reports = db.exec(select(Report)).all()
        versions = db.exec(select(Version)).all()
    engine.dispose()
    assert len(reports) == 2 and len(versions) == 2


# Faults ----------------------------------------------------------------------------------------
@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis of this test's own, with an append-only file, to restart."""
    server = RedisServer(appendonly=True).start()
    try:
        yield server
    finally:
        server.stop()


def test_a_redis_restart_under_running_workers_loses_nothing(
    tmp_path: Path, postgres_url: str, seaweedfs: Any, own_redis: RedisServer, portal_world: Any
) -> None:
    deployment = Deployment(tmp_path / "workers", postgres_url, seaweedfs, own_redis.url)
    families = ("trs", "hanweb")
    names = install(deployment.home, portal_world, families)
    expected = {r.url for r in portal_world.expected_reports() if r.family in families}
    portal_world.set_slow(0.25)  # requests in flight when Redis goes away

    workers = [deployment.start_worker(), deployment.start_worker()]
    deployment.wait_workers(2)
    queued = queue_run(deployment.settings(), names, trigger="test")
    before = wait_for(lambda: logical_archive(deployment.catalog_url), 120, "a first report")
    restarted = time.monotonic()
    own_redis.restart(down=1.0)
    run = deployment.wait_run(queued["run_id"], timeout=120)
    closed = time.monotonic()
    results = [stop(w) for w in workers]
    assert all(code == 0 for code, _, _ in results), [err[-2000:] for _, _, err in results]
    for _, _, err in results:
        assert "Traceback" not in err, err[-3000:]

    assert_archived_once(deployment, run, expected)
    engine = create_engine(deployment.catalog_url)
    with Session(engine) as db:
        source_runs = db.exec(select(SourceRun).where(SourceRun.run_id == run.id)).all()
    engine.dispose()
    # each source's counts summed over both workers once: no finish counted twice
    assert sorted(r.new for r in source_runs) == [8, 8], [(r.source_id, r.new, r.status) for r in source_runs]
    twice = sum(1 for n in page_fetches(portal_world).values() if n > 1)
    print(f"redis restart: {len(before)} of {len(expected)} reports in at the restart, run closed "
          f"{closed - restarted:.1f} s after it, {twice} page(s) fetched twice, "
          f"{sum(len(err.splitlines()) for _, _, err in results)} stderr line(s)")
