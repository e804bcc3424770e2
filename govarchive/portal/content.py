"""What a fresh world publishes: per portal, its seed reports, generated reports of other bodies
and years, and the non-report items that share the column. Deterministic from ``seed``."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping

from govarchive.portal import corpus
from govarchive.portal.model import AttachmentSpec, Item
from govarchive.portal.render.base import Site
from govarchive.portal.specs import SiteSpec

YEARS = tuple(range(2019, 2026))
DEFAULT_REPORTS = 8  # per portal when no scale is given
DEFAULT_NON_REPORTS = 5
NON_REPORT_CYCLE = ("gov_info_annual", "interpretation", "notice", "news", "news")
LATEST_DATE = dt.date(2026, 6, 30)
# which generated reports carry a file: (family, extension), every 4th report
GENERATED_ATTACHMENTS = {"trs": "pdf", "hanweb": "docx", "jsonlist": "pdf", "challenge": "pdf"}
SEED_ATTACHMENTS = {"003": "pdf", "004": "docx", "000": "doc", "002": "wps"}


def build_content(sites: Mapping[str, Site], seed: int, scale: int | None) -> dict[str, list[Item]]:
    """All items of a fresh world, per family, with paths and attachments assigned."""
    return {name: _build_family(site, seed, scale) for name, site in sites.items()}


def capacity(spec: SiteSpec) -> int:
    """How many distinct (publisher, year) reports a portal can list."""
    return len(spec.publishers()) * len(YEARS)


def _build_family(site: Site, seed: int, scale: int | None) -> list[Item]:
    spec = site.spec
    rng = random.Random(f"{seed}:{spec.family}")
    reports = [_seed_item(s) for s in corpus.seed_reports() if s.family == spec.family]
    if spec.family == "trs":
        reports.append(_stub_item(spec, rng, seed))
    taken = {(r.publisher, r.report_year) for r in reports}
    target = DEFAULT_REPORTS if scale is None else scale
    combos = [(p, y) for p in spec.publishers() for y in YEARS if (p, y) not in taken]
    wanted = max(0, target - len(reports))
    if wanted > len(combos):
        raise ValueError(f"scale {scale} exceeds the {len(combos) + len(reports)} distinct reports "
                         f"the {spec.family!r} portal can hold")
    for n, (publisher, year) in enumerate(rng.sample(combos, wanted)):
        reports.append(generated_report(spec, seed, publisher, year, key=f"{spec.family}-r{n:04d}"))
    count = DEFAULT_NON_REPORTS if scale is None else max(DEFAULT_NON_REPORTS, scale // 5)
    others = _non_reports(spec, rng, reports, count)
    items = reports + others
    _assign_ids(spec, rng, items)
    for n, item in enumerate(sorted(items, key=lambda i: (i.pub_date, i.article_id))):
        item.order = n
        item.path = site.article_path(item)
        item.modified = default_modified(item)
    for n, item in enumerate(x for x in reports if x.seed is None and x.category == "report"):
        if n % 4 == 1 and spec.family in GENERATED_ATTACHMENTS:
            add_attachment(site, item, GENERATED_ATTACHMENTS[spec.family])
    for item in reports:
        if item.seed in SEED_ATTACHMENTS:
            add_attachment(site, item, SEED_ATTACHMENTS[item.seed])
        elif item.category == "stub":
            full = corpus.generate_report_text(random.Random(f"{seed}:stub"), spec, item.publisher,
                                               item.report_year or 2023, item.written_date or item.pub_date)
            add_attachment(site, item, "pdf", paragraphs=(item.title, *full))
    if spec.family == "hanweb":
        _disclosure_metadata(spec, rng, items)
    return items


def default_modified(item: Item) -> dt.datetime:
    start = dt.datetime.combine(item.pub_date, dt.time(9, 0), tzinfo=dt.UTC)
    return start + dt.timedelta(minutes=item.article_id % 480)


def add_attachment(site: Site, item: Item, ext: str, paragraphs: tuple[str, ...] | None = None) -> None:
    number = len(item.attachments) + 1
    if paragraphs is None:
        paragraphs = (item.title, *item.paragraphs) if ext in ("pdf", "docx") else ()
    item.attachments.append(AttachmentSpec(
        path=site.attachment_path(item, number, ext), name=f"{item.title}.{ext}", type=ext, title=item.title,
        paragraphs=paragraphs, opaque_seed=f"{item.key}:{number}"))


def _seed_item(s: corpus.SeedReport) -> Item:
    return Item(key=f"{s.family}-seed{s.seed_id}", family=s.family, kind="report", category="report",
                title=s.title, publisher=s.publisher, pub_date=s.pub_date, paragraphs=s.paragraphs,
                article_id=s.article_id, report_year=s.report_year, doc_no=s.doc_no, index_no=s.index_no,
                written_date=s.written_date, validity=s.validity, seed=s.seed_id)


def _stub_item(spec: SiteSpec, rng: random.Random, seed: int) -> Item:
    publisher, year = f"{spec.region_short}司法局", 2023
    title = f"{publisher}{year}年度法治政府建设情况报告"
    pub = dt.date(year + 1, 3, 22)
    written = pub - dt.timedelta(days=3)
    return Item(key=f"{spec.family}-stub", family=spec.family, kind="report", category="stub", title=title,
                publisher=publisher, pub_date=pub, paragraphs=corpus.stub_text(publisher, title, written),
                article_id=0, report_year=year, written_date=written)


def generated_report(spec: SiteSpec, seed: int, publisher: str, year: int, key: str,
                     pub_date: dt.date | None = None, title: str | None = None) -> Item:
    """A report of ``publisher`` for ``year`` with recombined seed text (deterministic per key)."""
    rng = random.Random(f"{seed}:{spec.family}:{publisher}:{year}:{key}")
    if pub_date is None:
        pub_date = dt.date(year + 1, rng.choice((1, 2, 3, 3, 3)), rng.randint(5, 28))
    written = pub_date - dt.timedelta(days=rng.randint(1, 12))
    title = title or rng.choice(corpus.REPORT_TITLES).format(pub=publisher, Y=year)
    paragraphs = corpus.generate_report_text(rng, spec, publisher, year, written)
    return Item(key=key, family=spec.family, kind="report", category="report", title=title, publisher=publisher,
                pub_date=pub_date, paragraphs=paragraphs, article_id=0, report_year=year, written_date=written)


def _non_reports(spec: SiteSpec, rng: random.Random, reports: list[Item], count: int) -> list[Item]:
    out: list[Item] = []
    titles = {r.title for r in reports}
    publishers = spec.publishers()
    for n in range(count):
        category = NON_REPORT_CYCLE[n % len(NON_REPORT_CYCLE)]
        for _ in range(50):
            basis = rng.choice(reports)
            if category == "interpretation":
                publisher, year = basis.publisher, basis.report_year or 2024
                pub = basis.pub_date + dt.timedelta(days=rng.randint(1, 6))
            else:
                publisher, year = rng.choice(publishers), rng.choice(YEARS)
                pub = {"gov_info_annual": dt.date(year + 1, 1, rng.randint(10, 31)),
                       "notice": dt.date(year, rng.randint(2, 6), rng.randint(1, 28))}.get(
                    category, dt.date(year, rng.randint(1, 12), rng.randint(1, 28)))
            title, paras = corpus.non_report_item(rng, spec, category, year, publisher, basis.title)
            if title not in titles:
                break
        else:
            title = f"{title}（{n}）"
        titles.add(title)
        out.append(Item(key=f"{spec.family}-n{n:04d}", family=spec.family, kind="non_report", category=category,
                        title=title, publisher=publisher, pub_date=min(pub, LATEST_DATE), paragraphs=paras,
                        article_id=0))
    return out


def _assign_ids(spec: SiteSpec, rng: random.Random, items: list[Item]) -> None:
    """Article ids grow with the publication date, as CMS ids do; seeds keep their real ids."""
    used = {i.article_id for i in items if i.article_id}
    base = spec.first_article_id or 100000
    for item in sorted(items, key=lambda i: (i.pub_date, i.key)):
        if item.article_id:
            continue
        candidate = base + (item.pub_date - dt.date(2019, 1, 1)).days * 97 + rng.randint(0, 96)
        while candidate in used:
            candidate += 1
        item.article_id = candidate
        used.add(candidate)


def _disclosure_metadata(spec: SiteSpec, rng: random.Random, items: list[Item]) -> None:
    """索引号 / 文号 / 有效性 of a Hanweb 信息公开 page."""
    serial: dict[int, int] = {}
    for item in sorted(items, key=lambda i: (i.pub_date, i.article_id)):
        year = item.pub_date.year
        serial[year] = serial.get(year, rng.randint(100, 900)) + rng.randint(1, 40)
        if item.index_no is None:
            item.index_no = f"{spec.unit_code}/{year}-{serial[year]:05d}"
        if item.validity is None:
            item.validity = "有效"
        if item.seed is None and item.kind == "report" and item.publisher == spec.gov:
            item.doc_no = f"{spec.doc_prefix[0]}政报〔{year}〕{serial[year] % 30 + 1}号"
