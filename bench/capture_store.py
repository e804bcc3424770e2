"""Storing a capture's objects: codec levels, and the body stored once versus twice.

On report pages of the throughput portal (``bench/static_portal.py``), prints per page: the CPU
of zstd and gzip at several levels (and the share of bytes they keep), then the CPU and the disk
bytes of writing one capture's objects into a folder store in one batch — the layout before
issue 14 (the body as a zstd object of its own plus a warcio gzip-9 WARC) and the current one
(the WARC only, gzip level ``archive.warc.GZIP_LEVEL``). Best of ``--rounds``. No network.

    .venv/bin/python bench/capture_store.py --pages 300 --rounds 6
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import zstandard
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

import archive.warc as warc
from archive.records import FetchedPage
from archive.storage import FilesystemBlobStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from static_portal import generate  # noqa: E402 — the benchmark's own portal generator


class _WarcioGzip9(WARCWriter):
    """The writer before: warcio's own gzip (level 9) with SHA-256 digests."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def _best(rounds: int, work: Callable[[], int]) -> tuple[float, int]:
    best: tuple[float, int] | None = None
    for _ in range(rounds):
        start = time.process_time()
        size = work()
        result = (time.process_time() - start, size)
        best = result if best is None else min(best, result)
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), args.pages)
        files = sorted(p for p in (Path(tmp) / "site").rglob("*.htm*") if "index" not in p.name)
        bodies = [p.read_bytes() for p in files[: args.pages]]
    total = sum(map(len, bodies))
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    pages = [FetchedPage(f"http://127.0.0.1/fzzf/{n}.html", 200, {"content-type": "text/html"}, body,
                         when + dt.timedelta(seconds=n)) for n, body in enumerate(bodies)]
    print(f"{len(pages)} report pages, mean body {total / len(pages) / 1024:.1f} KiB; "
          f"load average {os.getloadavg()[0]:.2f}")

    codecs: dict[str, Callable[[bytes], bytes]] = {}
    for level in (1, 3, 6):
        codecs[f"zstd-{level}"] = zstandard.ZstdCompressor(level=level, write_checksum=True).compress
    for level in (1, 3, 6, 9):
        def gz(data: bytes, level: int = level) -> bytes:
            member = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
            return member.compress(data) + member.flush()
        codecs[f"gzip-{level}"] = gz
    for name, codec in codecs.items():
        cpu, size = _best(args.rounds, lambda codec=codec: sum(len(codec(b)) for b in bodies))
        print(f"{name:<44} {1000 * cpu / len(pages):6.3f} CPU-ms per page  {size / total:6.1%} of the bytes")

    def store_captures(body_object: bool, writer: type[WARCWriter]) -> Callable[[], int]:
        def work() -> int:
            with tempfile.TemporaryDirectory() as folder:
                store = FilesystemBlobStore(Path(folder), compress=True)
                saved, warc._Sha256WARCWriter = warc._Sha256WARCWriter, writer  # type: ignore[misc]
                try:
                    with store.deferred():
                        for page in pages:
                            if body_object:
                                store.put_bytes(page.body)
                            store.put_bytes(warc.build_capture_warc(page, seed=page.url).data)
                        store.flush()
                finally:
                    warc._Sha256WARCWriter = saved  # type: ignore[misc]
                return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())
        return work

    layouts = (
        ("before: body object (zstd-3) + WARC (gzip-9)", True, _WarcioGzip9),
        ("WARC only, gzip-9", False, _WarcioGzip9),
        (f"now: WARC only, gzip-{warc.GZIP_LEVEL}", False, warc._Sha256WARCWriter),
    )
    for label, body_object, writer in layouts:
        cpu, size = _best(args.rounds, store_captures(body_object, writer))
        print(f"{label:<44} {1000 * cpu / len(pages):6.3f} CPU-ms per page  {size / total:6.1%} of the body bytes on disk")


if __name__ == "__main__":
    main()
