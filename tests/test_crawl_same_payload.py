"""A portal that ignores conditional requests answers every re-check with a 200: when the bytes are
the current version's, the crawl records the check without extracting the page again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawl_support import archived, local_source, run_crawl
from tests.fixtures.static_site import StaticSite, report_page, serve_pages

pytestmark = pytest.mark.slow

TITLES = [f"某县202{n}年法治政府建设情况报告" for n in range(3)]


def _listing() -> bytes:
    links = "".join(f'<li><a href="/col/r{n}.html">{title}</a></li>' for n, title in enumerate(TITLES))
    return f'<html><head><meta charset="utf-8"></head><body><ul class="list">{links}</ul></body></html>'.encode()


def _page(n: int) -> bytes:
    """Report ``n``: its own title and its own text (the same text under two URLs would be a move)."""
    return report_page(TITLES[n]).replace(b"<p>1. ", f"<p>1. 第{n + 1}份报告。".encode(), 1)


@pytest.fixture
def plain_site() -> Iterator[StaticSite]:
    pages = {"/robots.txt": (200, b"User-agent: *\nAllow: /\n"), "/col/index.html": (200, _listing())}
    pages.update({f"/col/r{n}.html": (200, _page(n)) for n in range(len(TITLES))})
    yield from serve_pages(pages)


def _last_run_stats(home: Path) -> dict[str, int]:
    """The counters of Scrapy's stats dump in the last crawl's log (``logs/crawl-N.log``)."""
    log = max((home / "logs").glob("crawl-*.log"), key=lambda p: int(p.stem.split("-")[1]))
    dump = log.read_text(encoding="utf-8").split("Dumping Scrapy stats:", 1)[1]
    return {key: int(value) for key, value in re.findall(r"'([\w/]+)': (\d+)[,}]", dump)}


def test_the_crawl_log_keeps_info_and_up_not_a_line_per_request(plain_site: StaticSite, tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run_crawl(home, local_source(home, f"http://127.0.0.1:{plain_site.server_address[1]}"))
    assert result.code == 0, result.stderr
    log = max((home / "logs").glob("crawl-*.log")).read_text(encoding="utf-8")
    assert "Dumping Scrapy stats:" in log and "3 new" in log  # INFO lines are kept
    # Scrapy's own set-up puts its loggers at DEBUG: "Crawled (200)" and "Scraped" for every page
    assert "Crawled (200)" not in log and "Scraped " not in log and "] DEBUG: " not in log


def test_a_200_with_the_same_bytes_is_recorded_without_extraction(plain_site: StaticSite, tmp_path: Path) -> None:
    home = tmp_path / "home"
    names = local_source(home, f"http://127.0.0.1:{plain_site.server_address[1]}")
    first = run_crawl(home, names)
    assert first.code == 0, first.stderr
    assert first.source("files")["new"] == 3
    assert _last_run_stats(home)["extraction/ok"] == 3
    before = archived(home)

    # one report is edited; the portal sends no validators, so every re-check is a plain GET → 200
    plain_site.pages["/col/r1.html"] = (200, _page(1).replace("2025年3月20日".encode(), "2025年3月21日".encode()))
    again = run_crawl(home, names, {"recheck_hours": 0})
    assert again.code == 0, again.stderr
    entry = again.source("files")
    assert (entry["unchanged"], entry["changed"], entry["new"]) == (2, 1, 0)
    stats = _last_run_stats(home)
    assert stats["report/same_payload"] == 2 and stats["extraction/ok"] == 1  # only the edited page was read
    after = archived(home)
    base = f"http://127.0.0.1:{plain_site.server_address[1]}"
    assert {url: r.versions for url, r in after.items()} == {
        f"{base}/col/r0.html": 1, f"{base}/col/r1.html": 2, f"{base}/col/r2.html": 1}
    assert after[f"{base}/col/r0.html"].text_hash == before[f"{base}/col/r0.html"].text_hash


@pytest.fixture
def wide_site() -> Iterator[StaticSite]:
    titles = [f"某县第{n}号2024年法治政府建设情况报告" for n in range(40)]
    links = "".join(f'<li><a href="/col/r{n}.html">{title}</a></li>' for n, title in enumerate(titles))
    listing = f'<html><head><meta charset="utf-8"></head><body><ul class="list">{links}</ul></body></html>'.encode()
    pages = {"/robots.txt": (200, b"User-agent: *\nAllow: /\n"), "/col/index.html": (200, listing)}
    pages.update({f"/col/r{n}.html": (200, report_page(title).replace(b"<p>1. ", f"<p>1. 第{n}号。".encode(), 1))
                  for n, title in enumerate(titles)})
    yield from serve_pages(pages)


def test_fetching_pauses_while_the_archive_writer_is_behind(wide_site: StaticSite, tmp_path: Path) -> None:
    """Answers that need no extraction reach the writer as fast as they are fetched; past twice its
    queue the crawl pauses until it catches up, and still records every page."""
    home = tmp_path / "home"
    names = local_source(home, f"http://127.0.0.1:{wide_site.server_address[1]}")
    first = run_crawl(home, names)
    assert first.code == 0, first.stderr
    assert first.source("files")["new"] == 40
    small = {"recheck_hours": 0, "writer_batch": 1, "writer_queue": 1, "writer_wait": 0.05,
             "concurrent_per_domain": 8}
    again = run_crawl(home, names, small)
    assert again.code == 0, again.stderr
    assert again.source("files")["unchanged"] == 40
    stats = _last_run_stats(home)
    assert stats["report/same_payload"] == 40
    assert stats["archive/writer_backpressure"] >= 1
