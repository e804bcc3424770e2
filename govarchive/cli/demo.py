"""``govarchive demo``: start the simulated portal, crawl it into the home, print a summary."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import typer

from govarchive.config import DEFAULT_HOME, ConfigError
from govarchive.demo import DEFAULT_PORT, DemoError, run_demo, start_portal

from .context import get_settings
from .output import JsonOption, console, emit_json, fail, print_table


def _command_prefix(home: Path) -> str:
    """How the user can call govarchive again from here: on PATH, or by the path they used."""
    program = "govarchive"
    if shutil.which(program) is None:
        invoked = Path(sys.argv[0])
        if invoked.name == program and invoked.exists():
            program = os.path.relpath(invoked) if not invoked.is_absolute() else str(invoked)
        else:
            program = f"{sys.executable} -m govarchive"
    if home != DEFAULT_HOME:
        program += f" --home {home}"
    return program


def demo(
    ctx: typer.Context,
    port: int = typer.Option(DEFAULT_PORT, "--port", min=1, max=65535, help="Port of the simulated portal."),
    serve: bool = typer.Option(False, "--serve", help="Then keep the portal up and start the web app."),
    json_: bool = JsonOption,
) -> None:
    """Start the simulated portal, crawl it into the home, print a summary."""
    settings = get_settings(ctx)
    try:
        server = start_portal(port)
    except DemoError as exc:
        fail(str(exc))
    try:
        if not json_:
            console.print(f"simulated government portal at {server.url}")
        try:
            result = run_demo(settings, server, progress=not json_)
        except (DemoError, ConfigError) as exc:
            fail(str(exc))
        if json_:
            emit_json({"portal_url": result.portal_url, **result.crawl})
        else:
            rows = [
                (s["name"], s["discovered"], s["new"], s["changed"], s.get("unchanged", 0), s["errors"])
                for s in result.crawl["sources"]
            ]
            print_table(["source", "discovered", "new", "changed", "unchanged", "errors"], rows,
                        title=f"crawl run {result.crawl['run_id']}")
            command = _command_prefix(settings.home)
            console.print(
                "\nLook further:\n"
                f"  {command} reports list\n"
                f"  {command} reports show ID --text\n"
                f"  {command} serve      (web app at http://{settings.web.host}:{settings.web.port})"
            )
        if serve:
            from .serve import serve as serve_command

            ctx.invoke(serve_command, ctx=ctx, host=settings.web.host, port=settings.web.port)
    finally:
        server.stop()
