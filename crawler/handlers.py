"""Download handler: scrapy-playwright, but its Playwright driver starts only when first needed.

The stock handler starts a Node.js driver per handler at engine start — one per scheme and per
source crawler — even when no page ever needs the browser. Most portals need none.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.http import Response


class LazyPlaywrightDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """Plain HTTP for plain requests; Playwright started on the first ``playwright`` request."""

    _launching: asyncio.Future[None] | None = None

    def _engine_started(self) -> None:
        return None

    async def _maybe_launch_in_thread(self) -> None:
        return None

    async def _ensure_launched(self) -> None:
        if self._launching is None:
            self._launching = asyncio.ensure_future(self._launch())
        await self._launching

    async def download_request(self, request: Request, spider: Spider | None = None) -> Response:
        if request.meta.get("playwright"):
            await self._ensure_launched()
        result: Any = super().download_request(request)
        return await result
