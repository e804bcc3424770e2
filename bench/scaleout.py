"""Scale-out benchmark (run on demand): one worker against two on the same simulated portal.

    .venv/bin/python bench/scaleout.py [--scale 16] [--slow 1.0] [--families trs,hanweb,ucap,table] [--no-write]

Starts its own Redis, PostgreSQL and SeaweedFS on loopback and a simulated portal whose every
answer is delayed by ``--slow`` seconds, so that the figures measure scheduling (how many requests
the workers keep in flight) rather than this machine's two shared cores. Workers are started and
warm (heartbeat seen) before the run is queued; the clock runs from queueing until the catalog says
the run finished. Two settings:

- worker-bound: the portal allows many requests at once (shared per-domain limit 32) but each worker
  keeps at most 2 per source in flight (``worker.concurrency``): a second worker should double it;
- politeness-bound: the portal allows 4 at once over all workers (``crawl.concurrent_per_domain``):
  a second worker must not make it faster, only share the work.

Reports throughput (report pages archived per second), duplicate page fetches (a page asked for more
than once; robots.txt excluded: each worker reads it once), and the peak number of requests the
portal was answering at once. Writes the figures into docs/benchmarks.md under "## Scale-out".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from archive.catalog.models import CrawlRun, Report  # noqa: E402
from crawler.distributed.frontier import Frontier  # noqa: E402
from govarchive.config import load_settings  # noqa: E402
from govarchive.launch.runs import queue_run  # noqa: E402
from govarchive.portal import PortalServer  # noqa: E402
from spiders.sources import portal_sources, write_source_file  # noqa: E402
from tests.fixtures import postgres  # noqa: E402
from tests.fixtures.redis import RedisServer  # noqa: E402
from tests.fixtures.seaweedfs import SeaweedFS  # noqa: E402

SECTION = "## Scale-out"
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
SETTINGS = {  # name → (shared per-domain limit, per-worker per-source concurrency)
    "worker-bound": (32, 2),
    "politeness-bound": (4, 4),
}


@dataclass
class Result:
    setting: str
    workers: int
    reports: int
    seconds: float
    page_requests: int
    duplicates: int
    peak_in_flight: int
    per_worker: list[int]

    @property
    def rate(self) -> float:
        return self.reports / self.seconds if self.seconds else 0.0


class Parts:
    """Redis, PostgreSQL, SeaweedFS and the portal, started once for the whole benchmark."""

    def __init__(self, scale: int, work: Path) -> None:
        self.redis = RedisServer().start()
        server, reason = postgres._start()
        if server is None:
            raise SystemExit(f"PostgreSQL cannot start: {reason}")
        self.postgres = server
        self.seaweedfs = SeaweedFS(work / "seaweedfs")
        self.seaweedfs.start()
        self.portal = PortalServer(host="127.0.0.1", port=0, scale=scale).start()

    def stop(self) -> None:
        self.portal.stop()
        self.seaweedfs.stop()
        postgres._as_postgres([str(postgres.PG_BIN / "pg_ctl"), "-D", str(self.postgres.datadir), "-m", "fast",
                               "-w", "stop"])
        self.redis.stop()


def peak(times: list[float], slow: float) -> int:
    """Most requests the portal was answering at once (each answer takes ``slow`` seconds)."""
    events = sorted([(t, 1) for t in times] + [(t + slow, -1) for t in times], key=lambda e: (e[0], e[1]))
    now = best = 0
    for _, step in events:
        now += step
        best = max(best, now)
    return best


def one_run(parts: Parts, work: Path, setting: str, workers: int, families: list[str], slow: float) -> Result:
    shared, per_worker = SETTINGS[setting]
    tag = f"{setting}-{workers}"
    world = parts.portal.new_world(tag)
    world.set_slow(slow)
    database = f"bench_{tag.replace('-', '_')}"
    parts.postgres.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    parts.postgres.execute(f'CREATE DATABASE "{database}"')
    catalog = parts.postgres.url(database)
    bucket = parts.seaweedfs.new_bucket()
    parts.redis.flush()
    home = work / tag
    names = [write_source_file(s, home / "sources").stem for s in portal_sources(world)
             if s.name.removeprefix("demo-") in families]
    store = {"url": f"s3://{bucket}/archive", "endpoint_url": parts.seaweedfs.endpoint_url,
             "region": parts.seaweedfs.region, "access_key_id": parts.seaweedfs.access_key_id,
             "secret_access_key": parts.seaweedfs.secret_access_key}
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")}
    env.update({
        "GOVARCHIVE_HOME": str(home), "GOVARCHIVE_CATALOG__URL": catalog,
        **{f"GOVARCHIVE_STORE__{k.upper()}": str(v) for k, v in store.items()},
        "GOVARCHIVE_WORKER__REDIS_URL": parts.redis.url, "GOVARCHIVE_WORKER__CONCURRENCY": str(per_worker),
        "GOVARCHIVE_CRAWL__CONCURRENT_PER_DOMAIN": str(shared), "GOVARCHIVE_CRAWL__DOWNLOAD_DELAY": "0",
        "GOVARCHIVE_CRAWL__AUTOTHROTTLE": "false",
    })
    frontier = Frontier.from_url(parts.redis.url)
    processes = [subprocess.Popen([sys.executable, "-m", "govarchive", "worker", "--json", "--idle-timeout", "600"],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(workers)]
    while len(frontier.workers()) < workers:
        if any(p.poll() is not None for p in processes):
            raise SystemExit(f"a worker failed to start: {processes[0].communicate()[1][-2000:]}")
        time.sleep(0.1)
    world.clear_log()
    settings = load_settings(home, catalog={"url": catalog}, store=store, worker={"redis_url": parts.redis.url})
    started = time.monotonic()
    run_id = queue_run(settings, names, trigger="bench")["run_id"]
    engine = create_engine(catalog)
    while True:
        with Session(engine) as db:
            run = db.get(CrawlRun, run_id)
            if run is not None and run.status != "running":
                break
        time.sleep(0.05)
    seconds = time.monotonic() - started
    with Session(engine) as db:
        reports = int(db.exec(select(func.count()).select_from(Report)).one())
    engine.dispose()
    per = []
    for process in processes:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
        if process.returncode != 0:
            raise SystemExit(f"worker failed: {err[-2000:]}")
        per.append(sum(s["fetched"] for s in json.loads(out)["sources"].values()))
    log = [r for r in world.request_log if r.family is not None]
    pages = Counter((r.method, r.path) for r in world.request_log if not r.path.endswith("robots.txt"))
    parts.portal.drop_world(tag)
    return Result(setting, workers, reports, seconds, sum(pages.values()),
                  sum(n - 1 for n in pages.values() if n > 1), peak([r.time for r in log], slow), per)


def render(results: list[Result], args: argparse.Namespace, families: list[str]) -> str:
    rows = []
    for r in results:
        base = next(x for x in results if x.setting == r.setting and x.workers == 1)
        rows.append(f"| {r.setting} | {r.workers} | {r.reports} | {r.seconds:.1f} | {r.rate:.2f} | "
                    f"{r.rate / base.rate:.2f}× | {r.page_requests} | {r.duplicates} | {r.peak_in_flight} | "
                    f"{' / '.join(map(str, r.per_worker))} |")
    table = "\n".join(rows)
    return f"""`bench/scaleout.py --scale {args.scale} --slow {args.slow}` ({dt.date.today().isoformat()}; \
{os.cpu_count()} CPUs shared with other work, Python {platform.python_version()}; Redis, PostgreSQL 15 and
SeaweedFS on loopback). Families {", ".join(families)} of the simulated portal, every answer delayed by
{args.slow} s; workers warm before the run is queued; time from `crawl --distributed` (in-process)
until the catalog closes the run.

| setting | workers | reports | seconds | reports/s | vs 1 worker | page requests | duplicate fetches | peak in flight at the portal | report pages per worker |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
{table}

- worker-bound: shared per-domain limit 32, each worker 2 requests per source in flight; politeness-bound:
  at most 4 requests at once to the portal's host over all workers (a Redis semaphore), 4 per worker.
- "Duplicate fetches" counts pages asked for more than once (robots.txt aside: each worker reads it);
  "peak in flight" is counted at the portal from arrival times and the fixed delay.
- The listing of a source is walked by the one worker that took its seed; report pages are shared.
- Two workers keep twice as many requests in flight when each worker is the limit, but the end-to-end
  gain is smaller: each source's crawl starts with a chain that no number of workers shortens
  (robots.txt → list page(s) → report page → its attachments, one portal delay each), and the run is
  closed on a worker's next one-second tick. With the portal's politeness as the limit, a second
  worker only shares the work: same peak at the portal, same time.
"""


def write_section(body: str) -> None:
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n\n"
    block = f"{SECTION}\n\n{body.rstrip()}\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block
    BENCHMARKS.write_text(text.rstrip() + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=16, help="reports per portal family")
    parser.add_argument("--slow", type=float, default=1.0, help="seconds every portal answer is delayed")
    parser.add_argument("--families", default="trs,hanweb,ucap,table")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    families = args.families.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp:
        work = Path(tmp)
        parts = Parts(args.scale, work)
        try:
            results = []
            for setting in SETTINGS:
                for workers in (1, 2):
                    result = one_run(parts, work, setting, workers, families, args.slow)
                    print(f"{setting} ×{workers}: {result.reports} reports in {result.seconds:.1f} s "
                          f"({result.rate:.2f}/s), {result.duplicates} duplicate fetches, peak "
                          f"{result.peak_in_flight} in flight, per worker {result.per_worker}", flush=True)
                    results.append(result)
        finally:
            parts.stop()
    body = render(results, args, families)
    print(body)
    if not args.no_write:
        write_section(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
