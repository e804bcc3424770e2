"""The portal HTTP server: worlds under ``/w/<name>``, robots.txt, sitemaps, validators and 304s,
slow/failing knobs, the challenge gate, the request log and the ``_control`` JSON API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.sax.saxutils import escape

from govarchive.portal.content import build_content
from govarchive.portal.model import Item, RequestRecord
from govarchive.portal.render import SITE_CLASSES, ChallengeGate, Request, Response, Site
from govarchive.portal.render.challenge import ChallengeSite
from govarchive.portal.specs import FAMILY_NAMES, SPECS
from govarchive.portal.world import World

DEFAULT_SEED = 20250328
_WORLD_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_ASSET_TYPES = {".css": "text/css", ".js": "application/javascript", ".png": "image/png", ".gif": "image/gif",
                ".jpg": "image/jpeg", ".ico": "image/x-icon"}
_TINY_GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


class PortalServer:
    """A simulated government portal server on loopback.

    ``start()`` serves in a daemon thread; the default world is at ``url``, more worlds from
    ``new_world(name)`` under ``url + "/w/<name>"``. ``scale`` = reports per portal (default about 8).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, scale: int | None = None,
                 seed: int = DEFAULT_SEED) -> None:
        if scale is not None and scale < 1:
            raise ValueError(f"scale must be at least 1, not {scale}")
        self.host, self.port, self.scale, self.seed = host, port, scale, seed
        self.gate = ChallengeGate()
        self._per_page = 5 if scale is None else 20
        self._lock = threading.Lock()
        self._worlds: dict[str, World] = {}
        self._template = build_content(self._new_sites(), seed, scale)
        self._worlds[""] = self._make_world("", "")
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> PortalServer:
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="portal-server", daemon=True)
        self._thread.start()
        if self.scale is None:  # render the few attachment files now rather than on first request
            threading.Thread(target=self._warm_files, name="portal-files", daemon=True).start()
        return self

    def _warm_files(self) -> None:
        world = self._worlds[""]
        for items in self._template.values():
            for item in items:
                for att in item.attachments:
                    world.file_body(att)

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._httpd = self._thread = None

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL of the server (and of the default world), without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ worlds
    def world(self, name: str = "") -> World:
        """The default world (served at ``url``) or a named one."""
        with self._lock:
            try:
                return self._worlds[name]
            except KeyError:
                raise KeyError(f"no world named {name!r}") from None

    def new_world(self, name: str) -> World:
        """A fresh, independent copy of the initial content served under ``url/w/<name>``."""
        if not _WORLD_NAME.fullmatch(name):
            raise ValueError(f"world name {name!r} must be 1-64 letters, digits, '_', '-' or '.'")
        with self._lock:
            if name in self._worlds:
                raise ValueError(f"world {name!r} exists already")
            world = self._make_world(name, f"/w/{name}")
            self._worlds[name] = world
            return world

    def drop_world(self, name: str) -> None:
        """Forget a named world (its URLs answer 404 afterwards)."""
        if not name:
            raise ValueError("the default world cannot be dropped")
        with self._lock:
            self._worlds.pop(name, None)

    def _new_sites(self) -> dict[str, Site]:
        sites: dict[str, Site] = {}
        for name in FAMILY_NAMES:
            cls = SITE_CLASSES[name]
            if cls is ChallengeSite:
                sites[name] = ChallengeSite(SPECS[name], self._per_page, gate=self.gate)
            else:
                sites[name] = cls(SPECS[name], self._per_page)
        return sites

    def _make_world(self, name: str, root: str) -> World:
        items = {f: [_copy_item(i) for i in its] for f, its in self._template.items()}
        return World(name, root, lambda: self.url, self._new_sites(), items, self.seed)

    def _resolve(self, path: str) -> tuple[World | None, str]:
        if path.startswith("/w/"):
            name, _, rest = path[3:].partition("/")
            with self._lock:
                return self._worlds.get(name), "/" + rest
        return self._worlds[""], path

    # ------------------------------------------------------------------ one request
    def handle(self, h: _Handler) -> None:
        started = time.time()
        split = urlsplit(h.path)
        path, query = unquote(split.path), split.query
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        world, rel = self._resolve(path)
        if world is None:
            self._send(h, Response(404, b"no such world", "text/plain; charset=utf-8"))
            return
        if rel == "/robots.txt":
            self._send(h, Response(200, self._robots(world).encode(), "text/plain; charset=utf-8"))
            return
        if rel.startswith("/_control/") or rel == "/_control":
            self._send(h, self._control(h.command, world, rel.removeprefix("/_control").strip("/"), body))
            return
        headers = {k.lower(): v for k, v in h.headers.items()}
        req = _request(h.command, world, rel, query, body, headers)
        family, resp, passed = self._answer(world, req)
        status, out_headers, out_body = self._finish(h, resp)
        # logged before the answer leaves, so a client that got its answer also finds it in the log
        world.record(RequestRecord(
            time=started, method=h.command, path=rel + (f"?{query}" if query else ""), status=status,
            family=family, if_none_match=headers.get("if-none-match"),
            if_modified_since=headers.get("if-modified-since"), user_agent=headers.get("user-agent"),
            cookie_present=bool(headers.get("cookie")), challenge_passed=passed))
        self._write(h, resp, status, out_headers, out_body)

    def _answer(self, world: World, req: Request) -> tuple[str | None, Response, bool | None]:
        """(family, response, challenge passed) for a request inside a world, knobs applied."""
        first = req.path.split("/")[1] if len(req.path) > 1 else ""
        family = first if first in world.sites else None
        if req.path == "/sitemap.xml":
            return None, Response(200, self._sitemap(world).encode(), "application/xml; charset=utf-8"), None
        if family is None:
            return None, Response(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html"), None
        delay, failing = world.behaviour(family)
        if delay:
            time.sleep(delay)
        if failing is not None:
            return family, _failure(failing.status, failing.retry_after), None
        resp, passed = self._serve(world, world.sites[family], req)
        return family, resp, passed

    def _serve(self, world: World, site: Site, req: Request) -> tuple[Response, bool | None]:
        passed: bool | None = None
        if isinstance(site, ChallengeSite):
            gate, passed = site.gate_response(req)
            if gate is not None:
                return gate, passed
        file_to_render = None
        with world.lock:
            found = world.lookup(req.path, req.query)
            if found is not None:
                item, att = found
                if item.removed == "soft404" and att is None:
                    return site.render_soft404(req, world, item), passed
                if item.removed is not None:
                    return site.not_found(req, world), passed
                if att is None:
                    return site.render_article(req, world, item), passed
                file_to_render = (item, att)
            else:
                resp = site.handle(req, world)
                if resp is None:
                    resp = _asset(req.path) or site.not_found(req, world)
                return resp, passed
        item, att = file_to_render
        data, ctype = world.file_body(att)
        resp = Response(200, data, ctype, cacheable=True, last_modified=item.modified)
        resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(att.name)}"
        return resp, passed

    def _send(self, h: _Handler, resp: Response) -> None:
        self._write(h, resp, *self._finish(h, resp))

    def _finish(self, h: _Handler, resp: Response) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body after validators and conditional-request handling."""
        headers = dict(resp.headers)
        status, body = resp.status, resp.body
        if resp.cacheable and status == 200 and h.command in ("GET", "HEAD"):
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            headers["ETag"] = etag
            if resp.last_modified is not None:
                headers["Last-Modified"] = format_datetime(resp.last_modified.astimezone(dt.UTC), usegmt=True)
            if _not_modified(h.headers.get("If-None-Match"), h.headers.get("If-Modified-Since"), etag,
                             resp.last_modified):
                status, body = 304, b""
        return status, headers, body

    def _write(self, h: _Handler, resp: Response, status: int, headers: dict[str, str], body: bytes) -> None:
        h.send_response(status)
        if status != 304:
            h.send_header("Content-Type", resp.content_type)
            h.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            h.send_header(key, value)
        h.end_headers()
        if h.command != "HEAD" and body:
            h.wfile.write(body)

    # ------------------------------------------------------------------ host files
    def _robots(self, world: World) -> str:
        return (
            "# robots.txt for the simulated government portal\n"
            "User-agent: *\n"
            "Disallow: /_control/\n"
            "Disallow: /w/*/_control/\n"
            "Disallow: /*/calendar/\n"
            "Allow: /\n"
            "\n"
            f"Sitemap: {world.base_url}/sitemap.xml\n"
        )

    def _sitemap(self, world: World) -> str:
        rows = []
        with world.lock:
            for name, site in world.sites.items():
                modified = world.family_modified(name).date().isoformat()
                rows.append((world.base_url + site.list_path, modified))
                rows += [(world.base_url + i.path, i.modified.date().isoformat()) for i in world.listing(name)]
        urls = "\n".join(f"  <url><loc>{escape(loc)}</loc><lastmod>{mod}</lastmod></url>" for loc, mod in rows)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n")

    # ------------------------------------------------------------------ control API
    def _control(self, method: str, world: World, knob: str, body: bytes) -> Response:
        try:
            args: dict[str, Any] = json.loads(body) if body.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("the JSON body must be an object")
            result = self._run_knob(method, world, knob, args)
        except (ValueError, KeyError, TypeError) as exc:
            return _json({"error": str(exc).strip("'\"")}, 400)
        if result is None:
            return _json({"error": f"no knob {method} {knob!r}"}, 404)
        return _json(result)

    def _run_knob(self, method: str, world: World, knob: str, args: dict[str, Any]) -> Any:
        if method == "GET":
            if knob == "truth":
                return world.truth()
            if knob == "log":
                return {"requests": [r.to_json() for r in world.request_log]}
            return None
        if method != "POST":
            return None
        simple: dict[str, Callable[..., Any]] = {"edit_chrome": world.edit_chrome, "remove": world.remove, "restore": world.restore,
                  "set_slow": world.set_slow, "set_failing": world.set_failing, "reset": world.reset,
                  "clear_log": world.clear_log}
        if knob == "publish":
            if "pub_date" in args and args["pub_date"]:
                args["pub_date"] = dt.date.fromisoformat(args["pub_date"])
            return world.publish(**args).to_json()
        if knob == "edit_text":
            if "text" in args:
                args["new_text"] = args.pop("text")
            return world.edit_text(**args).to_json()
        if knob in simple:
            simple[knob](**args)
            return {"ok": True}
        if knob == "new_world" and not world.root:
            created = self.new_world(str(args.get("name", "")))
            return {"name": created.name, "base_url": created.base_url}
        return None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's listen backlog of 5 overflows at 16 concurrent connections: the kernel then
    # drops SYNs, clients wait out 1 s, 3 s … retransmits and time out while the CPU idles.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], portal: PortalServer) -> None:
        super().__init__(address, handler)
        self.portal = portal

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that gave up (timeout tests, crawlers cancelling) is no server error
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    server: _HTTPServer

    def do_GET(self) -> None:
        self.server.portal.handle(self)

    do_HEAD = do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the worlds keep their own request logs


def _request(method: str, world: World, rel: str, query: str, body: bytes, headers: dict[str, str]) -> Request:
    params = dict(parse_qsl(query, keep_blank_values=True))
    if method == "POST" and "urlencoded" in headers.get("content-type", "urlencoded"):
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            params.setdefault(key, value)
    beijing = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    return Request(method, rel, query, params, headers, world.root, world.base_url, beijing)


def _copy_item(item: Item) -> Item:
    return dataclasses.replace(item, attachments=list(item.attachments))


def _not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str,
                  last_modified: dt.datetime | None) -> bool:
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified_since and last_modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


def _failure(status: int, retry_after: int | None) -> Response:
    body = (f"<html><head><title>{status}</title></head><body><h1>{status}</h1>"
            "<p>服务器繁忙，请稍后再试。</p></body></html>").encode()
    resp = Response(status, body, "text/html; charset=utf-8")
    if retry_after is not None:
        resp.headers["Retry-After"] = str(retry_after)
    return resp


def _asset(path: str) -> Response | None:
    """Stylesheets, scripts and images the templates refer to: tiny placeholders."""
    for ext, ctype in _ASSET_TYPES.items():
        if path.endswith(ext):
            body = _TINY_GIF if ctype.startswith("image/") else f"/* {path.rsplit('/', 1)[-1]} */\n".encode()
            return Response(200, body, ctype, cacheable=True,
                            last_modified=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    return None


def _json(data: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8")
