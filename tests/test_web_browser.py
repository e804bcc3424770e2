"""The web UI in a real browser (Chromium) against a real ``govarchive serve`` over a portal archive,
in Chinese (the default) and English (the browser's Accept-Language), with a check that no English
UI text is left in the Chinese pages."""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po

from govarchive.i18n import LOCALE_DIR
from tests.fixtures.web_browser import ServedArchive

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BROWSER_LOCALES = {"zh": "zh-CN", "en": "en-US"}
WORDS = {
    "zh": {"ok": "正常", "changed": "有变更", "latest": "最近变更", "reports8": "报告（8）", "created": "已创建",
           "login": "登录", "crawl_started": "抓取已开始"},
    "en": {"ok": "ok", "changed": "changed", "latest": "Latest changes", "reports8": "Reports (8)",
           "created": "created", "login": "Log in", "crawl_started": "Crawl started"},
}
# Names that stay as they are in the Chinese UI.
PROPER_NAMES = {"govarchive", "atom", "json", "api", "http", "sha", "bagit", "warc", "wacz", "zip", "tar",
                "apprise", "cron", "csrf", "bearer", "token", "authorization", "cookie", "url", "urls", "id"}
# The page's visible text and the attributes a reader meets, without archived data (marked translate="no",
# code, the report text, options that are data values) and example URLs in placeholders.
VISIBLE_UI_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('[translate="no"], code, pre, script, style, article.report-text, iframe')
      .forEach((e) => e.remove());
  body.querySelectorAll('option').forEach((o) => { if (o.value === o.textContent.trim()) o.remove(); });
  const attributes = [...body.querySelectorAll('[placeholder], [aria-label], [title], [data-confirm]')]
      .flatMap((e) => ['placeholder', 'aria-label', 'title', 'data-confirm'].map((a) => e.getAttribute(a) || ''))
      .filter((value) => !value.includes('://'));  // example URLs, not words
  return body.textContent + ' ' + attributes.join(' ') + ' ' + document.title;
}"""


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{2,}", re.sub(r"%\(\w+\)s", " ", text))}


def english_ui_words() -> set[str]:
    """Every word of every English message (what an untranslated string would show), but for the
    names the Chinese translation keeps as they are (API field names such as ``limit``)."""
    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    words: set[str] = set()
    kept: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        for text in [message.id] if isinstance(message.id, str) else list(message.id):
            words |= _words(text)
        for text in [message.string] if isinstance(message.string, str) else list(message.string):
            kept |= _words(text)
    return words - kept - PROPER_NAMES


@pytest.fixture(params=sorted(BROWSER_LOCALES))
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _context(web_browser: Any, site: ServedArchive, lang: str) -> Any:
    return web_browser.new_context(base_url=site.base_url, viewport={"width": 1360, "height": 900},
                                   accept_downloads=True, locale=BROWSER_LOCALES[lang])


@pytest.fixture
def page(web_browser: Any, served_portal_archive: ServedArchive, lang: str) -> Iterator[Any]:
    context = _context(web_browser, served_portal_archive, lang)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def zh_page(web_browser: Any, served_portal_archive: ServedArchive) -> Iterator[Any]:
    context = _context(web_browser, served_portal_archive, "zh")
    try:
        yield context.new_page()
    finally:
        context.close()


def shot(lang: str, name: str) -> str:
    return name if lang == "zh" else f"{name}-en"


def login(page: Any, site: ServedArchive, then: str) -> None:
    page.goto(f"/login?next={then}")
    page.fill("input[name=username]", site.user)
    page.fill("input[name=password]", site.password)
    page.click("form.narrow button[type=submit]")
    page.wait_for_url(f"**{then}")


def test_dashboard_shows_health_reports_and_charts(
    page: Any, lang: str, served_portal_archive: ServedArchive, screenshot: Any
) -> None:
    words = WORDS[lang]
    page.goto("/")
    rows = page.locator("#sources tbody tr")
    assert rows.count() == 6
    assert page.locator("#sources").inner_text().count(words["ok"]) >= 6
    assert page.locator("svg.chart").count() == 2
    assert page.locator("svg.chart rect").count() >= 2
    assert words["changed"] in page.locator("#latest-changes").inner_text()
    assert words["latest"] in page.locator("#latest-changes h2").inner_text()
    screenshot(page, shot(lang, "dashboard"))
    page.click("#sources >> text=portal-trs")
    page.wait_for_url("**/sources/portal-trs")
    assert page.locator("h2", has_text=words["reports8"]).count() == 1
    screenshot(page, shot(lang, "source"))


def test_find_a_report_by_chinese_phrase_and_open_its_diff(
    page: Any, lang: str, served_portal_archive: ServedArchive, screenshot: Any
) -> None:
    site = served_portal_archive
    page.goto("/search")
    page.fill("input[name=q]", site.phrase)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    results = page.locator("ol.results > li")
    assert results.count() == 1
    assert results.first.locator("mark").first.inner_text() == site.phrase
    screenshot(page, shot(lang, "search"))
    results.first.locator("a.title").click()
    page.wait_for_url(f"**/reports/{site.edited_id}")
    assert site.edited.title in page.locator("h1").inner_text()
    assert site.phrase in page.locator("article.report-text").inner_text()
    screenshot(page, shot(lang, "report"))
    page.click("a.diff-link")
    page.wait_for_url(f"**/reports/{site.edited_id}/diff?from=1&to=2")
    inserted = " ".join(page.locator("table.diff ins").all_inner_texts())
    assert site.phrase in inserted
    assert page.locator("table.diff del").count() >= 1
    screenshot(page, shot(lang, "diff"))
    page.goto("/search?q=" + "没有这样的词语组合")
    assert page.locator("#no-results").count() == 1 and page.locator("ol.results").count() == 0
    screenshot(page, shot(lang, "search-empty"))


def test_create_and_download_a_bundle(
    page: Any, lang: str, served_portal_archive: ServedArchive, screenshot: Any, tmp_path: Any
) -> None:
    login(page, served_portal_archive, "/bundles")
    page.select_option("select[name=sources]", ["portal-trs", "portal-hanweb"])
    page.check("input[name=include][value=attachments]")
    page.click("form.grid button[type=submit]")
    page.wait_for_selector(".flash.ok")
    assert WORDS[lang]["created"] in page.locator(".flash.ok").inner_text()
    link = page.locator("#bundles a.download").first
    with page.expect_download() as info:
        link.click()
    target = tmp_path / "bundle.zip"
    info.value.save_as(target)
    with zipfile.ZipFile(target) as bag:
        names = bag.namelist()
    assert any(name.endswith("bagit.txt") for name in names)
    assert any(name.endswith("manifest-sha256.txt") for name in names)
    screenshot(page, shot(lang, "bundles"))


def test_changes_are_refused_without_login(
    page: Any, lang: str, served_portal_archive: ServedArchive, screenshot: Any
) -> None:
    page.goto("/bundles")
    assert page.locator("form[action='/bundles']").count() == 0
    assert WORDS[lang]["login"] in page.locator("main").inner_text()
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
    screenshot(page, shot(lang, "alerts"))


def test_no_english_ui_text_is_left_in_the_chinese_pages(
    zh_page: Any, web_browser: Any, served_portal_archive: ServedArchive
) -> None:
    site = served_portal_archive
    english = english_ui_words()
    assert {"dashboard", "sources", "search", "sentences", "subscribe", "ok"} <= english
    paths = ["/", "/sources", "/sources/portal-trs", "/reports", f"/reports/{site.edited_id}",
             f"/reports/{site.edited_id}/diff?from=1&to=2", f"/reports/{site.edited_id}/versions/1/raw", "/search",
             f"/search?q={site.phrase}", "/search?q=没有这样的词语组合", "/runs", "/alerts", "/bundles", "/docs",
             "/login", "/reports/999999", "/no/such/page", "/coverage"]
    checked = []

    def check(where: str) -> None:
        text = zh_page.evaluate(VISIBLE_UI_TEXT)
        left = sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() in english})
        context = [text[max(0, m.start() - 60): m.end() + 60] for w in left for m in [re.search(w, text)] if m]
        assert not left, f"English UI words left on {where} in the Chinese UI: {left} in {context}"
        checked.append(where)

    for path in paths:
        zh_page.goto(path)
        check(path)
    login(zh_page, site, "/sources")  # the forms an administrator sees
    for path in ["/sources", "/sources/portal-trs", "/alerts", "/bundles"]:
        zh_page.goto(path)
        zh_page.evaluate("() => document.querySelectorAll('details').forEach((d) => d.open = true)")
        check(path + " (logged in)")
    assert len(checked) == len(paths) + 4
    # the same pages in English do show the English words (the check can fail)
    context = _context(web_browser, site, "en")
    try:
        en_page = context.new_page()
        en_page.goto("/")
        assert "dashboard" in {w.lower() for w in re.findall(r"[A-Za-z]{2,}", en_page.evaluate(VISIBLE_UI_TEXT))}
    finally:
        context.close()


def test_manage_a_source_from_the_browser_and_crawl_it(
    zh_page: Any, served_portal_archive: ServedArchive, screenshot: Any
) -> None:
    """The form writes the source's TOML; "Crawl now" runs `govarchive crawl NAME --json` as a child process;
    disable/enable switch it in the home's source-state.toml; the language switch is remembered."""
    page = zh_page
    site = served_portal_archive
    login(page, site, "/sources")
    screenshot(page, "sources-manage")
    page.fill("input[name=name]", "web-ucap")
    page.fill("input[name=title]", "网页添加的来源")
    page.fill("input[name=region]", "浙江省")
    page.select_option("select[name=level]", "county")
    page.fill("textarea[name=start_urls]", site.world.family("ucap").list_url)
    page.click("form.source-form button[type=submit]")
    page.wait_for_url("**/sources/web-ucap?ok=*")
    assert (site.home / "sources" / "web-ucap.toml").is_file()
    assert "县级" in page.locator("dl.meta").inner_text()
    page.click("#disable")
    page.wait_for_selector(".flash.ok")
    assert "已停用" in page.locator(".flash.ok").inner_text()
    assert "web-ucap" in (site.home / "source-state.toml").read_text("utf-8")
    page.click("#enable")
    page.wait_for_selector("#disable")
    page.click("#crawl-now")
    page.wait_for_selector(".flash.ok")
    assert WORDS["zh"]["crawl_started"] in page.locator(".flash.ok").inner_text()
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
    page.click("header .languages a[hreflang=en]")
    page.wait_for_url("**/sources/web-ucap")
    assert page.locator("h2", has_text="Manage").count() == 1
    page.goto("/")
    assert page.locator("nav >> text=Dashboard").count() == 1  # remembered across pages
