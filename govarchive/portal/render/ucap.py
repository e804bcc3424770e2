"""开普云 Ucap (集约化) portal: ``<UCAPCONTENT>`` bodies wrapped in page chrome, a view counter and a
today's-date widget on every page (dynamic: no validators), lists paged by ``?page=N``."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from govarchive.portal.model import Item
from govarchive.portal.render.base import Request, Response, Site

if TYPE_CHECKING:
    from govarchive.portal.world import World

COLUMN = "/xljgcq/c101540"


class UcapSite(Site):
    template = "ucap"
    home_file = "index.shtml"

    @property
    def list_path(self) -> str:
        return f"{self.prefix}{COLUMN}/index.shtml"

    def article_path(self, item: Item) -> str:
        digest = hashlib.md5(f"ucap:{item.key}:{item.article_id}".encode()).hexdigest()
        return f"{self.prefix}{COLUMN}/{item.pub_date:%Y%m}/{digest}.shtml"

    def attachment_path(self, item: Item, number: int, ext: str) -> str:
        digest = hashlib.md5(f"ucap-file:{item.key}:{number}".encode()).hexdigest()[:20]
        return f"{self.prefix}{COLUMN}/{item.pub_date:%Y%m}/files/{digest}.{ext}"

    def attachment_href(self, req: Request, item: Item, path: str) -> str:
        return "files/" + path.rsplit("/", 1)[-1]

    def handle(self, req: Request, world: World) -> Response | None:
        found = super().handle(req, world)
        if found is not None:
            found.cacheable = False
            return found
        if req.path in (self.list_path, self.list_path.removesuffix("index.shtml")):
            return self.render_list(req, world)
        return None

    def context(self, req: Request, world: World) -> dict[str, Any]:
        ctx = super().context(req, world)
        ctx["site_visits"] = world.bump_visits(self.name)
        return ctx

    def render_list(self, req: Request, world: World) -> Response:
        asked = self.requested_page(req, world)
        if asked is None:
            return self.not_found(req, world)
        items, page, count = asked
        rows = [(req.root + i.path, i.title, i.pub_date) for i in self.page_slice(items, page - 1)]
        return self.html("ucap/list.html", cacheable=False, rows=rows, page=page, page_count=count,
                         list_url=req.root + self.list_path, **self.context(req, world))

    def render_article(self, req: Request, world: World, item: Item) -> Response:
        item.views += 1
        atts = [(self.attachment_href(req, item, a.path), a.name) for a in item.attachments]
        return self.html("ucap/article.html", cacheable=False, item=item, attachments=atts, views=item.views,
                         related=self.related(req, world, item, count=5), **self.context(req, world))
