"""Helpers for crawl tests on the nation mode of the simulated portal: sources from its CSV, the truth."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from spiders.sources import SourceDefinition, write_source_file

if TYPE_CHECKING:
    from govarchive.portal.nation import NationServer


def install_portals(home: Path, nation: NationServer) -> list[str]:
    """The nation's portals as sources of ``home``, each given by its home page; their names."""
    names = []
    for portal in nation.portals:
        source = SourceDefinition(name=portal.source_name, title=portal.gov, level=portal.division.level,
                                  start_urls=[nation.home_url(portal)])
        names.append(write_source_file(source, home / "sources").stem)
    return names


def archived_urls(home: Path) -> set[str]:
    with sqlite3.connect(home / "catalog.db") as db:
        return {row[0] for row in db.execute("select canonical_url from reports")}


def expected_urls(nation: NationServer) -> set[str]:
    return {r["url"] for r in nation.expected()}
