"""Sources given by a portal's home page: the report column is sought, remembered, and sought again when gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from alerts import AlertOptions, check_source_health
from govarchive.portal.nation import NationServer, nation_divisions
from tests.crawl_support import run_crawl
from tests.nation_support import archived_urls, expected_urls, install_portals

FAST = {"parallel_sources": 16}


@pytest.fixture
def nation() -> NationServer:
    # the first 24 divisions give every layout: columns 1-4 clicks deep, search only, and none
    server = NationServer(nation_divisions(24)).start()
    yield server
    server.stop()


def test_home_pages_lead_to_every_report_and_nothing_else(nation: NationServer, tmp_path: Path) -> None:
    layouts = {p.layout for p in nation.portals}
    assert {"xxgk3", "xxgk4", "ztzl", "direct", "search", "none"} <= layouts
    names = install_portals(tmp_path, nation)
    result = run_crawl(tmp_path, names, FAST)
    assert result.code == 1, result.stderr  # the portals without a column are not ok: exit 1
    expected = expected_urls(nation)
    assert archived_urls(tmp_path) == expected  # every report, no trap beside it
    for portal in nation.portals:
        entry = result.source(portal.source_name)
        if portal.layout == "none":
            assert entry["status"] == "no_report_column"
            assert "no report column found from the home page" in entry["error"]
        else:
            assert entry["status"] == "ok", entry
    # the columns that listed reports are remembered for the next run
    direct = next(p for p in nation.portals if p.layout == "xxgk4" and p.reports())
    memory = json.loads((tmp_path / "state" / "columns" / f"{direct.source_name}.json").read_text())
    assert memory["columns"] == [nation.base_url(direct) + direct.column_path]

    # a source with no report column raises the source-failing alert
    none = next(p for p in nation.portals if p.layout == "none")
    engine = create_engine(f"sqlite:///{tmp_path / 'catalog.db'}")
    with Session(engine) as db:
        changes = check_source_health(db, AlertOptions(failing_after_runs=1), none.source_name)
    engine.dispose()
    assert [(c.source, c.after) for c in changes] == [(none.source_name, "failing")]
    assert "no report column" in changes[0].reason


def test_a_moved_column_is_sought_again(nation: NationServer, tmp_path: Path) -> None:
    portal = next(p for p in nation.portals if p.layout == "xxgk3" and p.reports())
    install_portals(tmp_path, nation)
    assert run_crawl(tmp_path, [portal.source_name], FAST).code == 0
    before = nation.requests
    again = run_crawl(tmp_path, [portal.source_name], FAST)
    straight = nation.requests - before
    assert again.source(portal.source_name)["status"] == "ok"
    assert straight <= 3, "robots.txt and the remembered column, no search from the home page"
    nation.move_column(portal.index, "ztzl")
    new = nation.publish(portal.index, 2025)
    moved = run_crawl(tmp_path, [portal.source_name], FAST)
    assert moved.source(portal.source_name)["status"] == "ok"
    assert new["url"] in archived_urls(tmp_path)
    memory = json.loads((tmp_path / "state" / "columns" / f"{portal.source_name}.json").read_text())
    assert memory["columns"] == [nation.base_url(portal) + "/ztzl/fzzf/index.html"]
