"""End to end: the scheduler crawls the simulated portal with the real crawler and alerts subscribers.

A report published on the portal gives exactly one alert per matching subscription (a JSON
webhook and an e-mail), none to the others, and nothing more on the next, unchanged crawl.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from archive.catalog.models import CrawlRun
from govarchive.cli.context import open_home_archive
from govarchive.config import load_settings
from govarchive.scheduling import scheduler_options
from scheduler.app import ArchiveScheduler, JobRun, SourceSchedule, build_scheduler
from spiders.sources import portal_sources, write_source_file
from tests.cli_helpers import run_cli
from tests.fixtures.mail import Mailbox, Webhook

FAST_CRAWL = {  # no politeness delays against the loopback portal
    "GOVARCHIVE_CRAWL__DOWNLOAD_DELAY": "0",
    "GOVARCHIVE_CRAWL__AUTOTHROTTLE": "false",
    "GOVARCHIVE_CRAWL__TIMEOUT": "15",
}


def tick(service: ArchiveScheduler) -> list[JobRun]:
    """Run what is due once both the crawl and the dispatcher are (``--once`` at that moment)."""
    due = [job.next_run_time for job in service.jobs() if job.id in ("crawl:demo-trs", "alerts:dispatch")]
    assert len(due) == 2 and None not in due
    return service.run_due(now=max(due) + dt.timedelta(seconds=1))  # type: ignore[type-var]


@pytest.mark.slow
def test_a_report_published_on_the_portal_gives_one_alert_per_matching_subscription(
    tmp_path: Path, portal_world: object, webhook: Webhook, mailbox: Mailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    assert run_cli(capsys, "--home", str(home), "init").code == 0
    for source in portal_sources(portal_world):
        if source.name in ("demo-trs", "demo-hanweb"):
            write_source_file(source, home / "sources")
    settings = load_settings(home)
    archive = open_home_archive(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")} | FAST_CRAWL
    service = build_scheduler(scheduler_options(settings), [SourceSchedule("demo-trs", "*/5 * * * *")], engine=archive.engine, env=env)
    service.open()
    try:
        baseline = tick(service)  # the column's existing reports: archived before anyone subscribed
        for args in ([webhook.url("/trs"), "--source", "demo-trs"],
                     [webhook.url("/hanweb"), "--source", "demo-hanweb"],
                     [webhook.url("/removals"), "--events", "removed"],
                     [mailbox.url(), "--events", "new"]):
            assert run_cli(capsys, "--home", str(home), "alerts", "add", *args).code == 0
        published = portal_world.publish("trs")  # type: ignore[attr-defined]
        after_publish = tick(service)
        unchanged = tick(service)
    finally:
        service.close()

    for runs in (baseline, after_publish, unchanged):
        outcomes = {r.id: (r.status, getattr(r.result, "status", None)) for r in runs}
        assert outcomes["crawl:demo-trs"] == ("ran", "ok"), runs
        assert outcomes["alerts:dispatch"][0] == "ran"
    assert baseline[0].result.stats["new"] >= 8
    assert after_publish[0].result.stats["new"] == 1
    assert unchanged[0].result.stats["new"] == 0

    [alert] = webhook.receipts
    assert alert.path == "/trs"
    assert alert.body["title"] == f"新报告：{published.title}"
    assert f"原文：{published.url}" in alert.body["message"]
    [mail] = mailbox.wait_for(1)
    assert mail["Subject"] == f"新报告：{published.title}"
    assert f"发布机构：{published.publisher}" in mail.get_content()

    with Session(archive.engine) as db:
        runs = list(db.exec(select(CrawlRun).order_by(col(CrawlRun.id))))
    assert [(r.status, r.trigger) for r in runs] == [("ok", "schedule")] * 3
