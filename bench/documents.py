"""Document readers: pages per second of each reader, OCR seconds per page, character F1 against
the true text, on documents made from the five seed reports (tests/documents.py).

    .venv/bin/python bench/documents.py [--scan-pages N] [--write]

Text PDF (reportlab, CID font; and as LibreOffice exports a DOCX), DOCX (python-docx), DOC and WPS (written by LibreOffice from the
DOCX), OFD (page XML) of every seed; scans: the seeds typeset with Noto Sans CJK at 200 dpi,
``--scan-pages`` pages per seed in an image-only PDF, read through pdftoppm and Tesseract
(``chi_sim``, one thread). ``--write`` replaces the ``## Documents`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.extraction.readers import ReadLimits, read_document  # noqa: E402
from crawler.extraction.scoring import text_score  # noqa: E402
from crawler.extraction.text import normalise_text  # noqa: E402
from tests import documents  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
SEEDS = range(5)


def _pages(kind: str, body: bytes) -> int:
    """Pages of a document as a reader of it would count them (A4 at 12 pt for flowing text)."""
    if kind in ("pdf", "office-pdf", "scan"):
        from io import BytesIO

        from pypdf import PdfReader

        return len(PdfReader(BytesIO(body)).pages)
    if kind == "ofd":
        return body.count(b"Content.xml")
    return -1  # flowing formats: pages of the same text as a PDF, filled in by the caller


def measure(scan_pages: int) -> list[dict[str, object]]:
    makers: dict[str, Callable[[tuple[str, ...]], bytes]] = {
        "pdf": documents.text_pdf, "office-pdf": documents.office_pdf, "docx": documents.docx,
        "doc": documents.doc, "ofd": documents.ofd,
    }
    limits = ReadLimits(max_seconds=600)
    rows = []
    for kind in ("pdf", "office-pdf", "docx", "doc", "wps", "ofd", "scan"):
        seconds, cpu, pages, f1s, confidences = 0.0, 0.0, 0, [], []
        for seed in SEEDS:
            paragraphs = documents.seed_paragraphs(seed)
            if kind == "scan":
                body, truth = documents.scan_pdf(paragraphs, scan_pages), documents.page_text(paragraphs, scan_pages)
            else:
                body, truth = makers["doc" if kind == "wps" else kind](paragraphs), "\n".join(paragraphs)
            count = _pages(kind, body)
            if count < 0:
                count = _pages("pdf", documents.text_pdf(paragraphs))
            started, cpu_before = time.perf_counter(), _child_cpu()
            result = read_document(body, "pdf" if kind in ("scan", "office-pdf") else kind, limits)
            seconds += time.perf_counter() - started
            cpu += _child_cpu() - cpu_before
            pages += count
            f1s.append(text_score(truth, normalise_text(result.text)).f1)
            if result.confidence is not None:
                confidences.append(result.confidence)
        rows.append({"kind": kind, "source": result.text_source, "documents": len(SEEDS), "pages": pages,
                     "seconds": seconds, "pages_per_s": pages / seconds, "s_per_page": seconds / pages,
                     "cpu_per_page": cpu / pages,
                     "f1_mean": statistics.mean(f1s), "f1_min": min(f1s),
                     "confidence": statistics.mean(confidences) if confidences else None})
    return rows


def _child_cpu() -> float:
    """CPU seconds used by finished child processes (Tesseract, pdftoppm, LibreOffice)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _version(args: list[str]) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    except OSError:
        return "missing"
    return (out.stdout or out.stderr).strip().splitlines()[0]


def render(rows: list[dict[str, object]], scan_pages: int, command: str) -> str:
    load = os.getloadavg()
    lines = [
        "## Documents", "",
        f"`{command}` on {dt.date.today().isoformat()}: {os.cpu_count()} shared CPUs (load average "
        f"{load[0]:.1f} at the end), Python {platform.python_version()}, {_version(['tesseract', '--version'])}, "
        f"{_version(['soffice', '--version'])}, {_version(['pdftoppm', '-v'])}. Each reader on a document of "
        f"each of the 5 seed reports; scans are {scan_pages} page(s) per seed typeset with Noto Sans CJK at "
        "200 dpi in an image-only PDF (tests/documents.py). Pages of flowing formats (DOCX, DOC, WPS) are "
        "counted as the pages of the same text in the PDF.", "",
        "| reader | text source | documents | pages | pages/s | s/page | programs' CPU s/page | char F1 mean | F1 min | OCR confidence |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    names = {"pdf": "text PDF (reportlab, CID font)", "office-pdf": "text PDF (LibreOffice export)", "docx": "DOCX", "doc": "DOC", "wps": "WPS", "ofd": "OFD", "scan": "scanned PDF (OCR)"}
    for row in rows:
        confidence = f"{row['confidence']:.1f}" if row["confidence"] is not None else "–"
        lines.append(f"| {names[str(row['kind'])]} | {row['source']} | {row['documents']} | {row['pages']} | "
                     f"{row['pages_per_s']:.2f} | {row['s_per_page']:.2f} | {row['cpu_per_page']:.2f} | {row['f1_mean']:.4f} | "
                     f"{row['f1_min']:.4f} | {confidence} |")
    lines += ["", "- DOC and WPS go through LibreOffice (a fresh private profile per document: most of the "
              "time is its start-up), then the DOCX reader.",
              "- OCR is one Tesseract process per page at one thread (`OMP_THREAD_LIMIT=1`, the "
              "determinism setting); a scanned PDF's pages are OCRed one per core at once, so wall "
              "seconds per page on an idle 2-core machine are about half the programs' CPU seconds per "
              "page. Wall figures here include waiting for cores shared with the load above.", ""]
    return "\n".join(lines)


def write(section: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.find("## Documents")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 3)
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scan-pages", type=int, default=2, help="scanned pages per seed report")
    parser.add_argument("--write", action="store_true", help="replace ## Documents in docs/benchmarks.md")
    args = parser.parse_args()
    rows = measure(args.scan_pages)
    command = "bench/documents.py" + (f" --scan-pages {args.scan_pages}" if args.scan_pages != 2 else "")
    section = render(rows, args.scan_pages, command)
    print(section)
    if args.write:
        write(section)


if __name__ == "__main__":
    main()
