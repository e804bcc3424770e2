"""``govarchive users add|list|remove``: who may log in to the web app.

The first-run path: ``govarchive users add NAME --admin`` (asks for the password, or reads it
from stdin with ``--password-stdin``), then ``govarchive serve`` and log in.
"""

from __future__ import annotations

import sys

import typer

from govarchive.web.users import UserError, add_user, list_users, remove_user

from .context import archive_errors, get_settings, open_for_command
from .output import JsonOption, console, emit_json, fail, print_table

app = typer.Typer(help="Web app accounts (administrators may change sources, alerts, bundles).",
                  no_args_is_help=True)


def _configured(ctx: typer.Context) -> dict[str, str]:
    return {name: pw.get_secret_value() for name, pw in get_settings(ctx).web.users.items()}


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Login name: letters, digits, _ . @ -"),
    admin: bool = typer.Option(False, "--admin", help="May change state (without: may only read)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    json_: bool = JsonOption,
) -> None:
    """Add a web user; the password is stored hashed (PBKDF2-SHA256) in the catalog."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        fail("no terminal to ask for the password: use --password-stdin")
    archive = open_for_command(ctx)
    with archive_errors():
        try:
            account = add_user(archive.engine, _configured(ctx), name, password, admin=admin)
        except UserError as exc:
            fail(str(exc))
    if json_:
        emit_json({"name": account.name, "admin": account.admin})
        return
    role = "administrator" if account.admin else "reader"
    console.print(f"user {account.name} added ({role}); log in at /login of `govarchive serve`", markup=False)


@app.command("list")
def list_(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """Every web user: from the catalog and from the web.users setting."""
    archive = open_for_command(ctx)
    with archive_errors():
        accounts = list_users(archive.engine, _configured(ctx))
    rows = [{"name": a.name, "admin": a.admin, "origin": a.origin} for a in accounts]
    if json_:
        emit_json(rows)
        return
    if not rows:
        console.print("no users (add one: govarchive users add NAME --admin)", markup=False)
        return
    print_table(["name", "role", "defined in"],
                [(r["name"], "administrator" if r["admin"] else "reader",
                  "web.users setting" if r["origin"] == "settings" else "catalog") for r in rows])


@app.command("remove")
def remove(ctx: typer.Context, name: str = typer.Argument(..., help="Login name."), json_: bool = JsonOption) -> None:
    """Remove a user added with `users add` (those in web.users are removed from the settings)."""
    archive = open_for_command(ctx)
    if name in _configured(ctx):
        fail(f"user {name!r} is defined in the web.users setting: remove it there")
    with archive_errors():
        removed = remove_user(archive.engine, name)
    if not removed:
        fail(f"no user {name!r}")
    if json_:
        emit_json({"name": name, "removed": True})
    else:
        console.print(f"user {name} removed", markup=False)
