"""The web app speaks Chinese by default and English on request (Accept-Language or the switch,
remembered in a cookie); dates, numbers, plurals, empty states and the dashboard's monthly chart."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from archive.sizes import human_size
from tests.fixtures.web_archive import WebSite


def test_chinese_by_default_english_by_accept_language(web_site: WebSite) -> None:
    client = TestClient(web_site.client.app)
    zh = client.get("/")
    assert '<html lang="zh-CN">' in zh.text and ">概览<" in zh.text and ">最近变更<" in zh.text
    assert "Dashboard" not in zh.text and "Latest changes" not in zh.text
    assert zh.headers["content-language"] == "zh-CN" and "Accept-Language" in zh.headers["vary"]
    en = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in en.text and ">Dashboard<" in en.text and ">Latest changes<" in en.text
    assert "概览" not in en.text


def test_the_language_switch_is_remembered_per_browser(web_site: WebSite) -> None:
    client = TestClient(web_site.client.app)
    switched = client.get("/language/en", params={"next": "/sources"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/sources"
    assert "govarchive_lang=en" in switched.headers["set-cookie"]
    assert ">Add a source<" in client.get("/sources").text  # the cookie beats the default …
    assert ">Add a source<" in client.get("/sources", headers={"Accept-Language": "zh-CN"}).text  # … and the header
    client.get("/language/zh")
    assert ">添加来源<" in client.get("/sources").text
    assert client.get("/language/fr").status_code == 404
    assert client.get("/language/en", params={"next": "//evil.example/"}, follow_redirects=False).headers[
        "location"] == "/"


def test_dates_numbers_and_sizes_follow_the_language(web_site: WebSite) -> None:
    client = TestClient(web_site.client.app)
    page = client.get(f"/reports/{web_site.ids.xsbn_id}").text
    assert "2025年3月20日" in page  # the publication date, a calendar day
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", page)  # first seen, in Asia/Shanghai
    size = client.get(f"/api/reports/{web_site.ids.xsbn_id}").json()["versions"][0]["attachments"][0]["size"]
    assert human_size(size) in page  # the CLI's convention, not a second one
    en = client.get(f"/reports/{web_site.ids.xsbn_id}", headers={"Accept-Language": "en"}).text
    assert "Mar 20, 2025" in en and "2025年3月20日" not in en


def test_diff_summary_uses_plural_forms(web_site: WebSite) -> None:
    client = TestClient(web_site.client.app)
    path = f"/reports/{web_site.ids.jianghan_id}/diff?from=1&to=2"
    summary = client.get(f"/api/reports/{web_site.ids.jianghan_id}/diff", params={"from": 1, "to": 2}).json()
    sentences = summary["summary"]["sentences_changed"]
    paragraphs = summary["summary"]["paragraphs_changed"]
    en = client.get(path, headers={"Accept-Language": "en"}).text
    expected = (f"{sentences} sentence{'s' if sentences != 1 else ''} and "
                f"{paragraphs} paragraph{'s' if paragraphs != 1 else ''} changed.")
    assert expected in " ".join(en.split())
    zh = " ".join(client.get(path).text.split())
    assert f"{sentences} 句、{paragraphs} 段有变更。" in zh


def test_an_empty_search_says_so(web_site: WebSite) -> None:
    client = TestClient(web_site.client.app)
    page = client.get("/search", params={"q": "完全不存在的词语组合"}).text
    assert 'id="no-results"' in page and "没有符合" in page
    assert '<ol class="results">' not in page and "Nothing found" not in page
    en = client.get("/search", params={"q": "完全不存在的词语组合"}, headers={"Accept-Language": "en"}).text
    assert "No report matches" in en


def test_reports_per_month_counts_publication_months(web_site: WebSite) -> None:
    page = TestClient(web_site.client.app).get("/").text
    chart = page.split('<svg class="chart"', 2)[1]
    months = re.findall(r"<title>(\d{4}-\d{2}): (\d+)</title>", chart)
    # seeded publication dates: 2024-03-28 (jianghan) and 2025-03-20 (xsbn); the crawl was today
    assert ("2024-03", "1") in months and ("2025-03", "1") in months
    assert "每月发布的报告" in page


def test_the_json_api_stays_english(web_site: WebSite) -> None:
    client = TestClient(web_site.client.app)
    refused = client.post("/api/subscriptions", json={"url": "json://127.0.0.1:9/x"})
    assert refused.status_code == 401 and refused.json()["detail"].startswith("Log in")


def test_labels_of_constants_follow_each_request_s_language(web_site: WebSite) -> None:
    # Jinja folds filters of constants at compile time: the first language must not stick.
    client = TestClient(web_site.client.app)
    from tests.test_web import login

    login(client)
    for language, wanted, unwanted in (("en", "daily digest", "每日摘要"), ("zh", "每日摘要", "daily digest"),
                                       ("en", "daily digest", "每日摘要")):
        page = client.get("/alerts", headers={"Accept-Language": language}).text
        assert wanted in page and unwanted not in page, language


def test_atom_feeds_speak_the_reader_s_language(web_site: WebSite) -> None:
    client = TestClient(web_site.client.app)
    zh = client.get("/feeds/all.atom").text
    assert "<title>govarchive：全部报告</title>" in zh and "<title>新报告：" in zh and 'xml:lang="zh-CN"' in zh
    en = client.get("/feeds/all.atom", headers={"Accept-Language": "en"}).text
    assert "<title>govarchive: all reports</title>" in en and "<title>New report: " in en and "新报告" not in en
