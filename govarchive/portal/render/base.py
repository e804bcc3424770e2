"""What every simulated portal shares: request/response records, the template environment, the
``Site`` base class with home page, calendar trap, 404 and soft-404 pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from jinja2 import Environment, PackageLoader, select_autoescape

from govarchive.portal.model import Item
from govarchive.portal.specs import SiteSpec

if TYPE_CHECKING:
    from govarchive.portal.world import World

WEEKDAYS = "一二三四五六日"


@dataclass(slots=True)
class Request:
    """One request, already routed to a world; ``path`` is relative to the world's base URL."""

    method: str
    path: str
    query: str
    params: Mapping[str, str]  # first value of each query and form field
    headers: Mapping[str, str]  # lower-case names
    root: str  # the world's URL prefix: "" or "/w/<name>"
    base_url: str  # absolute URL of the world
    now: dt.datetime

    def cookie(self, name: str) -> str | None:
        for part in self.headers.get("cookie", "").split(";"):
            key, sep, value = part.strip().partition("=")
            if sep and key == name:
                return value
        return None


@dataclass(slots=True)
class Response:
    """An answer before conditional-request handling; ``cacheable`` pages get ETag/Last-Modified."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cacheable: bool = False
    last_modified: dt.datetime | None = None


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("govarchive.portal", "templates"),
        autoescape=select_autoescape(["html", "xml", "js"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["weekday"] = lambda d: WEEKDAYS[d.weekday()]
    return env


def truncate(title: str, limit: int) -> str:
    """List-style truncation: the first characters and ``...``."""
    return title if len(title) <= limit else title[: limit - 2] + "..."


def pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


class Site:
    """One portal of a world. Subclasses define URL shapes and markup of their CMS family."""

    template: ClassVar[str] = ""
    home_file: ClassVar[str] = "index.html"

    def __init__(self, spec: SiteSpec, per_page: int) -> None:
        self.spec = spec
        self.name = spec.family
        self.prefix = f"/{spec.family}"
        self.per_page = per_page

    # ---- URL shapes (world-relative) -------------------------------------------------
    @property
    def home_path(self) -> str:
        return f"{self.prefix}/{self.home_file}"

    @property
    def list_path(self) -> str:
        raise NotImplementedError

    @property
    def search_path(self) -> str | None:
        return None

    def article_path(self, item: Item) -> str:
        raise NotImplementedError

    def attachment_path(self, item: Item, number: int, ext: str) -> str:
        raise NotImplementedError

    def attachment_href(self, req: Request, item: Item, path: str) -> str:
        """The link to an attachment as written in the article page."""
        return req.root + path

    # ---- serving ---------------------------------------------------------------------
    @property
    def charset(self) -> str:
        return "GBK" if self.spec.encoding == "gbk" else "utf-8"

    @property
    def meta_charset(self) -> str:
        return "gb2312" if self.spec.encoding == "gbk" else "utf-8"

    def html(self, template: str, status: int = 200, cacheable: bool = True,
             last_modified: dt.datetime | None = None, **context: Any) -> Response:
        text = environment().get_template(template).render(site=self, spec=self.spec, **context)
        body = text.encode(self.spec.encoding, errors="xmlcharrefreplace")
        return Response(status, body, f"text/html; charset={self.charset}", cacheable=cacheable,
                        last_modified=last_modified)

    def context(self, req: Request, world: World) -> dict[str, Any]:
        """Names every template of this site uses."""
        fp = req.root + self.prefix
        return {"root": req.root, "fp": fp, "home": req.root + self.home_path, "column_url": req.root + self.list_path,
                "now": req.now, "meta_charset": self.meta_charset, "calendar": f"{fp}/calendar/2025-01-01.html"}

    def handle(self, req: Request, world: World) -> Response | None:
        """Serve the site's own dynamic routes (lists, search, APIs); None when not one of them."""
        path = req.path
        if path in (self.prefix, self.prefix + "/", self.home_path):
            return self.render_home(req, world)
        if path.startswith(self.prefix + "/calendar/"):
            return self.render_calendar(req, world)
        return None

    def render_home(self, req: Request, world: World) -> Response:
        latest = world.listing(self.name)[:6]
        return self.html("home.html", last_modified=world.family_modified(self.name),
                         latest=[(req.root + i.path, i.title, i.pub_date) for i in latest],
                         **self.context(req, world))

    def render_calendar(self, req: Request, world: World) -> Response:
        """An endless 活动日历: every day links to the next and previous one (a crawler trap)."""
        stem = req.path.rsplit("/", 1)[-1].removesuffix(".html")
        try:
            day = dt.date.fromisoformat(stem)
        except ValueError:
            return self.not_found(req, world)
        one = dt.timedelta(days=1)
        return self.html("calendar.html", cacheable=False, day=day, prev_day=day - one, next_day=day + one,
                         **self.context(req, world))

    def render_article(self, req: Request, world: World, item: Item) -> Response:
        raise NotImplementedError

    def render_soft404(self, req: Request, world: World, item: Item) -> Response:
        return self.html("soft404.html", cacheable=False, **self.context(req, world))

    def not_found(self, req: Request, world: World) -> Response:
        return self.html("404.html", status=404, cacheable=False, **self.context(req, world))

    # ---- helpers ---------------------------------------------------------------------
    def related(self, req: Request, world: World, item: Item, count: int = 4) -> list[tuple[str, str]]:
        """Other items of the column shown as 相关链接; they rotate with the page's chrome revision."""
        others = [i for i in world.listing(self.name) if i.key != item.key]
        if not others:
            return []
        start = (item.article_id + item.chrome_rev * 3) % len(others)
        picked = (others + others)[start: start + min(count, len(others))]
        return [(req.root + i.path, i.title) for i in picked]

    def requested_page(self, req: Request, world: World) -> tuple[list[Item], int, int] | None:
        """Column items, the 1-based ``?page=`` asked for and the page count; None when out of range."""
        items = world.listing(self.name)
        count = pages(len(items), self.per_page)
        try:
            page = int(req.params.get("page", "1"))
        except ValueError:
            return None
        return (items, page, count) if 1 <= page <= count else None

    def page_slice(self, items: Sequence[Item], page: int) -> Sequence[Item]:
        """Items of 0-based ``page``."""
        return items[page * self.per_page: (page + 1) * self.per_page]
