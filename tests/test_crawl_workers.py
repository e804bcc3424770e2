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
from archive.storage import StoreOptions
from crawler.extraction import NoReportText, extract_attachment, extract_page
from crawler.extraction.scoring import load_corpus
from crawler.workers.pagework import PageJob, extract_bytes
from crawler.workers.pool import PagePool
from crawler.workers.writer import BatchWriter, WriterConfig
from crawler.workers.writerproc import ArchiveAddress
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



def test_page_pool_replaces_a_killed_worker_and_carries_large_jobs() -> None:
    """A worker killed between jobs (out of memory, an operator) costs no page: the next job goes
    to a new worker (or is sent again once when the old one dies holding it). A job larger than
    the socket's buffer goes out in pieces while the event loop keeps running."""
    import signal

    small = PageJob("document", "附件正文：法治政府建设情况。".encode(), "http://gov.test/a.txt", name="a.txt",
                    content_type="text/plain")
    large = PageJob("document", ("第一条 依法行政。\n" * 300_000).encode(), "http://gov.test/b.txt", name="b.txt",
                    content_type="text/plain")
    pool = PagePool(workers=1)

    async def scenario() -> tuple[object, object, object, int, list[int]]:
        first = await pool.run(small)
        killed = pool.worker_pids()[0]
        os.kill(killed, signal.SIGKILL)
        second = await pool.run(small)
        third = await pool.run(large)
        return first, second, third, killed, pool.worker_pids()

    try:
        first, second, third, killed, now = asyncio.run(scenario())
    finally:
        pool.shutdown()
    assert first == second == extract_bytes(small)
    assert third == extract_bytes(large) and len(large.body) > 4_000_000
    assert now and killed not in now


def test_only_the_page_a_worker_died_on_is_blamed() -> None:
    """A worker that dies takes every page waiting in it; the one it was working on is blamed (twice
    and it fails), the pages queued behind it are sent again without blame and all come back."""
    import signal

    from crawler.workers.pool import WorkerDiedError

    jobs = [PageJob("document", (f"第{n}条 依法行政。\n" * 300_000).encode(), f"http://gov.test/{n}.txt",
                    name=f"{n}.txt", content_type="text/plain") for n in range(4)]
    pool = PagePool(workers=1, max_in_flight=4)
    killed: list[int] = []

    async def kill_when_sent(count: int) -> None:
        while pool.submitted < count:
            await asyncio.sleep(0.001)
        pid = pool.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    async def scenario() -> list[object]:
        runs = asyncio.gather(*(pool.run(job) for job in jobs), return_exceptions=True)
        await kill_when_sent(4)  # all four out: the first is being worked on
        await kill_when_sent(8)  # all four sent again, in the same order
        return list(await runs)

    try:
        results = asyncio.run(asyncio.wait_for(scenario(), timeout=120))
    finally:
        pool.shutdown()
    assert len(set(killed)) == 2
    assert isinstance(results[0], WorkerDiedError) and not results[0].queued
    assert results[1:] == [extract_bytes(job) for job in jobs[1:]]


def test_an_answer_that_does_not_unpickle_fails_its_page_instead_of_stalling_the_pool() -> None:
    """The crawl reads answers in a loop callback: one it cannot read must fail the page it
    belongs to (and retire the worker), never leave every later page waiting."""
    from crawler.workers.pool import WorkerDiedError, _Worker
    from crawler.workers.spawn import frame

    async def scenario() -> tuple[BaseException | None, BaseException | None, bool]:
        loop = asyncio.get_running_loop()
        worker = _Worker(loop)
        try:
            head, behind = loop.create_future(), loop.create_future()
            worker.waiting.extend([head, behind])
            worker._received(frame(b"not a pickle"))
            return head.exception(), behind.exception(), worker.alive
        finally:
            worker.close()

    head, behind, alive = asyncio.run(asyncio.wait_for(scenario(), timeout=60))
    assert isinstance(head, WorkerDiedError) and not head.queued and "unreadable answer" in str(head)
    assert isinstance(behind, WorkerDiedError) and behind.queued
    assert not alive


_KILLED_PARENT = """
import asyncio, os, sys
from crawler.workers.pagework import PageJob
from crawler.workers.pool import PagePool

pool = PagePool(workers=1)
asyncio.run(pool.run(PageJob("document", b"text", "http://gov.test/a.txt", name="a.txt")))
print(pool.worker_pids()[0], flush=True)
os.kill(os.getpid(), 9)
"""


def _dies_with_its_parent(script: str, *args: str) -> bool:
    """Run ``script`` (prints a child's pid, then SIGKILLs itself); whether that child is gone soon after."""
    import subprocess
    import sys
    import time

    parent = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120,
                            check=False, cwd=Path(__file__).resolve().parent.parent)  # returns: no pipe left open
    child = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    status = Path(f"/proc/{child}/stat")
    return not status.exists() or status.read_text().split(")")[1].split()[0] == "Z"


def test_pool_workers_die_with_a_killed_crawl() -> None:
    assert _dies_with_its_parent(_KILLED_PARENT)


@pytest.fixture(params=["thread", "process"])
def address(request: pytest.FixtureRequest, sqlite_url: str, tmp_path: Path) -> ArchiveAddress | None:
    """None: the writer thread commits; an address: a writer process opens the same archive and does."""
    return ArchiveAddress(sqlite_url, StoreOptions(f"file://{tmp_path / 'objects'}")) if request.param == "process" else None


def _versions(archive: Archive) -> int:
    with Session(archive.engine) as db:
        return int(db.exec(select(func.count()).select_from(Version)).one())


def test_writer_commits_a_full_batch_at_once(archive: Archive, pages: Pages, address: ArchiveAddress | None) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=3, max_wait=30.0, max_queued=6), address)

    async def run() -> list[str]:
        results = await asyncio.wait_for(
            asyncio.gather(*(writer.record(r) for r in report_recordings(pages, 3))), timeout=20)
        return [r.outcome for r in results]

    outcomes = asyncio.run(run())
    writer.close()
    assert outcomes == ["new", "new", "new"]  # long before max_wait: the batch was full
    assert writer.batches == 1
    assert _versions(archive) == 3


def test_writer_commits_a_partial_batch_after_its_wait(archive: Archive, pages: Pages, address: ArchiveAddress | None) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=50, max_wait=0.05, max_queued=50), address)
    marked: list[str] = []

    async def run() -> str:
        result = await asyncio.wait_for(
            writer.record(report_recordings(pages, 1)[0], after=lambda r: marked.append(r.outcome)), timeout=20)
        return result.outcome

    outcome = asyncio.run(run())
    writer.close()
    assert outcome == "new"
    assert writer.batches == 1 and marked == ["new"]
    assert _versions(archive) == 1


def test_writer_queue_is_bounded(archive: Archive, pages: Pages, address: ArchiveAddress | None) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=2, max_wait=0.01, max_queued=3), address)
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

    outcomes = asyncio.run(run())
    writer.close()
    assert outcomes == ["new"] * 10
    assert writer.largest_queue <= 3 + 1  # the bound, plus the blocking call
    assert _versions(archive) == 10


def test_writer_tells_who_waits_for_it_when_it_has_drained(archive: Archive, pages: Pages) -> None:
    """Crawlers sharing a writer pause while it is behind; each is woken by the writer itself, once
    no more than a queue's worth waits, even if that crawler's own pages were all done earlier."""
    writer = BatchWriter(archive, WriterConfig(max_batch=2, max_wait=0.01, max_queued=3))
    gate = threading.Event()
    woken: list[int] = []

    async def run() -> None:
        blocker = asyncio.ensure_future(writer.call(lambda: gate.wait(20)))  # holds the writer thread
        tasks = [asyncio.ensure_future(writer.record(r)) for r in report_recordings(pages, 10)]
        for _ in range(50):
            await asyncio.sleep(0)
        assert writer.pending == 10
        writer.when_drained(lambda: woken.append(writer.pending))
        assert woken == []
        gate.set()
        await blocker
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        writer.when_drained(lambda: woken.append(-1))  # nothing waits: at once

    asyncio.run(run())
    writer.close()
    assert len(woken) == 2 and 0 <= woken[0] <= 3 and woken[1] == -1
    assert writer.pending == 0


def test_writer_isolates_a_failing_recording(archive: Archive, pages: Pages, address: ArchiveAddress | None) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=3, max_wait=30.0, max_queued=3), address)
    good = report_recordings(pages, 2)
    broken = Recording("report", "mile", pages.page("http://gov.test/bad.html", html("x")),
                       Pages.report("x", pub_date="not a date"))  # type: ignore[arg-type]

    async def run() -> list[object]:
        return await asyncio.gather(*(writer.record(r) for r in (good[0], broken, good[1])), return_exceptions=True)

    results = asyncio.run(run())
    writer.close()
    assert isinstance(results[1], Exception)
    assert [getattr(r, "outcome", None) for r in (results[0], results[2])] == ["new", "new"]
    assert _versions(archive) == 2


def test_not_modified_through_the_writer_adds_a_capture_not_a_version(archive: Archive, pages: Pages, address: ArchiveAddress | None) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=8, max_wait=0.05, max_queued=8), address)
    first = report_recordings(pages, 1)[0]
    again = Recording("not_modified", "mile", pages.page(first.page.url, b"", status=304))

    async def run() -> tuple[str, str]:
        one = await writer.record(first)
        two = await writer.record(again)
        return one.outcome, two.outcome

    outcomes = asyncio.run(run())
    writer.close()
    assert outcomes == ("new", "not_modified")
    assert _versions(archive) == 1
    with Session(archive.engine) as db:
        captures = list(db.exec(select(Capture).order_by(Capture.id)))
    assert [(c.status, c.outcome) for c in captures] == [(200, "new"), (304, "not_modified")]
    assert captures[1].payload_key is None and archive.store.size(captures[1].warc_key) < 2048


def test_writer_process_commits_outside_the_crawl_process(archive: Archive, pages: Pages, sqlite_url: str,
                                                          tmp_path: Path) -> None:
    writer = BatchWriter(archive, WriterConfig(max_batch=4, max_wait=0.05, max_queued=8),
                         ArchiveAddress(sqlite_url, StoreOptions(f"file://{tmp_path / 'objects'}")))
    assert writer.process is not None

    async def run() -> list[str]:
        results = await asyncio.gather(*(writer.record(r) for r in report_recordings(pages, 6)))
        listed = await writer.call(lambda: _versions(archive))  # in order: after the batches before it
        return [r.outcome for r in results] + [str(listed)]

    assert asyncio.run(asyncio.wait_for(run(), timeout=60)) == ["new"] * 6 + ["6"]
    child = writer.process.pid()
    assert child is not None and child != os.getpid()
    writer.close()
    assert writer.process.pid() is None and not Path(f"/proc/{child}/cmdline").exists()


def test_an_in_memory_catalog_keeps_the_writer_a_thread(archive: Archive) -> None:
    assert not ArchiveAddress("sqlite://", StoreOptions("file:///tmp/x")).shareable
    assert BatchWriter(archive, address=ArchiveAddress("sqlite:///:memory:", StoreOptions("file:///tmp/x"))).process is None


_KILLED_WRITER_PARENT = """
import asyncio, os, sys
from archive.recorder import open_archive
from archive.storage import StoreOptions
from crawler.workers.writer import BatchWriter
from crawler.workers.writerproc import ArchiveAddress

catalog, store = sys.argv[1], StoreOptions(sys.argv[2])
writer = BatchWriter(open_archive(catalog, store), address=ArchiveAddress(catalog, store))
asyncio.run(writer.call(lambda: None))  # the thread has started its process
print(writer.process.pid(), flush=True)
os.kill(os.getpid(), 9)
"""


def test_writer_process_dies_with_a_killed_crawl(sqlite_url: str, tmp_path: Path) -> None:
    assert _dies_with_its_parent(_KILLED_WRITER_PARENT, sqlite_url, f"file://{tmp_path / 'objects'}")


def test_writer_closes_a_batch_once_no_recording_comes(archive: Archive, pages: Pages) -> None:
    """A crawl's last pages (or a slow source's) are committed once the crawl goes quiet, not after
    the whole max_wait; recordings handed over together still share one batch."""
    writer = BatchWriter(archive, WriterConfig(max_batch=50, max_wait=600.0, max_queued=50, quiet=0.05))
    first, second, third = report_recordings(pages, 3)

    async def run() -> list[str]:
        alone = await asyncio.wait_for(writer.record(first), timeout=60)  # ≪ max_wait
        together = await asyncio.wait_for(asyncio.gather(writer.record(second), writer.record(third)), timeout=60)
        return [alone.outcome] + [r.outcome for r in together]

    outcomes = asyncio.run(run())
    writer.close()
    assert outcomes == ["new"] * 3
    assert writer.batches == 2
    with pytest.raises(ValueError, match="bad writer bounds"):
        WriterConfig(quiet=0)


def test_a_worker_started_ahead_is_the_one_the_crawl_uses(tmp_path: Path) -> None:
    """The crawl starts its workers while it imports Scrapy; the page pool and the writer take
    those very processes, and one that nothing takes is stopped at the end."""
    from scrapy.settings import Settings as ScrapySettings

    from crawler.config import CrawlConfig
    from crawler.workers import spawn, writerproc
    from govarchive.config import load_settings
    from govarchive.launch.runner import _start_workers_ahead
    from govarchive.launch.settings import scrapy_settings

    settings = load_settings(tmp_path)  # its catalog: SQLite in the home, which a writer process can open
    settings = settings.model_copy(update={"crawl": settings.crawl.model_copy(update={"page_workers": 1})})
    ahead = _start_workers_ahead(settings)
    try:
        assert len(ahead) == 2  # one page worker, one writer
        # what the crawler's pipelines compute from its Scrapy settings
        config = CrawlConfig.from_settings(ScrapySettings(scrapy_settings(settings)))
        address = writerproc.writer_address(config)
        assert address is not None
        writer, _sock = spawn.start_worker(f"{writerproc.__name__}:serve", address, os.getpid())
        assert writer.pid == ahead[1]
        _sock.close()
        writer.wait(30)
        pool = PagePool(workers=1)

        async def extract() -> object:
            return await pool.run(PageJob("document", "附件正文。".encode(), "http://gov.test/a.txt", name="a.txt",
                                          content_type="text/plain"))

        try:
            assert asyncio.run(extract()) is not None
            assert pool.worker_pids() == [ahead[0]]
        finally:
            pool.shutdown()
        spare = spawn.prestart("crawler.workers.pool:serve", os.getpid())  # nothing takes it
    finally:
        stopped = spawn.stop_spares()
    assert stopped == 1
    assert not Path(f"/proc/{spare}/cmdline").exists()
    assert spawn.stop_spares() == 0


def test_a_crawl_goes_on_when_its_workers_cannot_be_started_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """Starting workers ahead is an optimisation: a failure to (out of processes or descriptors)
    is a warning, and the run goes on to say what really happened (here: no catalog)."""
    from crawler.workers import spawn
    from govarchive.config import load_settings
    from govarchive.launch import runner
    from spiders.sources import SourceDefinition

    def cannot(payload: bytes) -> object:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(spawn, "_launch", cannot)
    settings = load_settings(tmp_path)
    settings = settings.model_copy(update={"catalog": settings.catalog.model_copy(
        update={"url": "postgresql+psycopg://nobody@127.0.0.1:1/nothing"})})
    assert settings.catalog_url.startswith("postgresql")
    source = SourceDefinition.model_validate({"name": "mile", "start_urls": ["http://127.0.0.1:1/col/"],
                                              "render": "never"})
    with caplog.at_level("WARNING"):
        summary = runner._run_locked(settings, [source], [], trigger="cli", progress=False, all_sources=False,
                                     recheck=False)
    assert "could not start the crawl's workers ahead: [Errno 24] Too many open files" in caplog.text
    assert [s["status"] for s in summary["sources"]] == ["store_unavailable"]
    assert spawn.stop_spares() == 0
