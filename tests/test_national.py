"""Done when: 200 portals imported by their home pages (``sources import``), crawled; every report and
nothing else; ``coverage --json`` exact for every division and year; a re-crawl after new reports appear
costs at most a third of the first crawl's requests (counted at the server) and updates the coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govarchive.portal.nation import NationServer, nation_divisions
from tests.crawl_support import run_crawl
from tests.nation_support import archived_urls, expected_urls, govarchive, install_portals

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
    # exit 1 exactly when some portal has no report column (a source not ok)
    not_ok = int(any(p.layout == "none" for p in nation.portals))
    assert first.code == not_ok, first.stderr[-2000:]
    first_requests = nation.requests
    expected, found = expected_urls(nation), archived_urls(tmp_path)
    assert len(found & expected) / len(expected) >= 0.99
    assert found <= expected, f"not reports: {sorted(found - expected)[:5]}"
    without = {p.source_name for p in nation.portals if not p.reports()}
    statuses = {s["name"]: s["status"] for s in first.summary["sources"]}
    assert {n for n, s in statuses.items() if s != "ok"} <= without
    assert {n for n, s in statuses.items() if s == "no_report_column"} == {
        p.source_name for p in nation.portals if p.layout == "none"}

    assert_coverage(tmp_path, nation, (2022, 2023, 2024))

    published = [nation.publish(p.index, 2025) for p in nation.portals[::10] if p.layout != "none"]
    published += [nation.publish(p.index, 2024, kind="department") for p in nation.portals[5::20]
                  if p.layout != "none"]
    again = run_crawl(tmp_path, names, CRAWL, timeout=600)
    assert again.code == not_ok, again.stderr[-2000:]
    second_requests = nation.requests - first_requests
    assert second_requests <= first_requests / 3, (first_requests, second_requests)
    found = archived_urls(tmp_path)
    assert {r["url"] for r in published} <= found
    assert found == expected_urls(nation)
    assert_coverage(tmp_path, nation, (2024, 2025))


def assert_coverage(home: Path, nation: NationServer, years: tuple[int, ...]) -> None:
    """``coverage --json`` says of each portal's division what the portals hold; no other division is watched."""
    keys = ("government_report", "department_reports", "status", "published_on", "on_time")
    for year in years:
        done = govarchive(home, "coverage", "--year", str(year), "--json")
        assert done.returncode == 0, done.stderr
        rows = {r["code"]: r for r in json.loads(done.stdout)["divisions"]}
        truth = nation.coverage(year)
        wrong = [(code, {k: rows[code][k] for k in keys}, want) for code, want in truth.items()
                 if {k: rows[code][k] for k in keys} != {k: want[k] for k in keys}]
        assert not wrong, f"{year}: {len(wrong)} divisions differ, e.g. {wrong[:3]}"
        assert {c for c, r in rows.items() if r["status"] != "unwatched"} == set(truth)
