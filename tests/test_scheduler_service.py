"""The scheduler as a running service: crashes of one run, SIGTERM, restarts without lost or repeated alerts.

The service runs in a child process (``SERVICE``: what ``govarchive schedule run`` does, with the
sources given on its command line instead of the source definitions), or in a thread when no
signal is involved. Alerts go to the real webhook receiver; waits are bounded, never assertions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from alerts.subscriptions import SubscriptionFilter, add_subscription
from archive.catalog.models import Delivery
from govarchive.cli.context import open_home_archive
from govarchive.config import load_settings
from scheduler.app import SourceSchedule
from scheduler.children import pid_alive
from tests.fixtures.archive import Pages, html
from tests.fixtures.mail import Webhook, wait_until
from tests.test_scheduler import Harness

SERVICE = r'''
import logging, signal, sys, threading
from archive.catalog.database import create_catalog_engine, init_catalog
from govarchive.config import load_settings
from govarchive.scheduling import scheduler_options
from scheduler.app import SourceSchedule, build_scheduler

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
settings = load_settings()
engine = create_catalog_engine(settings.catalog_url)
init_catalog(engine)
sources = [SourceSchedule(*arg.split("=", 1)) for arg in sys.argv[2:]]
service = build_scheduler(scheduler_options(settings), sources, engine=engine, crawl_command=[sys.executable, sys.argv[1]])
stop = threading.Event()
for signum in (signal.SIGTERM, signal.SIGINT):
    signal.signal(signum, lambda *_: stop.set())
service.serve(stop)
print("stopped cleanly", flush=True)
'''

EVERY_SECOND = "* * * * * *"


class Service:
    """The scheduler service in a child process."""

    def __init__(self, harness: Harness, root: Path, **env: str) -> None:
        self.script = root / "service.py"
        self.script.write_text(SERVICE, encoding="utf-8")
        self.harness = harness
        self.env = {
            **os.environ,
            "GOVARCHIVE_HOME": str(harness.home),
            "FAKE_CRAWL_LOG": str(harness.log),
            "GOVARCHIVE_SCHEDULER__BUSY_SEASON_CRON": "",
            "GOVARCHIVE_SCHEDULER__STOP_GRACE_SECONDS": "5",
            **env,
        }
        self.root = root
        self.started = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *sources: str) -> None:
        self.started += 1
        with (self.root / f"service-{self.started}.log").open("wb") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, str(self.script), str(self.harness.script), *sources],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )

    def signal(self, signum: int, timeout: float = 90) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        return (self.root / f"service-{self.started}.log").read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    h = Harness(tmp_path)
    settings = load_settings(h.home)
    open_home_archive(settings)  # the catalog and object store of the home
    return h


def test_a_crashing_crawl_does_not_stop_the_service(harness: Harness) -> None:
    service = harness.open([SourceSchedule("crashy", EVERY_SECOND), SourceSchedule("quick", EVERY_SECOND)])
    stop = threading.Event()
    thread = threading.Thread(target=service.serve, args=(stop,))
    thread.start()
    try:
        wait_until(lambda: harness.crawled().count("crashy") >= 2 and harness.crawled().count("quick") >= 2,
                   timeout=120, what="two runs of each source")
    finally:
        stop.set()
        thread.join(120)
    assert not thread.is_alive()
    statuses = {(r.sources, r.status) for r in harness.runs()}
    assert ("crashy", "failed") in statuses and ("quick", "ok") in statuses


def test_sigterm_stops_running_crawls_then_the_service(harness: Harness, tmp_path: Path) -> None:
    service = Service(harness, tmp_path)
    service.start(f"sleepy={EVERY_SECOND}")
    try:
        harness.open([], sync=False).close()  # an engine on the same catalog, for looking
        wait_until(lambda: any(r.status == "running" for r in harness.runs()), timeout=120,
                   what="a crawl child running")
        [running] = [r for r in harness.runs() if r.status == "running"]
        assert running.pid is not None and pid_alive(running.pid)

        code = service.signal(signal.SIGTERM)
    finally:
        service.kill()

    assert code == 0, service.output()
    assert "stopped cleanly" in service.output()
    assert not pid_alive(running.pid)
    [run] = harness.runs()
    assert (run.status, run.trigger) == ("interrupted", "schedule")
    assert harness.crawled() == ["sleepy"]


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_restart_in_the_middle_neither_loses_nor_repeats_alerts(
    harness: Harness, tmp_path: Path, webhook: Webhook, pages: Pages, how: str
) -> None:
    archive = open_home_archive(load_settings(harness.home))
    with Session(archive.engine) as db:
        add_subscription(db, webhook.url(), SubscriptionFilter())
    archive.ensure_source("mile", title="弥勒市人民政府")
    for n in range(10):
        archive.record_report("mile", pages.page(f"http://gov.test/{n}.html", html(f"第{n}份报告")),
                              pages.report(text=f"第{n}份报告", title=f"报告{n}"))
    webhook.delay = 0.4  # a slow channel: the stop lands while alerts are going out
    service = Service(harness, tmp_path, GOVARCHIVE_ALERTS__DISPATCH_INTERVAL_SECONDS="1",
                      GOVARCHIVE_ALERTS__SEND_LEASE_SECONDS="3")
    try:
        service.start()
        webhook.wait_for(3, timeout=120)
        code = service.signal(getattr(signal, how))
        before_restart = len(webhook.receipts)
        service.start()
        wait_until(lambda: len(webhook.distinct()) >= 10, timeout=180, what="all ten alerts")
        wait_until(lambda: _statuses(archive.engine) == ["sent"] * 10, timeout=60, what="every delivery marked sent")
        assert service.signal(signal.SIGTERM) == 0
    finally:
        service.kill()

    assert before_restart < 10  # the restart really came in the middle
    assert sorted(r.body["title"] for r in webhook.distinct()) == sorted(f"新报告：报告{n}" for n in range(10))
    if how == "SIGTERM":
        assert code == 0
        assert len(webhook.receipts) == 10  # a clean stop repeats nothing
    else:
        assert code == -signal.SIGKILL
        assert len(webhook.receipts) <= 11  # a kill repeats at most the one alert in flight, under its key


def _statuses(engine: object) -> list[str]:
    with Session(engine) as db:  # type: ignore[arg-type]
        return [d.status for d in db.exec(select(Delivery).order_by(col(Delivery.id)))]


def test_cli_schedule_run_serves_until_sigterm(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")} | {"GOVARCHIVE_HOME": str(home)}
    assert subprocess.run([sys.executable, "-m", "govarchive", "init"], env=env, capture_output=True,
                          timeout=120, check=False).returncode == 0
    log = tmp_path / "service.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "govarchive", "schedule", "run"], env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: "scheduler running with" in log.read_text(encoding="utf-8", errors="replace"),
                       timeout=120, what="the service to start")
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=90)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert code == 0, log.read_text(encoding="utf-8", errors="replace")
    listed = subprocess.run([sys.executable, "-m", "govarchive", "schedule", "list", "--json"], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert listed.returncode == 0 and '"alerts:dispatch"' in listed.stdout
