"""The archive writer alone: CPU per recording of ``archive.batch.record_batch``.

Records ``--reports`` report pages (seed-sized, ~15 KB of HTML each) in batches of ``--batch``
three times over a SQLite catalog and a folder store in a temporary folder: a first crawl (every
page new), a full re-check answered 304, and a re-check answered 200 with the same bytes. Prints
process CPU-ms per recording and the resident memory after each (plus the load average), so one
change to the recorder can be compared with the last on the same machine in one run. Loopback
only: no network at all.

    .venv/bin/python bench/record_batch.py --reports 1000 --batch 64
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from archive.batch import Recording, record_batch
from archive.recorder import open_archive
from archive.records import ExtractedReport, FetchedPage
from archive.storage import StoreOptions

_SEEDS = Path(__file__).resolve().parents[1] / "govarchive" / "portal" / "data" / "seeds"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _texts(count: int) -> list[str]:
    seeds = [p.read_text(encoding="utf-8") for p in sorted(_SEEDS.glob("*.txt"))] or ["报告正文。" * 800]
    return [f"第{n}号报告的第一段，独一无二。\n" + seeds[n % len(seeds)][:6000] for n in range(count)]


def _page(n: int, body: bytes, when: dt.datetime, status: int = 200) -> FetchedPage:
    headers = {"content-type": "text/html; charset=utf-8", "etag": f'"e{n}"',
               "last-modified": "Mon, 01 Dec 2025 00:00:00 GMT"}
    return FetchedPage(f"http://127.0.0.1:8080/fzzf/r{n}.html", status, headers, body, when,
                       request_headers={"user-agent": "govarchive-bench"})


def _html(text: str) -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n"))
    return f"<html><head><meta charset='utf-8'><title>t</title></head><body>{paragraphs}</body></html>".encode()


def _timed(label: str, count: int, work: Callable[[], None]) -> None:
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{label:<26} {count:>6} recordings  {1000 * cpu / count:6.2f} CPU-ms each  {wall:6.1f} s wall  "
          f"RSS {_rss() / 1e6:.0f} MB")


def _rss() -> int:
    """This process's resident bytes now."""
    with open("/proc/self/statm", "rb") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    texts = _texts(args.reports)
    bodies = [_html(t) for t in texts]
    reports = [ExtractedReport(title=f"报告{n}", text=t, publisher="某市人民政府", report_year=2025)
               for n, t in enumerate(texts)]
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        archive = open_archive(f"sqlite:///{tmp}/catalog.db", StoreOptions(f"file://{tmp}/objects"))

        def run(make: Callable[[int], Recording]) -> Callable[[], None]:
            def work() -> None:
                for start in range(0, args.reports, args.batch):
                    items = [make(n) for n in range(start, min(start + args.batch, args.reports))]
                    failed = [r for r in record_batch(archive, items) if isinstance(r, Exception)]
                    if failed:
                        raise SystemExit(f"recording failed: {failed[0]!r}")
            return work

        _timed("first crawl (new)", args.reports, run(
            lambda n: Recording("report", "bench", _page(n, bodies[n], START), reports[n])))
        _timed("re-check, 304", args.reports, run(
            lambda n: Recording("not_modified", "bench", _page(n, b"", START + dt.timedelta(days=1), 304))))
        _timed("re-check, 200 same bytes", args.reports, run(
            lambda n: Recording("report", "bench", _page(n, bodies[n], START + dt.timedelta(days=2)), reports[n])))


if __name__ == "__main__":
    main()
