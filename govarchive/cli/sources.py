"""``govarchive sources list|show|add|remove|enable|disable|import|check``: the portals the archive follows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from archive.outcomes import source_verdict
from govarchive import sources_admin
from govarchive.sources_admin import RENDER_MODES, SourceChangeError, source_values
from spiders.sources import (
    BUILTIN_DIR,
    SourceDefinition,
    SourceError,
    SourceSwitches,
    read_switches,
    switch_sources,
)

from .context import get_settings, load_source_files
from .output import JsonOption, console, counted, emit_json, fail, print_table, usage_error

if TYPE_CHECKING:
    from govarchive.config import Settings

app = typer.Typer(help="Sources: the portal columns the archive follows.", no_args_is_help=True)


def _load(settings: Settings) -> dict[str, tuple[SourceDefinition, Path]]:
    return load_source_files(settings)


def _catalog_rows(settings: Settings) -> dict[str, dict[str, Any]]:
    """Health and last run per source from the catalog, when there is one; else nothing."""
    if not settings.catalog.url and not (settings.home / "catalog.db").is_file():
        return {}
    try:
        from archive import queries

        from .context import open_home_archive

        archive = open_home_archive(settings, create=False)
        return {row["name"]: row for row in queries.list_sources(archive.engine)}
    except Exception:  # noqa: BLE001 — the catalog is optional here: the definitions still list
        return {}


def _switches(settings: Settings) -> SourceSwitches:
    try:
        return read_switches(settings.source_state_file, builtin_default=settings.builtin_sources)
    except SourceError as exc:
        fail(str(exc))


def _row(source: SourceDefinition, path: Path, catalog: dict[str, dict[str, Any]],
         switches: SourceSwitches) -> dict[str, Any]:
    known = catalog.get(source.name, {})
    builtin = path.parent == BUILTIN_DIR
    return {
        "name": source.name,
        "title": source.title,
        "region": source.region,
        "level": source.level,
        "division_code": source.division_code or None,
        "start_urls": list(source.start_urls),
        "render": source.render,
        "schedule": source.schedule,
        "verified": source.verified,
        "builtin": builtin,
        "enabled": switches.is_enabled(source.name, builtin=builtin),
        "file": str(path),
        "last_run_at": known.get("last_run_at"),
        "last_run_status": known.get("last_run_status"),
        # one verdict: never "ok" while the last run failed (alert_state: what source_failing alerts saw)
        "status": source_verdict(known.get("health"), known.get("last_run_status"),
                                 never_run=not known.get("last_run_at")),
        "alert_state": known.get("health"),
        "reports": known.get("reports", 0),
    }


@app.command("list")
def list_sources(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """Every source: name, title, region, level, start URLs, render mode, schedule, last run."""
    settings = get_settings(ctx)
    sources = _load(settings)
    catalog = _catalog_rows(settings)
    switches = _switches(settings)
    rows = [_row(source, path, catalog, switches) for source, path in sources.values()]
    if json_:
        emit_json(rows)
        return
    print_table(
        ["name", "title", "level", "on", "render", "schedule", "status", "start URL"],
        [
            (r["name"], r["title"], r["level"], "yes" if r["enabled"] else "no", r["render"], r["schedule"] or "default",
             r["status"], r["start_urls"][0] + (" …" if len(r["start_urls"]) > 1 else ""))
            for r in rows
        ],
    )


def _one(settings: Settings, name: str) -> tuple[SourceDefinition, Path]:
    sources = _load(settings)
    if name not in sources:
        fail(f"unknown source {name!r} (see `govarchive sources list`)")
    return sources[name]


@app.command("show")
def show(ctx: typer.Context, name: str = typer.Argument(..., help="Source name."), json_: bool = JsonOption) -> None:
    """One source in full, with its last run when the catalog has one."""
    settings = get_settings(ctx)
    source, path = _one(settings, name)
    row = _row(source, path, _catalog_rows(settings), _switches(settings))
    doc = {**source.model_dump(mode="json"), **{k: v for k, v in row.items()
                                                if k not in type(source).model_fields}}
    doc["last_run"] = _last_run(settings, name)
    if json_:
        emit_json(doc)
        return
    for key, value in doc.items():
        if key == "last_run" and value:
            value = f"run {value.get('id')} {value.get('status')} at {value.get('started_at')}"
        if isinstance(value, list):
            value = "\n           ".join(str(v) for v in value) or "-"
        console.print(f"{key:<16} {value if value not in (None, '') else '-'}", markup=False)


def _last_run(settings: Settings, name: str) -> dict[str, Any] | None:
    if not _catalog_rows(settings).get(name):
        return None
    try:
        from archive import queries

        from .context import open_home_archive

        archive = open_home_archive(settings, create=False)
        runs = queries.list_runs(archive.engine, limit=1, source=name)
    except Exception:  # noqa: BLE001 — optional information
        return None
    return runs[0] if runs else None


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Short name: lower-case letters, digits, - _ ."),
    start_url: list[str] = typer.Option(..., "--start-url", help="Column / list page URL (repeatable)."),
    allowed_domain: list[str] = typer.Option([], "--allowed-domain", help="Extra domain to follow (repeatable)."),
    match: str | None = typer.Option(None, "--match", help="Report title regex (default: 法治政府建设…报告)."),
    render: str = typer.Option("auto", "--render", help="never | auto | always: when to use the browser."),
    schedule: str | None = typer.Option(None, "--schedule", help="Cron expression (default: the scheduler's)."),
    title: str = typer.Option("", "--title", help="Portal name, e.g. 象山县人民政府."),
    region: str = typer.Option("", "--region", help="Region, e.g. 浙江省宁波市象山县."),
    level: str = typer.Option("", "--level", help="province | city | county | department."),
    division: str = typer.Option("", "--division", help="Division code (GB/T 2260) or name of the portal's government."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite the user's own file of this name."),
    json_: bool = JsonOption,
) -> None:
    """Add a portal by its column/list URL(s); pagination and report links are found automatically."""
    settings = get_settings(ctx)
    if render not in RENDER_MODES:
        usage_error(f"--render must be never, auto or always, not {render!r}")
    values = source_values(name, start_url, title=title, region=region, level=level, match=match,
                           render=render, schedule=schedule, allowed_domains=allowed_domain)
    if division:
        from archive.divisions import DivisionError, registry

        reg = registry()
        try:
            found = reg.lookup(division)
        except DivisionError as exc:
            fail(f"--division: {exc}")
        values["division_code"] = found.code
        values["region"] = region or reg.full_name(found.code)
    try:
        saved = sources_admin.save(settings, sources_admin.validate(values), replace=replace)
    except SourceChangeError as exc:
        fail(str(exc))
    if json_:
        emit_json({**saved.definition.model_dump(mode="json"), "file": str(saved.path)})
    else:
        note = " (replaces the built-in source of this name)" if saved.replaced_builtin else ""
        console.print(f"added source {name} in {saved.path}{note}", markup=False)


@app.command("remove")
def remove(ctx: typer.Context, name: str = typer.Argument(..., help="Source name."), json_: bool = JsonOption) -> None:
    """Delete your own source's definition file; its archived reports stay (built-ins: use disable)."""
    settings = get_settings(ctx)
    try:
        path = sources_admin.remove(settings, name)
    except SourceChangeError as exc:
        fail(str(exc))
    if json_:
        emit_json({"name": name, "removed": True, "file": str(path)})
    else:
        console.print(f"removed source {name} ({path} deleted; its archived reports stay)", markup=False)


@app.command("check")
def check(ctx: typer.Context, name: str = typer.Argument(..., help="Source name."), json_: bool = JsonOption) -> None:
    """Discovery only: which report pages a crawl would archive; nothing is fetched beyond the lists."""
    settings = get_settings(ctx)
    _one(settings, name)
    from govarchive.launch.runner import check_source

    try:
        result = check_source(settings, name)
    except SourceError as exc:
        fail(str(exc))
    if json_:
        emit_json(result)
        return
    print_table(["title", "url"], [(r["title"], r["url"]) for r in result["reports"]],
                title=f"{name}: {counted(len(result['reports']), 'report page')}")
    state = "complete" if result["listing_complete"] else "INCOMPLETE"
    console.print(f"{counted(result['list_pages'], 'list page')} read, listing {state}, "
                  f"{counted(result['errors'], 'error')}", markup=False)
    if result["errors"] and not result["reports"]:
        fail(f"{name}: discovery failed ({counted(result['errors'], 'error')}); see the log in {settings.home / 'logs'}")


def _switch_command(enabled: bool, doc: str) -> Any:
    def command(
        ctx: typer.Context,
        names: list[str] = typer.Argument(None, help="Source names."),
        builtin: bool = typer.Option(False, "--builtin", help="All the built-in sources."),
        json_: bool = JsonOption,
    ) -> None:
        _switch(ctx, names, builtin=builtin, enabled=enabled, json_=json_)

    command.__doc__ = doc
    return command


app.command("enable")(_switch_command(
    True, "Let `crawl --all` and the scheduler take these sources (built-in ones are off until enabled)."))
app.command("disable")(_switch_command(
    False, "Keep these sources out of `crawl --all` and the scheduler (their archive stays)."))


def _switch(ctx: typer.Context, names: list[str] | None, *, builtin: bool, enabled: bool, json_: bool) -> None:
    settings = get_settings(ctx)
    names = list(names or [])
    if not names and not builtin:
        usage_error("name at least one source, or use --builtin")
    sources = _load(settings)
    unknown = [n for n in names if n not in sources]
    if unknown:
        fail(f"unknown source {unknown[0]!r} (see `govarchive sources list`)")
    if builtin:
        names += [name for name, (_, path) in sources.items() if path.parent == BUILTIN_DIR]
    try:
        switches = switch_sources(settings.source_state_file, names, enabled=enabled)
    except (SourceError, OSError) as exc:
        fail(f"cannot switch sources: {exc}")
    switches = SourceSwitches(switches.enabled, switches.disabled, settings.builtin_sources)
    changed = sorted(set(names))
    if json_:
        emit_json({"enabled" if enabled else "disabled": changed,
                   "enabled_total": sum(1 for n, (_, p) in sources.items()
                                        if switches.is_enabled(n, builtin=p.parent == BUILTIN_DIR))})
        return
    word = "enabled" if enabled else "disabled"
    console.print(f"{word} {len(changed)} source(s): {', '.join(changed[:10])}{' …' if len(changed) > 10 else ''}",
                  markup=False)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV: name,title,division_code,level,start_url[,match,render,schedule,allowed_domains]."),
    json_: bool = JsonOption,
) -> None:
    """Add (or update) many portals from a CSV file; nothing is imported when any line is bad."""
    from archive.divisions import registry
    from govarchive.source_import import ImportError_, apply_import, plan_import, read_source_csv

    settings = get_settings(ctx)
    try:
        definitions = read_source_csv(file, registry())
        plan = plan_import(definitions, _load(settings), settings.sources_dir)
    except ImportError_ as exc:
        fail(str(exc))
    try:
        apply_import(plan, settings.sources_dir)
    except OSError as exc:
        fail(f"cannot write sources in {settings.sources_dir}: {exc.strerror or exc}")
    summary = plan.summary()
    if json_:
        emit_json(summary)
        return
    counts = summary["counts"]
    console.print(f"{file}: {counts['added']} added, {counts['updated']} updated, {counts['unchanged']} unchanged",
                  markup=False)
