"""The portal's JavaScript really runs in Chromium: the 瑞数-style challenge passes and scripted lists fill."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from govarchive.portal import COOKIE_S, COOKIE_T, PortalServer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium not installed at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_chromium_passes_the_challenge(browser: object, portal_server: PortalServer) -> None:
    world = portal_server.world()
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(world.family("challenge").list_url)
        page.wait_for_selector("ul.list li", timeout=20_000)
        titles = page.locator("ul.list li a").evaluate_all("as => as.map(a => a.title)")
        assert titles[0] == world.listing("challenge")[0].title
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        assert COOKIE_S in cookies and COOKIE_T in cookies
    finally:
        context.close()
    report = world.expected_reports("challenge")[0]
    plain = httpx.get(report.url, cookies={COOKIE_S: cookies[COOKIE_S], COOKIE_T: cookies[COOKIE_T]})
    assert plain.status_code == 200 and report.title in plain.text


def test_chromium_fills_the_scripted_lists(browser: object, portal_server: PortalServer) -> None:
    world = portal_server.world()
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(world.family("jsonlist").list_url)
        page.wait_for_selector("#list li", timeout=20_000)
        hrefs = page.locator("#list li a").evaluate_all("as => as.map(a => a.href)")
        listed = world.listing("jsonlist")
        assert hrefs == [world.base_url + i.path for i in listed[:5]]
        page.click("#pager a[data-page='2']")
        page.wait_for_selector("#list[data-loaded='2']", timeout=20_000)
        assert page.locator("#list li a").first.get_attribute("title") == listed[5].title

        page.goto(world.family("hanweb").list_url)
        page.wait_for_selector("ul.list li", timeout=20_000)
        hanweb = world.listing("hanweb")
        assert page.locator("ul.list li").count() == 5
        for _ in range(2):  # the third page is beyond the embedded records: fetched from the data proxy
            page.click("#pagebar_7716293 a[data-go='1']")
        page.wait_for_function(f"document.querySelector('ul.list li a').title === {hanweb[10].title!r}")
    finally:
        page.close()
