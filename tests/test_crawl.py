"""Crawling the simulated portal end to end: recall, precision, incremental re-crawls, changes, removal.

Every crawl runs in a child process through ``govarchive crawl``; the portal runs in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_cli
from tests.crawl_support import (
    archived,
    install_sources,
    non_report_urls,
    report_urls,
    run_crawl,
    world_sources,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ALL = ("trs", "hanweb", "ucap", "table", "jsonlist", "challenge")


@pytest.fixture(scope="module")
def crawled(portal_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path, Any]]:
    """One world with every family, crawled once into a home of its own."""
    world = portal_server.new_world("crawl-module")
    home = tmp_path_factory.mktemp("home")
    names = install_sources(home, world_sources(world))
    world.clear_log()
    result = run_crawl(home, names, cli=True)
    try:
        yield world, home, result
    finally:
        portal_server.drop_world("crawl-module")


def test_first_crawl_archives_every_report_and_nothing_else(crawled: tuple[Any, Path, Any]) -> None:
    world, home, result = crawled
    assert result.code == 0, result.stderr
    reports = archived(home)
    expected = report_urls(world)
    assert len(expected) == 8 * len(ALL)
    assert set(reports) == expected  # recall and precision, every family
    assert not set(reports) & non_report_urls(world)
    assert all(r.versions == 1 and r.status == "active" for r in reports.values())
    for family in ALL:
        entry = result.source(f"demo-{family}")
        assert entry["new"] == 8 and entry["errors"] == 0, entry
        assert entry["discovered"] == 8, entry
    log = world.request_log
    assert all((r.user_agent or "").startswith("govarchive/") for r in log)
    assert any(r.family == "challenge" and r.challenge_passed for r in log)  # the browser passed the challenge
    # … once: the cookie it earned opened every other page to plain requests
    assert sum(1 for r in log if r.family == "challenge" and r.status == 412) <= 2
    assert sum(1 for r in log if r.family == "challenge" and r.challenge_passed) >= 8
    assert any(r.path.startswith("/jsonlist/") and "json" in r.path for r in log)  # the list's JSON was read
    # the report pages' titles are the reports' own
    titles = {r.url: r.title for r in world.expected_reports()}
    assert all(reports[url].title == titles[url] for url in expected)


def test_sources_show_and_list_tell_the_last_run(crawled: tuple[Any, Path, Any],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _, home, result = crawled
    shown = run_cli(capsys, "--home", str(home), "sources", "show", "demo-trs", "--json")
    assert shown.code == 0, shown.err
    doc = shown.json()
    assert doc["last_run_status"] == "ok" and doc["reports"] == 8
    assert doc["last_run"]["id"] == result.summary["run_id"]
    listed = {r["name"]: r for r in run_cli(capsys, "--home", str(home), "sources", "list", "--json").json()}
    assert listed["demo-challenge"]["last_run_status"] == "ok"
    assert listed["cqjb"]["last_run_status"] is None  # a built-in source never crawled here


def test_recrawl_fetches_no_report_page_it_could_ask_conditionally(crawled: tuple[Any, Path, Any]) -> None:
    world, home, _ = crawled
    reports = report_urls(world)
    before = archived(home)

    world.clear_log()
    again = run_crawl(home, [f"demo-{f}" for f in ALL])
    assert again.code == 0, again.stderr
    assert again.total("new") == 0 and again.total("changed") == 0
    fetched = [r for r in world.request_log if world.base_url + r.path in reports]
    assert fetched == []  # known reports wait for their own cadence: only list pages are read

    world.clear_log()
    recheck = run_crawl(home, [f"demo-{f}" for f in ALL], {"recheck_hours": 0})
    assert recheck.code == 0, recheck.stderr
    assert recheck.total("new") == 0 and recheck.total("changed") == 0
    report_requests = [r for r in world.request_log if world.base_url + r.path in reports and r.status != 412]
    assert {world.base_url + r.path for r in report_requests} == reports  # every known report re-checked …
    askable = {url for url, r in before.items() if r.validators}
    assert len(askable) == 8 * 5  # every family but ucap (a view counter, no validators) sends them
    conditional = [r for r in report_requests if world.base_url + r.path in askable]
    assert [r for r in conditional if not (r.if_none_match or r.if_modified_since)] == []  # … conditionally
    assert all(r.status == 304 for r in conditional)
    assert archived(home) == before


def test_report_published_between_crawls_is_found(crawled: tuple[Any, Path, Any]) -> None:
    world, home, _ = crawled
    published = [world.publish(family) for family in ALL]
    result = run_crawl(home, [f"demo-{f}" for f in ALL])
    assert result.code == 0, result.stderr
    reports = archived(home)
    for report in published:
        assert report.url in reports and reports[report.url].versions == 1
    assert result.total("new") == len(ALL) and result.total("changed") == 0
    assert set(reports) == report_urls(world)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_edits_removals_and_chrome_changes(portal_world: Any, home: Path) -> None:
    names = install_sources(home, world_sources(portal_world, ("trs", "hanweb", "table")))
    settings = {"recheck_hours": 0, "removal_checks": 2}
    first = run_crawl(home, names, settings)
    assert first.code == 0, first.stderr
    trs = portal_world.expected_reports("trs")
    hanweb = portal_world.expected_reports("hanweb")
    edited, chrome_only, removed, soft_removed = trs[1].url, hanweb[2].url, trs[3].url, portal_world.expected_reports("table")[0].url
    portal_world.edit_text(edited)
    portal_world.edit_chrome(chrome_only)
    portal_world.remove(removed)
    portal_world.remove(soft_removed, soft=True)

    second = run_crawl(home, names, settings)
    assert second.code == 0, second.stderr
    reports = archived(home)
    assert reports[edited].versions == 2  # one new version for the edit
    assert reports[chrome_only].versions == 1  # page bytes changed, text did not
    assert second.total("changed") == 1 and second.total("new") == 0
    assert reports[removed].status == "active" and reports[soft_removed].status == "active"  # one check so far

    third = run_crawl(home, names, settings)
    assert third.code == 0, third.stderr
    reports = archived(home)
    assert reports[removed].status == "removed" and reports[soft_removed].status == "removed"
    assert third.total("removed") == 2
    assert third.total("changed") == 0 and reports[edited].versions == 2
    others = set(reports) - {removed, soft_removed}
    assert all(reports[url].status == "active" for url in others)

    portal_world.restore(removed)
    fourth = run_crawl(home, names, settings)
    assert fourth.code == 0, fourth.stderr
    assert archived(home)[removed].status == "active"
