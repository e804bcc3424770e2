"""Nation mode of the simulated portal: many small government portals, each on its own loopback address.

Every portal is a division's government site at ``http://127.0.x.y:PORT/index.html`` with the chrome
real ones carry (``SiteIDCode`` meta holding the division code, 发布机构, a site search) and its
report column somewhere below the home page: behind 政府信息公开 / 信息公开 / 法定主动公开内容 /
其他法定主动公开信息, under 专题专栏, linked straight from the home page, or reachable only through
the site search; a few portals have none. Traps sit beside the column (解读, 一图读懂, notices asking
for reports, 政府信息公开工作年度报告, meeting news, a 政府信息公开年报 column).

One asyncio loop in one daemon thread serves every address (one listening socket each), so a
3,000-portal nation costs one thread and ~3,000 file descriptors. Pages are rendered on request
from the portal's seed; only what changed (reports published later) is kept.

>>> nation = NationServer(divisions[:200]).start()
>>> nation.write_csv(path)            # name,title,division_code,level,start_url
>>> nation.expected()                 # ground truth: every report and its division and year
>>> nation.publish(3, year=2025)      # a new report on portal 3
>>> nation.requests                   # requests served, all portals
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import random
import resource
import socket
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from govarchive.portal.corpus import seed_reports

LAYOUTS = ("xxgk3", "xxgk4", "ztzl", "direct", "search", "none")
_LAYOUT_WEIGHTS = (30, 20, 20, 16, 7, 7)
_COLUMN_NAMES = ("法治政府建设", "法治政府建设年度报告", "依法行政", "法治政府建设专栏")
_DEPARTMENTS = ("司法局", "财政局", "生态环境局", "自然资源局", "市场监督管理局")
YEARS = (2022, 2023, 2024)


@dataclass(frozen=True, slots=True)
class Division:
    """A division a portal belongs to (six-digit code, name, level, province name)."""

    code: str
    name: str
    level: str  # province / city / county
    province: str = ""


@dataclass(slots=True)
class NationReport:
    """A report (or a trap) on a portal."""

    path: str
    title: str
    publisher: str
    pub_date: dt.date
    year: int
    kind: str  # government / department / trap
    seed: int

    def to_json(self, base: str, division: Division) -> dict[str, Any]:
        return {"url": base + self.path, "title": self.title, "publisher": self.publisher,
                "pub_date": self.pub_date.isoformat(), "year": self.year, "kind": self.kind,
                "division_code": division.code, "division": division.name, "level": division.level,
                "province": division.province}


@dataclass(slots=True)
class Portal:
    """One division's portal: its address, layout, column and what the column lists."""

    index: int
    division: Division
    host: str
    layout: str
    column_name: str
    items: list[NationReport] = field(default_factory=list)  # column items, reports and traps
    requests: int = 0

    @property
    def gov(self) -> str:
        return f"{self.division.name}人民政府"

    @property
    def source_name(self) -> str:
        return f"gov-{self.division.code}"

    @property
    def column_path(self) -> str:
        return _LAYOUT_PATHS[self.layout][-1][1] if self.layout in _LAYOUT_PATHS else ""

    def reports(self) -> list[NationReport]:
        return [i for i in self.items if i.kind != "trap"]


# layout → the navigation chain from the home page: (link text, path); the last one is the column
_LAYOUT_PATHS: dict[str, list[tuple[str, str]]] = {
    "xxgk3": [("政府信息公开", "/zwgk/index.html"), ("法定主动公开内容", "/zwgk/fdzdgknr/index.html"),
              ("{column}", "/zwgk/fdzdgknr/fzzfjs/index.html")],
    "xxgk4": [("信息公开", "/xxgk/index.html"), ("法定主动公开内容", "/xxgk/fdzd/index.html"),
              ("其他法定主动公开信息", "/xxgk/fdzd/qtxx/index.html"),
              ("{column}", "/xxgk/fdzd/qtxx/fzzfjsndbg/index.html")],
    "ztzl": [("专题专栏", "/ztzl/index.html"), ("{column}", "/ztzl/fzzf/index.html")],
    "direct": [("{column}", "/yfxz/index.html")],
}
# columns beside the report column on every navigation page: traps only
_SIDE_COLUMNS = (("政策解读", "zcjd"), ("政府信息公开年报", "xxgknb"), ("通知公告", "tzgg"), ("工作动态", "gzdt"))


def _trap_titles(gov: str, name: str, year: int) -> list[tuple[str, str]]:
    """(title, side column) of the traps for one year."""
    return [
        (f"《{gov}关于{year}年度法治政府建设情况的报告》解读", "zcjd"),
        (f"一图读懂{name}{year}年法治政府建设年度报告", "zcjd"),
        (f"关于报送{year}年度法治政府建设情况报告的通知", "tzgg"),
        (f"{gov}{year}年政府信息公开工作年度报告", "xxgknb"),
        (f"{name}召开政府常务会议研究{year}年度法治政府建设工作", "gzdt"),
    ]


def _gov_title(rng: random.Random, gov: str, name: str, year: int) -> tuple[str, str]:
    """(title, publisher) of a government's own report."""
    choice = rng.randrange(4)
    if choice == 0:
        return f"{gov}关于{year}年度法治政府建设情况的报告", gov
    if choice == 1:
        return f"{name}{year}年法治政府建设年度报告", gov
    if choice == 2:
        return f"{gov}{year}年度法治政府建设工作报告", gov
    return f"{gov}办公室{year}年法治政府建设工作情况报告", f"{gov}办公室"


def _pub_date(rng: random.Random, year: int) -> dt.date:
    # most by 31 March of the following year, some late
    month = rng.choice((1, 2, 3, 3, 3, 4))
    return dt.date(year + 1, month, rng.randint(1, 28))


def nation_divisions(count: int | None = None, provinces: Sequence[str] = ()) -> list[Division]:
    """Divisions from the registry (``archive.divisions``) by code, optionally of some provinces
    (codes or names): the first ``count`` of them."""
    from archive.divisions import registry

    reg = registry()
    wanted = set(provinces)
    out = []
    for d in sorted(reg, key=lambda d: d.code):
        province = reg.get(d.province)
        province_name = province.name if province is not None else ""
        if wanted and d.province not in wanted and province_name not in wanted:
            continue
        out.append(Division(d.code, d.name, d.level, province_name))
        if count is not None and len(out) >= count:
            break
    return out


def build_portal(index: int, division: Division, seed: int, years: Sequence[int] = YEARS) -> Portal:
    """A portal's layout and content, deterministic in (seed, index)."""
    rng = random.Random(seed * 100_003 + index)
    host = address(index)
    layout = rng.choices(LAYOUTS, _LAYOUT_WEIGHTS)[0]
    portal = Portal(index, division, host, layout, rng.choice(_COLUMN_NAMES))
    if layout == "none":
        return portal
    gov, name = portal.gov, division.name
    published = [y for y in years if y == years[-1] and rng.random() < 0.9 or rng.random() < 0.6]
    serial = 0

    def add(title: str, publisher: str, year: int, kind: str, pub: dt.date) -> None:
        nonlocal serial
        serial += 1
        folder = portal.column_path.rsplit("/", 1)[0] if layout != "search" else "/zwgk/fzzf"
        portal.items.append(NationReport(f"{folder}/{pub:%Y%m}/t{pub:%Y%m%d}_{serial:04d}.html", title,
                                         publisher, pub, year, kind, rng.randrange(1 << 30)))

    for year in published:
        title, publisher = _gov_title(rng, gov, name, year)
        add(title, publisher, year, "government", _pub_date(rng, year))
    for dept in rng.sample(_DEPARTMENTS, k=rng.choice((0, 0, 1, 2))):
        year = rng.choice(list(years))
        add(f"{name}{dept}{year}年法治政府建设年度报告", f"{name}{dept}", year, "department", _pub_date(rng, year))
    for year in published[-1:]:  # traps beside the newest report, in the same column
        for title, _ in _trap_titles(gov, name, year)[:3]:
            add(title, gov, year, "trap", _pub_date(rng, year))
    portal.items.sort(key=lambda i: (i.pub_date, i.path), reverse=True)
    return portal


def address(index: int) -> str:
    """The loopback address of portal ``index``: 127.0.10.1, 127.0.10.2 … (250 per /24)."""
    return f"127.0.{10 + index // 250}.{1 + index % 250}"


# ------------------------------------------------------------------ pages

_STYLE = "body{font-family:sans-serif;margin:0}#nav a{margin:0 8px}.list li{margin:4px 0}"


def _chrome(portal: Portal, title: str, body: str, meta: str = "") -> str:
    d = portal.division
    nav = "".join(f'<a href="{p}">{escape(t)}</a>' for t, p in _home_nav(portal))
    search = ""
    if portal.layout != "none" or portal.index % 2 == 0:
        search = ('<form id="searchform" action="/search/search.html" method="get">'
                  '<input type="text" name="searchword" placeholder="请输入关键字"><input type="submit" value="搜索">'
                  "</form>")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta name="SiteName" content="{escape(portal.gov)}门户网站">'
        f'<meta name="SiteDomain" content="{portal.host}">'
        f'<meta name="SiteIDCode" content="{d.code}0001">'
        f"{meta}<title>{escape(title)}_{escape(portal.gov)}</title><style>{_STYLE}</style></head><body>"
        f'<div id="header"><h1>{escape(portal.gov)}</h1>{search}</div>'
        f'<div id="nav">{nav}</div><div id="main">{body}</div>'
        '<div id="footer"><a href="/zwgk/wzdt/index.html">网站地图</a> <a href="/lxwm/index.html">联系我们</a>'
        f"<p>主办单位：{escape(portal.gov)}办公室　网站标识码：{d.code}0001</p></div></body></html>"
    )


def _home_nav(portal: Portal) -> list[tuple[str, str]]:
    nav = [("首页", "/index.html")]
    if portal.layout in ("xxgk3", "xxgk4"):
        nav.append(_LAYOUT_PATHS[portal.layout][0])
    else:
        nav.append(("政府信息公开", "/zwgk/index.html"))
    nav += [("新闻中心", "/xwzx/index.html"), ("政务服务", "/zwfw/index.html"), ("互动交流", "/hdjl/index.html")]
    if portal.layout == "ztzl":
        nav.append(("专题专栏", "/ztzl/index.html"))
    return [(t.format(column=portal.column_name), p) for t, p in nav]


def _list_body(heading: str, links: Iterable[tuple[str, str, str]]) -> str:
    rows = "".join(f'<li><a href="{p}" title="{escape(t)}">{escape(t)}</a><span>{d}</span></li>' for p, t, d in links)
    return f'<div class="crumb">当前位置：首页 &gt; {escape(heading)}</div><h2>{escape(heading)}</h2><ul class="list">{rows}</ul>'


def _nav_page(portal: Portal, heading: str, children: list[tuple[str, str]]) -> str:
    links = [(p, t, "") for t, p in children]
    return _chrome(portal, heading, _list_body(heading, links))


def _page(portal: Portal, path: str) -> tuple[str, NationReport | None] | None:
    """The page at ``path`` (HTML and the item it shows), or None for a 404."""
    if path in ("/", "/index.html", "/index.htm"):
        return _home(portal), None
    chain = _LAYOUT_PATHS.get(portal.layout, [])
    for depth, (text, p) in enumerate(chain):
        if path != p:
            continue
        if depth == len(chain) - 1:  # the report column
            heading = portal.column_name
            links = [(i.path, i.title, i.pub_date.isoformat()) for i in portal.items]
            return _chrome(portal, heading, _list_body(heading, links)), None
        nxt = chain[depth + 1]
        base = p.rsplit("/", 1)[0]
        children = [(nxt[0].format(column=portal.column_name), nxt[1])]
        children += [(name, f"{base}/{slug}/index.html") for name, slug in _SIDE_COLUMNS]
        return _nav_page(portal, text, children), None
    if path == "/zwgk/index.html" or path == "/ztzl/index.html":  # the generic nav page of other layouts
        children = [(n, f"/zwgk/{s}/index.html") for n, s in _SIDE_COLUMNS] + [("法定主动公开内容", "/zwgk/fdzd/index.html")]
        return _nav_page(portal, "政府信息公开", children), None
    for name, slug in _SIDE_COLUMNS:
        if path.endswith(f"/{slug}/index.html"):
            return _side_column(portal, name, slug, path.rsplit("/", 1)[0]), None
    if path.startswith("/search/search.html"):
        return _search(portal, path), None
    for item in portal.items:
        if item.path == path:
            return _article(portal, item), item
    for item in _side_items(portal):
        if item.path == path:
            return _article(portal, item), item
    if path.endswith("/index.html"):  # every other nav target: an empty column
        return _nav_page(portal, "栏目", []), None
    return None


def _home(portal: Portal) -> str:
    news = [(f"/xwzx/n{i}.html", f"{portal.division.name}召开第{i}次常务会议", "") for i in range(1, 4)]
    body = _list_body("要闻动态", news)
    if portal.layout == "direct":
        body += f'<div class="zt"><a href="/yfxz/index.html"><img src="/img/zt.png" alt="">{escape(portal.column_name)}</a></div>'
    return _chrome(portal, "首页", body)


def _side_items(portal: Portal) -> list[NationReport]:
    year = max((i.year for i in portal.items), default=YEARS[-1])
    out = []
    for n, (title, slug) in enumerate(_trap_titles(portal.gov, portal.division.name, year)):
        pub = dt.date(year + 1, 2, 10 + n)
        out.append(NationReport(f"/zwgk/{slug}/{pub:%Y%m}/t{pub:%Y%m%d}_9{n:03d}.html", title, portal.gov, pub,
                                year, "trap", n))
    return out


def _side_column(portal: Portal, name: str, slug: str, base: str) -> str:
    items = [i for i in _side_items(portal) if f"/{slug}/" in i.path]
    return _chrome(portal, name, _list_body(name, [(i.path, i.title, i.pub_date.isoformat()) for i in items]))


def _search(portal: Portal, path: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    words = parse_qs(urlsplit(path).query).get("searchword", [""])[0].strip()
    pool = portal.items + _side_items(portal)
    hits = [i for i in pool if words and all(w in i.title for w in words.split())]
    return _chrome(portal, "搜索结果", _list_body(f"搜索结果：{words}", [(i.path, i.title, i.pub_date.isoformat()) for i in hits]))


@cache
def _paragraphs() -> tuple[tuple[str, ...], ...]:
    return tuple(s.paragraphs for s in seed_reports())


def _article(portal: Portal, item: NationReport) -> str:
    rng = random.Random(item.seed)
    seeds = _paragraphs()
    paras = list(seeds[rng.randrange(len(seeds))])
    start = rng.randrange(0, max(1, len(paras) - 12))
    body_paras = [f"{item.year}年，{item.publisher}坚持以习近平法治思想为指导，全面推进依法行政，"
                  f"法治政府建设取得新成效。现将{item.year}年度法治政府建设情况报告如下。"] + paras[start:start + 12]
    if item.kind == "trap":
        body_paras = body_paras[:3]
    text = "".join(f"<p>{escape(p)}</p>" for p in body_paras)
    meta = (f'<meta name="ArticleTitle" content="{escape(item.title)}">'
            f'<meta name="PubDate" content="{item.pub_date.isoformat()} 09:00">'
            f'<meta name="ContentSource" content="{escape(item.publisher)}">')
    info = (f'<div class="info"><span>发布机构：{escape(item.publisher)}</span>'
            f"<span>发布日期：{item.pub_date.isoformat()}</span></div>")
    body = f'<div class="article"><h1 class="title">{escape(item.title)}</h1>{info}<div id="zoom">{text}</div></div>'
    return _chrome(portal, item.title, body, meta)


# ------------------------------------------------------------------ server

class NationServer:
    """Many portals on loopback addresses, one port, one asyncio loop in a daemon thread."""

    def __init__(self, divisions: Sequence[Division], *, seed: int = 20250401, port: int = 0,
                 years: Sequence[int] = YEARS) -> None:
        if not divisions:
            raise ValueError("a nation needs at least one division")
        if len(divisions) > 250 * 200:
            raise ValueError(f"at most {250 * 200} portals, not {len(divisions)}")
        self.portals = [build_portal(i, d, seed, years) for i, d in enumerate(divisions)]
        self._by_host = {p.host: p for p in self.portals}
        self.port = port
        self.seed = seed
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.base_events.Server] = []
        self._lock = threading.Lock()
        self._published = 0

    # lifecycle --------------------------------------------------------------------
    def start(self) -> NationServer:
        if self._loop is not None:
            return self
        _raise_nofile(len(self.portals) + 2048)
        self._loop = loop = asyncio.new_event_loop()
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._bind())
            except BaseException as exc:  # noqa: BLE001 — handed to the starting thread
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="nation-portal", daemon=True)
        self._thread.start()
        ready.wait(120)
        if errors:
            self._thread.join(timeout=10)
            if not loop.is_running():
                loop.close()
            self._loop = None
            raise OSError(f"cannot serve the nation: {errors[0]}")
        return self

    async def _bind(self) -> None:
        if not self.port:
            with socket.socket() as probe:
                probe.bind((self.portals[0].host, 0))
                self.port = probe.getsockname()[1]
        for portal in self.portals:
            server = await asyncio.start_server(self._client, portal.host, self.port, backlog=64,
                                                reuse_address=True)
            self._servers.append(server)

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def close() -> None:
            for server in self._servers:
                server.close()

        asyncio.run_coroutine_threadsafe(close(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        if not loop.is_running():
            loop.close()
        self._loop = self._thread = None
        self._servers = []

    def __enter__(self) -> NationServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # what tests and the benchmark read ------------------------------------------------
    def home_url(self, portal: Portal) -> str:
        return f"http://{portal.host}:{self.port}/index.html"

    def base_url(self, portal: Portal) -> str:
        return f"http://{portal.host}:{self.port}"

    @property
    def requests(self) -> int:
        """Requests served so far, all portals."""
        return sum(p.requests for p in self.portals)

    def expected(self) -> list[dict[str, Any]]:
        """Every report (traps left out) with its URL, title, publisher, division and year."""
        with self._lock:
            return [r.to_json(self.base_url(p), p.division) for p in self.portals for r in p.reports()]

    def coverage(self, year: int) -> dict[str, dict[str, Any]]:
        """What ``govarchive coverage --year Y`` should say of each portal's division, by code."""
        out = {}
        with self._lock:
            for p in self.portals:
                gov = sorted((r for r in p.reports() if r.kind == "government" and r.year == year),
                             key=lambda r: r.pub_date)
                departments = {r.publisher for r in p.reports() if r.kind == "department" and r.year == year}
                out[p.division.code] = {
                    "code": p.division.code, "government_report": bool(gov), "department_reports": len(departments),
                    "status": "published" if gov else "missing",
                    "published_on": gov[0].pub_date.isoformat() if gov else None,
                    "on_time": gov[0].pub_date <= dt.date(year + 1, 3, 31) if gov else None,
                }
        return out

    def write_csv(self, path: Path) -> Path:
        """The import file: ``name,title,division_code,level,start_url`` (the home page)."""
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["name", "title", "division_code", "level", "start_url"])
            for p in self.portals:
                writer.writerow([p.source_name, p.gov, p.division.code, p.division.level, self.home_url(p)])
        return path

    def publish(self, index: int, year: int, kind: str = "government") -> dict[str, Any]:
        """A new report on portal ``index`` (its column gains a link); returns it as ``expected()`` does."""
        portal = self.portals[index]
        if portal.layout == "none":
            raise ValueError(f"portal {index} has no report column")
        with self._lock:
            self._published += 1
            rng = random.Random(self.seed + index * 7 + self._published)
            if kind == "government":
                title, publisher = _gov_title(rng, portal.gov, portal.division.name, year)
            else:
                dept = rng.choice(_DEPARTMENTS)
                title, publisher = f"{portal.division.name}{dept}{year}年法治政府建设年度报告", f"{portal.division.name}{dept}"
            pub = _pub_date(rng, year)
            folder = portal.column_path.rsplit("/", 1)[0] if portal.layout != "search" else "/zwgk/fzzf"
            item = NationReport(f"{folder}/{pub:%Y%m}/t{pub:%Y%m%d}_n{self._published:04d}.html", title,
                                publisher, pub, year, kind, rng.randrange(1 << 30))
            portal.items.insert(0, item)
            return item.to_json(self.base_url(portal), portal.division)

    def move_column(self, index: int, layout: str) -> None:
        """Move portal ``index``'s report column elsewhere (the old column page lists nothing any more)."""
        if layout not in _LAYOUT_PATHS:
            raise ValueError(f"layout must be one of {sorted(_LAYOUT_PATHS)}, not {layout!r}")
        with self._lock:
            self.portals[index].layout = layout

    # one connection ----------------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        portal = self._by_host.get(host)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                length = int(headers.get("content-length") or 0)
                if length:
                    await reader.readexactly(length)
                status, ctype, body, extra = self._answer(portal, method, target, headers)
                close = headers.get("connection", "").lower() == "close"
                out = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}", "Server: nginx",
                       f"Content-Length: {len(body)}"]
                if ctype:
                    out.append(f"Content-Type: {ctype}")
                out += [f"{k}: {v}" for k, v in extra.items()]
                if close:
                    out.append("Connection: close")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + (body if method != "HEAD" else b""))
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    def _answer(self, portal: Portal | None, method: str, target: str,
                headers: dict[str, str]) -> tuple[int, str, bytes, dict[str, str]]:
        if portal is None:
            return 404, "text/plain", b"no portal here", {}
        portal.requests += 1
        path = target.split("#", 1)[0]
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow: /_nation/\nAllow: /\n", {}
        with self._lock:
            found = _page(portal, path if "?" not in path or path.startswith("/search/") else path.split("?", 1)[0])
        if found is None:
            return 404, "text/html; charset=utf-8", b"<html><body><h1>404 Not Found</h1></body></html>", {}
        html, item = found
        body = html.encode("utf-8")
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        extra = {"ETag": etag}
        if item is not None:
            modified = dt.datetime.combine(item.pub_date, dt.time(9), tzinfo=dt.UTC)
            extra["Last-Modified"] = format_datetime(modified, usegmt=True)
            if _not_modified(headers, etag, modified):
                return 304, "", b"", extra
        elif headers.get("if-none-match") == etag:
            return 304, "", b"", extra
        return 200, "text/html; charset=utf-8", body, extra


_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found"}


def _not_modified(headers: dict[str, str], etag: str, modified: dt.datetime) -> bool:
    if "if-none-match" in headers:
        return etag in [t.strip().removeprefix("W/") for t in headers["if-none-match"].split(",")]
    if since := headers.get("if-modified-since"):
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _raise_nofile(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(wanted, soft), hard), hard))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m govarchive.portal.nation --portals N [--csv FILE] [--province NAME]``: serve until Ctrl-C."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(prog="python -m govarchive.portal.nation", description=main.__doc__)
    parser.add_argument("--portals", type=int, default=200)
    parser.add_argument("--province", action="append", default=[], help="only divisions of this province")
    parser.add_argument("--csv", type=Path, help="write the import file here")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        nation = NationServer(nation_divisions(args.portals, args.province), port=args.port).start()
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.csv:
        nation.write_csv(args.csv)
    print(f"{len(nation.portals)} portals on port {nation.port}, {nation.home_url(nation.portals[0])} …"
          + (f"; import file {args.csv}" if args.csv else ""), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        nation.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
