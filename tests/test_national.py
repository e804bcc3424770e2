"""Done when: 200 portals imported by their home pages, crawled; every report and nothing else; a re-crawl
after new reports appear costs at most a third of the first crawl's requests (counted at the server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govarchive.portal.nation import NationServer, nation_divisions
from tests.crawl_support import run_crawl
from tests.nation_support import archived_urls, expected_urls, install_portals

PORTALS = 200
CRAWL = {"parallel_sources": 64}


@pytest.fixture(scope="module")
def nation() -> NationServer:
    server = NationServer(nation_divisions(PORTALS)).start()
    yield server
    server.stop()


def test_two_hundred_portals_by_home_page(nation: NationServer, tmp_path: Path) -> None:
    names = install_portals(tmp_path, nation)
    first = run_crawl(tmp_path, names, CRAWL, timeout=600)
    assert first.code == 0, first.stderr[-2000:]
    first_requests = nation.requests
    expected, found = expected_urls(nation), archived_urls(tmp_path)
    assert len(found & expected) / len(expected) >= 0.99
    assert found <= expected, f"not reports: {sorted(found - expected)[:5]}"
    without = {p.source_name for p in nation.portals if not p.reports()}
    statuses = {s["name"]: s["status"] for s in first.summary["sources"]}
    assert {n for n, s in statuses.items() if s != "ok"} <= without
    assert {n for n, s in statuses.items() if s == "no_report_column"} == {
        p.source_name for p in nation.portals if p.layout == "none"}

    published = [nation.publish(p.index, 2025) for p in nation.portals[::10] if p.layout != "none"]
    published += [nation.publish(p.index, 2024, kind="department") for p in nation.portals[5::20]
                  if p.layout != "none"]
    again = run_crawl(tmp_path, names, CRAWL, timeout=600)
    assert again.code == 0, again.stderr[-2000:]
    second_requests = nation.requests - first_requests
    assert second_requests <= first_requests / 3, (first_requests, second_requests)
    found = archived_urls(tmp_path)
    assert {r["url"] for r in published} <= found
    assert found == expected_urls(nation)
