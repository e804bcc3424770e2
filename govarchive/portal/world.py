"""A world: one independent copy of every portal with its state, ground truth, knobs and request log."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from archive.textnorm import normalise_text
from archive.timeutil import utcnow
from govarchive.portal import content
from govarchive.portal.files import render_attachment
from govarchive.portal.model import (
    AttachmentSpec,
    ExpectedAttachment,
    ExpectedReport,
    Family,
    Item,
    NonReport,
    RequestRecord,
)
from govarchive.portal.render.base import Site

_COUNTED = re.compile(r"(\d+)(?=[次件个项余场人家条名万%])")


def path_key(path: str, query: str = "") -> str:
    """Lookup key of a world-relative URL: path plus its query with parameters sorted."""
    if "?" in path and not query:
        path, _, query = path.partition("?")
    if not query:
        return path
    return path + "?" + urlencode(sorted(parse_qsl(query, keep_blank_values=True)))


@dataclass(slots=True)
class _Failing:
    status: int
    remaining: int | None
    retry_after: int | None


class World:
    """One world of the portal server, served under ``base_url``.

    Every public method is safe to call while the server is answering requests.
    """

    def __init__(self, name: str, root: str, server_url: Callable[[], str], sites: dict[str, Site],
                 items: dict[str, list[Item]], seed: int) -> None:
        self.name = name
        self.root = root  # "" for the default world, "/w/<name>" otherwise
        self._server_url = server_url
        self.sites = sites
        self.seed = seed
        self.lock = threading.RLock()
        self._items = items
        self._index: dict[str, tuple[Item, AttachmentSpec | None]] = {}
        for family_items in items.values():
            for item in family_items:
                self._index_item(item)
        self._family_mtime = {f: max((i.modified for i in its), default=_EPOCH) for f, its in items.items()}
        self._visits = dict.fromkeys(items, 1000)
        self._slow: dict[str | None, float] = {}
        self._failing: dict[str | None, _Failing] = {}
        self._log: list[RequestRecord] = []
        self._published = 0

    # ------------------------------------------------------------------ description
    @property
    def base_url(self) -> str:
        return self._server_url() + self.root

    @property
    def families(self) -> list[Family]:
        return [self.family(name) for name in self.sites]

    def family(self, name: str) -> Family:
        site = self._site(name)
        spec, base = site.spec, self.base_url
        return Family(
            name=name, title=spec.site_name, list_url=base + site.list_path, home_url=base + site.home_path,
            template=site.template, region=spec.region, level=spec.level, encoding=spec.encoding,
            site_domain=spec.site_domain, site_id_code=spec.site_id_code, column=spec.column,
            needs_js=name == "jsonlist", challenge=name == "challenge",
            search_url=base + site.search_path if site.search_path else None)

    # ------------------------------------------------------------------ ground truth
    def expected_reports(self, family: str | None = None) -> list[ExpectedReport]:
        """Reports currently published (list order, newest first), as an ideal crawler archives them."""
        with self.lock:
            return [self._expected(i) for i in self._visible(family) if i.kind == "report"]

    def non_reports(self, family: str | None = None) -> list[NonReport]:
        """Items listed in the report columns that are not reports."""
        with self.lock:
            return [NonReport(i.family, self.base_url + i.path, i.title, i.category, i.pub_date)
                    for i in self._visible(family) if i.kind == "non_report"]

    def expected_report(self, url: str) -> ExpectedReport:
        """Ground truth for one report URL (also for a removed one)."""
        with self.lock:
            item = self._item(url)
            if item.kind != "report":
                raise ValueError(f"{url!r} is not a report")
            return self._expected(item)

    def attachment_bytes(self, url: str) -> bytes:
        """The bytes served at an attachment URL."""
        with self.lock:
            found = self._index.get(path_key(self._relative(url)))
        if not found or found[1] is None:
            raise KeyError(f"no attachment at {url!r}")
        return self.file_body(found[1])[0]

    def truth(self) -> dict[str, Any]:
        """Everything a test needs, as JSON-ready data (served at ``_control/truth``)."""
        return {"name": self.name, "base_url": self.base_url,
                "families": [f.to_json() for f in self.families],
                "reports": [r.to_json() for r in self.expected_reports()],
                "non_reports": [n.to_json() for n in self.non_reports()]}

    # ------------------------------------------------------------------ content knobs
    def publish(self, family: str, title: str | None = None, text: str | None = None, year: int | None = None,
                publisher: str | None = None, pub_date: dt.date | None = None) -> ExpectedReport:
        """Publish a new report at the top of ``family``'s column and return its ground truth."""
        site = self._site(family)
        with self.lock:
            self._published += 1
            n = self._published
            publisher, year = self._fresh_combo(family, publisher, year)
            pub = pub_date or utcnow().date()
            item = content.generated_report(site.spec, self.seed, publisher, year,
                                            key=f"{family}-p{n:03d}", pub_date=pub, title=title)
            if text is not None:
                item.paragraphs = _paragraphs(text)
            items = self._items[family]
            item.article_id = max(i.article_id for i in items) + 17 + n
            item.order = max(i.order for i in items) + 1
            item.path = site.article_path(item)
            if family == "hanweb":
                item.index_no = f"{site.spec.unit_code}/{pub.year}-{90000 + n:05d}"
                item.validity = "有效"
            if family in content.GENERATED_ATTACHMENTS and n % 2:
                content.add_attachment(site, item, content.GENERATED_ATTACHMENTS[family])
            items.append(item)
            self._index_item(item)
            self._touch(item)
            return self._expected(item)

    def edit_text(self, url: str, new_text: str | None = None) -> ExpectedReport | NonReport:
        """Change the body text of a page (default: one figure in the text goes up by one)."""
        with self.lock:
            item = self._item(url)
            paragraphs = _bump_a_figure(item.paragraphs) if new_text is None else _paragraphs(new_text)
            if paragraphs == item.paragraphs:
                raise ValueError("the new text is the current text")
            item.paragraphs = paragraphs
            item.text_rev += 1
            self._touch(item)
            return self._public(item)

    def edit_chrome(self, url: str) -> None:
        """Change only the page chrome (related links, page generation time): new bytes, same text."""
        with self.lock:
            item = self._item(url)
            item.chrome_rev += 1
            self._touch(item)

    def remove(self, url: str, soft: bool = False) -> None:
        """Take a page down: 404, or with ``soft`` a 200 page saying 该信息不存在或已删除. Gone from lists."""
        with self.lock:
            item = self._item(url)
            item.removed = "soft404" if soft else "404"
            self._touch(item)

    def restore(self, url: str) -> None:
        with self.lock:
            item = self._item(url)
            item.removed = None
            self._touch(item)

    # ------------------------------------------------------------------ behaviour knobs
    def set_slow(self, seconds: float, family: str | None = None) -> None:
        """Delay every answer of ``family`` (or of all portals) by ``seconds``; 0 switches it off."""
        if family is not None:
            self._site(family)
        with self.lock:
            if seconds > 0:
                self._slow[family] = float(seconds)
            else:
                self._slow.pop(family, None)

    def set_failing(self, status: int = 503, family: str | None = None, times: int | None = None,
                    retry_after: int | None = None) -> None:
        """Answer ``status`` for the next ``times`` requests (all of them if None) of ``family``."""
        if family is not None:
            self._site(family)
        if not 400 <= status <= 599:
            raise ValueError(f"status {status} is not an error status")
        with self.lock:
            self._failing[family] = _Failing(status, times, retry_after)

    def reset(self) -> None:
        """Switch off slow and failing answers (content changes stay)."""
        with self.lock:
            self._slow.clear()
            self._failing.clear()

    @property
    def request_log(self) -> list[RequestRecord]:
        with self.lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self.lock:
            self._log.clear()

    # ------------------------------------------------------------------ used by the server
    def listing(self, family: str) -> list[Item]:
        """Items shown in the column, newest first."""
        return sorted((i for i in self._items[family] if i.removed is None), key=lambda i: -i.order)

    def family_modified(self, family: str) -> dt.datetime:
        return self._family_mtime[family]

    def bump_visits(self, family: str) -> int:
        self._visits[family] += 1
        return self._visits[family]

    def lookup(self, path: str, query: str = "") -> tuple[Item, AttachmentSpec | None] | None:
        return self._index.get(path_key(path, query))

    def behaviour(self, family: str | None) -> tuple[float, _Failing | None]:
        """(delay, failure to answer) for one request to ``family``; consumes one counted failure.

        A rule for the family wins over the rule for all portals while it lasts."""
        with self.lock:
            delay = self._slow.get(family, self._slow.get(None, 0.0))
            for key in dict.fromkeys((family, None)):
                rule = self._failing.get(key)
                if rule is None:
                    continue
                if rule.remaining is not None:
                    if rule.remaining <= 0:
                        del self._failing[key]
                        continue
                    rule.remaining -= 1
                return delay, rule
            return delay, None

    def record(self, entry: RequestRecord) -> None:
        with self.lock:
            self._log.append(entry)

    def file_body(self, att: AttachmentSpec) -> tuple[bytes, str]:
        """Bytes and Content-Type of one attachment."""
        return render_attachment(att.type, att.title, att.paragraphs, att.opaque_seed)

    # ------------------------------------------------------------------ internals
    def _site(self, family: str) -> Site:
        try:
            return self.sites[family]
        except KeyError:
            raise ValueError(f"unknown family {family!r}; one of {', '.join(self.sites)}") from None

    def _visible(self, family: str | None) -> Iterable[Item]:
        names = [family] if family else list(self.sites)
        for name in names:
            self._site(name)
            yield from self.listing(name)

    def _index_item(self, item: Item) -> None:
        self._index[path_key(item.path)] = (item, None)
        for att in item.attachments:
            self._index[path_key(att.path)] = (item, att)

    def _relative(self, url: str) -> str:
        if url.startswith(("http://", "https://")):
            parts = urlsplit(url)
            url = parts.path + (f"?{parts.query}" if parts.query else "")
        if self.root and url.startswith(self.root + "/"):
            url = url[len(self.root):]
        return url

    def _item(self, url: str) -> Item:
        found = self._index.get(path_key(self._relative(url)))
        if not found or found[1] is not None:
            raise ValueError(f"no page at {url!r} in world {self.name!r}")
        return found[0]

    def _touch(self, item: Item) -> None:
        now = utcnow().replace(microsecond=0)
        item.modified = max(now, item.modified + dt.timedelta(seconds=1))
        self._family_mtime[item.family] = max(self._family_mtime[item.family] + dt.timedelta(seconds=1),
                                              item.modified)

    def _fresh_combo(self, family: str, publisher: str | None, year: int | None) -> tuple[str, int]:
        taken = {(i.publisher, i.report_year) for i in self._items[family]}
        spec = self.sites[family].spec
        years = [year] if year else list(reversed(content.YEARS))
        pubs = [publisher] if publisher else list(spec.publishers())
        for y in years:
            for p in pubs:
                if (p, y) not in taken:
                    return p, y
        return pubs[0], years[0]

    def _public(self, item: Item) -> ExpectedReport | NonReport:
        if item.kind == "report":
            return self._expected(item)
        return NonReport(item.family, self.base_url + item.path, item.title, item.category, item.pub_date)

    def _expected(self, item: Item) -> ExpectedReport:
        site = self.sites[item.family]
        base = self.base_url
        # Ground truth in the archive's normal form (the form extraction reports and the catalog hashes).
        atts = tuple(ExpectedAttachment(base + a.path, a.name, a.type, a.text and normalise_text(a.text))
                     for a in item.attachments)
        return ExpectedReport(
            family=item.family, url=base + item.path, title=item.title, publisher=item.publisher,
            pub_date=item.pub_date, report_year=item.report_year or item.pub_date.year - 1, text=normalise_text(item.text),
            attachments=atts, doc_no=item.doc_no, index_no=item.index_no, written_date=item.written_date,
            validity=item.validity, site_name=site.spec.site_name, column=site.spec.column, seed=item.seed,
            text_in_attachment=item.text_in_attachment)


_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _paragraphs(text: str) -> tuple[str, ...]:
    paragraphs = tuple(line.strip() for line in text.splitlines() if line.strip())
    if not paragraphs:
        raise ValueError("a page text needs at least one non-empty line")
    return paragraphs


def _bump_a_figure(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """A realistic correction: the first counted figure after the intro goes up by one."""
    for n, para in enumerate(paragraphs):
        if n == 0 and len(paragraphs) > 1:
            continue
        match = _COUNTED.search(para)
        if match:
            bumped = para[: match.start()] + str(int(match.group(1)) + 1) + para[match.end():]
            return (*paragraphs[:n], bumped, *paragraphs[n + 1:])
    last = paragraphs[-1]
    return (*paragraphs[:-1], last + "（已更正）")

