"""One run summary for every path: counters, a source's status and error, the run's status."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from archive.catalog.models import SourceRun
from archive.recorder import open_archive
from archive.runsummary import COUNTERS, RunCounts, RunSummary, SourceSummary
from archive.storage import StoreOptions
from crawler.distributed.pipeline import DistributedArchivePipeline
from crawler.outcomes import source_summary
from crawler.pipelines.archive import ArchivePipeline
from govarchive.config import load_settings
from govarchive.launch.worker_settings import worker_settings


def test_counters_are_the_catalogs_source_run_columns() -> None:
    columns = set(SourceRun.model_fields)
    assert set(COUNTERS) <= columns
    assert set(RunCounts().source_run_fields()) <= columns


def test_a_source_summary_from_scrapy_stats_and_back() -> None:
    stats = {"discovery/reports": 5, "report/fetched": 4, "archive/new": 2, "archive/not_modified": 2,
             "discovery/known_skipped": 1, "errors/report": 1, "errors/report/HttpError": 1,
             "downloader/request_count": 9, "finish_reason": "finished"}
    summary = source_summary("s", stats)
    assert (summary.status, summary.requests) == ("failed", 9)
    assert summary.counts == RunCounts(discovered=5, fetched=4, new=2, unchanged=2, not_checked=1, errors=1)
    assert summary.error == "HttpError ×1"
    assert SourceSummary.from_dict(summary.as_dict()) == summary
    assert summary.source_run_fields()["report_links"] == 5


def test_the_run_status_follows_its_sources() -> None:
    ok = SourceSummary("a", "ok")
    assert RunSummary.of(1, [ok, SourceSummary("b", "ok")]).status == "ok"
    run = RunSummary.of(1, [ok, SourceSummary("b", "blocked", error="blocked by an anti-bot challenge")])
    assert (run.status, run.error()) == ("blocked", "b: blocked by an anti-bot challenge")
    mixed = RunSummary.of(1, [SourceSummary("a", "failed"), SourceSummary("b", "store_unavailable")])
    assert mixed.status == "store_unavailable"
    # every source ok, but a source file meant to run could not be read: not every source ran
    skipped = RunSummary.of(1, [ok], ["bad.toml: not TOML"], incomplete=True)
    assert (skipped.status, skipped.error()) == ("failed", "bad.toml: not TOML")
    assert skipped.as_dict()["skipped_files"] == ["bad.toml: not TOML"]


def test_the_worker_swaps_the_archive_pipeline_by_class(tmp_path: Path) -> None:
    pipelines = worker_settings(load_settings(tmp_path), "w1")["ITEM_PIPELINES"]
    names = {path.rsplit(".", 1)[-1]: priority for path, priority in pipelines.items()}
    assert ArchivePipeline.__name__ not in names
    assert names[DistributedArchivePipeline.__name__] == 500  # the archive pipeline's place in the order


def test_a_summary_settles_a_source_run_in_the_catalog(tmp_path: Path) -> None:
    archive = open_archive(f"sqlite:///{tmp_path / 'c.db'}", StoreOptions((tmp_path / "store").as_uri()))
    run_id = archive.start_run(["s"], trigger="test")
    summary = SourceSummary("s", "no_reports", RunCounts(discovered=0, not_checked=3), "no report link found")
    archive.update_source_run(run_id, "s", **summary.source_run_fields())
    run = RunSummary.of(run_id, [summary])
    archive.finish_run(run_id, status=run.status, stats=run.as_dict(), error=run.error())
    with Session(archive.engine) as db:
        row = db.exec(select(SourceRun).where(SourceRun.run_id == run_id)).one()
    assert (row.status, row.not_checked, row.error) == ("no_reports", 3, "no report link found")
    archive.engine.dispose()
