"""The raw body stored once (in the capture's WARC), read back by its content address; older
catalogs, whose bodies are objects of their own, keep working."""

from __future__ import annotations

import hashlib

from sqlmodel import Session, col, select

from archive.catalog.models import Capture, Version
from archive.payloads import raw_body
from archive.recorder import Archive
from archive.verify import verify_archive
from tests.fixtures.archive import REPORT_TEXT, Pages, html

URL = "http://gov.test/fzzf/2024/r1.html"
OTHER_TEXT = REPORT_TEXT.replace("6837", "9999")


def _versions(archive: Archive) -> list[Version]:
    with Session(archive.engine) as db:
        return list(db.exec(select(Version).order_by(col(Version.number))))


def test_a_body_is_stored_once_in_its_warc_and_read_back(archive: Archive, pages: Pages) -> None:
    body = html(REPORT_TEXT)
    archive.record_report("mile", pages.page(URL, body), pages.report())
    [version] = _versions(archive)
    assert version.raw_key == hashlib.sha256(body).hexdigest()
    assert not archive.store.exists(version.raw_key)  # no second copy of the body
    assert len(list(archive.store.iter_keys())) == 2  # the capture's WARC and the version's text
    assert raw_body(archive.store, archive.engine, version.raw_key) == body
    check = verify_archive(archive.engine, archive.store)
    assert check.passed and check.ok == 3 and check.orphans == []  # WARC, text, and the body inside the WARC


def test_a_catalog_whose_bodies_are_objects_still_reads_and_verifies(archive: Archive, pages: Pages) -> None:
    body = html(REPORT_TEXT)
    archive.record_report("mile", pages.page(URL, body), pages.report())
    key = archive.store.put_bytes(body)  # as recorded before: the body an object of its own
    with Session(archive.engine) as db:
        capture = db.exec(select(Capture)).one()
        capture.payload_key = key
        db.add(capture)
        db.commit()
    assert raw_body(archive.store, archive.engine, key) == body
    check = verify_archive(archive.engine, archive.store)
    assert check.passed and check.orphans == []


def test_verify_reports_a_lost_warc_and_the_body_it_held(archive: Archive, pages: Pages) -> None:
    archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report())
    with Session(archive.engine) as db:
        capture = db.exec(select(Capture)).one()
    assert capture.warc_key is not None and archive.store.delete(capture.warc_key)
    check = verify_archive(archive.engine, archive.store)
    missing = {problem.key: problem.references for problem in check.missing}
    assert missing[capture.warc_key] == [f"captures.warc_key#{capture.id}"]
    assert missing[capture.payload_digest or ""][0].startswith("versions.raw_key#")


def test_a_version_made_from_a_revisit_keeps_its_body(archive: Archive, pages: Pages) -> None:
    first, second = html(REPORT_TEXT), html(OTHER_TEXT)
    archive.record_report("mile", pages.page(URL, first), pages.report(REPORT_TEXT))
    archive.record_report("mile", pages.page(URL, second), pages.report(OTHER_TEXT))
    back = archive.record_report("mile", pages.page(URL, first), pages.report(REPORT_TEXT))
    assert (back.outcome, back.version) == ("changed", 3)
    with Session(archive.engine) as db:
        kinds = [c.warc_type for c in db.exec(select(Capture).order_by(col(Capture.id)))]
    assert kinds == ["response", "response", "revisit"]  # the third capture's WARC holds no body
    bodies = [raw_body(archive.store, archive.engine, v.raw_key or "") for v in _versions(archive)]
    assert bodies == [first, second, first]
    assert verify_archive(archive.engine, archive.store).passed
