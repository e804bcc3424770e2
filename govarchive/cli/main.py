"""The ``govarchive`` command: global options, the command groups, the exit-code contract."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from typer import _click  # typer 0.29 vendors click: its parameters are handed typer's own Context
from typer.core import TyperArgument, TyperOption, _TyperParameter

from archive.errors import ArchiveError
from govarchive import __version__
from govarchive.config import ConfigError

from .output import CommandError, err_console, prepare_streams


def _shown_type(self: _TyperParameter, ctx: _click.Context) -> str | None:
    # typer 0.29 shows "<bool>" after plain flags (--all <bool>), as if they took a value,
    # and "<list[str]>" after repeatable ones: "<str> …" says what to type.
    if getattr(self, "is_flag", False):
        return None
    shown = _typer_display_types[type(self)](self, ctx)
    match = re.fullmatch(r"<list\[(\w+)\]>", shown or "")
    if match is None:
        return shown
    return f"<{match.group(1)}>" + (" …" if isinstance(self, TyperOption) else "")  # arguments say "NAME..."


_typer_display_types: dict[type, Callable[[Any, _click.Context], str | None]] = {
    kind: kind.display_type_rich for kind in (TyperOption, TyperArgument)
}
# replacing a method is the point here; mypy flags every assignment to one
TyperOption.display_type_rich = _shown_type  # type: ignore[method-assign]
TyperArgument.display_type_rich = _shown_type  # type: ignore[method-assign]

app = typer.Typer(
    name="govarchive",
    help="Crawl, archive and watch published government reports (法治政府建设年度报告).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"govarchive {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Path | None = typer.Option(
        None, "--home", envvar="GOVARCHIVE_HOME", help="Data home (default ./govarchive-data)."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Crawl, archive and watch published government reports."""
    ctx.obj = {"home": home}


# Command groups and single commands, each in its own module: (module, attribute, name, kind).
_COMMANDS: list[tuple[str, str, str, str]] = [
    ("govarchive.cli.home", "init", "init", "command"),
    ("govarchive.cli.home", "config_app", "config", "group"),
    ("govarchive.cli.sources", "app", "sources", "group"),
    ("govarchive.cli.divisions", "app", "divisions", "group"),
    ("govarchive.cli.coverage", "coverage", "coverage", "command"),
    ("govarchive.cli.crawl", "crawl", "crawl", "command"),
    ("govarchive.cli.reports", "app", "reports", "group"),
    ("govarchive.cli.diff", "diff", "diff", "command"),
    ("govarchive.cli.extract", "extract", "extract", "command"),
    ("govarchive.cli.verify", "verify", "verify", "command"),
    ("govarchive.cli.alerts", "app", "alerts", "group"),
    ("govarchive.cli.feed", "feed", "feed", "command"),
    ("govarchive.cli.schedule", "app", "schedule", "group"),
    ("govarchive.cli.bundle", "app", "bundle", "group"),
    ("govarchive.cli.serve", "serve", "serve", "command"),
    ("govarchive.cli.users", "app", "users", "group"),
    ("govarchive.cli.worker", "worker", "worker", "command"),
    ("govarchive.cli.demo", "demo", "demo", "command"),
]


_registered: list[str] = []  # command names added to ``app`` so far, in ``_COMMANDS`` order


def _register(wanted: str | None = None) -> None:
    """Add the command ``wanted`` to ``app`` (importing its module only), or every command.

    Each command module imports what it runs (the web app, the scheduler, bundles…): a crawl child
    should not pay seconds of CPU importing all of them before it starts.
    """
    names = [name for _, _, name, _ in _COMMANDS]
    if wanted is None or wanted not in names:
        if _registered == names:  # all of them, in the order of the help
            return
        app.registered_commands.clear()
        app.registered_groups.clear()
        _registered.clear()
    elif wanted in _registered:
        return
    for module_name, attribute, name, kind in _COMMANDS:
        if wanted in names and name != wanted:
            continue
        target = getattr(importlib.import_module(module_name), attribute)
        if kind == "group":
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
        _registered.append(name)


def _command_named(argv: list[str]) -> str | None:
    """The command word of ``argv`` (after the global options), or None (help, version, nothing)."""
    args = iter(argv)
    for arg in args:
        if arg == "--home":
            next(args, None)
        elif not arg.startswith("-"):
            return arg
        elif not arg.startswith("--home="):
            return None  # --help, --version or a mistake: typer needs every command to answer
    return None


def main(argv: list[str] | None = None) -> None:
    """Run the command line; exit 0 on success, 1 on an explained failure, 2 on bad usage."""
    prepare_streams()
    _register(_command_named(sys.argv[1:] if argv is None else argv))
    try:
        # Standalone mode lets typer turn usage errors into exit 2 with its own message.
        app(args=argv, prog_name="govarchive")
    except CommandError as exc:
        err_console.print(f"error: {exc.message}", markup=False)
        sys.exit(exc.code)
    except (ConfigError, ArchiveError) as exc:
        err_console.print(f"error: {exc}", markup=False)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(1)


if __name__ == "__main__":
    main()
