"""National benchmark: thousands of portals given by their home pages, one sweep and a re-sweep.

    .venv/bin/python bench/national.py [--portals 3000] [--parallel 256] [--no-write]

The nation mode of the simulated portal (``govarchive.portal.nation``, in this process) serves one
portal per division of the registry, each on its own loopback address; the crawl runs as a child
process like a real run (``python -m govarchive.launch.runner``), its sources imported from the portal's
CSV. Measured: the first sweep (the report columns are sought from each home page) and a re-sweep
after new reports appear on a tenth of the portals (the remembered columns, known reports on their
cadence) — wall time, requests served and pages per second, peak RSS of the crawl process, the
catalog's size, and whether every report was found. Goals: first sweep <= 15 min, re-sweep <= 3 min,
peak RSS <= 1 GB on 2 cores. Writes the figures into docs/benchmarks.md under ``## National sweep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## National sweep"
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE": "false", "CONCURRENT_PER_DOMAIN": "2"}


def _env(home: Path, parallel: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")}
    env["GOVARCHIVE_HOME"] = str(home)
    for key, value in {**FAST, "PARALLEL_SOURCES": str(parallel)}.items():
        env[f"GOVARCHIVE_CRAWL__{key}"] = value
    return env


def _import(home: Path, csv_path: Path, names: list[str], nation: Any) -> str:
    """Import the CSV with ``govarchive sources import``; returns how."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")}
    env["GOVARCHIVE_HOME"] = str(home)
    done = subprocess.run([sys.executable, "-m", "govarchive.cli.main", "sources", "import", str(csv_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return "govarchive sources import"
    # no import command on this branch yet: the same sources as one TOML file
    import tomli_w

    from spiders.sources import SourceDefinition

    tables = [SourceDefinition(name=p.source_name, title=p.gov, level=p.division.level,
                               start_urls=[nation.home_url(p)]).to_toml_dict() for p in nation.portals]
    (home / "sources").mkdir(parents=True, exist_ok=True)
    (home / "sources" / "nation.toml").write_text(tomli_w.dumps({"source": tables}), encoding="utf-8")
    return "sources written as TOML (sources import failed: " + (done.stderr.strip().splitlines() or ["?"])[-1] + ")"


def _sweep(home: Path, names: list[str], parallel: int, nation: Any) -> dict[str, Any]:
    before = nation.requests
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "govarchive.launch.runner", "--no-progress", "--json", *names],
                               cwd=ROOT, env=_env(home, parallel), stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    summary = json.loads(out) if out.strip() else {"sources": []}
    requests = nation.requests - before
    statuses: dict[str, int] = {}
    for s in summary["sources"]:
        statuses[s["status"]] = statuses.get(s["status"], 0) + 1
    return {"wall": round(wall, 1), "requests": requests, "pages_per_s": round(requests / wall, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "exit": os.waitstatus_to_exitcode(status),
            "new": sum(s["new"] for s in summary["sources"]), "statuses": statuses}


def _found(home: Path) -> set[str]:
    with sqlite3.connect(home / "catalog.db") as db:
        return {row[0] for row in db.execute("select canonical_url from reports")}


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(portals: int, parallel: int, keep: Path | None = None) -> dict[str, Any]:
    from govarchive.portal.nation import NationServer, nation_divisions

    load = os.getloadavg()
    nation = NationServer(nation_divisions(portals)).start()
    try:
        with tempfile.TemporaryDirectory(prefix="govarchive-national-") as tmp:
            home = keep or Path(tmp)
            home.mkdir(parents=True, exist_ok=True)
            csv_path = nation.write_csv(home / "portals.csv")
            names = [p.source_name for p in nation.portals]
            how = _import(home, csv_path, names, nation)
            first = _sweep(home, names, parallel, nation)
            expected = {r["url"] for r in nation.expected()}
            found = _found(home)
            first["recall"] = round(len(found & expected) / max(1, len(expected)), 4)
            first["precision"] = round(len(found & expected) / max(1, len(found)), 4)
            published = 0
            for portal in nation.portals[::10]:
                if portal.layout != "none":
                    nation.publish(portal.index, 2025)
                    published += 1
            again = _sweep(home, names, parallel, nation)
            expected = {r["url"] for r in nation.expected()}
            found = _found(home)
            again["recall"] = round(len(found & expected) / max(1, len(expected)), 4)
            again["published"] = published
            catalog = (home / "catalog.db").stat().st_size
            store = _size(home / "objects")
    finally:
        nation.stop()
    return {"portals": portals, "parallel": parallel, "import": how, "reports": len(expected),
            "first": first, "again": again, "catalog_mb": round(catalog / 2**20, 1),
            "store_mb": round(store / 2**20, 1), "load_before": [round(x, 2) for x in load],
            "load_after": [round(x, 2) for x in os.getloadavg()]}


def _markdown(r: dict[str, Any], command: str) -> str:
    f, a = r["first"], r["again"]
    goal = {"first": f["wall"] <= 900, "again": a["wall"] <= 180,
            "rss": max(f["peak_rss_mb"], a["peak_rss_mb"]) <= 1024}
    met = ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in goal.items())
    return "\n".join([
        SECTION,
        "",
        f"{dt.date.today().isoformat()}, `{command}` on {platform.machine()} with {os.cpu_count()} cores shared "
        f"with other sessions (load average before {r['load_before'][0]}, after {r['load_after'][0]}). "
        f"{r['portals']} simulated portals (`govarchive.portal.nation`), each on its own loopback address and "
        f"given by its home page; {r['reports']} reports in all; the crawl one process with "
        f"`crawl.parallel_sources = {r['parallel']}`, 2 requests at a time per portal; sources: {r['import']}.",
        "",
        "| sweep | wall | requests | pages/s | peak RSS | new reports | recall | statuses |",
        "|---|---|---|---|---|---|---|---|",
        f"| first (columns sought from home pages) | {f['wall']} s | {f['requests']} | {f['pages_per_s']} | "
        f"{f['peak_rss_mb']} MB | {f['new']} | {f['recall']} (precision {f['precision']}) | {f['statuses']} |",
        f"| re-sweep ({a['published']} new reports) | {a['wall']} s | {a['requests']} | {a['pages_per_s']} | "
        f"{a['peak_rss_mb']} MB | {a['new']} | {a['recall']} | {a['statuses']} |",
        "",
        f"Catalog {r['catalog_mb']} MB (SQLite), store {r['store_mb']} MB. Goals (first <= 15 min, re-sweep <= 3 min, "
        f"peak RSS <= 1 GB): {met}.",
        "",
    ])


def _write(section: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=3000)
    parser.add_argument("--parallel", type=int, default=256, help="crawl.parallel_sources")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--keep", type=Path, help="crawl into this (new) home and keep it, logs included")
    args = parser.parse_args()
    result = run(args.portals, args.parallel, args.keep)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if not args.no_write:
        command = f"python bench/national.py --portals {args.portals} --parallel {args.parallel}"
        _write(_markdown(result, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
