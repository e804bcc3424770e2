"""Crash safety: a recording killed at any point and run again equals one never interrupted."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

import pytest

from archive.catalog.database import create_catalog_engine, init_catalog
from archive.errors import StoreUnavailableError
from archive.recorder import Archive
from archive.storage import BlobStore
from archive.verify import verify_archive
from tests.fixtures.archive import catalog_snapshot, crash_stream, make_store, play

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def fresh(tmp_path: Path, name: str) -> tuple[Archive, str, Path]:
    url, root = f"sqlite:///{tmp_path / f'{name}.db'}", tmp_path / f"{name}-objects"
    engine = create_catalog_engine(url)
    init_catalog(engine)
    return Archive(engine, make_store(root)), url, root


@pytest.fixture
def reference(tmp_path: Path) -> Archive:
    """The whole stream recorded once, without interruption."""
    archive, _, _ = fresh(tmp_path, "reference")
    for step in crash_stream():
        play(archive, step)
    return archive


def assert_same_archive(reference: Archive, other: Archive) -> None:
    assert catalog_snapshot(other.engine) == catalog_snapshot(reference.engine)
    assert sorted(other.store.iter_keys()) == sorted(reference.store.iter_keys())
    check = verify_archive(other.engine, other.store)
    assert check.passed and check.orphans == []


@pytest.mark.parametrize("batch", [None, 5], ids=["one-by-one", "batches-of-5"])
def test_sigkill_at_random_points_then_rerun_equals_uninterrupted(
    tmp_path: Path, reference: Archive, batch: int | None
) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    steps = len(crash_stream())
    archive, url, root = fresh(tmp_path, "killed")
    command = [sys.executable, "-m", "tests.fixtures.archive", url, str(root), *([str(batch)] if batch else [])]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    kills = []
    for target in sorted(rng.sample(range(steps - 1), 4)):
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if int(line) >= target:
                break
        time.sleep(rng.uniform(0, 0.03))  # somewhere inside the next recording
        process.send_signal(signal.SIGKILL)
        process.communicate()  # reaps it and closes its pipe
        kills.append((target, process.returncode))
    assert all(code == -signal.SIGKILL for _, code in kills), f"seed {seed}: {kills}"

    finished = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert_same_archive(reference, archive), f"seed {seed}"


class FailingStore:
    """The real store, failing every write after the first ``allowed`` (a crash between objects)."""

    def __init__(self, store: BlobStore, allowed: int) -> None:
        self.inner, self.allowed = store, allowed
        self.location = store.location

    def put_bytes(self, data: bytes) -> str:
        if self.allowed <= 0:
            raise StoreUnavailableError(self.location, "simulated crash")
        self.allowed -= 1
        return self.inner.put_bytes(data)

    def put_stream(self, stream: BinaryIO) -> str:
        return self.put_bytes(stream.read())

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def _until_failure(archive: Archive) -> bool:
    """Play the stream until the store fails; False when it ran to the end."""
    for step in crash_stream():
        try:
            play(archive, step)
        except StoreUnavailableError:
            return True
    return False


def test_failure_between_any_two_object_writes_leaves_nothing_half_done(
    tmp_path: Path, reference: Archive
) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    archive, _, _ = fresh(tmp_path, "failing")
    good = archive.store
    failures = 0
    while failures < 6:
        # Replayed steps write nothing, so each budget counts writes from where the last run stopped.
        archive.store = FailingStore(good, rng.randint(0, 40))
        if not _until_failure(archive):
            break
        failures += 1
        check = verify_archive(archive.engine, good, orphans=False)
        assert check.passed, f"seed {seed}: a row names a missing object after failure {failures}"
    assert failures >= 1
    archive.store = good
    for step in crash_stream():
        play(archive, step)
    assert_same_archive(reference, archive), f"seed {seed}"
