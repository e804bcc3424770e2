"""The search index on both catalog back-ends: Chinese phrases, short terms, filters, syncing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from archive.catalog.database import create_catalog_engine, init_catalog
from archive.recorder import Archive
from archive.storage import BlobStore
from govarchive.web.search import SearchFilters, SearchIndex, open_search_index, parse_terms
from tests.fixtures.archive import Pages, html
from tests.fixtures.web_archive import JIANGHAN_URL, SeededArchive, seed_web_archive


@pytest.fixture
def seeded(any_catalog_url: str, blob_store: BlobStore) -> Iterator[tuple[Engine, Archive, SearchIndex, SeededArchive]]:
    engine = create_catalog_engine(any_catalog_url)
    init_catalog(engine)
    archive = Archive(engine, blob_store)
    ids = seed_web_archive(archive)
    index = open_search_index(engine, lambda key: blob_store.get_bytes(key).decode("utf-8"))
    yield engine, archive, index, ids
    engine.dispose()


def test_search_on_each_backend(seeded: tuple[Engine, Archive, SearchIndex, SeededArchive]) -> None:
    _engine, archive, index, ids = seeded
    assert index.pending() == 4
    assert index.sync() == 4 and index.pending() == 0
    assert index.sync() == 0

    hit = index.search("行政复议")
    assert [h.report_id for h in hit.hits] == [ids.jianghan_id] and hit.total == 1
    assert "行政复议" in hit.hits[0].snippet
    assert [h.report_id for h in index.search("版纳").hits] == [ids.xsbn_id]  # two characters
    assert index.search("法治政府建设").total == 3
    assert index.search("法治政府建设", SearchFilters(source="xsbn")).total == 1
    assert index.search("法治政府建设", SearchFilters(region="湖北省武汉市", year=2023)).total == 2
    assert index.search("法治政府建设 合法性审查").total == 1
    assert index.search("100%").total == 1  # LIKE wildcards are literal
    assert index.search("").total == 0

    pages = Pages()
    pages.clock = pages.clock.replace(year=2026)
    text = "江汉区2025年度报告\n推行柔性执法清单。\n"
    archive.record_report("jianghan", pages.page(JIANGHAN_URL, html(text)), Pages.report(text, title="江汉区2025年度报告"))
    assert index.search("柔性执法").total == 0  # not yet synced
    index.sync()
    assert [h.report_id for h in index.search("柔性执法").hits] == [ids.jianghan_id]
    assert index.search("行政复议").total == 0  # the report's newest version replaced the old one


def test_parse_terms() -> None:
    assert parse_terms("  “行政复议”\u3000公示  行政复议 ") == ["行政复议", "公示"]
    assert len(parse_terms(" ".join(str(n) for n in range(20)))) == 8
