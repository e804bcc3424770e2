"""Politeness and failure (robots.txt, Retry-After, a 503 storm, a dead server, blocked challenges), and
small local sites for what the simulated portal does not show (JS-only lists, reports linked as files)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spiders.sources import SourceDefinition
from tests.crawl_support import archived, install_sources, local_source, report_urls, run_crawl, world_sources
from tests.fixtures.static_site import PARAGRAPH, StaticSite, report_page, serve_pages

pytestmark = pytest.mark.slow



@pytest.fixture
def robots_site() -> Iterator[StaticSite]:
    """A small portal whose robots.txt forbids /private/, where one of two reports lives."""
    listing = (
        '<html><head><meta charset="utf-8"></head><body><ul class="list">'
        '<li><a href="/col/public/r1.html">某县2024年法治政府建设情况报告</a></li>'
        '<li><a href="/private/r2.html">某县2023年法治政府建设情况报告</a></li>'
        "</ul></body></html>"
    ).encode()
    yield from serve_pages({
        "/robots.txt": (200, b"User-agent: *\nDisallow: /private/\n"),
        "/col/index.html": (200, listing),
        "/col/public/r1.html": (200, report_page("某县2024年法治政府建设情况报告")),
        "/private/r2.html": (200, report_page("某县2023年法治政府建设情况报告")),
    })


def test_robots_txt_is_obeyed(robots_site: StaticSite, tmp_path: Path) -> None:
    home = tmp_path / "home"
    base = f"http://127.0.0.1:{robots_site.server_address[1]}"
    source = SourceDefinition(name="robots", start_urls=[f"{base}/col/index.html"], render="never")
    names = install_sources(home, [source])
    result = run_crawl(home, names)
    assert result.code == 0, result.stderr
    assert robots_site.seen[0] == "/robots.txt"
    assert "/private/r2.html" not in robots_site.seen
    assert set(archived(home)) == {f"{base}/col/public/r1.html"}
    assert result.source("robots")["discovered"] == 2  # found, but not fetched


PAGED_LISTS, PAGED_REPORTS = 40, 3  # list pages in the column, report links on each


def _paged_listing(page: int, pages: int) -> bytes:
    links = "".join(f'<li><a href="/col/2024/t{page}_{k}.html">某县202{k}年法治政府建设情况报告（{page}）</a></li>'
                    for k in range(PAGED_REPORTS))
    return (f'<html><head><meta charset="utf-8"></head><body><ul class="list">{links}</ul>'
            f'<script>createPageHTML({pages}, {page}, "index", "html");</script></body></html>').encode()


@pytest.fixture
def paged_site() -> Iterator[StaticSite]:
    """A column of forty list pages (a TRS pager that names them all on the first), three reports on each."""
    pages: dict[str, tuple[int, bytes]] = {"/robots.txt": (200, b"User-agent: *\nAllow: /\n")}
    for n in range(PAGED_LISTS):
        pages[f"/col/index{f'_{n}' if n else ''}.html"] = (200, _paged_listing(n, PAGED_LISTS))
        for k in range(PAGED_REPORTS):
            pages[f"/col/2024/t{n}_{k}.html"] = (200, report_page(f"某县202{k}年法治政府建设情况报告（{n}）"))
    yield from serve_pages(pages)


def _most_waiting_reports(seen: list[str]) -> int:
    """The most report links found on fetched list pages but not yet fetched themselves, at any moment."""
    waiting = most = 0
    for path in seen:
        if path.startswith("/col/index"):
            waiting += PAGED_REPORTS
        elif path.startswith("/col/2024/"):
            waiting -= 1
        most = max(most, waiting)
    return most


def test_report_pages_go_before_the_next_list_page(paged_site: StaticSite, tmp_path: Path) -> None:
    """Depth first: a list page's reports go before the further list pages, so the reports waiting
    stay a few pages' worth, not the whole listing's (memory flat in crawl size).

    The first page names all forty list pages at once. Breadth first, nearly all 120 reports would
    wait. Depth first, what waits is set by the list pages Scrapy has in flight (``in_flight_requests``)
    and those downloaded but not yet read by the spider (more on a loaded machine): 15 on a quiet
    machine, 21 once under CI load; the bound, a third of the listing, separates the two orders."""
    home = tmp_path / "home"
    names = local_source(home, f"http://127.0.0.1:{paged_site.server_address[1]}")
    result = run_crawl(home, names, {"concurrent_per_domain": 1})
    assert result.code == 0, result.stderr
    seen = paged_site.seen
    expected = {f"/col/2024/t{n}_{k}.html" for n in range(PAGED_LISTS) for k in range(PAGED_REPORTS)}
    assert {u for u in seen if "/2024/" in u} == expected
    assert _most_waiting_reports(seen) <= PAGED_LISTS * PAGED_REPORTS // 3, seen


def test_retry_after_is_honoured(portal_world: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    names = install_sources(home, world_sources(portal_world, ["trs"]))
    portal_world.set_failing(503, family="trs", times=2, retry_after=2)
    result = run_crawl(home, names)
    assert result.code == 0, result.stderr
    log = [r for r in portal_world.request_log if r.family == "trs"]
    assert [r.status for r in log[:3]] == [503, 503, 200]
    assert log[1].time - log[0].time >= 1.95  # the server asked for two seconds, twice
    assert log[2].time - log[1].time >= 1.95
    assert set(archived(home)) == report_urls(portal_world, ["trs"])


def test_503_storm_gives_clear_errors_and_loses_nothing(portal_world: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    names = install_sources(home, world_sources(portal_world, ["trs", "hanweb"]))
    settings = {"recheck_hours": 0, "removal_checks": 1, "retry_times": 1}
    first = run_crawl(home, names, settings)
    assert first.code == 0, first.stderr
    before = archived(home)
    assert len(before) == 16

    portal_world.set_failing(503, family="trs")
    storm = run_crawl(home, names, settings)
    trs = storm.source("demo-trs")
    assert trs["status"] == "failed" and trs["errors"] > 0
    assert "503" in trs["error"] and "list page" in trs["error"]
    assert storm.source("demo-hanweb")["status"] == "ok"
    assert any(line.startswith("demo-trs: ") and "503" in line for line in storm.stderr.splitlines())
    assert archived(home) == before  # nothing missing, removed or re-versioned

    portal_world.reset()
    after = run_crawl(home, names, settings)
    assert after.code == 0, after.stderr
    assert after.total("new") == 0 and after.total("changed") == 0 and after.total("removed") == 0
    assert archived(home) == before


def test_dead_server_fails_clearly(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    home = tmp_path / "home"
    source = SourceDefinition(name="dead", start_urls=[f"http://127.0.0.1:{port}/col/"], render="never")
    names = install_sources(home, [source])
    result = run_crawl(home, names, {"retry_times": 1}, cli=True)
    assert result.code == 1
    entry = result.source("dead")
    assert entry["status"] == "failed" and entry["errors"] >= 1
    assert "refused" in entry["error"].lower()
    assert result.stderr.strip().splitlines()[-1].startswith("error: crawl failed for dead")
    assert archived(home) == {}


@pytest.mark.browser
def test_challenge_without_the_browser_is_blocked_not_archived(portal_world: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    names = install_sources(home, world_sources(portal_world, ["challenge"]))
    first = run_crawl(home, names, {"recheck_hours": 0})
    assert first.code == 0, first.stderr
    before = archived(home)
    assert set(before) == report_urls(portal_world, ["challenge"])

    blocked = [s.model_copy(update={"render": "never"}) for s in world_sources(portal_world, ["challenge"])]
    install_sources(home, blocked)
    shutil.rmtree(home / "cookies")  # the kept challenge cookies would let it through (test_crawl_hosts.py)
    portal_world.clear_log()
    again = run_crawl(home, names, {"recheck_hours": 0, "removal_checks": 1})
    entry = again.source("demo-challenge")
    assert entry["status"] == "blocked" and entry["blocked"] >= 1
    assert "challenge" in entry["error"]
    assert archived(home) == before  # a challenge is neither content nor a removal
    statuses = [r.status for r in portal_world.request_log if r.family == "challenge"]
    assert statuses and set(statuses) == {412}
    assert len(statuses) <= 1 + len(before)  # each page asked once: no retry loop


@pytest.mark.browser
def test_a_list_only_javascript_can_read_is_rendered(tmp_path: Path) -> None:
    """The list's data URL is assembled by the script, so only running it finds the reports."""
    listing = (
        '<html><head><meta charset="utf-8"></head><body><h2>法治政府建设年度报告</h2><ul id="items" class="list"></ul>'
        '<script>var base = "/da" + "ta/";'
        'fetch(base + "items" + ".js").then(function (r) { return r.json(); }).then(function (items) {'
        ' document.getElementById("items").innerHTML = items.map(function (i) {'
        ' return \'<li><a href="\' + i.u + \'">\' + i.t + "</a></li>"; }).join(""); });</script></body></html>'
    ).encode()
    items = '[{"u": "/col/r1.html", "t": "某县2024年法治政府建设情况报告"}, {"u": "/col/n1.html", "t": "某县2024年政府信息公开工作年度报告"}]'
    for site in serve_pages({
        "/robots.txt": (200, b"User-agent: *\nAllow: /\n"),
        "/col/index.html": (200, listing),
        "/data/items.js": (200, items.encode()),
        "/col/r1.html": (200, report_page("某县2024年法治政府建设情况报告")),
        "/col/n1.html": (200, report_page("某县2024年政府信息公开工作年度报告")),
    }):
        home = tmp_path / "home"
        base = f"http://127.0.0.1:{site.server_address[1]}"
        names = install_sources(home, [SourceDefinition(name="jsonly", start_urls=[f"{base}/col/index.html"])])
        result = run_crawl(home, names)
        assert result.code == 0, result.stderr
        assert "/data/items.js" in site.seen  # fetched by the page's own script, in the browser
        assert set(archived(home)) == {f"{base}/col/r1.html"}
        assert "/col/n1.html" not in site.seen  # not a report by its title: never fetched


@pytest.mark.browser
def test_render_always_sends_every_page_through_the_browser(portal_world: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    names = install_sources(home, world_sources(portal_world, ["table"], render="always"))
    first = run_crawl(home, names, {"recheck_hours": 0})
    assert first.code == 0, first.stderr
    assert set(archived(home)) == report_urls(portal_world, ["table"])
    portal_world.clear_log()
    again = run_crawl(home, names, {"recheck_hours": 0})
    assert again.code == 0, again.stderr
    assert again.total("new") == 0 and again.total("changed") == 0
    pages = [r for r in portal_world.request_log if portal_world.base_url + r.path in report_urls(portal_world)]
    assert pages and all(r.if_none_match or r.if_modified_since for r in pages)  # re-checks ask conditionally, plainly


def test_a_report_linked_as_a_file_is_archived_with_its_text(tmp_path: Path) -> None:
    from govarchive.portal.files import render_attachment

    paragraphs = ("某县2024年法治政府建设情况报告", PARAGRAPH, PARAGRAPH + "（二）")
    pdf, _ = render_attachment("pdf", paragraphs[0], paragraphs, "seed")
    listing = (
        '<html><head><meta charset="utf-8"></head><body><ul class="list">'
        '<li><a href="/files/2024report.pdf">某县2024年法治政府建设情况报告</a></li>'
        '<li><a href="/files/notice.pdf">关于报送2024年法治政府建设情况报告的通知</a></li></ul></body></html>'
    ).encode()
    for site in serve_pages({"/robots.txt": (200, b"User-agent: *\nAllow: /\n"), "/col/index.html": (200, listing),
                        "/files/2024report.pdf": (200, pdf), "/files/notice.pdf": (200, pdf)}):
        home = tmp_path / "home"
        base = f"http://127.0.0.1:{site.server_address[1]}"
        result = run_crawl(home, local_source(home, base))
        assert result.code == 0, result.stderr
        reports = archived(home)
        assert set(reports) == {f"{base}/files/2024report.pdf"}
        assert reports[f"{base}/files/2024report.pdf"].title == "某县2024年法治政府建设情况报告"
        assert "/files/notice.pdf" not in site.seen
