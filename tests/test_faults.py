"""Faults survived, with real servers: the object store failing and slow (a fault proxy in front of
SeaweedFS), the catalog's disk full (a small tmpfs), PostgreSQL restarted in the middle of a crawl.

Each: no archived data lost, no version recorded twice, a clear one-line status, the next run
completes. The figures of docs/faults.md come from these tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from archive.catalog.models import Report, Version
from tests.crawl_support import archived, install_sources, report_urls, run_crawl, start_crawl, world_sources
from tests.fixtures.faults import FaultProxy
from tests.fixtures.postgres import PG_BIN, PostgresServer, _as_postgres, _start

pytestmark = pytest.mark.slow


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


def _write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "govarchive.toml").write_text(text, encoding="utf-8")


@pytest.mark.s3
def test_object_store_errors_and_slowness(portal_world: Any, seaweedfs: Any, s3_fault_proxy: FaultProxy,
                                          tmp_path: Path) -> None:
    home = tmp_path / "home"
    bucket = seaweedfs.new_bucket()
    _write_config(home, f'[store]\nurl = "s3://{bucket}/archive"\nendpoint_url = "{s3_fault_proxy.url}"\n'
                        f'access_key_id = "{seaweedfs.access_key_id}"\nsecret_access_key = "{seaweedfs.secret_access_key}"\n'
                        f'region = "{seaweedfs.region}"\n')
    names = install_sources(home, world_sources(portal_world, ["trs"]))

    s3_fault_proxy.fail(503, times=4)  # a short outage: the store's retries ride it out
    first = run_crawl(home, names)
    assert first.code == 0, first.stderr
    assert (first.source("demo-trs")["new"], s3_fault_proxy.failed) == (8, 4)

    s3_fault_proxy.heal()
    s3_fault_proxy.slow(0.3)  # every store request 0.3 s late
    slow = run_crawl(home, names, extra=["--recheck"])
    assert slow.code == 0, slow.stderr
    assert slow.source("demo-trs")["unchanged"] == 8

    s3_fault_proxy.heal()
    s3_fault_proxy.fail(500)  # down for good: the source stops with one clear status
    published = portal_world.publish("trs")
    down = run_crawl(home, names, cli=True)
    assert down.code == 1
    assert down.source("demo-trs")["status"] == "store_unavailable"
    _no_traceback(down.stderr)
    assert len(down.stderr.strip().splitlines()) <= 4, down.stderr
    assert published.url not in archived(home)

    s3_fault_proxy.heal()
    after = run_crawl(home, names)
    assert after.code == 0, after.stderr
    state = archived(home)
    assert set(state) == report_urls(portal_world, ["trs"]) and published.url in state
    assert all(r.versions == 1 for r in state.values())


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs (the test runs as root, as CI does here)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], check=True, timeout=30)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, timeout=30)


def _fill(folder: Path) -> Path:
    """Take every free byte of ``folder``'s filesystem."""
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def test_catalog_disk_full(portal_world: Any, small_disk: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    _write_config(home, f'[catalog]\nurl = "sqlite:///{small_disk / "catalog.db"}"\n')
    names = install_sources(home, world_sources(portal_world, ["trs"]))
    first = run_crawl(home, names)
    assert first.code == 0, first.stderr
    before = _reports(f"sqlite:///{small_disk / 'catalog.db'}")

    filler = _fill(small_disk)
    published = portal_world.publish("trs")
    full = run_crawl(home, names, cli=True)
    assert full.code == 1
    assert full.summary is not None and full.summary["status"] == "store_unavailable", full.summary
    _no_traceback(full.stderr)
    assert "the disk is full" in full.stderr

    filler.unlink()  # (SQLite cannot even open a WAL catalog for reading on a full disk)
    assert _reports(f"sqlite:///{small_disk / 'catalog.db'}") == before  # nothing lost, nothing half-written
    after = run_crawl(home, names)
    assert after.code == 0, after.stderr
    now = _reports(f"sqlite:///{small_disk / 'catalog.db'}")
    assert set(now) == set(before) | {published.url} and all(v == 1 for v in now.values())


def _reports(url: str) -> dict[str, int]:
    """Versions per report URL in the catalog at ``url``."""
    engine = create_engine(url)
    try:
        with Session(engine) as db:
            counts = dict(db.exec(select(Version.report_id, func.count()).group_by(Version.report_id)).all())
            return {r.canonical_url: int(counts.get(r.id, 0)) for r in db.exec(select(Report)).all()}
    finally:
        engine.dispose()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, to restart."""
    server, reason = _start()
    assert server is not None, reason
    try:
        yield server
    finally:
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(server.datadir), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(server.datadir.parent, ignore_errors=True)


def _pg_ctl(server: PostgresServer, *args: str) -> None:
    """``pg_ctl`` on ``server`` (``restart`` also starts a stopped server with its saved options)."""
    done = _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(server.datadir), "-m", "fast", "-w", *args,
                         "-l", str(server.datadir.parent / "log")])
    assert done.returncode == 0, done.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("fault", ["restart", "stop"])
def test_postgres_restarted_mid_crawl(portal_world: Any, own_postgres: PostgresServer, tmp_path: Path,
                                      fault: str) -> None:
    """``restart``: the server restarts once 3 reports are in. ``stop``: it stays down until the crawl
    ends, so demo-hanweb (crawled after demo-trs: same host) starts against a catalog that is down."""
    own_postgres.execute('CREATE DATABASE "faults"')
    url = own_postgres.url("faults")
    home = tmp_path / "home"
    _write_config(home, f'[catalog]\nurl = "{url}"\n')
    names = install_sources(home, world_sources(portal_world, ["trs", "hanweb"]))
    portal_world.set_slow(0.25)
    crawl = start_crawl(home, names)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and crawl.poll() is None:
        try:
            if len(_reports(url)) >= 3:
                break
        except Exception:  # noqa: BLE001 — the schema may not exist yet
            pass
        time.sleep(0.2)
    assert crawl.poll() is None, "the crawl ended before the restart"
    _pg_ctl(own_postgres, fault)
    out, err = crawl.communicate(timeout=240)
    _no_traceback(err)
    summary = json.loads(out)
    sources = {s["name"]: s for s in summary["sources"]}
    assert {s["status"] for s in sources.values()} <= {"ok", "store_unavailable"}, summary
    for source in sources.values():  # one clear line: the catalog, and what the driver said
        if source["status"] == "store_unavailable":
            assert source["error"].startswith("catalog unavailable: "), source
    assert (crawl.returncode == 0) == all(s["status"] == "ok" for s in sources.values())
    if fault == "stop":
        assert sources["demo-hanweb"]["status"] == "store_unavailable", summary
        assert crawl.returncode == 1
        _pg_ctl(own_postgres, "restart")

    portal_world.set_slow(0)
    after = run_crawl(home, names)
    assert after.code == 0, after.stderr
    state = _reports(url)
    assert set(state) == report_urls(portal_world, ["trs", "hanweb"])
    assert all(v == 1 for v in state.values())
