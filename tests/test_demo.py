"""`govarchive demo`: the end-to-end path on the embedded default (issue 2's done-when)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from govarchive.portal import PortalServer

pytestmark = pytest.mark.slow
STATIC_FAMILIES = ("trs", "hanweb", "ucap", "table")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _govarchive(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")}
    return subprocess.run(
        [sys.executable, "-m", "govarchive", "--home", str(home), *args],
        capture_output=True, text=True, timeout=600, check=False, env=env,
    )


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict, dict]:
    home = tmp_path_factory.mktemp("demo-home")
    port = _free_port()
    first = _govarchive(home, "demo", "--port", str(port), "--json")
    assert first.returncode == 0, first.stderr[-3000:]
    second = _govarchive(home, "demo", "--port", str(port), "--json")
    assert second.returncode == 0, second.stderr[-3000:]
    return home, port, json.loads(first.stdout), json.loads(second.stdout)


def test_first_demo_run_archives_every_family(demo_runs: tuple[Path, int, dict, dict]) -> None:
    _, _, first, _ = demo_runs
    by_name = {s["name"]: s for s in first["sources"]}
    assert len(by_name) >= 6
    for source in by_name.values():
        assert source["new"] > 0, source
        assert source["errors"] == 0, source


def test_second_demo_run_archives_nothing_new(demo_runs: tuple[Path, int, dict, dict]) -> None:
    _, _, _, second = demo_runs
    for source in second["sources"]:
        assert source["new"] == 0, source
        assert source["changed"] == 0, source


def test_reports_list_holds_every_static_report_with_metadata(demo_runs: tuple[Path, int, dict, dict]) -> None:
    home, port, _, _ = demo_runs
    listed = _govarchive(home, "reports", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    reports = {r["url"]: r for r in json.loads(listed.stdout)}
    # The demo's portal is deterministic: a fresh server on another port holds the same truth.
    truth_server = PortalServer(host="127.0.0.1", port=0).start()
    try:
        world = truth_server.world()
        expected = [r for family in STATIC_FAMILIES for r in world.expected_reports(family)]
        base = truth_server.url
    finally:
        truth_server.stop()
    assert expected
    for report in expected:
        url = report.url.replace(base, f"http://127.0.0.1:{port}")
        assert url in reports, f"missing {report.title} ({url})"
        row = reports[url]
        assert row["title"] == report.title
        assert row["publisher"] == report.publisher
        assert row["pub_date"] == report.pub_date.isoformat()
        assert row["versions"] == 1


def test_demo_on_a_taken_port_fails_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = _govarchive(tmp_path, "demo", "--port", str(port))
    assert result.returncode == 1
    assert "in use" in result.stderr
    assert "Traceback" not in result.stderr
