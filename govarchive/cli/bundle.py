"""``govarchive bundle create|verify|list``: BagIt snapshot bundles and WACZ web archives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from archive.bundles import (
    INCLUDE_CHOICES,
    BundleFormatError,
    BundleSelection,
    bundle_formats,
    create_bundle,
    get_format,
    list_bundles,
    verify_bundle,
)
from archive.sizes import human_size
from archive.timeutil import as_utc

from .context import archive_errors, get_settings, open_for_command
from .output import JsonOption, console, counted, emit_json, err_console, fail, print_table, usage_error

app = typer.Typer(
    help="Snapshot bundles: a verifiable BagIt package (zip/tar) or a WACZ of the archive as of a date.",
    no_args_is_help=True,
)


# the formats registered when the CLI loads (archive.bundles.formats); --format is checked against the registry
_FORMATS_HELP = "; ".join(f"{name}: {get_format(name).summary}" for name in bundle_formats()) + "."


def parse_when(value: str | None, option: str) -> dt.date | dt.datetime | None:
    """``YYYY-MM-DD`` (a whole UTC day) or an ISO 8601 instant (naive means UTC)."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        usage_error(f"{option}: {value!r} is not a date (YYYY-MM-DD) or an ISO 8601 time")
    return as_utc(moment)


def _include(value: str) -> frozenset[str]:
    names = {part.strip().lower() for part in value.split(",") if part.strip()}
    unknown = sorted(names - set(INCLUDE_CHOICES))
    if unknown:
        usage_error(f"--include: unknown {', '.join(unknown)} (choose from {','.join(INCLUDE_CHOICES)})")
    return frozenset(names | {"text"})


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("bundling"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("versions"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        yield progress


@app.command("create")
def create(
    ctx: typer.Context,
    output: Path | None = typer.Option(
        None, "-o", "--output", metavar="PATH", help="Bundle file to write (its folder must exist).", dir_okay=False
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", metavar="DATE", help="YYYY-MM-DD (end of that UTC day) or an ISO time; default: the latest version."
    ),
    since: str | None = typer.Option(None, "--since", metavar="DATE", help="Delta: only versions after the snapshot as of DATE."),
    since_bundle: int | None = typer.Option(
        None, "--since-bundle", metavar="ID", help="Delta: only versions after bundle ID (and its filters, unless given)."
    ),
    sources: list[str] = typer.Option([], "--source", metavar="NAME", help="Only this source (repeatable)."),
    region: str | None = typer.Option(None, "--region", metavar="TEXT", help="Only sources whose region starts with this."),
    year: int | None = typer.Option(None, "--year", metavar="N", help="Only reports about this year."),
    include: str = typer.Option("text", "--include", metavar="LIST", help=f"Comma-separated: {','.join(INCLUDE_CHOICES)}."),
    fmt: str = typer.Option("zip", "--format", metavar="FORMAT", help=_FORMATS_HELP),
    store: bool = typer.Option(False, "--store", help="Also keep the bundle in the object store."),
    allow_empty: bool = typer.Option(False, "--allow-empty", help="Write an empty bag when nothing matches."),
    json_: bool = JsonOption,
) -> None:
    """Write a bundle of the archive as of a date (or of what changed since a date or bundle)."""
    if since is not None and since_bundle is not None:
        usage_error("give --since or --since-bundle, not both")
    if fmt not in bundle_formats():
        usage_error(f"--format: {fmt!r} is not one of {', '.join(bundle_formats())}")
    if output is None and not store:
        usage_error("give -o PATH (or --store to keep the bundle in the object store)")
    selection = BundleSelection(
        as_of=parse_when(as_of, "--as-of"),
        since=parse_when(since, "--since"),
        since_bundle=since_bundle,
        sources=tuple(sources),
        region=region,
        year=year,
        include=_include(include),
        allow_empty=allow_empty,
    )
    archive = open_for_command(ctx)
    settings = get_settings(ctx)
    with archive_errors(), _progress(not json_ and err_console.is_terminal) as bar:
        task = bar.add_task("bundle", total=None) if bar is not None else None

        def advance(done: int, total: int) -> None:
            if bar is not None and task is not None:
                bar.update(task, completed=done, total=total)

        tmp_dir = settings.home / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        result = create_bundle(
            archive.engine, archive.store, selection, output, fmt,
            store_copy=store, progress=advance, tmp_dir=tmp_dir,
        )
    if json_:
        emit_json(result.to_json())
        return
    where = str(result.path) if result.path else f"object {result.key}"
    base = f"bundle {result.base_bundle_id}" if result.base_bundle_id else (selection.since and str(since))
    window = f" since {base}" if result.kind == "delta" else ""
    counts = f"reports: {result.report_count}, versions: {result.version_count}"
    if result.attachment_count:  # only a bag that carries attachment files reports them
        counts += f", attachments: {result.attachment_count}"
    if result.kind == "delta":
        counts += f", removed: {result.removed_count}"
    lines = [
        f"bundle {result.bundle_id}: {result.kind}{window} as of {result.as_of_label} → {where}",
        f"{result.format}, {human_size(result.size)}, {counted(result.file_count, 'file')}; {counts}",
        f"sha256 {result.sha256}",
    ]
    if result.key and result.path:
        lines.append(f"stored as object {result.key}")
    console.print("\n".join(lines), markup=False)


@app.command("verify")
def verify(
    path: Path = typer.Argument(..., help="A bundle: zip, tar or folder (BagIt), or a .wacz."),
    json_: bool = JsonOption,
) -> None:
    """Check every checksum of a bundle; name each bad, missing or extra file; exit 1 if any."""
    try:
        result = verify_bundle(path)
    except BundleFormatError as exc:
        fail(str(exc))
    if json_:
        emit_json(result.to_json())
    else:
        for problem in result.problems:
            console.print(f"{problem.kind:8} {problem.path}: {problem.detail}", markup=False)
        if result.ok:
            console.print(result.summary(), markup=False)
    if not result.ok:
        fail(result.summary())


@app.command("list")
def list_(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """The bundles created so far (id, kind, as-of, size, where)."""
    archive = open_for_command(ctx)
    with archive_errors():
        records = list_bundles(archive.engine)
    if json_:
        emit_json([record.to_json() for record in records])
        return
    if not records:
        console.print("no bundles")
        return
    print_table(
        ["id", "kind", "as of", "since", "versions", "size", "where"],
        (
            [
                r.id,
                r.kind,
                r.as_of.date().isoformat() if r.as_of else "",
                f"bundle {r.base_bundle_id}" if r.base_bundle_id else (r.since.date().isoformat() if r.since else ""),
                r.version_count,
                human_size(r.size),
                Path(r.path).name if r.path else (f"object {r.key[:8]}…" if r.key else ""),
            ]
            for r in records
        ),
    )
