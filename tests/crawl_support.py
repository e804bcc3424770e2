"""Helpers for crawl tests: sources for a portal world, a crawl in a child process, the archive's state.

A crawl runs in its own process (the Twisted reactor starts once per process), through the real
``govarchive`` entry point, with the home and crawl settings given as environment variables.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from archive.catalog.models import Capture, Report, Version
from spiders.sources import SourceDefinition, portal_sources, write_source_file

REPO = Path(__file__).resolve().parent.parent
FAST = {  # no politeness delays against the loopback portal; quick retries
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE": "false",
    "RETRY_BACKOFF": "0.2",
    "TIMEOUT": "15",
    "BROWSER_TIMEOUT": "20",
}


def world_sources(world: Any, families: Iterable[str] | None = None, **changes: Any) -> list[SourceDefinition]:
    """The ``demo-<family>`` sources of ``world``, optionally only some families, with changes."""
    wanted = set(families) if families is not None else None
    out = []
    for source in portal_sources(world):
        if wanted is None or source.name.removeprefix("demo-") in wanted:
            out.append(source.model_copy(update=changes) if changes else source)
    return out


def install_sources(home: Path, sources: Iterable[SourceDefinition]) -> list[str]:
    """Write the sources into the home's ``sources/``; return their names."""
    return [write_source_file(s, home / "sources").stem for s in sources]


def local_source(home: Path, base: str, name: str = "files", start: str = "/col/index.html") -> list[str]:
    """Install one plain source that starts at ``base + start`` (a small local site); its names."""
    return install_sources(home, [SourceDefinition(name=name, start_urls=[f"{base}{start}"], render="never")])


def crawl_env(home: Path, crawl: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The environment of a crawl process: this home, fast crawl settings, nothing inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")}
    env["GOVARCHIVE_HOME"] = str(home)
    for key, value in {**FAST, **{k.upper(): v for k, v in (crawl or {}).items()}}.items():
        env[f"GOVARCHIVE_CRAWL__{key}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@dataclass
class CrawlResult:
    code: int
    summary: dict[str, Any] | None
    stderr: str

    def source(self, name: str) -> dict[str, Any]:
        assert self.summary is not None, self.stderr
        return next(s for s in self.summary["sources"] if s["name"] == name)

    def total(self, key: str) -> int:
        assert self.summary is not None, self.stderr
        return sum(int(s[key]) for s in self.summary["sources"])


def start_crawl(home: Path, names: Iterable[str], crawl: Mapping[str, Any] | None = None,
                cli: bool = False, extra: Iterable[str] = ()) -> subprocess.Popen[str]:
    """A crawl as a child process (not waited for): ``python -m govarchive.launch.runner --json NAMES…``, or with
    ``cli`` the full ``govarchive crawl --json NAMES…`` (slower to start: it loads every command)."""
    command = ["-m", "govarchive.cli.main", "crawl"] if cli else ["-m", "govarchive.launch.runner", "--no-progress"]
    return subprocess.Popen(
        [sys.executable, *command, "--json", *extra, *names],
        cwd=REPO, env=crawl_env(home, crawl), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def run_crawl(home: Path, names: Iterable[str], crawl: Mapping[str, Any] | None = None,
              timeout: float = 240, cli: bool = False, extra: Iterable[str] = ()) -> CrawlResult:
    """Crawl to the end and parse the JSON summary."""
    process = start_crawl(home, names, crawl, cli, extra)
    out, err = process.communicate(timeout=timeout)
    summary = json.loads(out) if out.strip() else None
    return CrawlResult(process.returncode, summary, err)


@dataclass(frozen=True)
class ArchivedReport:
    url: str
    status: str
    versions: int
    text_hash: str | None
    title: str
    validators: bool = False  # the last capture had an ETag or Last-Modified to ask with


def archived(home: Path) -> dict[str, ArchivedReport]:
    """Every report in the home's catalog, by canonical URL."""
    engine = create_engine(f"sqlite:///{home / 'catalog.db'}")
    try:
        with Session(engine) as db:
            counts = dict(db.exec(select(Version.report_id, func.count()).group_by(Version.report_id)).all())
            return {
                r.canonical_url: ArchivedReport(r.canonical_url, r.status, int(counts.get(r.id, 0)), r.text_hash,
                                                r.title, bool(r.etag or r.last_modified))
                for r in db.exec(select(Report)).all()
            }
    finally:
        engine.dispose()


def capture_count(home: Path) -> int:
    engine = create_engine(f"sqlite:///{home / 'catalog.db'}")
    try:
        with Session(engine) as db:
            return int(db.exec(select(func.count()).select_from(Capture)).one())
    finally:
        engine.dispose()


def report_urls(world: Any, families: Iterable[str] | None = None) -> set[str]:
    wanted = set(families) if families is not None else None
    return {r.url for r in world.expected_reports() if wanted is None or r.family in wanted}


def non_report_urls(world: Any) -> set[str]:
    return {n.url for n in world.non_reports()}
