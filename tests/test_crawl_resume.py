"""A crawl killed half-way (SIGKILL) resumes where it stopped and ends with the same archive."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from archive.catalog.models import CrawlRun
from crawler.workers.writer import WriterConfig
from tests.crawl_support import (
    ArchivedReport,
    archived,
    install_sources,
    run_crawl,
    start_crawl,
    world_sources,
)

pytestmark = pytest.mark.slow

FAMILIES = ("trs", "hanweb", "table")
SETTINGS = {"recheck_hours": 0}


def _archived_now(home: Path) -> dict[str, ArchivedReport]:
    try:
        return archived(home)
    except Exception:  # noqa: BLE001 — the catalog may not exist yet, or be mid-migration
        return {}


def _run_statuses(home: Path) -> list[tuple[int, str]]:
    engine = create_engine(f"sqlite:///{home / 'catalog.db'}")
    try:
        with Session(engine) as db:
            return [(r.id, r.status) for r in db.exec(select(CrawlRun).order_by(CrawlRun.id))]  # type: ignore[misc]
    finally:
        engine.dispose()


def _state(reports: dict[str, ArchivedReport]) -> dict[str, tuple[str, int, str | None]]:
    return {url: (r.status, r.versions, r.text_hash) for url, r in reports.items()}


def test_killed_crawl_resumes_to_the_same_archive(portal_world: Any, tmp_path: Path) -> None:
    killed_home, clean_home = tmp_path / "killed", tmp_path / "clean"
    sources = world_sources(portal_world, FAMILIES)
    names = install_sources(killed_home, sources)
    install_sources(clean_home, sources)

    portal_world.set_slow(0.3)
    process = start_crawl(killed_home, names, SETTINGS)
    deadline = time.monotonic() + 120
    while len(_archived_now(killed_home)) < 5 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert process.poll() is None, "the crawl ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.communicate()
    before_kill = _archived_now(killed_home)
    assert 5 <= len(before_kill) < 8 * len(FAMILIES)
    journals = list((killed_home / "jobs").glob("*/done.jsonl"))
    assert journals, f"the killed crawl left no journal to resume from: {sorted(before_kill)} {list((killed_home / 'jobs').rglob('*'))}"

    portal_world.set_slow(0)
    portal_world.clear_log()
    resumed = run_crawl(killed_home, names, SETTINGS)
    assert resumed.code == 0, resumed.stderr
    # the killed run is closed as died; the resumed run's counts add up
    killed_run = _run_statuses(killed_home)[0]
    assert killed_run[1] == "died" and resumed.summary is not None and resumed.summary["run_id"] != killed_run[0]
    for entry in resumed.summary["sources"]:
        assert entry["discovered"] == entry["fetched"] + entry["not_checked"] + entry["resumed"], entry
    assert resumed.total("resumed") >= len(before_kill) - WriterConfig().max_batch
    # what the killed crawl recorded is not fetched again (the pages of its last committed batch may
    # have been recorded but not yet journalled when the kill came; they are only asked for conditionally)
    again = [r for r in portal_world.request_log if portal_world.base_url + r.path in before_kill]
    assert len(again) <= WriterConfig().max_batch and all(r.if_none_match or r.if_modified_since for r in again)
    assert not list((killed_home / "jobs").glob("*/done.jsonl"))  # a clean finish forgets the journal

    clean = run_crawl(clean_home, names, SETTINGS)
    assert clean.code == 0, clean.stderr
    resumed_state, clean_state = _state(archived(killed_home)), _state(archived(clean_home))
    assert resumed_state == clean_state
    assert all(versions == 1 for _, versions, _ in resumed_state.values())  # nothing archived twice
    assert len(resumed_state) == 8 * len(FAMILIES)
