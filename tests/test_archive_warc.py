"""WARC records of captures: readable by warcio, revisits for identical payloads, one combined file."""

from __future__ import annotations

import hashlib
import io

from sqlmodel import Session, col, select
from warcio.archiveiterator import ArchiveIterator

from archive import queries
from archive.catalog.models import Capture
from archive.recorder import Archive
from archive.warc import iter_warc_records, payload_digest, write_combined_warc
from tests.fixtures.archive import REPORT_TEXT, Pages, html

URL = "http://gov.test/art/2024/3/1/art_1.html"


def captures(archive: Archive) -> list[Capture]:
    with Session(archive.engine) as db:
        return list(db.exec(select(Capture).order_by(col(Capture.id))))


def record_three(archive: Archive, pages: Pages) -> None:
    body = html(REPORT_TEXT, chrome="浏览次数：5")
    archive.record_report("mile", pages.page(URL, body, headers={"content-encoding": "gzip"}), pages.report())
    archive.record_report("mile", pages.page(URL, body), pages.report())  # identical payload
    archive.record_missing("mile", pages.page(URL, "<h1>404</h1>", status=404))


def test_each_capture_is_a_request_and_a_response_or_revisit(archive: Archive, pages: Pages) -> None:
    record_three(archive, pages)
    first, second, gone = captures(archive)

    records = [
        (r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
        for r in iter_warc_records(archive.store, [first.warc_key])
    ]
    assert [r[0] for r in records] == ["request", "response"]
    _, headers, http, body = records[1]
    assert body == html(REPORT_TEXT, chrome="浏览次数：5")
    assert headers.get_header("WARC-Target-URI") == URL
    assert headers.get_header("WARC-Payload-Digest") == payload_digest(body)
    assert http.get_statuscode() == "200"
    # The body is stored decoded, so the wire header is kept only under the X-Archive-Orig- prefix.
    assert (
        http.get_header("Content-Encoding") is None
        and http.get_header("X-Archive-Orig-content-encoding") == "gzip"
    )

    with archive.store.open(second.warc_key) as stream:
        revisit = list(ArchiveIterator(stream))[1]
    assert revisit.rec_type == "revisit"
    assert revisit.rec_headers.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert revisit.rec_headers.get_header("WARC-Refers-To-Target-URI") == URL
    assert revisit.rec_headers.get_header("WARC-Refers-To-Date").startswith("2025-03-01T09:00:00")
    assert revisit.rec_headers.get_header("WARC-Payload-Digest") == payload_digest(body)
    assert first.payload_key is None and second.payload_key is None  # the body is stored once: in the WARC

    with archive.store.open(gone.warc_key) as stream:
        records = [(r.rec_type, r.http_headers.get_statuscode()) for r in ArchiveIterator(stream)]
    assert records[1] == ("response", "404") and records[0][0] == "request"


def test_combined_warc_concatenates_every_capture(archive: Archive, pages: Pages) -> None:
    record_three(archive, pages)
    keys = queries.capture_warc_keys(archive.engine, source="mile")
    out = io.BytesIO()
    info = {"software": "govarchive", "format": "WARC File Format 1.1"}
    written = write_combined_warc(archive.store, keys, out, warcinfo=info)

    assert written == len(out.getvalue())
    types = [
        (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
        for r in ArchiveIterator(io.BytesIO(out.getvalue()))
    ]
    assert types[0][0] == "warcinfo"
    assert [t for t, _ in types[1:]] == ["request", "response", "request", "revisit", "request", "response"]
    again = io.BytesIO()
    write_combined_warc(archive.store, keys, again, warcinfo=info)
    assert again.getvalue() == out.getvalue()  # deterministic bytes


def test_warc_objects_are_deterministic_per_exchange(archive: Archive, pages: Pages) -> None:
    from archive.warc import build_capture_warc

    page = pages.page(URL, "<p>同一响应</p>")
    assert build_capture_warc(page, seed="k").data == build_capture_warc(page, seed="k").data
    assert build_capture_warc(page, seed="k").data != build_capture_warc(page, seed="other").data
    # the body's digest handed in by the recorder (which has it) makes the very same bytes
    given = build_capture_warc(page, seed="k", body_sha256=hashlib.sha256(page.body).hexdigest())
    assert given.data == build_capture_warc(page, seed="k").data
    assert [r.rec_headers.get_header("WARC-Payload-Digest") for r in ArchiveIterator(io.BytesIO(given.data))
            if r.rec_type == "response"] == [given.payload_digest]
