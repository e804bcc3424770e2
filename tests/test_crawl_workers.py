"""The crawl's workers: page work in a process pool, archive writes group-committed with backpressure."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from archive.batch import Recording
from archive.catalog.models import Capture, Version
from archive.recorder import Archive
from crawler.extraction import NoReportText, extract_attachment, extract_page
from crawler.extraction.scoring import load_corpus
from crawler.workers.pagework import PageJob, extract_bytes
from crawler.workers.pool import PagePool
from crawler.workers.writer import BatchWriter, WriterConfig
from tests.fixtures.archive import Pages, html, report_recordings

CORPUS = Path(__file__).parent / "extraction_corpus"


def test_page_pool_extracts_in_worker_processes_like_inline() -> None:
    cases = load_corpus(CORPUS)[::4]
    jobs = [PageJob("page", c.body, c.url, c.headers) for c in cases]
    jobs.append(PageJob("document", "附件正文：2023年度法治政府建设情况。".encode(), "http://gov.test/a.txt",
                        name="a.txt", content_type="text/plain"))
    pool = PagePool(workers=1)

    async def run_all() -> list[object]:
        results = await asyncio.gather(*(pool.run(job) for job in jobs))
        with pytest.raises(NoReportText):  # errors cross the process boundary with their type
            await pool.run(PageJob("page", b"<html><body></body></html>", "http://gov.test/empty.html"))
        return list(results)

    try:
        results = asyncio.run(run_all())
        workers = pool.worker_pids()
    finally:
        pool.shutdown()
    assert workers and os.getpid() not in workers
    assert pool.submitted == len(jobs) + 1
    inline = [extract_page(c.body, c.url, c.headers) for c in cases]
    inline.append(extract_attachment(jobs[-1].body, "a.txt", "text/plain", "http://gov.test/a.txt"))
    assert results == inline
    assert results[-1] == extract_bytes(jobs[-1])



_KILLED_PARENT = """
import asyncio, os, sys
from crawler.workers.pagework import PageJob
from crawler.workers.pool import PagePool

pool = PagePool(workers=1)
asyncio.run(pool.run(PageJob("document", b"text", "http://gov.test/a.txt", name="a.txt")))
print(pool.worker_pids()[0], flush=True)
os.kill(os.getpid(), 9)
"""


def test_pool_workers_die_with_a_killed_crawl() -> None:
    import subprocess
    import sys
    import time

    child = subprocess.run([sys.executable, "-c", _KILLED_PARENT], capture_output=True, text=True, timeout=120,
                           check=False, cwd=Path(__file__).resolve().parent.parent)  # returns: no pipe left open
    worker = int(child.stdout.split()[0])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    status = Path(f"/proc/{worker}/stat")
    assert not status.exists() or status.read_text().split(")")[1].split()[0] == "Z"


def _versions(archive: Archive) -> int:
    with Session(archive.engine) as db:
        return int(db.exec(select(func.count()).select_from(Version)).one())


def test_writer_commits_a_full_batch_at_once(archive: Archive, pages: Pages) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=3, max_wait=30.0, max_queued=6))

    async def run() -> list[str]:
        results = await asyncio.wait_for(
            asyncio.gather(*(writer.record(r) for r in report_recordings(pages, 3))), timeout=20)
        return [r.outcome for r in results]

    assert asyncio.run(run()) == ["new", "new", "new"]  # long before max_wait: the batch was full
    assert writer.batches == 1
    assert _versions(archive) == 3


def test_writer_commits_a_partial_batch_after_its_wait(archive: Archive, pages: Pages) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=50, max_wait=0.05, max_queued=50))
    marked: list[str] = []

    async def run() -> str:
        result = await asyncio.wait_for(
            writer.record(report_recordings(pages, 1)[0], after=lambda r: marked.append(r.outcome)), timeout=20)
        return result.outcome

    assert asyncio.run(run()) == "new"
    assert writer.batches == 1 and marked == ["new"]
    assert _versions(archive) == 1


def test_writer_queue_is_bounded(archive: Archive, pages: Pages) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=2, max_wait=0.01, max_queued=3))
    gate = threading.Event()

    async def run() -> list[str]:
        blocker = asyncio.ensure_future(writer.call(lambda: gate.wait(20)))  # holds the writer thread
        tasks = [asyncio.ensure_future(writer.record(r)) for r in report_recordings(pages, 10)]
        for _ in range(50):
            await asyncio.sleep(0)
        assert sum(not t.done() for t in tasks) == 10  # nobody got through while the writer was held
        waiting = writer.queued
        gate.set()
        await blocker
        results = await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        assert waiting <= 3 + 1, f"{waiting} jobs queued past the bound of 3 recordings and the call"
        return [r.outcome for r in results]

    assert asyncio.run(run()) == ["new"] * 10
    assert writer.largest_queue <= 3 + 1  # the bound, plus the blocking call
    assert _versions(archive) == 10


def test_writer_isolates_a_failing_recording(archive: Archive, pages: Pages) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=3, max_wait=30.0, max_queued=3))
    good = report_recordings(pages, 2)
    broken = Recording("report", "mile", pages.page("http://gov.test/bad.html", html("x")),
                       Pages.report("x", pub_date="not a date"))  # type: ignore[arg-type]

    async def run() -> list[object]:
        return await asyncio.gather(*(writer.record(r) for r in (good[0], broken, good[1])), return_exceptions=True)

    results = asyncio.run(run())
    assert isinstance(results[1], Exception)
    assert [getattr(r, "outcome", None) for r in (results[0], results[2])] == ["new", "new"]
    assert _versions(archive) == 2


def test_not_modified_through_the_writer_adds_a_capture_not_a_version(archive: Archive, pages: Pages) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=8, max_wait=0.05, max_queued=8))
    first = report_recordings(pages, 1)[0]
    again = Recording("not_modified", "mile", pages.page(first.page.url, b"", status=304))

    async def run() -> tuple[str, str]:
        one = await writer.record(first)
        two = await writer.record(again)
        return one.outcome, two.outcome

    assert asyncio.run(run()) == ("new", "not_modified")
    assert _versions(archive) == 1
    with Session(archive.engine) as db:
        captures = list(db.exec(select(Capture).order_by(Capture.id)))
    assert [(c.status, c.outcome) for c in captures] == [(200, "new"), (304, "not_modified")]
    assert captures[1].payload_key is None and archive.store.size(captures[1].warc_key) < 2048
