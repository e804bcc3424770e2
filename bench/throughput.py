"""Throughput benchmark: ``govarchive crawl`` next to a bare Scrapy crawl of the same nginx portal.

    .venv/bin/python bench/throughput.py [--reports 2000] [--concurrency 16] [--rounds 3] [--no-write]
    .venv/bin/python bench/throughput.py --profile DIR    # py-spy flame data of each govarchive crawl

A static TRS-style portal (``bench/static_portal.py``: list pages of 20 links, modern and old
table layouts, 20% GBK) is generated to a temporary folder and served by Debian's nginx on
loopback. Each round, back to back on the same pages, each crawl in its own child process:

* bare Scrapy: list pages → report pages, keeps nothing;
* ``govarchive crawl``, first crawl into an empty home (SQLite catalog, folder store);
* ``govarchive crawl`` again with ``crawl.recheck_hours = 0``: every report re-checked, nginx
  answers 304.

All at N requests per host, no download delay, AutoThrottle off. Measured: requests (nginx's
access log), pages/s (requests over Scrapy's ``elapsed_time_seconds``), wall seconds, CPU-ms per
request (user + system of the child and every child process it waited for, start-up included),
peak RSS of the whole process tree (sampled every 50 ms). Ratios are against the bare crawl of the
same round. Writes ``## Throughput`` in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import operator
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from crawl import write_section  # noqa: E402
from static_portal import COLUMN, Nginx, generate  # noqa: E402

from archive.stores.filesystem import FilesystemBlobStore  # noqa: E402

SECTION = "## Throughput"
SOURCE = "bench-static"


@dataclass(slots=True)
class Run:
    """One crawl's figures."""

    name: str
    requests: int
    elapsed: float  # Scrapy's elapsed_time_seconds (summed over sources)
    wall: float
    cpu: float  # seconds, child + reaped descendants
    peak_rss: int  # bytes, whole tree
    roles: dict[str, float] = field(default_factory=dict)  # CPU seconds by process name
    role_peaks: dict[str, float] = field(default_factory=dict)  # peak resident bytes by process name

    def role_ms(self) -> str:
        """CPU-ms per request of each process, largest first."""
        if not self.requests:
            return ""
        parts = sorted(self.roles.items(), key=lambda kv: -kv[1])
        return ", ".join(f"{name} {1000 * secs / self.requests:.1f}" for name, secs in parts if secs > 0.005)

    def role_mb(self) -> str:
        """Peak resident MB of each process, largest first."""
        parts = sorted(self.role_peaks.items(), key=lambda kv: -kv[1])
        return ", ".join(f"{name} {size / 1e6:.0f} MB" for name, size in parts)

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.requests if self.requests else 0.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One look at a process: its name, CPU ticks so far and resident bytes."""

    name: str
    ticks: int
    rss: int


def _tree(pid: int) -> dict[int, Sample]:
    """``pid`` and all its descendants, as they are now (from /proc: each ``stat`` read once)."""
    stats: dict[int, tuple[str, int, int]] = {}  # pid → (name, parent, ticks)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                head, _, tail = handle.read().rpartition(b")")
            fields = tail.split()
            stats[int(entry)] = (head.split(b"(", 1)[1].decode(errors="replace"), int(fields[1]),
                                 int(fields[11]) + int(fields[12]))
        except (OSError, IndexError, ValueError):
            continue
    children: dict[int, list[int]] = {}
    for child, (_, parent, _) in stats.items():
        children.setdefault(parent, []).append(child)
    found, todo = {}, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            with open(f"/proc/{current}/statm", "rb") as handle:
                rss = int(handle.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        if current in stats:
            name, _, ticks = stats[current]
            found[current] = Sample(name, ticks, rss)
    return found


def _by_role(root: int, samples: dict[int, Sample], value: Callable[[Sample], float],
             merge: Callable[[float, float], float]) -> dict[str, float]:
    """``value`` of each process, merged by process name (the crawl process as ``crawl``)."""
    roles: dict[str, float] = {}
    for pid, sample in samples.items():
        role = "crawl" if pid == root else sample.name
        roles[role] = merge(roles[role], value(sample)) if role in roles else value(sample)
    return roles


def run_child(command: Sequence[str], env: dict[str, str], profile: Path | None = None,
              profile_rate: int = 50) -> tuple[str, float, float, int, dict[str, float], dict[str, float]]:
    """Run a child to its end; (stdout, wall seconds, CPU seconds, peak tree RSS, CPU seconds by
    process, peak resident bytes by process)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    spy = None
    if profile is not None:
        spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--subprocesses", "--threads",
                                "--rate", str(profile_rate), "--format", "raw", "-o", str(profile),
                                "--pid", str(process.pid)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    last: dict[int, Sample] = {}  # each process as last seen (its CPU ticks, its own name)
    peaks: dict[int, int] = {}  # each process's largest resident bytes
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            now = _tree(process.pid)
            peak = max(peak, sum(s.rss for s in now.values()))
            last.update(now)
            for pid, seen in now.items():
                peaks[pid] = max(peaks.get(pid, 0), seen.rss)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stdout is not None
    out = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    if spy is not None:
        spy.wait(timeout=60)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} exited {code}")
    total = usage.ru_utime + usage.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    roles = _by_role(process.pid, last, lambda s: s.ticks / tick, operator.add)
    roles["crawl"] = max(0.0, total - sum(v for k, v in roles.items() if k != "crawl"))  # exact total
    # by the last name seen: a worker is named only after it starts (and is its parent's copy before)
    memory = _by_role(process.pid, {pid: Sample(last[pid].name, 0, size) for pid, size in peaks.items()},
                      lambda s: s.rss, max)
    return out, wall, total, max(peak, usage.ru_maxrss * 1024), roles, memory


def _env(home: Path, concurrency: int, **crawl: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")}
    env["GOVARCHIVE_HOME"] = str(home)
    values = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE": "false", "CONCURRENT_PER_DOMAIN": str(concurrency),
              "MAX_LIST_PAGES": "100000",  # the shipped 200 list pages (a trap guard) end a 20,000-report column early
              **{k.upper(): str(v) for k, v in crawl.items()}}
    for key, value in values.items():
        env[f"GOVARCHIVE_CRAWL__{key}"] = value
    return env


def write_source(home: Path, base_url: str) -> None:
    folder = home / "sources"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{SOURCE}.toml").write_text(
        f'name = "{SOURCE}"\ntitle = "static TRS portal"\nstart_urls = ["{base_url}/{COLUMN}/index.html"]\n'
        'render = "never"\nsearch = "never"\n', encoding="utf-8")


def govarchive_crawl(name: str, home: Path, nginx: Nginx, concurrency: int, profile: Path | None,
                     profile_rate: int = 50, **crawl: Any) -> Run:
    nginx.clear_log()
    out, wall, cpu, rss, roles, memory = run_child([sys.executable, "-m", "govarchive", "crawl", SOURCE, "--json"],
                                                   _env(home, concurrency, **crawl), profile, profile_rate)
    summary = json.loads(out[out.index("{"):])
    source = summary["sources"][0]
    if source["status"] != "ok":
        raise SystemExit(f"{name}: crawl status {source['status']}: {source.get('error')}")
    return Run(name, nginx.requests_logged(), float(source["elapsed"]), wall, cpu, rss, roles, memory)


def bare_crawl(home: Path, nginx: Nginx, concurrency: int) -> Run:
    nginx.clear_log()
    out, wall, cpu, rss, roles, memory = run_child(
        [sys.executable, __file__, "--bare-child", f"{nginx.base_url}/{COLUMN}/index.html",
         "--concurrency", str(concurrency)], _env(home, concurrency))
    stats = json.loads(out)
    return Run("bare Scrapy, list → report pages, keeps nothing", nginx.requests_logged(), stats["elapsed"],
               wall, cpu, rss, roles, memory)


def _bare_child(start_url: str, concurrency: int) -> None:
    """In the child: list pages → report pages with Scrapy's defaults and the same politeness."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    pager = re.compile(r"createPageHTML\((\d+),(\d+),\"(\w+)\",\"(\w+)\"\)")

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self) -> Any:
            yield scrapy.Request(start_url, callback=self.parse_list)

        def parse_list(self, response: Any) -> Any:
            for href in response.css("ul.list a::attr(href)").getall():
                yield response.follow(href, callback=self.parse_report)
            if response.url == start_url and (m := pager.search(response.text)):
                for page in range(1, int(m.group(1))):
                    yield response.follow(f"{m.group(3)}_{page}.{m.group(4)}", callback=self.parse_list)

        def parse_report(self, response: Any) -> None:
            return None

    process = CrawlerProcess({
        "USER_AGENT": "govarchive-bench/0.1", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "CONCURRENT_REQUESTS": max(16, concurrency * 4), "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    })
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps({"responses": stats.get("response_received_count", 0),
                      "elapsed": stats.get("elapsed_time_seconds", 0.0)}))


def file_creation_cost(folder: Path, count: int = 400, *, as_the_store: bool = False) -> float:
    """Microseconds of CPU (nearly all of it system time) to create one empty file in a new
    folder under ``folder``. On ext4 that depends on where the new folder's inode lands: under a
    parent in a crowded block group it was 20-40 times dearer on our VMs. ``as_the_store``: in a
    folder under a new folder store's ``sha256/``, where it makes its object folders."""
    probe = Path(tempfile.mkdtemp(prefix="probe-", dir=folder))
    try:
        target = probe
        if as_the_store:  # the store makes its sha256/ folder; an object folder is made under it
            FilesystemBlobStore(probe)
            target = probe / "sha256" / "ab"
            target.mkdir()
        before = time.thread_time()  # nanosecond CPU clock: os.times() counts 10 ms ticks
        for n in range(count):
            os.close(os.open(target / f"f{n}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return 1e6 * (time.thread_time() - before) / count
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def _creating(costs: tuple[float, float]) -> str:
    plain, store = costs
    return f"{plain:.0f} µs of CPU in a plain folder, {store:.0f} µs in one placed as the store places its own"


def _row(run: Run, bare: Run) -> str:
    return (f"| {run.name} | {run.requests:,} | {run.rate:,.0f} | {run.wall:.1f} | {run.cpu_ms:.1f} | "
            f"{run.role_ms()} | {run.peak_rss / 1e6:,.0f} MB | **{run.rate / bare.rate if bare.rate else 0:.2f}×** |")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16, help="requests per host")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-bare", action="store_true", help="govarchive crawls only (memory runs)")
    parser.add_argument("--profile", type=Path, help="write py-spy raw stacks of the govarchive crawls here")
    parser.add_argument("--profile-rate", type=int, default=50, help="py-spy samples per second (with --profile)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--bare-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_child:
        _bare_child(args.bare_child, args.concurrency)
        return

    rounds: list[tuple[float, tuple[float, float], list[Run]]] = []
    with tempfile.TemporaryDirectory(prefix="govarchive-throughput-") as tmp:
        folder = Path(tmp)
        generate(folder, args.reports)
        nginx = Nginx(folder).start()
        try:
            for n in range(args.rounds):
                load = os.getloadavg()[0]
                creating = (file_creation_cost(folder), file_creation_cost(folder, as_the_store=True))
                home = folder / f"home-{n}"
                write_source(home, nginx.base_url)
                bare = (Run("bare Scrapy (skipped)", 0, 0.0, 0.0, 0.0, 0) if args.skip_bare
                        else bare_crawl(home, nginx, args.concurrency))
                profile = args.profile
                if profile is not None:
                    profile.mkdir(parents=True, exist_ok=True)
                first = govarchive_crawl("`govarchive crawl`, first crawl", home, nginx, args.concurrency,
                                         profile / f"first-{n}.txt" if profile else None, args.profile_rate)
                again = govarchive_crawl("`govarchive crawl`, every report re-checked (304)", home, nginx,
                                         args.concurrency, profile / f"recheck-{n}.txt" if profile else None,
                                         args.profile_rate,
                                         RECHECK_HOURS=0)
                runs = [bare, first, again]
                rounds.append((load, creating, runs))
                print(f"round {n + 1}: creating a file cost {_creating(creating)}", flush=True)
                for run in runs:
                    print(f"round {n + 1}: {run.name}: {run.requests} requests, {run.rate:.0f}/s, "
                          f"{run.wall:.1f} s wall, {run.cpu_ms:.1f} CPU-ms/request, "
                          f"{run.peak_rss / 1e6:.0f} MB, {run.rate / bare.rate if bare.rate else 0:.2f}x; "
                          f"CPU-ms by process: {run.role_ms()}; peak RSS by process: {run.role_mb()}", flush=True)
        finally:
            nginx.stop()

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    tables = []
    for n, (load, creating, runs) in enumerate(rounds):
        tables.append(f"Round {n + 1} (load average {load:.2f} before it, from /proc/loadavg; creating a file "
                      f"cost {_creating(creating)}):\n\n"
                      "| crawl | requests | pages/s | wall s | CPU-ms per request | of which, by process | "
                      "peak RSS (tree) | ratio |\n"
                      "|---|---|---|---|---|---|---|---|\n" + "\n".join(_row(r, runs[0]) for r in runs))
    body = f"""
Measured {now} on {platform.machine()}, {os.cpu_count()} cores shared with other engineers, Python {platform.python_version()}. Command: `.venv/bin/python bench/throughput.py --reports {args.reports} --concurrency {args.concurrency} --rounds {args.rounds}`.

Static TRS-style portal (`bench/static_portal.py`): {args.reports:,} reports, list pages of 20 links with a TRS pager, two thirds modern TRS pages and one third old table layout, every fifth page GBK; served by Debian's nginx (one worker) on loopback, which answers conditional requests with 304. {args.concurrency} requests per host, no delay, AutoThrottle off, robots.txt obeyed, `max_list_pages` raised to cover the column, everything else as shipped. The three crawls of a round run back to back; the ratio compares each with the bare crawl of its own round (the machine is shared, so absolute rates move between rounds). CPU-ms per request counts the whole child (start-up included) and every process it waited for (the page-work pool, the archive writer); "by process" splits it by process name (`crawl` is the Scrapy process, `ga-pagework` the page-work worker, `ga-writer` the archive writer; a worker shows as `python` until it names itself; from /proc every 50 ms); peak RSS is the sum over the process tree.

{(chr(10) * 2).join(tables)}

Goals: first crawl and re-check each ≥ 0.7× the bare crawl, ≤ 6 CPU-ms per page, peak RSS ≤ 300 MB.
"""
    print(body)
    if not args.no_write:
        write_section(body, SECTION)


if __name__ == "__main__":
    main()
