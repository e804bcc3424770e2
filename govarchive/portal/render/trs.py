"""TRS WCM (拓尔思) portal: static ``index_N.html`` lists via ``createPageHTML``, ``./YYYYMM/tYYYYMMDD_ID.html``
articles with ``div.TRS_Editor``, ``./P0….pdf`` attachments, and the ``was5`` site search."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote_to_bytes

from govarchive.portal.model import Item
from govarchive.portal.render.base import Request, Response, Site, pages, truncate

if TYPE_CHECKING:
    from govarchive.portal.world import World

_LIST_PAGE = re.compile(r"index(?:_(\d+))?\.html$")
_COLUMN_DIRS = {"trs": "zwgk_190/fzzfjsndbg", "challenge": "zfxxgk/fdzdgknr/fzzfjsndbg"}
SEARCH_PER_PAGE = 10


class TrsSite(Site):
    template = "trs"

    @property
    def column_dir(self) -> str:
        return f"{self.prefix}/{_COLUMN_DIRS.get(self.name, 'zwgk/fzzfjsndbg')}"

    @property
    def list_path(self) -> str:
        return f"{self.column_dir}/index.html"

    @property
    def search_path(self) -> str:
        return f"{self.prefix}/was5/web/search"

    @property
    def channel_id(self) -> int:
        return 200000 + int(self.spec.site_id_code[-4:]) * 7

    def article_path(self, item: Item) -> str:
        d = item.pub_date
        return f"{self.column_dir}/{d:%Y%m}/t{d:%Y%m%d}_{item.article_id}.html"

    def attachment_path(self, item: Item, number: int, ext: str) -> str:
        d = item.pub_date
        return f"{self.column_dir}/{d:%Y%m}/P0{d:%Y%m%d}{item.article_id % 10**9:09d}{number}{ext and '.' + ext}"

    def attachment_href(self, req: Request, item: Item, path: str) -> str:
        return "./" + path.rsplit("/", 1)[-1]

    def handle(self, req: Request, world: World) -> Response | None:
        found = super().handle(req, world)
        if found is not None:
            return found
        if req.path in (self.column_dir, self.column_dir + "/"):
            return self.render_list(req, world, 0)
        if req.path.startswith(self.column_dir + "/") and (m := _LIST_PAGE.fullmatch(req.path[len(self.column_dir) + 1:])):
            return self.render_list(req, world, int(m.group(1) or 0))
        if req.path == self.search_path:
            return self.render_search(req, world)
        return None

    def render_list(self, req: Request, world: World, page: int) -> Response:
        items = world.listing(self.name)
        count = pages(len(items), self.per_page)
        if page >= count or (page == 0 and req.path.endswith("index_0.html")):
            return self.not_found(req, world)
        rows = [("./" + i.path[len(self.column_dir) + 1:], i.title, truncate(i.title, 26), i.pub_date)
                for i in self.page_slice(items, page)]
        modified = world.family_modified(self.name)
        return self.html("trs/list.html", last_modified=modified, generated=modified, rows=rows,
                         page=page, page_count=count, **self.context(req, world))

    def render_article(self, req: Request, world: World, item: Item) -> Response:
        atts = [(self.attachment_href(req, item, a.path), a.path.rsplit("/", 1)[-1], a.name) for a in item.attachments]
        return self.html("trs/article.html", last_modified=item.modified, item=item, attachments=atts,
                         related=self.related(req, world, item), **self.context(req, world))

    def render_search(self, req: Request, world: World) -> Response:
        word = _decode_param(req.query, "searchword")
        channel = req.params.get("channelid", str(self.channel_id))
        try:
            page = max(1, int(req.params.get("page", "1")))
        except ValueError:
            page = 1
        hits = [i for i in world.listing(self.name) if word and (word in i.title or word in i.text)] if word else []
        total = len(hits)
        shown = hits[(page - 1) * SEARCH_PER_PAGE: page * SEARCH_PER_PAGE]
        results = [(req.root + i.path, i.title, _snippet(i.text, word), i.pub_date) for i in shown]
        base = f"{req.root}{self.search_path}?searchword={quote(word)}&channelid={quote(channel)}"
        return self.html("trs/search.html", cacheable=False, word=word, channel=channel, results=results,
                         total=total, page=page, page_count=pages(total, SEARCH_PER_PAGE), search_base=base,
                         **self.context(req, world))


def _decode_param(query: str, name: str) -> str:
    """A query value percent-encoded in UTF-8 or, as old TRS forms send it, in GBK."""
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == name:
            raw = unquote_to_bytes(value.replace("+", " "))
            try:
                return raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                return raw.decode("gb18030", errors="replace").strip()
    return ""


def _snippet(text: str, word: str, width: int = 60) -> str:
    at = max(0, text.find(word))
    return text[max(0, at - width // 2): at + width].replace("\n", " ")
