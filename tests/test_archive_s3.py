"""Archiving into S3 (SeaweedFS): the whole stream, and the server going away mid-recording."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pytest
from sqlmodel import Session, func, select

from archive.catalog.database import create_catalog_engine, init_catalog
from archive.catalog.models import Capture
from archive.errors import StoreUnavailableError
from archive.recorder import Archive
from archive.storage import BlobStore
from archive.verify import verify_archive
from tests.fixtures.archive import catalog_snapshot, crash_stream, make_store, play
from tests.fixtures.seaweedfs import SeaweedFS

pytestmark = [pytest.mark.s3, pytest.mark.slow]


class StopsServerStore:
    """The real S3 store; the server is stopped just before the write number ``at``."""

    def __init__(self, store: BlobStore, server: SeaweedFS, at: int) -> None:
        self.inner, self.server, self.left = store, server, at
        self.location = store.location

    def put_bytes(self, data: bytes) -> str:
        self.left -= 1
        if self.left == 0:
            self.server.stop()
        return self.inner.put_bytes(data)

    def put_stream(self, stream: BinaryIO) -> str:
        return self.put_bytes(stream.read())

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def captures(archive: Archive) -> int:
    with Session(archive.engine) as db:
        return int(db.exec(select(func.count(Capture.id))).one())


def test_s3_stopping_mid_recording_is_a_clear_error_and_names_nothing_missing(
    tmp_path: Path, seaweedfs: SeaweedFS
) -> None:
    engine = create_catalog_engine(f"sqlite:///{tmp_path / 'catalog.db'}")
    init_catalog(engine)
    s3 = seaweedfs.store(seaweedfs.new_bucket())
    archive = Archive(engine, StopsServerStore(s3, seaweedfs, at=9))  # type: ignore[arg-type]
    steps = crash_stream()
    recorded = 0
    try:
        with pytest.raises(StoreUnavailableError, match="object store 's3://.*' is unavailable"):
            for step in steps:
                play(archive, step)
                recorded += 1
        assert 0 < recorded < len(steps)
        kept = captures(archive)
    finally:
        if not seaweedfs.running:
            seaweedfs.start()

    check = verify_archive(engine, s3, orphans=False)
    assert check.passed, [p.key for p in check.missing]
    assert captures(archive) == kept

    archive.store = s3
    for step in steps:
        play(archive, step)
    reference = Archive(create_catalog_engine(f"sqlite:///{tmp_path / 'reference.db'}"), make_store(tmp_path / "o"))
    init_catalog(reference.engine)
    for step in steps:
        play(reference, step)
    assert catalog_snapshot(engine) == catalog_snapshot(reference.engine)
    assert verify_archive(engine, s3).passed
