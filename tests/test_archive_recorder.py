"""The change rules as the crawler meets them, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import Session, col, select

from archive.catalog.models import Attachment, Capture, Event, Report, ReportUrl, Version
from archive.payloads import raw_body
from archive.recorder import Archive
from tests.fixtures.archive import REPORT_TEXT, Pages, html

URL = "http://gov.test/zfxxgk/2022/t20220329_1.html"
NEW_URL = "http://gov.test/xxgk/2022/new_location_1.html"


def rows(archive: Archive, model: type, *where: object) -> list:
    with Session(archive.engine) as db:
        return list(db.exec(select(model).where(*where).order_by(col(model.id))))


def events(archive: Archive) -> list[tuple[str, int | None]]:
    return [(e.kind, e.report_id) for e in rows(archive, Event)]


def test_first_fetch_makes_a_report_version_capture_and_new_event(any_archive: Archive, pages: Pages) -> None:
    result = any_archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())

    assert (result.outcome, result.version) == ("new", 1)
    [report] = rows(any_archive, Report)
    assert (report.canonical_url, report.title, report.report_year) == (URL, pages.report().title, 2021)
    [version] = rows(any_archive, Version)
    assert any_archive.store.get_bytes(version.text_key).decode() == REPORT_TEXT.strip()
    [capture] = rows(any_archive, Capture)
    assert capture.warc_type == "response" and capture.outcome == "new"
    # the body is stored once, in the capture's WARC; the version names it by its content address
    assert capture.payload_key is None and not any_archive.store.exists(version.raw_key)
    assert raw_body(any_archive.store, any_archive.engine, version.raw_key) == html(REPORT_TEXT)
    assert version.capture_id == capture.id and version.raw_key == capture.payload_digest
    [event] = rows(any_archive, Event)
    assert (event.kind, event.report_id, event.version_id) == ("new", report.id, version.id)


def test_chrome_only_change_keeps_the_version_but_records_the_capture(
    any_archive: Archive, pages: Pages
) -> None:
    any_archive.record_report(
        "mile", pages.page(URL, html(REPORT_TEXT, chrome="浏览次数：17 2025年3月1日")), pages.report()
    )
    # Same extracted text, different raw bytes (view counter, today's date, related links).
    second = any_archive.record_report(
        "mile",
        pages.page(URL, html(REPORT_TEXT, chrome="浏览次数：18 2025年3月2日 相关新闻")),
        pages.report(),
    )
    # Identical bytes again: the WARC holds a revisit record instead of a second copy.
    third = any_archive.record_report(
        "mile",
        pages.page(URL, html(REPORT_TEXT, chrome="浏览次数：18 2025年3月2日 相关新闻")),
        pages.report(),
    )

    assert (second.outcome, second.version, third.outcome) == ("unchanged", 1, "unchanged")
    assert len(rows(any_archive, Version)) == 1
    assert [c.warc_type for c in rows(any_archive, Capture)] == ["response", "response", "revisit"]
    assert events(any_archive) == [("new", 1)]


def test_whitespace_and_line_endings_are_not_a_change(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, "a"), pages.report())
    noisy = "  " + REPORT_TEXT.replace("\n", "\r\n\r\n").replace("，", "，\u3000") + "\n\n"
    result = any_archive.record_report(
        "mile", pages.page(URL, "b"), pages.report(noisy, title=" " + pages.report().title)
    )
    assert result.outcome == "unchanged"


def test_text_change_makes_a_version_with_its_diff_and_a_changed_event(
    any_archive: Archive, pages: Pages
) -> None:
    any_archive.record_report("mile", pages.page(URL, "v1"), pages.report())
    edited = REPORT_TEXT.replace("全年共受理办件6837件", "全年共受理办件6900件")
    result = any_archive.record_report("mile", pages.page(URL, "v2"), pages.report(edited))

    assert (result.outcome, result.version) == ("changed", 2)
    v2 = rows(any_archive, Version)[-1]
    assert (v2.chars_added, v2.chars_removed, v2.paragraphs_changed) == (3, 3, 1)  # 837 → 900
    summary = json.loads(v2.diff_summary)
    assert summary["text_changed"] is True and summary["metadata_changed"] == []
    kinds = rows(any_archive, Event)
    assert [(e.kind, e.version_id) for e in kinds] == [("new", 1), ("changed", v2.id)]
    assert json.loads(kinds[-1].detail_json)["version"] == 2


def test_metadata_only_change_makes_a_version(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, "v1"), pages.report())
    result = any_archive.record_report("mile", pages.page(URL, "v2"), pages.report(validity="失效"))

    assert (result.outcome, result.version) == ("changed", 2)
    v2 = rows(any_archive, Version)[-1]
    summary = json.loads(v2.diff_summary)
    assert summary["metadata_changed"] == ["validity"] and summary["text_changed"] is False
    assert (v2.chars_added, v2.chars_removed) == (0, 0)


def test_site_name_and_column_are_not_identity(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, "v1"), pages.report())
    result = any_archive.record_report(
        "mile", pages.page(URL, "v2"), pages.report(site_name="弥勒市人民政府门户网站", column="政府信息公开")
    )
    assert result.outcome == "unchanged"


def test_removed_after_n_missing_checks_then_restored(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())
    outcomes = [
        any_archive.record_missing("mile", pages.page(URL, "Not Found", status=404)).outcome for _ in range(2)
    ]
    # A good answer in between resets the count: removal needs consecutive checks.
    any_archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())
    outcomes += [
        any_archive.record_missing("mile", pages.page(URL, "Gone", status=410)).outcome for _ in range(3)
    ]
    outcomes.append(any_archive.record_missing("mile", pages.page(URL, "Gone", status=410)).outcome)

    assert outcomes == ["missing", "missing", "missing", "missing", "removed", "missing"]
    assert rows(any_archive, Report)[0].status == "removed"
    back = any_archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())
    assert (back.outcome, back.version) == ("restored", 1)
    assert rows(any_archive, Report)[0].status == "active"
    assert events(any_archive) == [("new", 1), ("removed", 1), ("restored", 1)]


def test_soft_404_counts_as_missing_and_makes_no_version(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())
    soft = pages.report("对不起，您访问的页面不存在或已被删除！", title="404")
    results = [
        any_archive.record_report("mile", pages.page(URL, "<p>页面不存在</p>"), soft) for _ in range(3)
    ]

    assert [r.outcome for r in results] == ["missing", "missing", "removed"]
    assert len(rows(any_archive, Version)) == 1


def test_complete_listing_absence_counts_once_per_run(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())
    other = "http://gov.test/zfxxgk/2023/other.html"
    any_archive.record_report(
        "mile", pages.page(other, "x"), pages.report("另一份报告的正文内容。" * 10, title="另一份")
    )

    assert any_archive.record_listing("mile", [URL], complete=False) == []
    outcomes = []
    for _ in range(3):
        run = any_archive.start_run(["mile"])
        outcomes += [r.outcome for r in any_archive.record_listing("mile", [URL], complete=True, run_id=run)]
        # The page answering 404 in the same run is the same check, not a second one.
        outcomes.append(
            any_archive.record_missing("mile", pages.page(other, "nf", status=404), run_id=run).outcome
        )
    assert outcomes == ["missing", "missing", "missing", "missing", "removed", "missing"]
    assert [r.status for r in rows(any_archive, Report)] == ["active", "removed"]


def test_same_text_at_a_new_url_is_a_move(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())
    moved = any_archive.record_report(
        "mile", pages.page(NEW_URL, html(REPORT_TEXT, chrome="新模板")), pages.report()
    )
    # The old URL going away afterwards does not count against the report: it lives at the new one.
    old = [any_archive.record_missing("mile", pages.page(URL, "nf", status=404)).outcome for _ in range(3)]

    assert (moved.outcome, moved.report_id, moved.version) == ("moved", 1, 1)
    [report] = rows(any_archive, Report)
    assert report.canonical_url == NEW_URL and report.status == "active"
    assert sorted(u.url for u in rows(any_archive, ReportUrl)) == sorted([URL, NEW_URL])
    assert len(rows(any_archive, Version)) == 1 and old == ["missing"] * 3
    assert events(any_archive) == [("new", 1)]


def test_same_text_in_another_source_is_another_report(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, "a"), pages.report())
    result = any_archive.record_report("honghe", pages.page(NEW_URL, "a"), pages.report())
    assert (result.outcome, result.report_id) == ("new", 2)


def test_recording_the_same_exchange_twice_changes_nothing(any_archive: Archive, pages: Pages) -> None:
    page = pages.page(URL, html(REPORT_TEXT))
    first = any_archive.record_report("mile", page, pages.report())
    again = any_archive.record_report("mile", page, pages.report())
    assert again == first
    assert len(rows(any_archive, Capture)) == 1 and len(rows(any_archive, Event)) == 1


def test_attachments_are_stored_with_the_version(any_archive: Archive, pages: Pages) -> None:
    pdf = pages.attachment("http://gov.test/att/report.pdf", b"%PDF-1.4 fake", "附件正文")
    docx = pages.attachment("http://gov.test/att/table.docx", None)
    report = pages.report(attachments=(pdf, docx))
    any_archive.record_report("mile", pages.page(URL, "a"), report)
    # Re-fetched unchanged page: the attachment now downloaded and the PDF replaced behind its link.
    docx_now = pages.attachment("http://gov.test/att/table.docx", b"PK docx bytes")
    pdf_new = pages.attachment("http://gov.test/att/report.pdf", b"%PDF-1.4 replaced")
    any_archive.record_report("mile", pages.page(URL, "b"), pages.report(attachments=(pdf_new, docx_now)))

    found = {(a.url.rsplit("/", 1)[-1], a.sha256 is not None) for a in rows(any_archive, Attachment)}
    assert found == {("report.pdf", True), ("table.docx", True)}
    assert len(rows(any_archive, Attachment)) == 3
    first_pdf = rows(any_archive, Attachment)[0]
    assert any_archive.store.get_bytes(first_pdf.blob_key) == b"%PDF-1.4 fake"
    assert any_archive.store.get_bytes(first_pdf.text_key).decode() == "附件正文"
    assert len(rows(any_archive, Version)) == 1


def test_conditional_headers_and_not_modified(any_archive: Archive, pages: Pages) -> None:
    headers = {"etag": '"abc"', "last-modified": "Tue, 29 Mar 2022 08:00:00 GMT"}
    any_archive.record_report("mile", pages.page(URL, "a", headers=headers), pages.report())
    assert any_archive.conditional_headers(URL) == {
        "If-None-Match": '"abc"',
        "If-Modified-Since": "Tue, 29 Mar 2022 08:00:00 GMT",
    }
    assert any_archive.conditional_headers(NEW_URL) == {}
    result = any_archive.record_not_modified("mile", pages.page(URL, b"", status=304, headers=headers))
    assert (result.outcome, result.version) == ("not_modified", 1)
    [known] = any_archive.known_reports("mile")
    assert (known.url, known.etag, known.status) == (URL, '"abc"', "active")


def test_blocked_answers_change_nothing(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, "a"), pages.report())
    for _ in range(4):
        assert (
            any_archive.record_blocked(
                "mile", pages.page(URL, "<script>challenge</script>", status=412)
            ).outcome
            == "blocked"
        )
    assert rows(any_archive, Report)[0].status == "active"
    assert [c.outcome for c in rows(any_archive, Capture)] == ["new"] + ["blocked"] * 4


def test_runs_and_source_counts(any_archive: Archive) -> None:
    any_archive.ensure_source(
        "mile", title="弥勒市", region="云南省红河州", definition={"start_urls": ["http://gov.test/"]}
    )
    run = any_archive.start_run(["mile"], trigger="schedule", pid=42)
    any_archive.update_source_run(run, "mile", discovered=3, new=2, status="ok")
    any_archive.update_source_run(run, "mile", fetched=3)
    any_archive.finish_run(run, status="ok", stats={"pages": 3})

    from archive import queries

    [doc] = queries.list_runs(any_archive.engine)
    assert (doc["status"], doc["trigger"], doc["stats"]) == ("ok", "schedule", {"pages": 3})
    assert [(s["name"], s["discovered"], s["fetched"], s["new"]) for s in doc["per_source"]] == [
        ("mile", 3, 3, 2)
    ]
    assert any_archive.ensure_source("mile") == any_archive.ensure_source("mile", title="弥勒市")


def test_redirect_target_becomes_another_url_of_the_report(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, "a", final_url=NEW_URL), pages.report())
    assert sorted(u.url for u in rows(any_archive, ReportUrl)) == sorted([URL, NEW_URL])
    again = any_archive.record_report("mile", pages.page(NEW_URL, "a"), pages.report())
    assert (again.outcome, again.report_id) == ("unchanged", 1)


def test_concurrent_writers_make_one_report(any_archive: Archive, pages: Pages) -> None:
    from concurrent.futures import ThreadPoolExecutor

    exchanges = [pages.page(URL, f"fetch {n}") for n in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(
            pool.map(lambda page: any_archive.record_report("mile", page, pages.report()).outcome, exchanges)
        )

    assert sorted(outcomes) == ["new"] + ["unchanged"] * 5
    assert len(rows(any_archive, Report)) == 1 and len(rows(any_archive, Version)) == 1
    assert len(rows(any_archive, Capture)) == 6 and events(any_archive) == [("new", 1)]


def test_a_lost_previous_text_does_not_block_a_new_version(archive: Archive, pages: Pages) -> None:
    archive.record_report("mile", pages.page(URL, "v1"), pages.report())
    archive.store.delete(rows(archive, Version)[0].text_key)
    result = archive.record_report("mile", pages.page(URL, "v2"), pages.report(REPORT_TEXT + "新增。"))
    assert (result.outcome, result.version) == ("changed", 2)
    assert json.loads(rows(archive, Version)[-1].diff_summary)["diff_unavailable"] is True


def test_a_page_that_lost_its_text_makes_no_empty_version(any_archive: Archive, pages: Pages) -> None:
    any_archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())
    empty = any_archive.record_report("mile", pages.page(URL, "<div id='app'></div>"), pages.report(""))
    back = any_archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())
    assert (empty.outcome, back.outcome) == ("blocked", "unchanged")
    assert len(rows(any_archive, Version)) == 1 and events(any_archive) == [("new", 1)]


@pytest.mark.parametrize("model, values", [
    ("Report", {"id": 7, "source_id": 1, "canonical_url": "http://gov.test/r.html"}),
    ("Version", {"report_id": 7, "number": 1, "text_hash": "a" * 64, "metadata_hash": "b" * 64, "text_key": "a" * 64}),
    ("Event", {"kind": "new", "report_id": 7}),
    ("Attachment", {"version_id": 3, "url": "http://gov.test/a.pdf"}),
])
def test_new_row_is_the_row_the_model_constructor_makes(model: str, values: dict[str, object]) -> None:
    """The recorder's fast constructor (archive/recorder/rows.py) must give what SQLModel's does."""
    import archive.catalog.models as models
    from archive.recorder.rows import new_row

    cls = getattr(models, model)
    fast, slow = new_row(cls, **values), cls(**values)
    plain = {k: v for k, v in fast.__dict__.items() if not k.startswith("_sa_")}
    timestamps = {k for k, v in plain.items() if isinstance(v, dt.datetime)}  # default factories: utcnow
    assert {k: v for k, v in plain.items() if k not in timestamps} == {
        k: v for k, v in slow.__dict__.items() if not k.startswith("_sa_") and k not in timestamps}
    assert timestamps == {k for k, v in slow.__dict__.items() if isinstance(v, dt.datetime)}
    assert fast.__pydantic_fields_set__ == slow.__pydantic_fields_set__
    with pytest.raises(TypeError, match="needs"):
        new_row(cls)
