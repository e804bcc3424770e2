"""OFD (GB/T 33190, China's fixed-layout format): the TextCode runs of each page's Content.xml,
grouped into lines by their baseline (within a millimetre) and ordered left to right."""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from crawler.extraction.readers.base import TEXT_LAYER, DocumentError, OverLimitError, ReadLimits, ReadResult

_SAME_LINE_MM = 1.0


def read(body: bytes, limits: ReadLimits) -> ReadResult:
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        pages = [n for n in archive.namelist() if re.search(r"Pages/Page_\d+/Content\.xml$", n)]
    except zipfile.BadZipFile as exc:
        raise DocumentError("unreadable .ofd file (not a ZIP package)") from exc
    if len(pages) > limits.max_pages:
        raise OverLimitError(f"{len(pages)} pages, over the limit of {limits.max_pages}")
    pages.sort(key=lambda n: [int(d) for d in re.findall(r"\d+", n)])
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    lines: list[str] = []
    try:
        for page in pages:
            tree = etree.fromstring(archive.read(page), parser=parser)
            runs: list[tuple[float, float, str]] = []
            for obj in tree.iter("{*}TextObject"):
                box = (obj.get("Boundary") or "0 0").split()
                for code in obj.iter("{*}TextCode"):
                    y = float(code.get("Y") or 0) + float(box[1])
                    x = float(code.get("X") or 0) + float(box[0])
                    runs.append((y, x, code.text or ""))
            lines += _lines(runs)
    except (etree.XMLSyntaxError, ValueError, IndexError, KeyError, zipfile.BadZipFile) as exc:
        raise DocumentError(f"unreadable .ofd file ({type(exc).__name__})") from exc
    return ReadResult("\n".join(lines), TEXT_LAYER, pages=len(pages))


def _lines(runs: list[tuple[float, float, str]]) -> list[str]:
    """Text runs (baseline y, x, text) → lines: runs whose baselines are within a millimetre of
    each other share a line (objects of one line rarely share an exact y), ordered left to right."""
    rows: list[tuple[float, list[tuple[float, str]]]] = []
    for y, x, text in sorted(runs):
        if rows and y - rows[-1][0] <= _SAME_LINE_MM:
            rows[-1][1].append((x, text))
        else:
            rows.append((y, [(x, text)]))
    return ["".join(text for _x, text in sorted(row)) for _y, row in rows]
