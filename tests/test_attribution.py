"""Attribution of reports to a division and a publisher kind: the rules, the page's SiteIDCode,
the recorder, the migration's backfill and ``reports attribute``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from archive.attribution import attribute
from archive.catalog.database import create_catalog_engine, init_catalog
from archive.catalog.models import Report, Source
from archive.divisions import registry
from archive.recorder import Archive
from crawler.extraction.page import extract_page
from govarchive.portal import World
from tests.cli_helpers import run_cli
from tests.fixtures.archive import Pages, html, make_store


@pytest.mark.parametrize(
    ("publisher", "title", "site_code", "expected"),
    [
        ("民勤县人民政府", "民勤县2023年法治政府建设年度报告", None, ("620621", "government", None, "publisher")),
        ("武威市民勤县人民政府办公室", "", None, ("620621", "government", None, "publisher")),
        ("武威市民勤县司法局", "", None, ("620621", "department", "司法局", "publisher")),
        (None, "民勤县司法局关于2023年度法治政府建设工作情况的报告", None, ("620621", "department", "司法局", "title")),
        (None, "民勤县2023年法治政府建设年度报告", None, ("620621", "government", None, "title")),
        ("县司法局", "关于2023年法治政府建设情况的报告", "6206210001", ("620621", "department", "司法局", "site_code")),
        (None, "关于2023年法治政府建设情况的报告", "6206210001", ("620621", "government", None, "site_code")),
        ("本网", "关于2023年法治政府建设情况的报告", "6206210001", ("620621", "government", None, "site_code")),
        ("民勤县市场监督管理局", "", None, ("620621", "department", "市场监督管理局", "publisher")),
        ("民勤县人民政府国有资产监督管理委员会", "", None, ("620621", "department", "国有资产监督管理委员会", "publisher")),
        ("西双版纳州人民政府", "", None, ("532800", "government", None, "publisher")),
        ("大徐镇人民政府", "", "3302250001", ("330225", "township", "大徐镇", "site_code")),
        # a shared stem of a far-away county is no match; a full unique name is
        ("丹东街道办事处", "", "3302250001", ("330225", "township", "丹东街道办事处", "site_code")),
        ("弥勒市人民政府", "", "3302250001", ("532504", "government", None, "publisher")),
        # 朝阳区: Beijing's or Changchun's, as the portal's province says
        (None, "朝阳区2023年法治政府建设年度报告", "1100000001", ("110105", "government", None, "title")),
        (None, "朝阳区2023年法治政府建设年度报告", "2201000001", ("220104", "government", None, "title")),
        (None, "朝阳区2023年法治政府建设年度报告", None, (None, None, None, None)),
        # a division gone from the table (重庆市江北区, 2025) keeps the portal's code
        ("重庆市江北区司法局", "", "5001050001", ("500105", "department", "司法局", "site_code")),
        ("重庆市江北区人民政府", "", "5001050001", ("500105", "government", None, "site_code")),
    ],
)
def test_rules(publisher: str | None, title: str, site_code: str | None, expected: tuple[str | None, ...]) -> None:
    found = attribute(registry(), publisher=publisher, title=title, site_code=site_code)
    assert (found.division_code, found.publisher_kind, found.department, found.basis) == expected


def test_source_code_or_name_is_the_fallback() -> None:
    reg = registry()
    by_code = attribute(reg, title="2023年法治政府建设年度报告", source_division="620621")
    by_name = attribute(reg, title="2023年法治政府建设年度报告", source_names=("北京市密云区", "北京市密云区人民政府"))
    department = attribute(reg, publisher="市发展和改革委员会", title="x", source_division="620600")
    assert (by_code.division_code, by_code.publisher_kind, by_code.basis) == ("620621", "government", "source")
    assert (by_name.division_code, by_name.basis) == ("110118", "source")
    assert (department.division_code, department.department) == ("620600", "发展和改革委员会")


def test_site_id_code_is_read_from_the_portal_page(portal_world: World) -> None:
    family = portal_world.family("ucap")  # hanweb pages leave SiteIDCode empty, as some real ones do
    report = portal_world.expected_reports("ucap")[0]
    response = httpx.get(report.url, timeout=10)
    extracted = extract_page(response.content, report.url, dict(response.headers))
    assert extracted.site_code == family.site_id_code == "5307020001"
    assert extracted.metadata()["site_code"] == "5307020001"
    found = attribute(registry(), publisher=extracted.publisher, title=extracted.title, site_code=extracted.site_code)
    assert (found.division_code, found.publisher_kind) == ("530702", "department")


def _record(archive: Archive, pages: Pages, url: str, **metadata: object) -> None:
    text = f"{metadata.get('title')}。" + "本年度依法行政工作取得新进展。" * 10
    archive.record_report("minqin", pages.page(url, html(text)), pages.report(text=text, **metadata))


def test_recorder_attributes_and_the_migration_backfills(tmp_path: Path, pages: Pages,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    url = f"sqlite:///{home / 'catalog.db'}"
    engine = create_catalog_engine(url)
    init_catalog(engine)
    archive = Archive(engine, make_store(home / "objects"))
    archive.ensure_source("minqin", title="民勤县人民政府", definition={"name": "minqin", "division_code": "620621"})
    _record(archive, pages, "http://127.0.0.1/gov.html", title="关于2023年法治政府建设情况的报告",
            publisher="民勤县人民政府", report_year=2023)
    _record(archive, pages, "http://127.0.0.1/sfj.html", title="县司法局2023年法治政府建设年度报告",
            publisher=None, report_year=2023)
    _record(archive, pages, "http://127.0.0.1/zy.html", title="张掖市人民政府2023年法治政府建设年度报告",
            publisher="张掖市人民政府", report_year=2023, site_code="6206210001")

    def attributed() -> list[tuple[str | None, str | None, str | None]]:
        with Session(engine) as db:
            rows = db.exec(select(Report).order_by(Report.id)).all()
            return [(r.division_code, r.publisher_kind, r.department) for r in rows]

    expected = [("620621", "government", None), ("620621", "department", "司法局"), ("620700", "government", None)]
    assert attributed() == expected


    listed = run_cli(capsys, "--home", str(home), "reports", "list", "--division", "民勤县", "--json")
    assert [(r["division_code"], r["publisher_kind"], r["department"]) for r in listed.json()] == expected[:2]
    shown = run_cli(capsys, "--home", str(home), "reports", "show", str(listed.json()[1]["id"]))
    assert "620621 甘肃省武威市民勤县 (司法局)" in shown.out

    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE reports SET division_code = NULL, publisher_kind = NULL")
    again = run_cli(capsys, "--home", str(home), "reports", "attribute", "--json")
    assert again.code == 0 and again.json() == {"reports": 3, "changed": 3, "attributed": 3}
    assert attributed() == expected
    engine.dispose()


def test_the_migration_attributes_an_archive_from_before(tmp_path: Path) -> None:
    engine = create_catalog_engine(f"sqlite:///{tmp_path / 'old.db'}")
    init_catalog(engine, revision="0003")
    now = "2025-04-01 00:00:00"
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO sources (name, title, region, level, definition_json, health, consecutive_failures, "
            "created_at) VALUES ('mq', '民勤县人民政府', '', 'county', '{\"division_code\": \"620621\"}', 'ok', 0, ?)",
            (now,))
        for n, (title, publisher) in enumerate([("关于2023年法治政府建设情况的报告", "民勤县人民政府"),
                                                ("县司法局2023年法治政府建设年度报告", None)]):
            connection.exec_driver_sql(
                "INSERT INTO reports (source_id, canonical_url, title, publisher, report_year, status, missing_checks, "
                "current_version, first_seen, last_seen, last_checked, last_changed) "
                "VALUES (1, ?, ?, ?, 2023, 'active', 0, 1, ?, ?, ?, ?)",
                (f"http://127.0.0.1/{n}.html", title, publisher, now, now, now, now))
    init_catalog(engine)
    with Session(engine) as db:
        rows = db.exec(select(Report).order_by(Report.id)).all()
        assert [(r.division_code, r.publisher_kind, r.department, r.attributed_by) for r in rows] == [
            ("620621", "government", None, "publisher"), ("620621", "department", "司法局", "source")]
    engine.dispose()


def test_a_source_given_another_division_has_its_reports_attributed_again(any_archive: Archive, pages: Pages) -> None:
    archive = any_archive
    archive.ensure_source("minqin", title="", definition={"name": "minqin", "division_code": "620621"})
    _record(archive, pages, "http://127.0.0.1/r.html", title="关于2023年法治政府建设情况的报告", publisher=None,
            report_year=2023)
    archive.ensure_source("minqin", definition={"name": "minqin", "division_code": "620602"})  # a corrected CSV line
    with Session(archive.engine) as db:
        [report] = db.exec(select(Report)).all()
    assert (report.division_code, report.publisher_kind) == ("620602", "government")


def test_ensure_sources_writes_only_the_new_and_the_changed(any_archive: Archive, pages: Pages) -> None:
    from sqlalchemy import event

    archive = any_archive
    entries = [{"name": "minqin", "title": "民勤县人民政府", "level": "county",
                "definition": {"name": "minqin", "division_code": "620621"}},
               {"name": "gulang", "title": "古浪县人民政府", "definition": {"name": "gulang", "division_code": "620622"}}]
    archive.ensure_sources(entries)
    _record(archive, pages, "http://127.0.0.1/r.html", title="关于2023年法治政府建设情况的报告", publisher=None,
            report_year=2023)
    commits: list[object] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    event.listen(archive.engine, "commit", committed)
    archive.ensure_sources(entries)
    assert commits == []  # nothing changed: nothing written
    archive.ensure_sources([entries[0], {**entries[1], "title": "古浪县政府"}])
    assert len(commits) == 1
    archive.ensure_sources([{**entries[0], "definition": {"name": "minqin", "division_code": "620602"}}])
    event.remove(archive.engine, "commit", committed)
    with Session(archive.engine) as db:
        titles = {s.name: (s.title, s.division_code) for s in db.exec(select(Source)).all()}
        [report] = db.exec(select(Report)).all()
    assert titles == {"minqin": ("民勤县人民政府", "620602"), "gulang": ("古浪县政府", "620622")}
    assert report.division_code == "620602"  # the moved source's reports attributed again, as ensure_source does
