"""Helpers for crawl tests on the nation mode of the simulated portal: sources from its CSV, the truth."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tests.crawl_support import REPO

if TYPE_CHECKING:
    from govarchive.portal.nation import NationServer


def install_portals(home: Path, nation: NationServer) -> list[str]:
    """Import the nation's CSV (``govarchive sources import``: every portal by its home page); the names."""
    csv_path = nation.write_csv(home / "portals.csv")
    done = govarchive(home, "sources", "import", str(csv_path), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"]["added"] == len(nation.portals)
    return [p.source_name for p in nation.portals]


def govarchive(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``govarchive ARGS…`` on ``home`` in a child process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")}
    env["GOVARCHIVE_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "govarchive.cli.main", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def archived_urls(home: Path) -> set[str]:
    with sqlite3.connect(home / "catalog.db") as db:
        return {row[0] for row in db.execute("select canonical_url from reports")}


def expected_urls(nation: NationServer) -> set[str]:
    return {r["url"] for r in nation.expected()}
