"""Which links of a home or navigation page lead to the report column, which are traps beside it."""

from __future__ import annotations

import pytest

from crawler.discovery import Link, is_home_page, link_role


@pytest.mark.parametrize("text", ["法治政府建设", "法治政府建设年度报告", "依法行政", "法治政府建设专栏", "法治建设",
                                  "依法治县"])
def test_report_columns_are_recognised(text: str) -> None:
    assert link_role(Link("http://x.gov.cn/a/index.html", text, text)) == "column"


@pytest.mark.parametrize("text", ["政府信息公开", "信息公开", "法定主动公开内容", "其他法定主动公开信息", "专题专栏",
                                  "政务公开"])
def test_navigation_is_followed(text: str) -> None:
    assert link_role(Link("http://x.gov.cn/a/index.html", text, text)) == "nav"


@pytest.mark.parametrize("text", [
    "政策解读", "法治政府建设图解", "一图读懂法治政府建设", "政府信息公开年报", "政府信息公开工作年度报告",
    "关于报送法治政府建设情况的通知", "法治政府建设工作动态", "新闻中心", "首页",
    "某县2024年法治政府建设年度报告",  # a report, not a column
    "某县人民政府关于深入推进依法行政加快建设法治政府的实施意见全文",  # too long for a column name
])
def test_traps_and_articles_are_neither(text: str) -> None:
    assert link_role(Link("http://x.gov.cn/a/index.html", text, text)) is None


def test_home_pages_are_site_roots() -> None:
    assert is_home_page("http://x.gov.cn/")
    assert is_home_page("http://x.gov.cn/index.html")
    assert not is_home_page("http://x.gov.cn/zwgk/fzzfjs/index.html")
    assert not is_home_page("http://x.gov.cn/col/col123/index.html")
