"""The read side (archive/queries.py) and the commands on top: reports list/show, diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import queries
from archive.errors import NotFoundError
from archive.recorder import Archive
from govarchive.cli.context import open_home_archive
from govarchive.config import load_settings
from tests.cli_helpers import run_cli
from tests.fixtures.archive import REPORT_TEXT, Pages, html

URL = "http://gov.test/mile/2022/report.html"
URL2 = "http://gov.test/honghe/2023/report.html"
CONTRACT = {
    "id",
    "source",
    "url",
    "title",
    "publisher",
    "pub_date",
    "report_year",
    "versions",
    "first_seen",
    "last_changed",
}


def fill(archive: Archive, pages: Pages) -> None:
    archive.ensure_source("mile", title="弥勒市人民政府")
    archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())
    archive.record_report("mile", pages.page(URL, "v2"), pages.report(REPORT_TEXT.replace("6837", "6900")))
    archive.record_report(
        "mile", pages.page(URL, "v3"), pages.report(REPORT_TEXT.replace("6837", "6900"), validity="失效")
    )
    other = "红河州2023年法治政府建设情况报告正文。" * 5
    archive.record_report(
        "honghe", pages.page(URL2, "x"), pages.report(other, title="红河州报告", report_year=2023)
    )


@pytest.fixture
def home(tmp_path: Path, pages: Pages) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    fill(open_home_archive(load_settings(home)), pages)
    return home


def test_list_reports_filters_and_pages(archive: Archive, pages: Pages) -> None:
    fill(archive, pages)
    rows = queries.list_reports(archive.engine)
    assert [(r["id"], r["source"], r["versions"], r["status"]) for r in rows] == [
        (1, "mile", 3, "active"),
        (2, "honghe", 1, "active"),
    ]
    assert set(rows[0]) >= CONTRACT
    assert rows[0]["pub_date"] == "2022-03-29" and rows[0]["first_seen"].endswith("+00:00")
    assert [r["id"] for r in queries.list_reports(archive.engine, source="honghe")] == [2]
    assert [r["id"] for r in queries.list_reports(archive.engine, year=2021)] == [1]
    assert [r["id"] for r in queries.list_reports(archive.engine, limit=1, offset=1)] == [2]
    assert [r["id"] for r in queries.list_reports(archive.engine, order="-last_changed")] == [2, 1]
    assert queries.count_reports(archive.engine, source="mile") == 1


def test_report_versions_texts_and_diffs(archive: Archive, pages: Pages) -> None:
    fill(archive, pages)
    report = queries.get_report(archive.engine, 1)
    assert [v["number"] for v in report["versions"]] == [1, 2, 3]
    assert [u["url"] for u in report["urls"]] == [URL]
    assert queries.version_text(archive.engine, archive.store, 1, 1) == REPORT_TEXT.strip()

    text_diff = queries.diff_versions(archive.engine, archive.store, 1, 1, 2)
    assert text_diff["summary"]["chars_added"] == 3 and text_diff["metadata_changes"] == {}
    meta_diff = queries.diff_versions(archive.engine, archive.store, 1)
    assert (meta_diff["from"], meta_diff["to"]) == (2, 3)
    assert meta_diff["metadata_changes"] == {"validity": {"from": "有效", "to": "失效"}}
    with pytest.raises(NotFoundError):
        queries.get_report(archive.engine, 99)
    with pytest.raises(queries.NothingToCompareError):
        queries.diff_versions(archive.engine, archive.store, 2)


def test_events_sources_and_runs(archive: Archive, pages: Pages) -> None:
    fill(archive, pages)
    feed = queries.events_after(archive.engine)
    assert [(e["kind"], e["source"], e["report_id"]) for e in feed] == [
        ("new", "mile", 1),
        ("changed", "mile", 1),
        ("changed", "mile", 1),
        ("new", "honghe", 2),
    ]
    assert [e["id"] for e in queries.events_after(archive.engine, feed[1]["id"], kinds=["new"])] == [
        feed[3]["id"]
    ]
    sources = {s["name"]: s for s in queries.list_sources(archive.engine)}
    assert (sources["mile"]["title"], sources["mile"]["reports"], sources["mile"]["removed"]) == (
        "弥勒市人民政府",
        1,
        0,
    )


def test_cli_reports_list_json(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--home", str(home), "reports", "list", "--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert [r["id"] for r in rows] == [1, 2] and set(rows[0]) >= CONTRACT
    assert [
        r["id"]
        for r in run_cli(capsys, "--home", str(home), "reports", "list", "--year", "2023", "--json").json()
    ] == [2]
    unknown = run_cli(capsys, "--home", str(home), "reports", "list", "--source", "nowhere")
    assert unknown.code == 1 and "no source 'nowhere'" in unknown.err


def test_cli_reports_show(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shown = run_cli(capsys, "--home", str(home), "reports", "show", "1", "--json")
    assert shown.code == 0 and len(shown.json()["versions"]) == 3
    text = run_cli(capsys, "--home", str(home), "reports", "show", "1", "--text", "--version", "1")
    assert text.code == 0 and text.out == REPORT_TEXT.strip() + "\n"
    human = run_cli(capsys, "--home", str(home), "reports", "show", "1")
    assert human.code == 0 and "弥政报〔2022〕12号" in human.out
    missing = run_cli(capsys, "--home", str(home), "reports", "show", "42")
    assert missing.code == 1 and "no report 42" in missing.err


def test_cli_diff(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = run_cli(capsys, "--home", str(home), "diff", "1", "--from", "1", "--to", "2")
    assert plain.code == 0 and "{+900+}" in plain.out and "[-837-]" in plain.out
    document = run_cli(capsys, "--home", str(home), "diff", "1", "--json").json()
    assert (document["from"], document["to"], document["text_changed"]) == (2, 3, False)
    alone = run_cli(capsys, "--home", str(home), "diff", "2")
    assert alone.code == 1 and "no predecessor" in alone.err


def test_cli_reports_show_one_version(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    human = run_cli(capsys, "--home", str(home), "reports", "show", "1", "--version", "3")
    assert human.code == 0 and "validity: 失效" in human.out
    document = run_cli(capsys, "--home", str(home), "reports", "show", "1", "--version", "2", "--json").json()
    assert document["selected_version"]["number"] == 2 and "text" not in document
    absent = run_cli(capsys, "--home", str(home), "reports", "show", "1", "--version", "9")
    assert absent.code == 1 and "no version '1/9'" in absent.err
