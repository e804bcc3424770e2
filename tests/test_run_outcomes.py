"""Honest run outcomes: every source ends with a status that says what happened, the run follows its
sources, ``crawl`` exits 0 only when all are ok, and counts say what was actually done."""

from __future__ import annotations

import functools
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from archive.catalog.models import CrawlRun, SourceRun
from archive.outcomes import MEANINGS, Outcome, run_status, source_verdict
from crawler.outcomes import source_status
from spiders.sources import SourceDefinition
from tests.cli_helpers import run_cli
from tests.crawl_support import REPO, archived, crawl_env, install_sources, run_crawl, world_sources

pytestmark = pytest.mark.slow


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def empty_site(tmp_path: Path) -> Iterator[str]:
    """A column page that answers but names no report."""
    root = tmp_path / "site" / "col"
    root.mkdir(parents=True)
    (root / "index.html").write_text('<html><body><ul><li><a href="/about.html">关于我们</a></li></ul></body></html>',
                                     encoding="utf-8")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/col/index.html"
    finally:
        server.shutdown()
        server.server_close()


def _source_runs(home: Path) -> dict[str, str]:
    engine = create_engine(f"sqlite:///{home / 'catalog.db'}")
    try:
        with Session(engine) as db:
            return {f"{r.run_id}:{r.source_id}": r.status for r in db.exec(select(SourceRun))}
    finally:
        engine.dispose()


def test_ok_dead_and_empty_sources_each_say_what_happened(portal_world: Any, empty_site: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    okay = world_sources(portal_world, ["trs"])[0].model_copy(update={"name": "okay"})
    dead = SourceDefinition(name="dead", start_urls=[f"http://127.0.0.1:{_closed_port()}/col/"], render="never")
    empty = SourceDefinition(name="empty", start_urls=[empty_site], render="never", search="never")
    install_sources(home, [okay, dead, empty])
    result = run_crawl(home, ["okay", "dead", "empty"], cli=True)
    assert result.code == 1, result.stderr  # one source failed: a script can tell
    assert result.summary is not None and result.summary["status"] == "failed"
    assert [(s["name"], s["status"]) for s in result.summary["sources"]] == [
        ("okay", "ok"), ("dead", "failed"), ("empty", "no_reports")]
    assert result.source("okay")["error"] is None and result.source("okay")["new"] == 8
    assert "refused" in result.source("dead")["error"].lower()
    assert "no report link" in result.source("empty")["error"]
    assert "Traceback" not in result.stderr
    assert result.source("dead")["requests"] <= 3  # robots.txt, the page, the sitemap: a refusal is not retried
    assert any(line.startswith("dead: failed: ") for line in result.stderr.splitlines())

    shown = run_cli(capsys, "--home", str(home), "sources", "show", "empty", "--json").json()
    assert (shown["last_run_status"], shown["status"]) == ("no_reports", "no_reports")
    listed = {r["name"]: r for r in run_cli(capsys, "--home", str(home), "sources", "list", "--json").json()}
    assert listed["okay"]["status"] == "ok" and listed["dead"]["status"] == "failed"


def test_store_outage_is_one_status_and_one_line(portal_world: Any, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    names = install_sources(home, world_sources(portal_world, ["trs"]))
    (home / "govarchive.toml").write_text(
        '[store]\nurl = "s3://archive/x"\n'
        f'endpoint_url = "http://127.0.0.1:{_closed_port()}"\naccess_key_id = "k"\nsecret_access_key = "s"\n',
        encoding="utf-8")
    result = run_crawl(home, names, cli=True)
    assert result.code == 1
    assert result.summary is not None
    assert result.summary["status"] == "store_unavailable"
    entry = result.source("demo-trs")
    assert entry["status"] == "store_unavailable" and "unavailable" in entry["error"]
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 4, result.stderr
    assert archived(home) == {}
    shown = run_cli(capsys, "--home", str(home), "sources", "show", "demo-trs", "--json").json()
    assert shown["status"] == shown["last_run_status"] == shown["last_run"]["status"] == "store_unavailable"


def test_counts_tell_rechecked_from_not_checked(portal_world: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    names = install_sources(home, world_sources(portal_world, ["trs"]))
    assert run_crawl(home, names).code == 0
    again = run_crawl(home, names)  # within the 24 h cadence: nothing re-checked
    entry = again.source("demo-trs")
    assert (entry["unchanged"], entry["not_checked"], entry["fetched"]) == (0, 8, 0)
    portal_world.clear_log()
    forced = run_crawl(home, names, cli=True, extra=["--recheck"])
    entry = forced.source("demo-trs")
    assert forced.code == 0, forced.stderr
    assert (entry["unchanged"], entry["not_checked"], entry["fetched"]) == (8, 0, 8)
    assert entry["discovered"] == entry["fetched"] + entry["not_checked"] + entry["resumed"]


def test_a_run_whose_process_died_is_marked_so(tmp_path: Path) -> None:
    from archive.recorder import open_archive
    from archive.storage import StoreOptions

    home = tmp_path / "home"
    home.mkdir()
    archive = open_archive(f"sqlite:///{home / 'catalog.db'}", StoreOptions(f"file://{home / 'objects'}"))
    archive.ensure_source("gone")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    run_id = archive.start_run(["gone"], pid=gone.pid)
    from archive import queries

    runs = queries.list_runs(archive.engine)
    assert [(r["id"], r["status"]) for r in runs] == [(run_id, "died")]
    with Session(archive.engine) as db:
        run = db.get(CrawlRun, run_id)
        assert run is not None and run.finished_at is not None and str(gone.pid) in (run.error or "")
        assert [r.status for r in db.exec(select(SourceRun))] == ["died"]


def test_the_vocabulary() -> None:
    assert set(MEANINGS) == {o.value for o in Outcome}
    assert run_status(["ok", "ok"]) == "ok"
    assert run_status(["ok", "no_reports"]) == "no_reports"
    assert run_status(["ok", "failed", "no_reports"]) == "failed"
    assert run_status(["failed", "store_unavailable"]) == "store_unavailable"
    counts = {"blocked": 0, "errors": 0, "discovered": 3, "resumed": 0}
    assert source_status(counts, {"finish_reason": "finished"}) == "ok"
    # a spider's own status (home-page discovery) wins and is not ok anywhere
    assert source_status(counts, {"govarchive/source_status": "no_report_column"}) == "no_report_column"
    assert source_status({**counts, "discovered": 0}, {}) == "no_reports"
    assert source_status(counts, {"archive/error/StoreUnavailableError": 1}) == "store_unavailable"
    assert source_status(counts, {"finish_reason": "closespider_timeout"}) == "timeout"
    assert source_verdict("ok", "failed") == "failed"  # never "ok" above a failed run
    assert source_verdict("ok", "no_report_column") == "no_report_column"
    assert source_verdict("failing", "ok") == "failing"
    assert source_verdict("ok", "ok") == "ok" and source_verdict("ok", "running") == "ok"
    assert all("\n" not in meaning for meaning in MEANINGS.values())


def test_one_bad_source_file_is_skipped_and_the_rest_goes_on(portal_world: Any, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    names = install_sources(home, world_sources(portal_world, ["trs"]))
    (home / "sources" / "typo.toml").write_text('name = "typo"\nrender = never\nstart_urls = ["http://127.0.0.1/"]\n', encoding="utf-8")
    result = run_crawl(home, names, cli=True)
    assert result.code == 0, result.stderr  # the named source is fine; the typo is someone else's
    assert result.source("demo-trs")["status"] == "ok"
    assert any("typo.toml:2:" in line and "skipped" in line for line in result.stderr.splitlines()), result.stderr
    assert result.summary is not None and result.summary["skipped_files"][0].startswith(str(home / "sources"))
    scheduled = run_cli(capsys, "--home", str(home), "schedule", "list", "--json")
    assert scheduled.code == 0 and "typo.toml:2:" in scheduled.err
    assert "demo-trs" in scheduled.out
    named = run_crawl(home, ["typo"], cli=True)  # asked for by name: its own error, one line
    assert named.code == 1 and named.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "typo.toml:2:" in named.stderr


def test_a_cli_crawl_sends_its_alerts_or_says_where_they_wait(portal_world: Any, webhook: Any, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    names = install_sources(home, world_sources(portal_world, ["trs", "hanweb"]))
    assert run_cli(capsys, "--home", str(home), "alerts", "add", webhook.url(), "--source", "demo-trs").code == 0
    quiet = run_crawl(home, ["demo-trs"], cli=True, extra=["--no-alerts"])
    assert quiet.code == 0, quiet.stderr
    assert quiet.summary is not None and quiet.summary["alerts"] == {
        "sent": 0, "failed_attempts": 0, "pending": 0, "undispatched": 8}
    assert webhook.receipts == []

    portal_world.publish("trs")
    sent = run_crawl(home, names, cli=True)  # as the service would: health, then the alerts go out
    assert sent.code == 0, sent.stderr
    assert sent.summary is not None and sent.summary["alerts"]["sent"] == 9
    assert sent.summary["alerts"]["pending"] == sent.summary["alerts"]["undispatched"] == 0
    assert len(webhook.distinct()) == 9

    table = subprocess.run([sys.executable, "-m", "govarchive.cli.main", "crawl", "demo-hanweb", "--no-alerts"],
                           cwd=REPO, env=crawl_env(home), capture_output=True, text=True, timeout=240, check=False)
    assert table.returncode == 0, table.stderr
    assert "alerts: 0 sent, 0 pending" in table.stderr and "govarchive alerts dispatch" in table.stderr


def test_any_status_but_ok_counts_toward_source_failing() -> None:
    from alerts.health import assess
    from alerts.options import AlertOptions

    runs = [SourceRun(run_id=n, source_id=1, status=status, report_links=5)
            for n, status in enumerate(["no_report_column", "store_unavailable", "no_reports"], start=1)][::-1]
    verdict = assess(runs, 5, AlertOptions(failing_after_runs=3))
    assert verdict.health == "failing" and verdict.consecutive_failures == 3
    assert assess(runs[:2], 5, AlertOptions(failing_after_runs=3)).health is None  # not yet three in a row
