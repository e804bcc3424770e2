"""An old table-layout portal (``101.news.detail.dhtml?news_id=…``): ``<br>``-separated body text in
a ``<td>`` beside the 打印 / 关闭 / 字体 tool links, lists with ``?page=`` links and 下一页."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govarchive.portal.model import Item
from govarchive.portal.render.base import Request, Response, Site

if TYPE_CHECKING:
    from govarchive.portal.world import World

CATEGORY_ID = 2107


class TableSite(Site):
    template = "table"
    home_file = "index.dhtml"

    @property
    def list_path(self) -> str:
        return f"{self.prefix}/101.news.list.dhtml?cat_id={CATEGORY_ID}"

    def article_path(self, item: Item) -> str:
        return f"{self.prefix}/101.news.detail.dhtml?news_id={item.article_id}"

    def attachment_path(self, item: Item, number: int, ext: str) -> str:
        d = item.pub_date
        return f"{self.prefix}/uploadfile/{d.year}/{d:%m%d}/{d:%Y%m%d}{item.article_id % 100000:05d}{number}.{ext}"

    def handle(self, req: Request, world: World) -> Response | None:
        found = super().handle(req, world)
        if found is not None:
            return found
        if req.path == f"{self.prefix}/101.news.list.dhtml":
            return self.render_list(req, world)
        return None

    def render_list(self, req: Request, world: World) -> Response | None:
        if req.params.get("cat_id") != str(CATEGORY_ID):
            return None
        asked = self.requested_page(req, world)
        if asked is None:
            return self.not_found(req, world)
        items, page, count = asked
        rows = [(f"101.news.detail.dhtml?news_id={i.article_id}", i.title, i.pub_date)
                for i in self.page_slice(items, page - 1)]
        return self.html("table/list.html", last_modified=world.family_modified(self.name), rows=rows, page=page,
                         page_count=count, cat_id=CATEGORY_ID, **self.context(req, world))

    def render_article(self, req: Request, world: World, item: Item) -> Response:
        atts = [(req.root + a.path, a.name) for a in item.attachments]
        return self.html("table/article.html", last_modified=item.modified, item=item, attachments=atts,
                         related=self.related(req, world, item, count=3), **self.context(req, world))
