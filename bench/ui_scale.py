"""Benchmark what a person waits for with thousands of sources: the CLI listings and the web pages.

    .venv/bin/python bench/ui_scale.py [--sources 3000] [--reports 1000] [--no-write]

Builds a home with ``--sources`` portals imported from a CSV (``sources import``, one per division
of the registry, never fetched), mirrors them into the catalog as crawled once (a run each, so
the dashboard and the sources page list them all), records ``--reports`` reports attributed to
divisions, then times — each the median of 3 (CLI, whole process) or 5 (web) tries — ``schedule
list``, ``sources list``, ``coverage --json`` and, through ``govarchive serve`` on a loopback
port, the dashboard, the sources page (first and a middle page), the coverage page and their
JSON. Goal: every page and listing under a second. Results replace the ``## UI with thousands of
sources`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.divisions import registry  # noqa: E402
from archive.recorder import open_archive  # noqa: E402
from archive.records import ExtractedReport, FetchedPage  # noqa: E402
from archive.storage import StoreOptions  # noqa: E402
from bench.docs_section import replace_section  # noqa: E402

SECTION = "## UI with thousands of sources"
GOVARCHIVE = [sys.executable, "-m", "govarchive"]


def build_home(home: Path, sources: int, reports: int) -> list[str]:
    """The home: a CSV import of ``sources`` portals, each crawled once, ``reports`` reports."""
    divisions = [d for d in registry() if d.level != "province"][:sources]
    lines = ["name,title,division_code,level,start_url"]
    for n, d in enumerate(divisions):
        lines.append(f"p{d.code},{d.name}人民政府,{d.code},{d.level},http://127.{n // 250 % 250}.{n % 250}.1/")
    csv_file = home / "portals.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([*GOVARCHIVE, "--home", str(home), "sources", "import", str(csv_file)], check=True,
                   capture_output=True)
    print(f"sources import of {len(divisions)} lines: {time.perf_counter() - started:.1f} s", flush=True)
    archive = open_archive(f"sqlite:///{home / 'catalog.db'}", StoreOptions((home / "objects").resolve().as_uri()))
    names = [f"p{d.code}" for d in divisions]
    for d, name in zip(divisions, names, strict=True):
        archive.ensure_source(name, title=f"{d.name}人民政府", region=registry().full_name(d.code), level=d.level,
                              definition={"name": name, "division_code": d.code})
    for start in range(0, len(names), 100):
        batch = names[start:start + 100]
        run = archive.start_run(batch, trigger="cli")
        for name in batch:
            archive.update_source_run(run, name, discovered=1, fetched=1, status="ok")
        archive.finish_run(run, status="ok")
    when = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for n, d in enumerate(divisions[:reports]):
        title = f"{d.name}人民政府关于2025年度法治政府建设情况的报告"
        text = f"{title}\n" + "2025年，我们坚持依法行政，全面推进法治政府建设。" * 20 + f"（{n}）"
        page = FetchedPage(url=f"http://127.0.0.1/{d.code}.html", status=200, headers={"content-type": "text/html"},
                           body=text.encode(), fetched_at=when)
        archive.record_report(names[n], page, ExtractedReport(title=title, text=text, publisher=f"{d.name}人民政府",
                                                               pub_date=dt.date(2026, 3, 1 + n % 28), report_year=2025))
    archive.engine.dispose()
    return names


def cli_time(home: Path, *args: str, tries: int = 3) -> float:
    """Median seconds of one command run in this process (the command's work, not Python's start)."""
    from govarchive.cli.main import main

    times = []
    for _ in range(tries):
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            main(["--home", str(home), *args])
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def process_start() -> float:
    """Median seconds of ``govarchive --help`` as a new process: what every command adds."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([*GOVARCHIVE, "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def web_times(home: Path, paths: Sequence[str], tries: int = 5) -> list[tuple[str, float, int]]:
    port = free_port()
    server = subprocess.Popen([*GOVARCHIVE, "--home", str(home), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/api/sources?limit=1")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            out = []
            for path in paths:
                times, size = [], 0
                for _ in range(tries):
                    started = time.perf_counter()
                    answer = client.get(path)
                    times.append(time.perf_counter() - started)
                    answer.raise_for_status()
                    size = len(answer.content)
                out.append((path, statistics.median(times), size))
            return out
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sources", type=int, default=3000)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--home", type=Path, help="build the home here (kept), or reuse it when it exists")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="govarchive-ui-") as folder:
        home = args.home or Path(folder) / "home"
        if not (home / "catalog.db").exists():
            home.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            build_home(home, args.sources, args.reports)
            print(f"home built in {time.perf_counter() - started:.1f} s", flush=True)
        load = os.getloadavg()[0]
        rows = [
            ("`govarchive schedule list` (first 100 jobs)", cli_time(home, "schedule", "list"), None),
            ("`govarchive schedule list --json` (every job)", cli_time(home, "schedule", "list", "--json"), None),
            ("`govarchive sources list --json`", cli_time(home, "sources", "list", "--json"), None),
            ("`govarchive coverage --json`", cli_time(home, "coverage", "--year", "2025", "--json"), None),
            ("new process: `govarchive --help`", process_start(), None),
        ]
        pages = ["/", "/sources", f"/sources?page={max(1, args.sources // 200)}", "/coverage?year=2025",
                 "/coverage?year=2025&province=甘肃省", "/api/coverage?year=2025", "/api/sources"]
        web = web_times(home, pages)
        load = max(load, os.getloadavg()[0])
    table = ["| what | median s | answer size |", "|---|---:|---:|"]
    table += [f"| {what} | {seconds:.2f} | |" for what, seconds, _ in rows]
    table += [f"| `GET {path}` | {seconds:.2f} | {size / 1e3:,.0f} kB |" for path, seconds, size in web]
    body = "\n".join([
        f"`bench/ui_scale.py --sources {args.sources} --reports {args.reports}` on {dt.date.today().isoformat()}, "
        f"{platform.machine()}, {os.cpu_count()} cores shared with other work (1-minute load average up to "
        f"{load:.1f} while it ran). A home with {args.sources:,} imported sources, each crawled once, and "
        f"{args.reports:,} reports. CLI times are the command's work in a warm process (a new process adds "
        "the `--help` line: Python start and imports), web times one request to `govarchive serve` over loopback.",
        "",
        *table,
        "",
        "The sources page shows 100 sources a page, the dashboard the 20 that need attention first, "
        "`schedule list` 100 jobs unless `--limit` says otherwise; the coverage page draws every division.",
    ])
    print(body)
    if not args.no_write:
        replace_section(SECTION, body)


if __name__ == "__main__":
    main()
