"""Coverage of a year's reports per division, end to end: a real crawl of the simulated portal,
then ``govarchive coverage`` (JSON, CSV, text), exact for every division; overdue alerts per division."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from alerts import raise_overdue_events
from archive.catalog.database import create_catalog_engine
from archive.catalog.models import Event
from archive.divisions import registry
from govarchive.cli.coverage import default_year
from tests.cli_helpers import run_cli
from tests.crawl_support import install_sources, run_crawl, world_sources

pytestmark = [pytest.mark.slow]

FAMILIES = ("hanweb", "ucap", "table")
# (family, publisher, year, 发布日期) published on top of the world's own reports
PUBLISHED = (
    ("hanweb", "象山县人民政府", 2025, dt.date(2026, 3, 20)),
    ("ucap", "丽江市古城区人民政府办公室", 2025, dt.date(2026, 4, 15)),  # late
    ("table", "勐海县人民政府", 2025, dt.date(2026, 3, 1)),  # a county's report on its prefecture's portal
)


@pytest.fixture(scope="module")
def crawled(portal_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    world = portal_server.new_world("coverage-module")
    for family, publisher, year, day in PUBLISHED:
        world.publish(family, publisher=publisher, year=year, pub_date=day)
    home = tmp_path_factory.mktemp("home")
    sources = world_sources(world, FAMILIES)
    # one source says its division by code (as `sources import` writes it), the others by region
    sources = [s.model_copy(update={"division_code": "530702"}) if s.name == "demo-ucap" else s for s in sources]
    names = install_sources(home, sources)
    result = run_crawl(home, names)
    assert result.code == 0, result.stderr
    try:
        yield world, home
    finally:
        portal_server.drop_world("coverage-module")


def _ids(home: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    rows = run_cli(capsys, "--home", str(home), "reports", "list", "--json").json()
    return {row["url"]: row["id"] for row in rows}


def _expected(world: Any, ids: dict[str, int], year: int) -> dict[str, dict[str, Any]]:
    """The coverage of ``year`` from the portal's ground truth, by the publisher names it shows."""
    # publisher → (division, kind), as a person reads them; townships are neither
    whose = {"象山县人民政府": ("330225", "government"), "丽江市古城区人民政府": ("530702", "government"),
             "丽江市古城区人民政府办公室": ("530702", "government"), "西双版纳州人民政府办公室": ("532800", "government"),
             "勐海县人民政府": ("532822", "government"), "弥勒市人民政府": ("532504", "government")}
    prefixes = {"象山县": "330225", "古城区": "530702", "西双版纳州": "532800"}
    rows: dict[str, dict[str, Any]] = {}
    for report in world.expected_reports():
        if report.family not in FAMILIES:
            continue
        if report.publisher in whose:
            code, kind = whose[report.publisher]
        elif report.publisher.endswith(("街道办事处", "镇人民政府", "乡人民政府")):
            continue
        else:
            prefix = next(p for p in prefixes if report.publisher.startswith(p))
            code, kind = prefixes[prefix], report.publisher.removeprefix(prefix)
        row = rows.setdefault(code, {"government": [], "departments": set(), "reports": []})
        if report.report_year != year:
            continue
        row["reports"].append(ids[report.url])
        if kind == "government":
            row["government"].append(report.pub_date)
        else:
            row["departments"].add(kind)
    return rows


@pytest.mark.parametrize("year", [2025, 2024, 2021])
def test_coverage_is_exact_for_every_division(crawled: tuple[Any, Path], capsys: pytest.CaptureFixture[str],
                                              year: int) -> None:
    world, home = crawled
    expected = _expected(world, _ids(home, capsys), year)
    result = run_cli(capsys, "--home", str(home), "coverage", "--year", str(year), "--json")
    assert result.code == 0, result.err
    document = result.json()
    assert set(document) == {"year", "divisions"} and document["year"] == year
    rows = {row["code"]: row for row in document["divisions"]}
    assert len(rows) == len(registry())
    for code, row in rows.items():
        want = expected.get(code)
        if want is None:
            assert (row["status"], row["reports"], row["government_report"]) == ("unwatched", [], False), row
            continue
        published = min(want["government"]) if want["government"] else None
        assert row == {
            "code": code, "name": registry().get(code).name, "level": registry().get(code).level,  # type: ignore[union-attr]
            "province": registry().province_of(code).name,  # type: ignore[union-attr]
            "government_report": bool(want["government"]), "department_reports": len(want["departments"]),
            "status": "published" if want["government"] else "missing",
            "reports": sorted(want["reports"]),
            "published_on": published.isoformat() if published else None,
            "on_time": published <= dt.date(year + 1, 3, 31) if published else None,
        }
    if year == 2025:
        assert rows["330225"]["on_time"] is True and rows["530702"]["on_time"] is False
        assert rows["532800"]["status"] == "missing" and rows["532800"]["department_reports"] == 2
        assert rows["532822"]["status"] == "published"


def test_coverage_filters_and_formats(crawled: tuple[Any, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _world, home = crawled
    yunnan = run_cli(capsys, "--home", str(home), "coverage", "--year", "2025", "--province", "云南", "--level",
                     "county", "--json").json()
    assert {r["province"] for r in yunnan["divisions"]} == {"云南省"}
    assert {r["level"] for r in yunnan["divisions"]} == {"county"}
    assert {r["code"] for r in yunnan["divisions"] if r["status"] != "unwatched"} == {"530702", "532822", "532504"}

    table = run_cli(capsys, "--home", str(home), "coverage", "--year", "2025", "--csv")
    rows = list(csv.DictReader(io.StringIO(table.out)))
    minqin = next(r for r in rows if r["code"] == "532800")
    assert (minqin["year"], minqin["status"], minqin["government_report"], minqin["department_reports"]) == (
        "2025", "missing", "false", "2")

    text = run_cli(capsys, "--home", str(home), "coverage", "--year", "2025")
    assert text.code == 0 and "云南省" in text.out and "missing" in text.out
    assert run_cli(capsys, "--home", str(home), "coverage", "--level", "town").code == 2
    bad = run_cli(capsys, "--home", str(home), "coverage", "--province", "火星")
    assert bad.code == 1 and "unknown division '火星'" in bad.err


def test_overdue_alerts_are_per_division(crawled: tuple[Any, Path]) -> None:
    _world, home = crawled
    engine = create_catalog_engine(f"sqlite:///{home / 'catalog.db'}")
    try:
        with Session(engine) as db:
            before = raise_overdue_events(db, dt.date(2026, 3, 31))
            first = raise_overdue_events(db, dt.date(2026, 4, 2))
            again = raise_overdue_events(db, dt.date(2026, 4, 9))
            events = db.exec(select(Event).where(Event.kind == "overdue").order_by(col(Event.id))).all()
            titles = [e.title for e in events]
    finally:
        engine.dispose()
    assert before == [] and len(first) == 1 and again == []
    # 象山县 and 古城区 published (古城区 late, but published); 西双版纳州's government did not
    assert titles == ["西双版纳傣族自治州人民政府：2025 年度报告逾期未发布"]


def test_default_year_is_last_year() -> None:
    assert default_year(dt.date(2026, 1, 5)) == 2025


def test_coverage_web_page_api_and_csv(crawled: tuple[Any, Path], capsys: pytest.CaptureFixture[str]) -> None:
    from fastapi.testclient import TestClient

    from govarchive.config import load_settings
    from govarchive.web import create_app
    from govarchive.web.app import open_backends

    _world, home = crawled
    cli = run_cli(capsys, "--home", str(home), "coverage", "--year", "2025", "--json").json()
    settings = load_settings(home)
    engine, store = open_backends(settings)
    try:
        with TestClient(create_app(settings, engine=engine, store=store, background_sync=False)) as client:
            api = client.get("/api/coverage", params={"year": 2025})
            page = client.get("/coverage", params={"year": 2025, "province": "云南省"})
            download = client.get("/coverage.csv", params={"year": 2025})
            bad = client.get("/api/coverage", params={"province": "火星"})
    finally:
        engine.dispose()
    assert api.status_code == 200 and api.json() == cli
    assert page.status_code == 200
    assert page.text.count("<circle") >= 129 + 4  # every division of 云南省 on the map, plus the legend
    assert 'data-code="532822"' in page.text and "勐海县" in page.text and "#c62828" in page.text
    assert download.headers["content-disposition"] == 'attachment; filename="coverage-2025.csv"'
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == len(registry()) and next(r for r in rows if r["code"] == "330225")["status"] == "published"
    assert bad.status_code == 422 and "火星" in bad.text
