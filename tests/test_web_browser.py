"""The web UI in a real browser (Chromium) against a real ``govarchive serve`` over a portal archive."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fixtures.web_browser import ServedArchive

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page(web_browser: Any, served_portal_archive: ServedArchive) -> Iterator[Any]:
    context = web_browser.new_context(
        base_url=served_portal_archive.base_url, viewport={"width": 1360, "height": 900}, accept_downloads=True,
        locale="zh-CN",
    )
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def login(page: Any, site: ServedArchive, then: str) -> None:
    page.goto(f"/login?next={then}")
    page.fill("input[name=username]", site.user)
    page.fill("input[name=password]", site.password)
    page.click("form.narrow button[type=submit]")
    page.wait_for_url(f"**{then}")


def test_dashboard_shows_health_reports_and_charts(page: Any, served_portal_archive: ServedArchive, screenshot: Any) -> None:
    page.goto("/")
    rows = page.locator("#sources tbody tr")
    assert rows.count() == 6
    assert page.locator("#sources").inner_text().count("ok") >= 6
    assert page.locator("svg.chart").count() == 2
    assert page.locator("svg.chart rect").count() >= 2
    assert "changed" in page.locator("text=Latest changes").locator("..").inner_text()
    screenshot(page, "dashboard")
    page.click("#sources >> text=portal-trs")
    page.wait_for_url("**/sources/portal-trs")
    assert page.locator("h2", has_text="Reports (8)").count() == 1
    screenshot(page, "source")


def test_find_a_report_by_chinese_phrase_and_open_its_diff(
    page: Any, served_portal_archive: ServedArchive, screenshot: Any
) -> None:
    site = served_portal_archive
    page.goto("/search")
    page.fill("input[name=q]", site.phrase)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    results = page.locator("ol.results > li")
    assert results.count() == 1
    assert results.first.locator("mark").first.inner_text() == site.phrase
    screenshot(page, "search")
    results.first.locator("a.title").click()
    page.wait_for_url(f"**/reports/{site.edited_id}")
    assert site.edited.title in page.locator("h1").inner_text()
    assert site.phrase in page.locator("article.report-text").inner_text()
    screenshot(page, "report")
    page.click("text=diff with 1")
    page.wait_for_url(f"**/reports/{site.edited_id}/diff?from=1&to=2")
    inserted = " ".join(page.locator("table.diff ins").all_inner_texts())
    assert site.phrase in inserted
    assert page.locator("table.diff del").count() >= 1
    screenshot(page, "diff")


def test_create_and_download_a_bundle(page: Any, served_portal_archive: ServedArchive, screenshot: Any,
                                      tmp_path: Any) -> None:
    login(page, served_portal_archive, "/bundles")
    page.select_option("select[name=sources]", ["portal-trs", "portal-hanweb"])
    page.check("input[name=include][value=attachments]")
    page.click("form.grid button[type=submit]")
    page.wait_for_selector(".flash.ok")
    assert "created" in page.locator(".flash.ok").inner_text()
    link = page.locator("#bundles a.download").first
    with page.expect_download() as info:
        link.click()
    target = tmp_path / "bundle.zip"
    info.value.save_as(target)
    with zipfile.ZipFile(target) as bag:
        names = bag.namelist()
    assert any(name.endswith("bagit.txt") for name in names)
    assert any(name.endswith("manifest-sha256.txt") for name in names)
    screenshot(page, "bundles")


def test_changes_are_refused_without_login(page: Any, served_portal_archive: ServedArchive, screenshot: Any) -> None:
    page.goto("/bundles")
    assert page.locator("form[action='/bundles']").count() == 0
    assert "Log in" in page.locator("main").inner_text()
    refused = page.request.post("/bundles", form={"format": "zip"})
    assert refused.status == 401
    api = page.request.post("/api/bundles", data={"format": "zip"})
    assert api.status == 401
    crawl = page.request.post("/sources/portal-trs/crawl", form={})
    assert crawl.status == 401
    before = httpx.get(served_portal_archive.base_url + "/api/bundles").json()["total"]
    page.request.post("/api/subscriptions", data={"url": "json://127.0.0.1:9/x"})
    after = httpx.get(served_portal_archive.base_url + "/api/subscriptions").json()["total"]
    assert after == 0 and before == httpx.get(served_portal_archive.base_url + "/api/bundles").json()["total"]
    page.goto("/alerts")
    screenshot(page, "alerts")


def test_add_a_source_and_crawl_it_from_the_web(page: Any, served_portal_archive: ServedArchive, screenshot: Any) -> None:
    """The form writes the source's TOML; "Crawl now" runs `govarchive crawl NAME --json` as a child process."""
    site = served_portal_archive
    login(page, site, "/sources")
    page.fill("input[name=name]", "web-ucap")
    page.fill("input[name=title]", "网页添加的来源")
    page.fill("textarea[name=start_urls]", site.world.family("ucap").list_url)
    page.click("form.grid button[type=submit]")
    page.wait_for_url("**/sources/web-ucap?ok=*")
    assert (site.home / "sources" / "web-ucap.toml").is_file()
    page.click("text=Crawl now")
    page.wait_for_selector(".flash.ok")
    assert "crawl started" in page.locator(".flash.ok").inner_text()
    deadline = time.monotonic() + 240
    runs: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        runs = httpx.get(site.base_url + "/api/runs", params={"source": "web-ucap"}).json()["items"]
        if runs and runs[0]["status"] != "running":
            break
        time.sleep(1)
    assert runs and runs[0]["status"] == "ok", runs
    counts = next(p for p in runs[0]["per_source"] if p["name"] == "web-ucap")
    assert counts["fetched"] >= 1
    page.goto("/sources/web-ucap")
    screenshot(page, "source-crawled")
