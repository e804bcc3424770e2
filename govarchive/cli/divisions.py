"""``govarchive divisions list|show``: the administrative divisions the coverage is measured on."""

from __future__ import annotations

from typing import Any

import typer

from archive.divisions import LEVELS, Division, DivisionError, Registry, registry

from .output import JsonOption, console, emit_json, fail, print_table, usage_error

app = typer.Typer(help="Administrative divisions (GB/T 2260 codes): provinces, cities, counties.",
                  no_args_is_help=True)


def division_doc(reg: Registry, division: Division) -> dict[str, Any]:
    """The JSON shape of one division."""
    province = reg.get(division.province)
    return {
        "code": division.code,
        "name": division.name,
        "full_name": reg.full_name(division.code),
        "level": division.level,
        "parent": division.parent,
        "province": province.name if province else None,
        "longitude": division.longitude,
        "latitude": division.latitude,
    }


def province_scope(reg: Registry, province: str | None) -> Division | None:
    """The province named by ``--province`` (code or name), or None; a clear error otherwise."""
    if not province:
        return None
    try:
        return reg.lookup(province, level="province")
    except DivisionError as exc:
        fail(f"--province: {exc}")


def check_level(level: str | None) -> None:
    if level and level not in LEVELS:
        usage_error(f"--level must be one of {', '.join(LEVELS)}, not {level!r}")


@app.command("list")
def list_divisions(
    province: str | None = typer.Option(None, "--province", help="Only this province (name or code)."),
    level: str | None = typer.Option(None, "--level", help="province | city | county."),
    json_: bool = JsonOption,
) -> None:
    """Every division (or those of one province / level): code, name, level, parent."""
    check_level(level)
    reg = registry()
    scope = province_scope(reg, province)
    rows = [division_doc(reg, d) for d in reg
            if (scope is None or d.province == scope.code) and (not level or d.level == level)]
    if json_:
        emit_json(rows)
        return
    print_table(["code", "name", "level", "parent", "province"],
                [(r["code"], r["name"], r["level"], r["parent"] or "", r["province"]) for r in rows],
                title=f"{len(rows)} divisions (data as of {reg.vintage})")


@app.command("show")
def show(
    query: str = typer.Argument(..., help="A code (620621) or a name (民勤县, 甘肃省民勤县, 民勤)."),
    province: str | None = typer.Option(None, "--province", help="Settles a name several divisions share."),
    json_: bool = JsonOption,
) -> None:
    """One division with its parents and the divisions directly under it."""
    reg = registry()
    scope = province_scope(reg, province)
    try:
        division = reg.lookup(query, province=scope.code if scope else None)
    except DivisionError as exc:
        fail(str(exc))
    doc = division_doc(reg, division)
    doc["ancestors"] = [{"code": a.code, "name": a.name, "level": a.level} for a in reg.ancestors(division.code)]
    doc["children"] = [{"code": c.code, "name": c.name, "level": c.level} for c in reg.children(division.code)]
    if json_:
        emit_json(doc)
        return
    for key in ("code", "name", "full_name", "level", "parent", "province", "longitude", "latitude"):
        value = doc[key]
        console.print(f"{key:<10} {value if value not in (None, '') else '-'}", markup=False)
    if doc["children"]:
        names = "、".join(f"{c['name']}({c['code']})" for c in doc["children"])
        console.print(f"{'children':<10} {names}", markup=False)
