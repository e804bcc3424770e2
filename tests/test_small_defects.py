"""Smaller contracts: ``serve`` on a busy port, bundle links only for files the server may serve, badges
that follow runs, the package metadata, and an install whose lazy imports all work."""

from __future__ import annotations

import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from archive.catalog.models import Bundle
from tests.crawl_support import REPO
from tests.fixtures.web_archive import WebSite

ENGLISH = {"Accept-Language": "en"}
CHINESE = {"Accept-Language": "zh-CN"}


def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "govarchive.cli.main", "--home", str(tmp_path / "home"), "serve", "--port", str(port)],
            cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "serving" not in done.stdout
    assert done.stderr.strip().splitlines() == [f"error: cannot listen on 127.0.0.1:{port}: Address already in use"]


def test_bundles_outside_the_home_get_no_link(web_site: WebSite, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.zip"
    outside.write_bytes(b"PK")
    with web_site.archive._session() as db:
        db.add(Bundle(path=str(outside), format="zip", sha256="0" * 64, size=2))
        db.commit()
    listed = web_site.client.get("/api/bundles").json()["items"][0]
    assert (listed["stored"], listed["download"]) == ("outside", None)
    page = web_site.client.get("/bundles", headers=ENGLISH).text
    assert f"/bundles/{listed['id']}/download" not in page
    assert f"{listed['id']}.zip</span> (outside the home: not served)" in page
    assert "不提供下载" in web_site.client.get("/bundles", headers=CHINESE).text


def test_badges_follow_the_runs(web_site: WebSite) -> None:
    archive = web_site.archive
    archive.ensure_source("flaky", title="Flaky")
    run_id = archive.start_run(["flaky"])
    archive.update_source_run(run_id, "flaky", status="failed", error="HTTP 500")
    archive.finish_run(run_id, status="failed")
    page = web_site.client.get("/sources/flaky", headers=ENGLISH).text
    assert '<span class="badge bad">failed</span>' in page and '<span class="badge ok">ok</span>' not in page.split(
        "<table")[0]
    dashboard = web_site.client.get("/").text
    row = dashboard[dashboard.index("flaky"):].split("</tr>")[0]
    assert "badge bad" in row and "badge ok" not in row


def test_package_metadata_uses_an_spdx_licence() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"
    assert any(dep.startswith("lxml_html_clean") for dep in project["project"]["dependencies"])


def test_every_lazy_import_imports() -> None:
    from govarchive.install_check import check, lazy_imports

    assert "trafilatura" in lazy_imports(REPO / "crawler" / "extraction" / "page.py", "crawler.extraction.page")
    assert check() == []


def test_the_generic_fallback_fails_cleanly_without_trafilatura(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.extraction import page

    monkeypatch.setitem(sys.modules, "trafilatura", None)  # `import trafilatura` raises ImportError
    assert page._trafilatura_lines("<html><body><p>正文</p></body></html>") == []
