"""大汉 Hanweb JCMS portal: ``/col/colID/index.html`` columns whose records sit in a ``text/xml``
datastore, more records by POST to ``/module/web/jpage/dataproxy.jsp``, ``/art/Y/M/D/art_COL_ID.html``
articles with the 信息公开 table and ``ZJEG_RSS`` comments, ``downfile.jsp`` attachments."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from govarchive.portal.model import Item
from govarchive.portal.render.base import Request, Response, Site, pages

if TYPE_CHECKING:
    from govarchive.portal.world import World

COLUMN_ID = 1229673407
WEB_ID = 3185
UNIT_ID = 7716293


class HanwebSite(Site):
    template = "hanweb"

    @property
    def list_path(self) -> str:
        return f"{self.prefix}/col/col{COLUMN_ID}/index.html"

    @property
    def proxy_path(self) -> str:
        return f"{self.prefix}/module/web/jpage/dataproxy.jsp"

    @property
    def group_size(self) -> int:
        """Records embedded in the column page; the rest come from the data proxy."""
        return self.per_page * (2 if self.per_page < 10 else 3)

    def article_path(self, item: Item) -> str:
        d = item.pub_date
        return f"{self.prefix}/art/{d.year}/{d.month}/{d.day}/art_{COLUMN_ID}_{item.article_id}.html"

    def attachment_path(self, item: Item, number: int, ext: str) -> str:
        digest = hashlib.md5(f"{item.key}:{number}".encode()).hexdigest()[:8]
        name = f"{item.pub_date:%y%m%d}{item.article_id % 10000:04d}{digest}.{ext}"
        return f"{self.prefix}/module/download/downfile.jsp?classid=0&filename={name}"

    def handle(self, req: Request, world: World) -> Response | None:
        found = super().handle(req, world)
        if found is not None:
            return found
        if req.path in (self.list_path, self.list_path.removesuffix("index.html")):
            return self.render_column(req, world)
        if req.path == self.proxy_path:
            return self.render_proxy(req, world)
        return None

    def record(self, req: Request, item: Item) -> str:
        href = quoteattr(req.root + item.path)
        title = escape(item.title)
        return (f'<li><a href={href} title={quoteattr(item.title)} target="_blank">{title}</a>'
                f"<span>{item.pub_date.isoformat()}</span></li>")

    def proxy_query(self) -> str:
        return (f"col=1&appid=1&webid={WEB_ID}&path=%2F&columnid={COLUMN_ID}&sourceContentType=1"
                f"&unitid={UNIT_ID}&webname=%E8%B1%A1%E5%B1%B1%E5%8E%BF%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C"
                "&permissiontype=0")

    def render_column(self, req: Request, world: World) -> Response:
        items = world.listing(self.name)
        records = [self.record(req, i) for i in items[: self.group_size]]
        return self.html("hanweb/column.html", last_modified=world.family_modified(self.name), records=records,
                         total=len(items), page_count=pages(len(items), self.per_page), per_page=self.per_page,
                         group_size=self.group_size, unit_id=UNIT_ID, web_id=WEB_ID, column_id=COLUMN_ID,
                         proxy=req.root + self.proxy_path, proxy_query=self.proxy_query(),
                         **self.context(req, world))

    def render_proxy(self, req: Request, world: World) -> Response:
        """The jpage data proxy: records ``startrecord``..``endrecord`` (1-based, inclusive) as XML."""
        items = world.listing(self.name)
        try:
            start = max(1, int(req.params.get("startrecord", "1")))
            end = int(req.params.get("endrecord", str(start + self.group_size - 1)))
            per_page = max(1, int(req.params.get("perpage", str(self.per_page))))
        except ValueError:
            return Response(400, b"bad record range", "text/plain; charset=utf-8")
        wanted_column = req.params.get("columnid")
        chosen = items[start - 1: end] if wanted_column in (None, str(COLUMN_ID)) else []
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<datastore>",
                 f"<totalrecord>{len(items)}</totalrecord>", f"<totalpage>{pages(len(items), per_page)}</totalpage>",
                 "<recordset>"]
        lines += [f"<record><![CDATA[{self.record(req, i)}]]></record>" for i in chosen]
        lines += ["</recordset>", "</datastore>", ""]
        return Response(200, "\n".join(lines).encode("utf-8"), "text/xml;charset=UTF-8")

    def render_article(self, req: Request, world: World, item: Item) -> Response:
        atts = [(req.root + a.path, a.name) for a in item.attachments]
        labels = _disclosure_rows(item)
        return self.html("hanweb/article.html", last_modified=item.modified, item=item, attachments=atts,
                         disclosure=labels, related=self.related(req, world, item), column_id=COLUMN_ID,
                         **self.context(req, world))


def _disclosure_rows(item: Item) -> list[list[tuple[str, str]]]:
    """The 信息公开 table: label/value pairs, two per row, labels padded as real sites pad them."""
    cells = [("索\u3000引\u3000号：", item.index_no or ""), ("发布机构：", item.publisher),
             ("文\u3000\u3000号：", item.doc_no or ""), ("发布日期：", item.pub_date.isoformat()),
             ("有 效 性：", item.validity or "")]
    if item.written_date is not None and item.article_id % 2:
        cells.append(("成文日期：", f"{item.written_date.year}年{item.written_date.month:02d}月{item.written_date.day:02d}日"))
    return [cells[i: i + 2] for i in range(0, len(cells), 2)]
