"""A modern portal whose column page ships an empty ``<ul id="list">`` that a script fills from
``/api/list?page=N`` (JSON); articles are static ``content/post_ID.html`` pages."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from govarchive.portal.model import Item
from govarchive.portal.render.base import Request, Response, Site, pages

if TYPE_CHECKING:
    from govarchive.portal.world import World

COLUMN = "/xxgk/fzzfjsbg"


class JsonListSite(Site):
    template = "jsonlist"

    @property
    def list_path(self) -> str:
        return f"{self.prefix}{COLUMN}/index.html"

    @property
    def api_path(self) -> str:
        return f"{self.prefix}/api/list"

    def article_path(self, item: Item) -> str:
        return f"{self.prefix}{COLUMN}/content/post_{item.article_id}.html"

    def attachment_path(self, item: Item, number: int, ext: str) -> str:
        return f"{self.prefix}/attachment/0/{item.article_id % 100}/{item.article_id}/{item.article_id}{number}.{ext}"

    def handle(self, req: Request, world: World) -> Response | None:
        found = super().handle(req, world)
        if found is not None:
            return found
        if req.path in (self.list_path, self.list_path.removesuffix("index.html")):
            return self.html("jsonlist/column.html", last_modified=world.family_modified(self.name),
                             api=req.root + self.api_path, **self.context(req, world))
        if req.path == self.api_path:
            return self.render_api(req, world)
        return None

    def render_api(self, req: Request, world: World) -> Response:
        asked = self.requested_page(req, world)
        if asked is None:
            count = pages(len(world.listing(self.name)), self.per_page)
            body = {"code": 400, "message": f"page must be 1..{count}"}
            return Response(400, json.dumps(body, ensure_ascii=False).encode(), "application/json; charset=utf-8")
        items, page, count = asked
        doc = {"page": page, "pages": count, "total": len(items), "items": [
            {"title": i.title, "url": req.root + i.path, "date": i.pub_date.isoformat()}
            for i in self.page_slice(items, page - 1)]}
        return Response(200, json.dumps(doc, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8",
                        cacheable=True, last_modified=world.family_modified(self.name))

    def render_article(self, req: Request, world: World, item: Item) -> Response:
        atts = [(req.root + a.path, a.name) for a in item.attachments]
        return self.html("jsonlist/article.html", last_modified=item.modified, item=item, attachments=atts,
                         related=self.related(req, world, item), **self.context(req, world))
