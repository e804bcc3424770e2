"""``sources import FILE.csv`` (all or nothing, idempotent) and built-in sources being opt-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from govarchive.cli.schedule import source_schedules
from govarchive.config import load_settings
from govarchive.launch.runner import resolve_sources
from spiders.sources import load_sources
from tests.cli_helpers import run_cli

HEADER = "name,title,division_code,level,start_url,match,render,schedule,allowed_domains\n"
GOOD = (
    HEADER
    + "minqin,民勤县人民政府,620621,county,http://127.0.0.1:9/index.html,,never,,\n"
    + "wuwei,,武威市,city,http://127.0.0.2:9/,,,0 4 * * *,static.wuwei.test\n"
)


def _csv(tmp_path: Path, text: str, name: str = "portals.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_import_adds_then_changes_nothing_then_updates_a_changed_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(tmp_path / "home")
    file = _csv(tmp_path, GOOD)
    first = run_cli(capsys, "--home", home, "sources", "import", str(file), "--json")
    assert first.code == 0, first.err
    assert first.json()["counts"] == {"added": 2, "updated": 0, "unchanged": 0}
    sources = load_sources([Path(home) / "sources"])
    assert sources["minqin"].division_code == "620621" and sources["minqin"].region == "甘肃省武威市民勤县"
    assert sources["wuwei"].division_code == "620600" and sources["wuwei"].title == "武威市人民政府"
    assert sources["wuwei"].allowed_domains == ["127.0.0.2", "static.wuwei.test"]
    assert sources["wuwei"].schedule == "0 4 * * *"
    before = {p.name: p.read_bytes() for p in (Path(home) / "sources").iterdir()}

    again = run_cli(capsys, "--home", home, "sources", "import", str(file), "--json")
    assert again.json()["counts"] == {"added": 0, "updated": 0, "unchanged": 2}
    assert {p.name: p.read_bytes() for p in (Path(home) / "sources").iterdir()} == before

    _csv(tmp_path, GOOD.replace(",never,", ",always,"))
    changed = run_cli(capsys, "--home", home, "sources", "import", str(file))
    assert changed.code == 0 and "0 added, 1 updated, 1 unchanged" in changed.out
    assert load_sources([Path(home) / "sources"])["minqin"].render == "always"


def test_a_bad_line_imports_nothing_and_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    file = _csv(tmp_path, GOOD + "Bad Name,x,620621,county,http://a.test/,,,,\n"
                + "ok1,x,999999,county,http://a.test/,,,,\n"
                + "ok2,x,620621,city,http://a.test/,,,,\n"
                + "ok3,x,620621,county,ftp://a.test/,,,,\n"
                + "ok4,x,620621,county,http://a.test/,(,,,\n"
                + "ok5,x,620621,county,http://a.test/,,sometimes,,\n"
                + "ok6,x,620621,county,http://a.test/,,,every day,\n"
                + "minqin,x,620621,county,http://a.test/,,,,\n")
    result = run_cli(capsys, "--home", str(home), "sources", "import", str(file))
    assert result.code == 1
    lines = result.err.removeprefix("error: ").strip().splitlines()
    assert lines[0] == f"{file}:4: name: 'Bad Name' is not a source name (lower-case letters, digits, - _ .)"
    assert lines[1].startswith(f"{file}:5: division_code: unknown division code '999999'")
    assert lines[2] == f"{file}:6: level: city, but 620621 民勤县 is a county"
    assert lines[3] == f"{file}:7: start_url: 'ftp://a.test/' is not an http(s) URL"
    assert lines[4].startswith(f"{file}:8: match: not a regular expression")
    assert lines[5].startswith(f"{file}:9: render:")
    assert lines[6].startswith(f"{file}:10: schedule: not a cron expression")
    assert lines[7] == f"{file}:11: name: 'minqin' is also on line 2"
    assert "Traceback" not in result.err
    assert not (home / "sources").exists()  # nothing of the file was imported

    header = _csv(tmp_path, "name,title,division,level,start_url\n", "header.csv")
    bad_header = run_cli(capsys, "--home", str(home), "sources", "import", str(header))
    assert bad_header.code == 1 and f"{header}:1: header: missing column 'division_code'" in bad_header.err


def test_a_gb18030_csv_from_excel_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = _csv(tmp_path, GOOD, encoding="gb18030")
    result = run_cli(capsys, "--home", str(tmp_path / "home"), "sources", "import", str(file), "--json")
    assert result.code == 0 and result.json()["counts"]["added"] == 2
    assert load_sources([tmp_path / "home" / "sources"])["minqin"].title == "民勤县人民政府"


def test_builtin_sources_are_offered_not_crawled_unasked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    run_cli(capsys, "--home", str(home), "sources", "import", str(_csv(tmp_path, GOOD)))
    settings = load_settings(home)
    assert len(load_sources()) >= 30
    assert {s.name for s in resolve_sources(settings, [], all_sources=True)} == {"minqin", "wuwei"}
    assert {s.name for s in source_schedules(settings)} == {"minqin", "wuwei"}
    # a named built-in source still crawls when asked for
    assert [s.name for s in resolve_sources(settings, ["cqjb"])] == ["cqjb"]

    assert run_cli(capsys, "--home", str(home), "sources", "enable", "cqjb").code == 0
    assert run_cli(capsys, "--home", str(home), "sources", "disable", "wuwei").code == 0
    assert {s.name for s in resolve_sources(settings, [], all_sources=True)} == {"minqin", "cqjb"}
    listed = {r["name"]: r for r in run_cli(capsys, "--home", str(home), "sources", "list", "--json").json()}
    assert listed["cqjb"]["enabled"] and listed["cqjb"]["builtin"] and not listed["bjmy"]["enabled"]
    assert not listed["wuwei"]["enabled"] and listed["minqin"]["division_code"] == "620621"

    assert run_cli(capsys, "--home", str(home), "sources", "enable", "--builtin").code == 0
    every = {s.name for s in resolve_sources(settings, [], all_sources=True)}
    assert every == set(load_sources([home / "sources"])) - {"wuwei"}
    assert run_cli(capsys, "--home", str(home), "sources", "disable", "--builtin").code == 0
    assert {s.name for s in resolve_sources(settings, [], all_sources=True)} == {"minqin"}
    unknown = run_cli(capsys, "--home", str(home), "sources", "enable", "nosuch")
    assert unknown.code == 1 and "unknown source 'nosuch'" in unknown.err

    # or all built-in ones through the setting
    (home / "govarchive.toml").write_text("builtin_sources = true\n", encoding="utf-8")
    (home / "source-state.toml").unlink()
    assert "cqjb" in {s.name for s in resolve_sources(load_settings(home), [], all_sources=True)}


def test_the_sources_page_shows_a_page_of_many_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fastapi.testclient import TestClient

    from archive.divisions import registry
    from govarchive.web import create_app
    from govarchive.web.app import open_backends

    counties = [d for d in registry() if d.level == "county"][:150]
    lines = [f"c{d.code},,{d.code},county,http://127.0.0.1:9/{d.code}/" for d in counties]
    home = tmp_path / "home"
    imported = run_cli(capsys, "--home", str(home), "sources", "import", str(_csv(tmp_path, HEADER + "\n".join(lines))))
    assert imported.code == 0, imported.err
    settings = load_settings(home)
    engine, store = open_backends(settings)
    try:
        with TestClient(create_app(settings, engine=engine, store=store, background_sync=False)) as client:
            first, second = client.get("/sources"), client.get("/sources", params={"page": 2})
            dashboard = client.get("/")
    finally:
        engine.dispose()
    assert first.status_code == second.status_code == dashboard.status_code == 200
    total = len(load_sources([home / "sources"]))  # the built-in ones are listed too (switched off)
    assert f"共 {total} 个来源、本页 100 个" in first.text and "第 1 页，共 2 页" in first.text
    assert first.text.count('<td><a href="/sources/') == 100
    assert second.text.count('<td><a href="/sources/') == total - 100
    assert f"/sources/c{counties[-1].code}" in first.text + second.text
    assert f"另有 {total} 个已定义的来源尚未抓取。" in dashboard.text
