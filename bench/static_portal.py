"""A static TRS-style portal on disk, served by Debian's nginx: the throughput benchmark's site.

``generate(folder, reports)`` writes one report column (``/fzzf/index.html``, ``index_1.html`` …
with 20 links each and a TRS ``createPageHTML`` pager) and its report pages, in two layouts: the
modern TRS one (``div.TRS_Editor`` paragraphs) and an old table layout (``<br>`` text in a
``td#zoom`` beside the tool links). Every fifth page is GBK-encoded. Texts are sentences of the
real seed reports the package ships, with a first paragraph unique to each report.

``Nginx(folder).start()`` runs nginx in the foreground (not as a daemon) on a free loopback port,
with its own configuration, pid file and logs in the folder; it answers ``If-None-Match`` /
``If-Modified-Since`` with 304 as nginx does for static files.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import random
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PER_PAGE = 20
COLUMN = "fzzf"
CITIES = ("临江市", "青山县", "南湖区", "北川市", "东岭县", "西河市", "白石县", "云台区", "长宁市", "平安县")
_SEEDS = Path(__file__).resolve().parents[1] / "govarchive" / "portal" / "data" / "seeds"

_HEAD = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{title}</title>
<meta name="SiteName" content="{site}"><meta name="ColumnName" content="法治政府建设年度报告">
<meta name="PubDate" content="{date} 09:00"><meta name="ContentSource" content="{publisher}">
<link rel="stylesheet" href="/css/style.css"></head>
<body><div class="header"><a href="/">{site}</a> <a href="/fzzf/">法治政府</a> <a href="/zwgk/">政务公开</a></div>
"""
_FOOT = """<div class="footer">主办：{site}办公室 备案号：京ICP备00000000号 <a href="/sitemap.html">网站地图</a></div>
</body></html>
"""


def _seed_paragraphs() -> list[str]:
    lines: list[str] = []
    for path in sorted(_SEEDS.glob("*.txt")):
        lines += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 8]
    return lines


@dataclass(frozen=True, slots=True)
class Report:
    number: int
    title: str
    date: dt.date
    path: str
    layout: str  # "trs" or "table"
    charset: str  # "utf-8" or "gbk"


def reports_of(count: int) -> list[Report]:
    """The reports of a portal of ``count``: newest first, as the list pages show them."""
    out = []
    for n in range(count):
        city = CITIES[n % len(CITIES)]
        year = 2024 - (n // len(CITIES)) % 10
        date = dt.date(year + 1, 1 + n % 12, 1 + n % 28)
        title = f"{city}第{n + 1}号{year}年度法治政府建设情况的报告"
        path = f"/{COLUMN}/{date:%Y%m}/t{date:%Y%m%d}_{100000 + n}.html"
        out.append(Report(n, title, date, path, "table" if n % 3 == 2 else "trs", "gbk" if n % 5 == 4 else "utf-8"))
    return out


def _report_page(report: Report, paragraphs: list[str], rng: random.Random) -> str:
    start = rng.randrange(len(paragraphs) - 40)
    body = [f"{report.title}：本报告编号{report.number + 1}，由{CITIES[report.number % len(CITIES)]}人民政府于"
            f"{report.date:%Y年%m月%d日}公开发布，现将有关情况报告如下。", *paragraphs[start:start + 24 + rng.randrange(12)]]
    site = f"{CITIES[report.number % len(CITIES)]}人民政府"
    head = _HEAD.format(charset=report.charset, title=html.escape(f"{report.title}_{site}"), site=site,
                        date=report.date.isoformat(), publisher=site + "办公室")
    if report.layout == "trs":
        paras = "\n".join(f'<p style="text-indent: 2em;">{html.escape(p)}</p>' for p in body)
        main = f"""<div class="article"><h1 class="article-title">{html.escape(report.title)}</h1>
<div class="article-info"><span>发布日期：{report.date.isoformat()}</span><span>来源：{site}办公室</span>
<span class="font">字号：[ <a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a> ]</span></div>
<div class="article-body" id="zoom"><div class="TRS_Editor">
{paras}
</div></div>
<div class="article-tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
"""
    else:
        lines = "\n".join(f"&nbsp;&nbsp;&nbsp;&nbsp;{html.escape(p)}<br>" for p in body)
        main = f"""<table width="100%" border="0" cellspacing="0" cellpadding="0" class="detail">
<tr><td colspan="2" align="center" class="title" height="60"><b>{html.escape(report.title)}</b></td></tr>
<tr><td colspan="2" align="center" class="info">发布时间：{report.date.isoformat()}&nbsp;&nbsp;来源：{site}办公室</td></tr>
<tr><td class="content" id="zoom" valign="top">
{lines}
</td><td width="90" valign="top" class="tools"><a href="javascript:window.print()">打印</a><br>
<a href="javascript:window.close()">关闭</a></td></tr>
</table>
"""
    return head + main + _FOOT.format(site=site)


def _list_page(rows: list[Report], page: int, pages: int) -> str:
    items = "\n".join(
        f'<li><a href=".{r.path[len(COLUMN) + 1:]}" target="_blank" title="{html.escape(r.title)}">'
        f"{html.escape(r.title)}</a><span>{r.date.isoformat()}</span></li>" for r in rows
    )
    head = _HEAD.format(charset="utf-8", title="法治政府建设年度报告", site="示例市人民政府", date="2025-03-01",
                        publisher="示例市人民政府")
    return head + f"""<div class="list-box"><h2>法治政府建设年度报告</h2>
<ul class="list">
{items}
</ul>
<div class="page"><script type="text/javascript">createPageHTML({pages},{page},"index","html");</script></div>
</div>
""" + _FOOT.format(site="示例市人民政府")


def generate(folder: Path, count: int, *, seed: int = 14) -> list[Report]:
    """Write the portal of ``count`` reports under ``folder/site``; return its reports."""
    root = folder / "site"
    rng = random.Random(seed)
    paragraphs = _seed_paragraphs()
    reports = reports_of(count)
    for report in reports:
        target = root / report.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_report_page(report, paragraphs, rng).encode(report.charset))
    pages = max(1, -(-count // PER_PAGE))
    for page in range(pages):
        name = "index.html" if page == 0 else f"index_{page}.html"
        rows = reports[page * PER_PAGE:(page + 1) * PER_PAGE]
        (root / COLUMN / name).write_text(_list_page(rows, page, pages), encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    return reports


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_CONF = """{user}worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{ text/html html; text/plain txt; }}
    default_type application/octet-stream;
    access_log {dir}/access.log;
    client_body_temp_path {dir}/tmp_body;
    proxy_temp_path {dir}/tmp_proxy;
    fastcgi_temp_path {dir}/tmp_fastcgi;
    uwsgi_temp_path {dir}/tmp_uwsgi;
    scgi_temp_path {dir}/tmp_scgi;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        etag on;
        if_modified_since exact;
    }}
}}
"""


class Nginx:
    """Debian's nginx serving ``folder/site`` on a free loopback port until ``stop()``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            raise SystemExit("nginx is not installed: run scripts/setup.sh test (Debian package nginx-light)")
        self.port = free_port()
        conf = self.folder / "nginx.conf"
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the private temp folder
        conf.write_text(_CONF.format(user=user, dir=self.folder, port=self.port, root=self.folder / "site"))
        self.process = subprocess.Popen([binary, "-p", str(self.folder), "-c", str(conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base_url + "/robots.txt", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SystemExit(f"nginx did not start: see {self.folder / 'error.log'}")

    def requests_logged(self) -> int:
        log = self.folder / "access.log"
        with log.open("rb") as handle:
            return sum(1 for _ in handle)

    def clear_log(self) -> None:
        (self.folder / "access.log").write_bytes(b"")
        if self.process is not None:
            os.kill(self.process.pid, 10)  # SIGUSR1: reopen the log

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
