"""The crawl entry points: ``govarchive crawl``/``sources check`` contracts and plain ``scrapy``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_cli
from tests.crawl_support import REPO, archived, crawl_env, install_sources, report_urls, world_sources


def test_crawl_unknown_source_and_bad_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    unknown = run_cli(capsys, "--home", home, "crawl", "no-such-source")
    assert unknown.code == 1
    assert unknown.err.strip() == "error: unknown source 'no-such-source' (see `govarchive sources list`)"
    assert unknown.out == ""
    nothing = run_cli(capsys, "--home", home, "crawl")
    assert nothing.code == 2


@pytest.mark.slow
def test_sources_check_lists_report_pages_and_stores_nothing(portal_world: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    install_sources(home, world_sources(portal_world, ["trs", "jsonlist"]))
    portal_world.clear_log()
    for family in ("trs", "jsonlist"):
        done = subprocess.run(
            [sys.executable, "-m", "govarchive.cli.main", "sources", "check", f"demo-{family}", "--json"],
            cwd=REPO, env=crawl_env(home), capture_output=True, text=True, timeout=180,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert {r["url"] for r in result["reports"]} == report_urls(portal_world, [family])
        assert result["listing_complete"] is True and result["errors"] == 0
    assert not (home / "catalog.db").exists()
    fetched = {portal_world.base_url + r.path for r in portal_world.request_log}
    assert not fetched & report_urls(portal_world)  # discovery only: no report page was fetched


@pytest.mark.slow
def test_plain_scrapy_commands_work_from_the_repository(portal_world: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    install_sources(home, world_sources(portal_world, ["table"]))
    scrapy = [sys.executable, "-m", "scrapy"]
    listed = subprocess.run([*scrapy, "list"], cwd=REPO, env=crawl_env(home), capture_output=True, text=True,
                            timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "portal" in listed.stdout.split()
    crawled = subprocess.run([*scrapy, "crawl", "portal", "-a", "source=demo-table", "-s", "LOG_LEVEL=WARNING"],
                             cwd=REPO, env=crawl_env(home), capture_output=True, text=True, timeout=180)
    assert crawled.returncode == 0, crawled.stderr
    assert set(archived(home)) == report_urls(portal_world, ["table"])


@pytest.mark.slow
def test_discovery_finds_every_report_link_in_long_lists(tmp_path: Path) -> None:
    """Hundreds of reports per column: TRS pages, jpage groups, numbered pages, JSON pages."""
    from govarchive.portal import PortalServer

    server = PortalServer(port=0, scale=150).start()
    try:
        world = server.world()
        home = tmp_path / "home"
        install_sources(home, world_sources(world, ["trs", "hanweb", "ucap", "table", "jsonlist"]))
        for family in ("trs", "hanweb", "ucap", "table", "jsonlist"):
            done = subprocess.run(
                [sys.executable, "-m", "govarchive.launch.runner", "--check", "--json", f"demo-{family}"],
                cwd=REPO, env=crawl_env(home), capture_output=True, text=True, timeout=180,
            )
            assert done.returncode == 0, done.stderr
            result = json.loads(done.stdout)
            expected = report_urls(world, [family])
            assert len(expected) == 150
            assert {r["url"] for r in result["reports"]} == expected, family
            assert result["listing_complete"] is True
    finally:
        server.stop()


@pytest.mark.slow
def test_site_search_finds_reports_from_the_front_page(portal_world: Any, tmp_path: Path) -> None:
    """A source that only knows the portal's front page: TRS was5 search finds the column's reports."""
    home = tmp_path / "home"
    trs = portal_world.family("trs")
    source = world_sources(portal_world, ["trs"])[0].model_copy(
        update={"name": "trs-front", "start_urls": [trs.home_url], "search": "always"})
    install_sources(home, [source])
    portal_world.clear_log()
    done = subprocess.run([sys.executable, "-m", "govarchive.launch.runner", "--check", "--json", "trs-front"],
                          cwd=REPO, env=crawl_env(home), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {r["url"] for r in result["reports"]} == report_urls(portal_world, ["trs"])
    assert any("/was5/web/search" in r.path for r in portal_world.request_log)
