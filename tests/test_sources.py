"""Source definitions: loading, validation errors with file/line/key, the CLI commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.sources import (
    DEFAULT_MATCH,
    SourceDefinition,
    SourceError,
    load_sources,
    load_sources_with_paths,
    parse_source_file,
)
from tests.cli_helpers import run_cli


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_sources_are_many_real_and_marked_unverified() -> None:
    sources = load_sources()
    assert len(sources) >= 30
    for seed in ("xsbn", "hhml", "ljgucheng", "cqjb", "xiangshan"):
        assert seed in sources
    assert sources["cqjb"].start_urls == ["http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/"]
    assert {s.level for s in sources.values()} >= {"province", "city", "county", "department"}
    for source in sources.values():
        assert not source.verified and "not checked against the live site" in source.note
        assert all(".gov.cn" in url for url in source.start_urls)


@pytest.mark.parametrize(
    ("title", "is_report"),
    [
        ("重庆市江北区人民政府办公室2024年度法治政府建设情况报告", True),
        ("象山县人民政府关于2024年度法治政府建设情况的报告", True),
        ("下洋镇2023年法治政府建设年度报告", True),
        ("西双版纳州人民政府办公室2024年法治政府建设工作情况报告", True),
        ("2023年度法治政府建设工作报告", True),
        ("南昌县2019年法治政府工作报告", True),
        ("关于印发《市教育局2023年法治政府建设年度报告》的通知", True),
        ("2023年政府信息公开工作年度报告", False),
        ("《2023年法治政府建设年度报告》解读", False),
        ("一图读懂｜2024年法治政府建设情况报告", False),
        ("关于报送2024年度法治政府建设年度报告的通知", False),
        ("关于印发《2024年法治政府建设工作要点》的通知", False),
        ("2024年法治政府建设实施方案", False),
        ("区政府召开常务会议审议2024年法治政府建设情况报告", False),
    ],
)
def test_default_report_pattern(title: str, is_report: bool) -> None:
    source = SourceDefinition(name="x", start_urls=["http://www.x.gov.cn/"])
    assert source.title_matches(title) is is_report


def test_match_and_exclude_can_be_narrowed_or_widened() -> None:
    narrow = SourceDefinition(name="x", start_urls=["http://www.x.gov.cn/"], match="2024年.*法治政府建设")
    assert narrow.title_matches("2024年度法治政府建设情况报告")
    assert not narrow.title_matches("2023年度法治政府建设情况报告")
    wide = SourceDefinition(name="x", start_urls=["http://www.x.gov.cn/"], match=DEFAULT_MATCH, exclude="")
    assert wide.title_matches("《2023年法治政府建设年度报告》解读")


def test_one_file_several_sources_and_user_overrides(tmp_path: Path) -> None:
    _write(tmp_path / "user", "mine.toml", """
[[source]]
name = "cqjb"
start_urls = ["http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/qzf/"]
render = "never"

[[source]]
name = "town"
title = "某镇人民政府"
level = "county"
start_urls = ["http://town.example.gov.cn/fzzf/"]
schedule = "0 4 * * 1"

[source.politeness]
delay = 5
reason = "the portal answers 429 above one request per five seconds"
""")
    _write(tmp_path / "single", "solo.toml", 'start_urls = ["http://solo.gov.cn/col/"]\n')
    found = load_sources_with_paths([tmp_path / "user", tmp_path / "single"])
    assert found["cqjb"][0].render == "never" and found["cqjb"][1].name == "mine.toml"
    town = found["town"][0]
    assert town.politeness is not None and town.politeness.delay == 5
    assert town.allowed_domains == ["town.example.gov.cn"]
    assert found["solo"][0].name == "solo"  # a single-source file is named after the file


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ('name = "a"\nstart_urls = ["http://a.gov.cn/"\nrender = "auto"\n', 3, None, "Unclosed array"),
        ('name = "a"\nstart_urls = ["http://a.gov.cn/"]\nrender = "sometimes"\n', 3, "render", "never"),
        ('name = "a"\nstart_urls = ["http://a.gov.cn/"]\n\nmacth = "法治"\n', 4, "macth", "unknown key"),
        ('name = "a"\n# no start\ntitle = "x"\n', 1, "start_urls", "required"),
        ('name = "a"\nstart_urls = ["ftp://a.gov.cn/"]\n', 2, "start_urls", "http(s)"),
        ('name = "a"\nstart_urls = ["http://a.gov.cn/"]\nmatch = "法治("\n', 3, "match", "regular expression"),
        ('name = "a"\nstart_urls = ["http://a.gov.cn/"]\nschedule = "0 3 * *"\n', 3, "schedule", "cron"),
        ('name = "Bad Name"\nstart_urls = ["http://a.gov.cn/"]\n', 1, "name", "source name"),
        ('name = "a"\nstart_urls = ["http://a.gov.cn/"]\n[politeness]\ndelay = 3\n', 3, "politeness.reason", "required"),
        ('[[source]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\n\n[[source]]\nname = "b"\nstart_urls = []\nrender = "x"\n',
         7, "start_urls", "at least 1"),
    ],
)
def test_malformed_files_name_file_line_and_key(tmp_path: Path, text: str, line: int, key: str | None,
                                                 words: str) -> None:
    path = _write(tmp_path, "broken.toml", text)
    with pytest.raises(SourceError) as caught:
        parse_source_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    if key:
        assert f": {key}: " in message, message
    assert words in message, message
    assert "\n" not in message


def test_the_same_name_twice_among_user_files_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", 'name = "dup"\nstart_urls = ["http://a.gov.cn/"]\n')
    _write(tmp_path, "b.toml", 'name = "dup"\nstart_urls = ["http://b.gov.cn/"]\n')
    with pytest.raises(SourceError, match="also defined in"):
        load_sources([tmp_path])


def test_cli_add_list_show_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    added = run_cli(capsys, "--home", home, "sources", "add", "mytown", "--start-url", "http://www.mytown.gov.cn/fzzf/",
                    "--title", "某县人民政府", "--schedule", "0 2 * * *", "--json")
    assert added.code == 0, added.err
    assert added.json()["file"].endswith("sources/mytown.toml")
    text = (tmp_path / "home" / "sources" / "mytown.toml").read_text(encoding="utf-8")
    assert 'name = "mytown"' in text and "0 2 * * *" in text
    listed = run_cli(capsys, "--home", home, "sources", "list", "--json").json()
    row = next(r for r in listed if r["name"] == "mytown")
    assert row["start_urls"] == ["http://www.mytown.gov.cn/fzzf/"] and row["builtin"] is False
    assert row["last_run_status"] is None
    assert any(r["name"] == "cqjb" and r["builtin"] for r in listed)
    shown = run_cli(capsys, "--home", home, "sources", "show", "mytown", "--json").json()
    assert shown["schedule"] == "0 2 * * *" and shown["title"] == "某县人民政府"

    again = run_cli(capsys, "--home", home, "sources", "add", "mytown", "--start-url", "http://x.gov.cn/")
    assert again.code == 1 and "already exists" in again.err
    bad_cron = run_cli(capsys, "--home", home, "sources", "add", "t2", "--start-url", "http://x.gov.cn/",
                       "--schedule", "every day")
    assert bad_cron.code == 1 and "--schedule" in bad_cron.err
    bad_render = run_cli(capsys, "--home", home, "sources", "add", "t3", "--start-url", "http://x.gov.cn/",
                         "--render", "maybe")
    assert bad_render.code == 2
    assert not (tmp_path / "home" / "sources" / "t2.toml").exists()
    unknown = run_cli(capsys, "--home", home, "sources", "show", "nope")
    assert unknown.code == 1 and "unknown source 'nope'" in unknown.err

    (tmp_path / "home" / "sources" / "broken.toml").write_text('name = "broken"\nrender = 3\n', encoding="utf-8")
    broken = run_cli(capsys, "--home", home, "sources", "list")
    assert broken.code == 0  # one bad file is reported and skipped; every other source still lists
    assert "broken.toml:" in broken.err and broken.err.count("\n") == 1 and "mytown" in broken.out
    shown = run_cli(capsys, "--home", home, "sources", "show", "broken")
    assert shown.code == 1 and "broken.toml:" in shown.err
