"""``govarchive init`` and ``govarchive config show``."""

from __future__ import annotations

import typer

from govarchive.config import DEFAULT_CONFIG_TOML, ConfigError, ensure_home_writable

from .context import get_settings, open_home_archive
from .output import JsonOption, console, emit_json, fail

config_app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)


def init(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """Create the home: govarchive.toml, the catalog and the object store."""
    settings = get_settings(ctx)
    try:
        ensure_home_writable(settings)
    except ConfigError as exc:
        fail(str(exc))
    created_config = False
    if not settings.config_file.exists():
        settings.config_file.write_text(DEFAULT_CONFIG_TOML, encoding="utf-8")
        created_config = True
    settings.sources_dir.mkdir(parents=True, exist_ok=True)
    open_home_archive(settings)
    result = {
        "home": str(settings.home.resolve()),
        "config": str(settings.config_file.resolve()),
        "config_created": created_config,
        "catalog": settings.masked()["catalog"]["effective_url"],
        "store": settings.masked()["store"]["effective_url"],
    }
    if json_:
        emit_json(result)
        return
    console.print(f"home     {result['home']}")
    console.print(f"config   {result['config']}{'' if created_config else ' (kept)'}")
    console.print(f"catalog  {result['catalog']}")
    console.print(f"store    {result['store']}")


@config_app.command("show")
def show(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """Print the effective settings, secrets masked."""
    settings = get_settings(ctx)
    data = settings.masked()
    if json_:
        emit_json(data)
        return
    for section, values in data.items():
        if isinstance(values, dict):
            for key, value in values.items():
                console.print(f"{section}.{key} = {value!r}", markup=False)
        else:
            console.print(f"{section} = {values!r}", markup=False)
