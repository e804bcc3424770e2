"""Object-store benchmark (run on demand): 10,000 synthetic report versions into each back-end.

    .venv/bin/python bench/storage.py [--versions N] [--threads N] [--no-write]

Measures objects/s, bytes stored against bytes given, and that storing the same content again
adds no object. Starts its own SeaweedFS on loopback; writes the figures into docs/benchmarks.md
under "## Object store" (only that section is touched).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.storage import BlobStore, FilesystemBlobStore  # noqa: E402
from tests.fixtures.seaweedfs import SeaweedFS  # noqa: E402
from tests.test_archive_storage import chinese_text  # noqa: E402

SECTION = "## Object store"
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
VERSIONS_PER_REPORT = 20


def sentence_pool(seeds: Path | None) -> tuple[list[str], str]:
    """Sentences of real report texts when a seeds folder is there, else of generated prose."""
    if seeds is not None and seeds.is_dir():
        text = "".join(path.read_text() for path in sorted(seeds.glob("*.txt")))
        source = f"sentences of the {len(list(seeds.glob('*.txt')))} real reports in {seeds}"
    else:
        text = "".join(chinese_text(20_000, seed=n) for n in range(5))
        source = "generated report-like prose (compresses better than real text)"
    return [s + "。" for s in text.replace("\n", "").split("。") if s.strip()], source


def synthetic_versions(pool: Sequence[str], count: int, size: int = 10_000) -> list[bytes]:
    """``count`` texts of about ``size`` bytes: reports of 20 versions, each a small edit of the last."""
    texts: list[bytes] = []
    for report in range(0, count, VERSIONS_PER_REPORT):
        rng = random.Random(report)
        sentences: list[str] = []
        while sum(len(s.encode()) for s in sentences) < size:
            sentences.append(rng.choice(pool))
        for version in range(min(VERSIONS_PER_REPORT, count - report)):
            where = rng.randrange(len(sentences))
            sentences[where] = (
                f"（第{version + 1}次修订）截至{rng.randint(1, 12)}月底，共办理{rng.randint(1, 9999)}件。"
            )
            texts.append("\n".join(sentences).encode())
    return texts


@dataclass
class Pass:
    seconds: float
    objects_before: int
    objects_after: int
    stored_before: int
    stored_after: int

    def rate(self, count: int) -> float:
        return count / self.seconds


Inventory = Callable[[], tuple[int, int]]


def folder_inventory(root: Path) -> Inventory:
    """(files, bytes) physically under the folder."""

    def count() -> tuple[int, int]:
        sizes = [p.stat().st_size for p in root.rglob("*") if p.is_file()]
        return len(sizes), sum(sizes)

    return count


def bucket_inventory(server: SeaweedFS, bucket: str) -> Inventory:
    """(object versions, bytes) in the bucket: a second write of the same key would add a version."""

    def count() -> tuple[int, int]:
        sizes = [
            item["Size"]
            for page in server.client().get_paginator("list_object_versions").paginate(Bucket=bucket)
            for item in page.get("Versions", [])
        ]
        return len(sizes), sum(sizes)

    return count


def timed_pass(store: BlobStore, texts: Sequence[bytes], threads: int, inventory: Inventory) -> Pass:
    objects_before, stored_before = inventory()
    started = time.perf_counter()
    if threads == 1:
        for text in texts:
            store.put_bytes(text)
    else:
        with ThreadPoolExecutor(threads) as pool:
            for _ in pool.map(store.put_bytes, texts, chunksize=64):
                pass
    seconds = time.perf_counter() - started
    objects_after, stored_after = inventory()
    return Pass(seconds, objects_before, objects_after, stored_before, stored_after)


def run(name: str, store: BlobStore, inventory: Inventory, texts: Sequence[bytes], threads: int) -> str:
    first = timed_pass(store, texts, threads, inventory)
    again = timed_pass(store, texts, threads, inventory)
    given = sum(len(t) for t in texts)
    stored = first.stored_after - first.stored_before
    row = (
        f"| {name} | {threads} | {len(texts):,} | {first.rate(len(texts)):,.0f} | {again.rate(len(texts)):,.0f} "
        f"| {first.objects_after - first.objects_before:,} (of {len(set(texts)):,} distinct) "
        f"| {given / 1e6:,.1f} MB | {stored / 1e6:,.1f} MB ({stored / given:.0%}) "
        f"| {again.objects_after - again.objects_before} objects, {again.stored_after - again.stored_before} bytes |"
    )
    print(row, flush=True)
    return row


def weed_version(server: SeaweedFS) -> str:
    done = subprocess.run([str(server.weed), "version"], capture_output=True, text=True, check=False)
    found = re.search(r"version\s+\S+\s+([\d.]+)", done.stdout)
    return found.group(1) if found else "?"


def write_section(body: str) -> None:
    """Replace (or add) the "## Object store" section of docs/benchmarks.md, leaving the rest alone."""
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = f"{SECTION}\n\n{body.strip()}\n\n"
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    BENCHMARKS.parent.mkdir(parents=True, exist_ok=True)
    BENCHMARKS.write_text(text.rstrip() + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=4, help="also run S3 with this many threads")
    parser.add_argument("--seeds", type=Path, default=Path(__file__).resolve().parents[1] / "govarchive" / "portal" / "data" / "seeds", help="folder of real texts")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)

    pool, source = sentence_pool(args.seeds)
    texts = synthetic_versions(pool, args.versions)
    print(
        f"{len(texts):,} versions, {sum(map(len, texts)) / 1e6:.1f} MB, {len(set(texts)):,} distinct",
        flush=True,
    )
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as work:
        folder = Path(work) / "folder"
        rows.append(run("folder", FilesystemBlobStore(folder), folder_inventory(folder), texts, 1))
        server = SeaweedFS(Path(work) / "seaweedfs")
        server.start()
        try:
            name = f"S3 (SeaweedFS {weed_version(server)})"
            for threads in sorted({1, args.threads}):
                bucket = server.new_bucket()
                rows.append(run(name, server.store(bucket), bucket_inventory(server, bucket), texts, threads))
        finally:
            server.stop()

    body = f"""\
`bench/storage.py` ({dt.date.today().isoformat()}; {os.cpu_count()} CPUs shared with other work, Python
{platform.python_version()}, zstd level 3, everything on loopback). {len(texts):,} report versions of
~10 KB of Chinese text each ({source}; reports of {VERSIONS_PER_REPORT} versions, each a one-sentence edit
of the previous), stored with `put_bytes`, then all stored again.

| back-end | threads | versions | objects/s (first) | objects/s (again) | objects added | bytes given | bytes stored | second pass added |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

- Each object is compressed on its own (no shared dictionary), so near-identical versions each cost
  their compressed size. "Objects added" counts files in the folder and object versions in the
  (versioned) bucket: the second pass adds none.
- Folder writes fsync the object and its directory each time; S3 puts cost a HEAD plus a PUT
  (`If-None-Match: *`), so the S3 rate is request latency; "again" is a stat / HEAD per object.
- More client threads do not help on 2 shared cores where the SeaweedFS server competes for CPU."""
    print(body)
    if not args.no_write:
        write_section(body)
        print(f"written to {BENCHMARKS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
