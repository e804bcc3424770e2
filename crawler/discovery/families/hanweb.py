"""Hanweb (大汉) jpage lists: the records are POSTed for in blocks from ``dataproxy.jsp``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response

from crawler.discovery.links import extract_links
from crawler.discovery.pagination import HanwebPlan, hanweb_plan, hanweb_record_count, hanweb_total

from .base import DiscoveryFamily, ListPage

PLAN = "govarchive_hanweb"  # request meta: (plan, end record) of a jpage request


class HanwebFamily(DiscoveryFamily):
    kind = "hanweb"
    counts_as_list_page = True

    def claims(self, page: ListPage) -> bool:
        return "datastore" in page.text or "dataproxy.jsp" in page.text

    def follow(self, page: ListPage) -> Iterator[Any]:
        if (plan := hanweb_plan(page.text, page.url)) is not None:
            yield from self._requests(plan, hanweb_record_count(page.text), page.url, page.depth)

    def _requests(self, plan: HanwebPlan, after: int, url: str, depth: int) -> Iterator[Request]:
        for jpage in plan.pages(after, self.walk.max_list_pages):
            request = self.walk.listing_request(jpage.url, kind="hanweb", depth=depth, formdata=jpage.formdata,
                                                origin=url)
            if request is not None:
                request.meta[PLAN] = (plan, int(jpage.url.split("endrecord=")[1].split("&")[0]))
                yield request

    def parse(self, response: Response) -> Iterator[Any]:
        text = self.walk.listing_answer(response)
        if text is None:
            return
        links = extract_links(text, response.url)
        self.walk.note_links(links)
        yield from self.walk.report_links(links)[1]
        plan, end = response.meta.get(PLAN, (None, 0))
        if plan is not None and plan.total is None and hanweb_record_count(text):
            # the column page did not say how many records there are: the answer may, else go on
            plan = dataclasses.replace(plan, total=hanweb_total(text))
            origin = response.meta.get("govarchive_origin") or response.url
            yield from self._requests(plan, end, origin, response.meta.get("govarchive_depth", 0))
