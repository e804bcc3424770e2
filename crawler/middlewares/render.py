"""Through the browser only where needed: JavaScript challenges and JS-only pages.

``RenderMiddleware`` sees a plain answer that is an anti-bot challenge (瑞数 412/202 with
``$_ts``, 加速乐 521 with ``__jsl_clearance`` …) and sends that request once more through
Chromium (scrapy-playwright). The cookies the browser earned are then lent to plain requests
of the same host by ``ChallengeCookiesMiddleware``, so one browser visit opens the portal.
An answer that is still a challenge after the browser is marked blocked: never archived as
content, never retried in a loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy_playwright.page import PageMethod

from crawler.config import crawl_config
from crawler.cookies import expiry_of, load_cookies, save_cookies
from crawler.discovery.pages import CHALLENGE, classify_challenge, looks_challenged, may_be_challenge

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.http.request import VerboseCookie

logger = logging.getLogger(__name__)

BLOCKED = "govarchive_blocked"
RENDERED = "govarchive_rendered"
COOKIE_GEN = "govarchive_cookie_gen"
COOKIES_ATTR = "_govarchive_cookies"  # the crawler's EarnedCookies (Scrapy's Crawler has no slot for it)


@dataclass(slots=True)
class EarnedCookies:
    """Cookies earned by browser visits, per host, with a generation counter."""

    by_host: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    generation: int = 0
    folder: Path | None = None  # <home>/cookies: kept for the next run (crawler.cookies)

    def add(self, cookies: list[dict[str, Any]]) -> None:
        touched = set()
        for cookie in cookies:
            host = str(cookie.get("domain") or "").lstrip(".").lower()
            if not host or not cookie.get("name"):
                continue
            jar = [c for c in self.by_host.get(host, []) if c["name"] != cookie["name"]]
            jar.append({"name": cookie["name"], "value": cookie.get("value", ""), "path": cookie.get("path") or "/",
                        "expires": expiry_of(cookie)})
            self.by_host[host] = jar
            touched.add(host)
        self.generation += 1
        if self.folder is None:
            return
        for host in sorted(touched):
            try:
                save_cookies(self.folder, host, self.by_host[host])
            except OSError as exc:  # the crawl goes on; the next run just needs the browser again
                logger.warning("cannot keep the challenge cookies of %s: %s", host, exc)

    def for_url(self, url: str) -> list[dict[str, Any]]:
        host = (urlsplit(url).hostname or "").lower()
        now = time.time()
        out: list[dict[str, Any]] = []
        for domain, cookies in self.by_host.items():
            if host == domain or host.endswith("." + domain):
                out.extend(c for c in cookies if c.get("expires", now + 1) > now)
        return out


def earned_cookies(crawler: Crawler) -> EarnedCookies:
    """The crawler's shared cookie store (one per crawler)."""
    store = getattr(crawler, COOKIES_ATTR, None)
    if store is None:
        home = crawl_config(crawler).home
        folder = Path(home) / "cookies" if home else None
        store = EarnedCookies(load_cookies(folder) if folder else {}, folder=folder)
        setattr(crawler, COOKIES_ATTR, store)
    return store


async def settle_page(page: Any, timeout: float) -> dict[str, Any]:
    """Wait until the page is no longer a challenge (it reloads itself) and the network is idle.

    Runs as a scrapy-playwright page method; returns whether it passed, the status of the last
    document the page navigated to, and the cookies of its context.
    """
    from playwright.async_api import Error as PlaywrightError

    statuses: list[int] = []

    def on_response(response: Any) -> None:
        try:
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                statuses.append(response.status)
        except PlaywrightError:
            pass

    page.on("response", on_response)
    deadline = time.monotonic() + timeout
    passed = False
    while time.monotonic() < deadline:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            await page.wait_for_load_state("networkidle", timeout=remaining * 1000)
            html = await page.content()
        except PlaywrightError:
            await asyncio.sleep(0.2)
            continue
        if not looks_challenged(html):
            passed = True
            break
        await asyncio.sleep(0.3)
    try:
        cookies = await page.context.cookies()
    except PlaywrightError:
        cookies = []
    return {"passed": passed, "status": statuses[-1] if statuses else None, "cookies": cookies}


def render_meta(timeout: float, user_agent: str | None = None) -> dict[str, Any]:
    """Request meta that sends a request through Chromium (a fresh page, closed after it)."""
    return {
        "playwright": True,
        "playwright_context": "render",
        # the context is made on first use (no browser at start-up) and reads these then
        "playwright_context_kwargs": {"user_agent": user_agent, "java_script_enabled": True},
        "playwright_page_methods": [PageMethod(settle_page, timeout)],
        RENDERED: True,
    }


def browser_request(request: Request, timeout: float, user_agent: str | None = None) -> Request:
    """``request`` once more, through Chromium."""
    meta = dict(request.meta)
    meta.update(render_meta(timeout, user_agent))
    meta.pop(BLOCKED, None)
    return request.replace(meta=meta, dont_filter=True)


async def browser_headers(*, browser_type_name: str, playwright_request: Any, scrapy_request_data: dict) -> dict[str, str]:
    """The browser's own headers (its cookies included), with our User-Agent.

    Never conditional: a browser navigation answered 304 has nothing to show and may hang until
    its timeout, so conditional re-checks are plain requests (see the spider)."""
    headers: dict[str, str] = await playwright_request.all_headers()
    scrapy_headers = scrapy_request_data["headers"].to_unicode_dict()
    if agent := scrapy_headers.get("user-agent") or scrapy_headers.get("User-Agent"):
        headers["user-agent"] = agent
    return headers


_SITE_OF: Any = None


def _site(url: str) -> str:
    """The registered domain of a URL (``www.cqjb.gov.cn`` → ``cqjb.gov.cn``), offline."""
    global _SITE_OF
    if _SITE_OF is None:
        from tldextract import TLDExtract

        _SITE_OF = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)
    host = urlsplit(url).hostname or ""
    parts = _SITE_OF(host)
    return parts.top_domain_under_public_suffix if parts.domain and parts.suffix else host


async def abort_heavy_request(request: Any) -> bool:
    """Images, fonts and media are never needed to read a page, nor third-party scripts
    (counters, share buttons, the 找错 widget): they only slow the page down or hang it."""
    if request.resource_type in ("image", "media", "font"):
        return True
    if request.is_navigation_request():
        return False
    try:
        page_url = request.frame.url
    except Exception:  # noqa: BLE001 — a detached frame: let the request be
        return False
    if not page_url.startswith("http"):
        return False
    return _site(request.url) != _site(page_url)


class ChallengeCookiesMiddleware:
    """Lend the cookies a browser visit earned to plain requests of the same host."""

    def __init__(self, crawler: Crawler) -> None:
        self.cookies = earned_cookies(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        request.meta[COOKIE_GEN] = self.cookies.generation
        if request.meta.get("playwright"):
            return
        earned = self.cookies.for_url(request.url)
        if not earned:
            return
        if isinstance(request.cookies, dict):
            for cookie in earned:
                request.cookies.setdefault(cookie["name"], cookie["value"])
        elif isinstance(request.cookies, list):
            names = {c.get("name") for c in request.cookies if isinstance(c, dict)}
            request.cookies.extend(_verbose(c) for c in earned if c["name"] not in names)


def _verbose(cookie: dict[str, Any]) -> VerboseCookie:
    """Scrapy's form of an earned cookie (its cookie middleware reads no ``expires``)."""
    return {"name": cookie["name"], "value": cookie["value"], "path": cookie["path"]}


class RenderMiddleware:
    """Escalate challenge answers to the browser once; mark what still fails as blocked."""

    def __init__(self, crawler: Crawler, timeout: float) -> None:
        self.crawler = crawler
        self.timeout = timeout
        self.user_agent = crawler.settings.get("USER_AGENT")
        self.cookies = earned_cookies(crawler)
        # imported here: the families use this module's meta keys
        from crawler.discovery.families import html_kinds

        self.html_kinds = html_kinds() | {"report"}  # HTML answers: report pages and the listing's

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        timeout = crawler.settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", 30000) / 1000
        return cls(crawler, timeout)

    def _inc(self, key: str) -> None:
        if self.crawler.stats:
            self.crawler.stats.inc_value(key)

    def _can_render(self, request: Request) -> bool:
        spider = self.crawler.spider
        render = getattr(getattr(spider, "source", None), "render", "never")
        return render != "never" and not request.meta.get(RENDERED)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("govarchive_kind") not in self.html_kinds:
            return response
        if request.meta.get("playwright"):
            return self._after_browser(request, response)
        if not may_be_challenge(response.status, len(response.body)):
            return response
        text = response.body[:65536].decode("utf-8", "replace")
        headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        if classify_challenge(response.status, headers, text) != CHALLENGE:
            return response
        self._inc("render/challenge")
        if request.meta.get(COOKIE_GEN, 0) < self.cookies.generation and not request.meta.get("govarchive_cookie_retry"):
            # cookies were earned while this request was in flight: try them before the browser
            self._inc("render/cookie_retry")
            return request.replace(dont_filter=True, meta={**request.meta, "govarchive_cookie_retry": True})
        if self._can_render(request):
            self._inc("render/escalated")
            logger.info("challenge at %s: retrying through the browser", request.url)
            return browser_request(request, self.timeout, self.user_agent)
        self._inc("render/blocked")
        request.meta[BLOCKED] = True
        return response

    def _after_browser(self, request: Request, response: Response) -> Response:
        self._inc("render/browser_pages")
        methods = request.meta.get("playwright_page_methods") or []
        result = methods[0].result if methods and isinstance(methods[0].result, dict) else None
        if result is None:
            # a list rendered without the settle step: judge by the markup alone
            if looks_challenged(response.text if hasattr(response, "text") else ""):
                request.meta[BLOCKED] = True
                self._inc("render/blocked")
            return response
        if result.get("cookies"):
            self.cookies.add(result["cookies"])
        if not result.get("passed"):
            self._inc("render/blocked")
            logger.warning("still a challenge after the browser: %s", request.url)
            request.meta[BLOCKED] = True
            return response
        status = result.get("status") or 200
        if status in (412, 202, 521):
            status = 200
        self._inc("render/passed")
        return response.replace(status=status) if status != response.status else response


def _offline_public_suffixes() -> None:
    """Scrapy's cookie middleware asks tldextract, which first tries to download the public-suffix
    list (and logs a traceback when offline); its bundled snapshot is all a crawler needs."""
    import scrapy.downloadermiddlewares.cookies as cookies
    from tldextract import TLDExtract

    cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


_offline_public_suffixes()
