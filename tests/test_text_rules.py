"""One text normal form and hash, one soft-404 judgement (archive/textnorm.py, archive/soft404.py)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import archive.changes
import crawler.extraction
from archive.soft404 import is_soft_404
from archive.textnorm import normalise_text, normalised_hash, text_hash
from crawler.discovery import is_soft_404 as page_is_soft_404
from tests.cli_helpers import run_cli
from tests.crawl_support import archived, install_sources, run_crawl, world_sources

# The two rules before they were merged, frozen here: every text a catalog holds was made by the
# extractor's rule and then hashed by the catalog's, so the merged rule must equal that composition.
_OLD_EXTRACT_WS = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_OLD_EXTRACT_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_OLD_SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_OLD_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_OLD_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\u0085]")
_OLD_CJK = "[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026\u00b7]"
_OLD_SPACE_BY_CJK = re.compile(f"(?<={_OLD_CJK}) | (?={_OLD_CJK})")


def _old_extractor_rule(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_OLD_EXTRACT_WS.sub(" ", _OLD_EXTRACT_INVISIBLE.sub("", line)).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _old_catalog_rule(text: str) -> str:
    text = _OLD_INVISIBLE.sub("", _OLD_LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text)))
    lines = (_OLD_SPACE_BY_CJK.sub("", _OLD_SPACES.sub(" ", line)).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


_TEXT = st.text(alphabet=st.sampled_from(list(
    "法治政府，。“”—…·（）年 \n\r\t\u3000\u00a0\u2028\u2029\u0085\u200b\ufeff\x0c\x1c\x00aB1|e\u0301\u00e9")), max_size=80)


def test_one_function_everywhere() -> None:
    assert crawler.extraction.normalise_text is normalise_text is archive.changes.normalise_text
    assert crawler.extraction.text_hash is text_hash
    assert normalise_text("2023年 法治政府 建设") == normalise_text("2023年法治政府建设") == "2023年法治政府建设"
    assert normalise_text("GDP  growth\t5%") == "GDP growth 5%"


@given(_TEXT)
@example("e\u200b\u0301 2023年 法治政府 建设\u2028第二行")
def test_merged_rule_equals_what_catalogs_already_hold(text: str) -> None:
    """Hashes stored before the merge stay valid: re-crawling an unchanged page gives the same hash."""
    stored = _old_catalog_rule(_old_extractor_rule(text))
    assert normalise_text(text) == stored
    assert normalise_text(stored) == stored  # the catalog normalises the extractor's output again
    assert text_hash(text) == normalised_hash(stored)


@pytest.mark.slow
def test_extract_json_text_hash_is_the_catalogs(portal_world: Any, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A real crawl of the simulated portal, then ``govarchive extract URL --json`` on the same pages."""
    home = tmp_path / "home"
    families = ["hanweb", "trs"]
    install_sources(home, world_sources(portal_world, families))
    crawl = run_crawl(home, [f"demo-{f}" for f in families], cli=True)
    assert crawl.code == 0, crawl.stderr
    catalog = archived(home)
    expected = [r for f in families for r in portal_world.expected_reports(f)]
    assert expected and set(catalog) == {r.url for r in expected}
    for report in expected:  # the hanweb seed has spaces next to Chinese: where the two rules disagreed
        result = run_cli(capsys, "--home", str(home), "extract", report.url, "--json")
        assert result.code == 0, result.err
        assert result.json()["text_hash"] == catalog[report.url].text_hash, report.url
    again = run_crawl(home, [f"demo-{f}" for f in families], cli=True, extra=["--recheck"])
    assert again.code == 0, again.stderr
    assert (again.total("new"), again.total("changed"), again.total("unchanged")) == (0, 0, len(expected))


@pytest.mark.parametrize(("title", "text"), [
    ("提示", "对不起，该信息不存在或已删除！"),          # crawler's list
    ("页面未找到", "返回首页"),                          # catalog's list
    ("", "您访问的页面不存在，请返回首页。"),
    ("", "信息已删除"),
    ("", "该信息已撤销"),
    ("", "已撤稿"),
    ("", "404 Not  Found"),
    ("Page Not Found", ""),
    ("", "本信息已过期"),
])
def test_soft_404_phrases_of_both_old_detectors(title: str, text: str) -> None:
    assert is_soft_404(200, title, text)
    html = f"<html><head><title>{title}</title></head><body><div>{text}</div></body></html>"
    assert page_is_soft_404(html)


def test_soft_404_negative_cases() -> None:
    report = "一、总体情况\n" + "全区推进依法行政，" * 60 + "对已删除的规范性文件进行了清理。"
    assert not is_soft_404(200, "某区2023年法治政府建设年度报告", report)  # a long report quoting a phrase
    assert not is_soft_404(200, "某区2023年法治政府建设年度报告", "正文第一段。")
    assert is_soft_404(404, "某区2023年法治政府建设年度报告", report)  # an error status always is
    assert not page_is_soft_404(f"<html><title>报告</title><body><p>{report * 4}</p></body></html>")
