"""Bundle benchmark (run on demand): a 10,000-report archive bundled as zip, tar and WACZ.

    .venv/bin/python bench/bundles.py [--reports N] [--data DIR] [--no-write]

Builds the archive once through the real recorder (folder store, SQLite), cached in --data.
Each bundle is made in a child process so its peak RSS is its own; a 1/10 selection shows
whether memory grows with the bundle. The same files are then zipped by Info-ZIP ``zip -r``
(and by Python's ``shutil.make_archive``) for comparison. Figures go into docs/benchmarks.md
under "## Bundles" (only that section is touched).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTION = "## Bundles"
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
SOURCES = 20
PDF = b"%PDF-1.4\n" + b"0" * 20_000 + b"\n%%EOF\n"


def sentence_pool(seeds: Path) -> list[str]:
    """Sentences of the real reports in ``seeds`` (or of a fixed generated text when absent)."""
    if seeds.is_dir():
        text = "".join(path.read_text(encoding="utf-8") for path in sorted(seeds.glob("*.txt")))
    else:
        rng = random.Random(7)
        text = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) + ("。" if i % 30 == 29 else "") for i in range(60_000))
    return [s + "。" for s in text.replace("\n", "").split("。") if s.strip()]


def build_archive(data: Path, reports: int, seeds: Path) -> None:
    """Record ``reports`` reports (about 10 KB of text each, every tenth with a PDF) into ``data``."""
    from archive.catalog.database import create_catalog_engine, init_catalog
    from archive.recorder import Archive
    from archive.records import AttachmentRecord, ExtractedReport, FetchedPage
    from archive.storage import FilesystemBlobStore

    data.mkdir(parents=True, exist_ok=True)
    engine = create_catalog_engine(f"sqlite:///{data / 'catalog.db'}")
    init_catalog(engine)
    archive = Archive(engine, FilesystemBlobStore(data / "objects"))
    for n in range(SOURCES):
        archive.ensure_source(f"src-{n:02d}", title=f"第{n}号来源", region="广东省", level="county")
    pool = sentence_pool(seeds)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    began = time.monotonic()
    for i in range(reports):
        rng = random.Random(i)
        lines = [f"第{i}号报告：2024年法治政府建设年度报告"]
        while sum(len(line.encode()) for line in lines) < 10_000:
            lines.append(rng.choice(pool))
        text = "\n".join(lines)
        body = ("<html><head><meta charset='utf-8'></head><body><div id='zoom'>"
                + "".join(f"<p>{line}</p>" for line in lines) + "</div></body></html>").encode()
        url = f"http://www.gd{i % SOURCES:02d}.gov.cn/fzzfjs/{i}.html"
        attachments = ()
        if i % 10 == 0:
            attachments = (AttachmentRecord(url=url.replace(".html", ".pdf"), name=f"{i}.pdf", type="pdf",
                                            body=PDF + str(i).encode(), text=f"附件{i}", text_status="extracted"),)
        page = FetchedPage(url=url, status=200, headers={"content-type": "text/html; charset=utf-8"}, body=body,
                           fetched_at=start + dt.timedelta(minutes=i))
        report = ExtractedReport(title=lines[0], text=text, publisher=f"第{i % SOURCES}号来源", report_year=2024,
                                 pub_date=dt.date(2025, 3, 1), attachments=attachments)
        archive.record_report(f"src-{i % SOURCES:02d}", page, report)
        if (i + 1) % 1000 == 0:
            print(f"  recorded {i + 1:,} reports ({time.monotonic() - began:.0f} s)", flush=True)
    engine.dispose()
    (data / "ready").write_text(str(reports))


def peak_rss_kb(pid: int | str = "self") -> int:
    """The process's own peak resident set (VmHWM, KB): unlike ru_maxrss, not inherited across fork+exec."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss if pid == "self" else 0


def child(args: argparse.Namespace) -> None:
    """Make one bundle and print what it took (run in its own process)."""
    from archive.bundles import BundleSelection, create_bundle
    from archive.catalog.database import create_catalog_engine
    from archive.storage import FilesystemBlobStore

    engine = create_catalog_engine(f"sqlite:///{args.data / 'catalog.db'}")
    store = FilesystemBlobStore(args.data / "objects")
    sources = tuple(f"src-{n:02d}" for n in range(args.sources)) if args.sources else ()
    selection = BundleSelection(include=frozenset(args.include.split(",")), sources=sources)
    idle_rss = peak_rss_kb()
    began = time.perf_counter()
    result = create_bundle(engine, store, selection, args.out, args.format, record=False, tmp_dir=args.out.parent)
    seconds = time.perf_counter() - began
    print(json.dumps({
        "seconds": seconds, "size": result.size, "versions": result.version_count, "files": result.file_count,
        "payload": result.payload_bytes,
        "rss_kb": peak_rss_kb(), "idle_rss_kb": idle_rss,
    }))


def run_child(data: Path, out: Path, fmt: str, include: str, sources: int = 0) -> dict[str, float]:
    """Make one bundle in a fresh Python process; return its figures."""
    command = [sys.executable, __file__, "--child", "--data", str(data), "--out", str(out), "--format", fmt,
               "--include", include, "--sources", str(sources)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def timed(command: Sequence[str], cwd: Path) -> tuple[float, int]:
    """Seconds and the peak RSS (KB, VmHWM polled every 10 ms) of ``command``."""
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, peak_rss_kb(process.pid))
        time.sleep(0.01)
    seconds = time.perf_counter() - began
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command)
    return seconds, peak


def write_section(body: str) -> None:
    """Replace (or add) the "## Bundles" section of docs/benchmarks.md, leaving the rest alone."""
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = f"{SECTION}\n\n{body.strip()}\n\n"
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    BENCHMARKS.write_text(text.rstrip() + "\n")


def mb(size: float) -> str:
    return f"{size / 1e6:,.1f} MB"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--data", type=Path, default=None, help="cache folder of the generated archive")
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--format", default="zip", help=argparse.SUPPRESS)
    parser.add_argument("--include", default="text", help=argparse.SUPPRESS)
    parser.add_argument("--sources", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return

    data = args.data or Path(tempfile.gettempdir()) / f"govarchive-bench-bundles-{args.reports}"
    if not (data / "ready").exists():
        shutil.rmtree(data, ignore_errors=True)
        print(f"recording {args.reports:,} reports into {data} …", flush=True)
        build_archive(data, args.reports, args.seeds)

    runs = [
        ("zip", "text", 0), ("tar", "text", 0), ("zip", "text", 2),
        ("zip", "text,raw,attachments,warc", 0), ("tar", "text,raw,attachments,warc", 0), ("wacz", "text", 0),
    ]
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-bundles-", dir=data.parent) as work_name:
        work = Path(work_name)
        made: dict[tuple[str, str, int], tuple[Path, int]] = {}
        for fmt, include, sources in runs:
            out = work / f"{fmt}-{len(made)}.{fmt}"
            figures = run_child(data, out, fmt, include, sources)
            payload = int(figures["payload"])
            made[(fmt, include, sources)] = (out, payload)
            share = f"{sources}/{SOURCES} sources" if sources else "all"
            rows.append(
                f"| govarchive {fmt} | {include} | {share}: {int(figures['versions']):,} versions, "
                f"{int(figures['files']):,} files | {figures['seconds']:.1f} | {mb(payload)} | "
                f"{payload / 1e6 / figures['seconds']:.1f} | {mb(figures['size'])} | "
                f"{figures['rss_kb'] / 1024:.0f} MB (idle {figures['idle_rss_kb'] / 1024:.0f}) |"
            )
            print(rows[-1], flush=True)

        # The same files zipped by others: the full zip bag, extracted.
        bag, payload = made[("zip", "text,raw,attachments,warc", 0)]
        folder = work / "extracted"
        with zipfile.ZipFile(bag) as archive:
            archive.extractall(folder)
        files = sum(1 for p in folder.rglob("*") if p.is_file())
        if shutil.which("zip"):
            seconds, rss = timed(["zip", "-r", "-q", "-X", str(work / "info-zip.zip"), "."], folder)
            size = (work / "info-zip.zip").stat().st_size
            rows.append(f"| Info-ZIP `zip -r` (deflate 6) | same files | {files:,} files | {seconds:.1f} | {mb(payload)} | "
                        f"{payload / 1e6 / seconds:.1f} | {mb(size)} | {rss / 1024:.0f} MB |")
        make_archive = "import shutil, sys; shutil.make_archive(sys.argv[1], 'zip', sys.argv[2])"
        seconds, rss = timed([sys.executable, "-c", make_archive, str(work / "shutil"), str(folder)], folder)
        size = (work / "shutil.zip").stat().st_size
        rows.append(f"| Python `shutil.make_archive` zip | same files | {files:,} files | {seconds:.1f} | {mb(payload)} | "
                    f"{payload / 1e6 / seconds:.1f} | {mb(size)} | {rss / 1024:.0f} MB |")
        seconds, rss = timed(["tar", "-cf", str(work / "gnu.tar"), "."], folder)
        rows.append(f"| GNU `tar -cf` | same files | {files:,} files | {seconds:.1f} | {mb(payload)} | "
                    f"{payload / 1e6 / seconds:.1f} | {mb((work / 'gnu.tar').stat().st_size)} | {rss / 1024:.0f} MB |")
        for row in rows[-3:]:
            print(row, flush=True)

        from archive.bundles import verify_bundle

        began = time.perf_counter()
        verdict = verify_bundle(bag)
        verify_seconds = time.perf_counter() - began
        assert verdict.ok, verdict.summary()

    body = f"""`bench/bundles.py` ({dt.date.today().isoformat()}; 2 CPUs shared with other work, Python
{platform.python_version()}, SQLite catalog and folder store on the same disk). An archive of
{args.reports:,} reports in {SOURCES} sources (about 10 KB of Chinese text each, from sentences of the real
reports; every tenth with a 20 KB PDF attachment) recorded through the recorder. Each bundle is made in a
child process: seconds are wall time of `create_bundle` (selection, reading every object from the store
and checking it against its key, metadata tables, writing, fsync, hashing the result); MB/s is payload
(Payload-Oxum) per second; peak RSS is the child's whole process, "idle" is the same process before
bundling (imports, engine).

| maker | include | selection | seconds | payload | MB/s | file | peak RSS |
| --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

- `bundle verify` of the full zip bag: {verify_seconds:.1f} s ({mb(payload)} re-hashed).
- Memory stays flat as the bundle grows: entries stream from the store through zip/tar, the
  metadata tables, manifest and WARC go to temporary files, tar members of unknown size are
  spooled (8 MiB in memory, then disk). What remains is zip's central directory, which every zip
  writer keeps until the end (about 1 KB per file: compare the 1,000- and 10,000-version zips);
  a tar keeps nothing per member.
- Timings on this shared machine vary by up to 2x from run to run (other work competes for the two
  cores); the rows of one table come from one run.
- The comparison rows archive the extracted full bag (same files, already on disk, no checksums);
  govarchive also reads each object from the zstd folder store and hashes it twice (manifest, key).
"""
    print(body)
    if not args.no_write:
        write_section(body)


if __name__ == "__main__":
    main()
