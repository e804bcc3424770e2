"""Lists filled by JavaScript: the JSON their scripts load is read (TRS/JSON listings), else the
page goes through the browser (unless the source says ``render = "never"``).

A guessed endpoint that does not answer is not a broken listing; a further page of a JSON list
that was read is. When no guessed endpoint gave a link, the list page is rendered after all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler.discovery.pages import looks_js_only_list
from crawler.discovery.scripts import json_endpoints, parse_json_list
from crawler.middlewares.render import RENDERED

from .base import DiscoveryFamily, ListingWalk, ListPage

MAX_JSON_CANDIDATES = 4
logger = logging.getLogger(__name__)


class ScriptListFamily(DiscoveryFamily):
    kind = "json"
    counts_as_list_page = True

    def __init__(self, walk: ListingWalk) -> None:
        super().__init__(walk)
        self.origins: dict[str, list[int]] = {}  # list page → [guessed endpoints pending, links they gave]

    def claims(self, page: ListPage) -> bool:
        return not page.matched and not page.pages and looks_js_only_list(page.text, page.links)

    def follow(self, page: ListPage) -> Iterator[Any]:
        candidates = json_endpoints(page.text, page.url)[:MAX_JSON_CANDIDATES]
        requests = [
            r for c in candidates
            if (r := self.walk.listing_request(c, kind="json", depth=page.depth + 1, origin=page.url))
        ]
        if requests:
            self.origins[page.url] = [len(requests), 0]
            yield from requests
            return
        yield from self._render_list(page.response)

    def _render_list(self, response: Response) -> Iterator[Request]:
        walk = self.walk
        request = response.request
        if request is None or walk.source.render == "never" or response.meta.get(RENDERED):
            if walk.source.render == "never" and response.meta.get("govarchive_kind") == "list":
                logger.warning("%s: %s looks filled by JavaScript and render = never", walk.source.name, response.url)
                walk.inc("discovery/js_list_not_rendered")
            return
        walk.inc("render/js_list")
        yield walk.browser_list_request(request)

    def _render_origin(self, origin: str) -> Iterator[Request]:
        walk = self.walk
        if walk.source.render == "never":
            walk.inc("discovery/js_list_not_rendered")
            return
        walk.inc("render/js_list")
        yield walk.browser_list_request(Request(origin))

    def _answered(self, origin: str | None, links: int) -> Iterator[Request]:
        """One guessed endpoint of ``origin`` answered (with ``links``) or failed: render when all gave none."""
        if origin not in self.origins:
            return
        state = self.origins[origin]
        state[0] -= 1
        state[1] += links
        if state[0] == 0 and state[1] == 0:
            yield from self._render_origin(origin)

    def parse(self, response: Response) -> Iterator[Any]:
        walk = self.walk
        origin = response.meta.get("govarchive_origin")
        if origin is None:  # a further page of a known JSON list: failing breaks the listing
            text = walk.listing_answer(response)
        else:  # a guessed endpoint that does not answer is not a broken listing
            walk.list_pending -= 1
            walk.inc("discovery/json_pages")
            text = response.text if response.status == 200 and isinstance(response, TextResponse) else None
        parsed = parse_json_list(text, response.url, walk.max_list_pages) if text is not None else None
        if parsed is not None:
            for link in parsed.links:
                walk.link_seen.add(link.url)
                walk.link_titles.setdefault(link.url, link.title)
            yield from walk.report_links(parsed.links)[1]
            for page in parsed.pages:
                request = walk.listing_request(page, kind="json", depth=response.meta.get("govarchive_depth", 1) + 1)
                if request is not None:
                    yield request
        yield from self._answered(origin, len(parsed.links) if parsed is not None else 0)

    def failed(self, request: Request, failure: Failure) -> Iterator[Any]:
        origin = request.meta.get("govarchive_origin")
        if origin not in self.origins:
            yield from super().failed(request, failure)
            return
        yield from self._answered(origin, 0)
