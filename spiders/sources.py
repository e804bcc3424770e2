"""Source definitions: which portal columns to follow, read from TOML.

A source is a few lines of TOML, either one file per source (top-level keys) or a file holding
``[[source]]`` tables. Shipped sources live in ``spiders/builtin/``; the user's own in the home's
``sources/`` folder and any extra ``sources_dirs``. A user source replaces a built-in one of the
same name. A malformed file is rejected with one line naming the file, the line and the key.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

BUILTIN_DIR = Path(__file__).with_name("builtin")

# Titles of 法治政府建设年度报告 and their usual variants: "…年度法治政府建设情况的报告",
# "…法治政府建设工作报告", "…法治政府工作报告", "…法治建设工作情况报告", "…依法行政工作报告".
DEFAULT_MATCH = (
    r"法治政府.{0,40}?报告"
    r"|法治建设.{0,20}?(年度|情况|工作)的?报告"
    r"|依法行政.{0,20}?(年度|情况|工作)的?报告"
)
# Pages that share those columns and words but are not the report itself.
DEFAULT_EXCLUDE = (
    r"政府信息公开|信息公开工作"
    r"|解读|图解|图说|一图|问答|答记者问"
    r"|(报送|做好|开展|组织|填报|编制|提交|征集|督促).{0,40}(通知|函)"
    r"|(方案|要点|计划|规划|办法|意见|细则)》?的?通知"
    r"|征求意见|述法|新闻发布|发布会|培训|会议"
)

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
RenderMode = Literal["never", "auto", "always"]
SearchMode = Literal["never", "auto", "always"]  # the portal's site search: auto = when the column shows nothing
Level = Literal["", "province", "city", "county", "department"]


class SourceError(ValueError):
    """A source file or definition that cannot be used; the message is one line."""


class Politeness(BaseModel):
    """A per-source departure from the crawl-wide politeness, always with its reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    concurrency: int | None = Field(None, ge=1, le=16, description="concurrent requests to the portal")
    delay: float | None = Field(None, ge=0, le=600, description="seconds between requests")
    reason: str = Field(min_length=1, description="why this portal needs it")

    @model_validator(mode="after")
    def _something_set(self) -> Politeness:
        if self.concurrency is None and self.delay is None:
            raise ValueError("set concurrency or delay (or drop the politeness table)")
        return self


def validation_problem(exc: ValidationError, default_field: str = "") -> tuple[str, str, str]:
    """The first problem of a source's validation error: (field, message, pydantic error type)."""
    first = exc.errors()[0]
    field = next((str(p) for p in first["loc"] if isinstance(p, str)), default_field)
    return field, str(first["msg"]).removeprefix("Value error, "), str(first["type"])


class SourceDefinition(BaseModel):
    """One portal (or one column of it) that the archive follows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str = ""
    region: str = ""
    level: Level = ""
    division_code: str = ""  # GB/T 2260 code of the division whose government runs the portal
    start_urls: list[str] = Field(min_length=1)
    allowed_domains: list[str] = Field(default_factory=list)
    match: str = DEFAULT_MATCH
    exclude: str = DEFAULT_EXCLUDE
    render: RenderMode = "auto"
    search: SearchMode = "auto"
    schedule: str | None = None
    politeness: Politeness | None = None
    verified: bool = False
    note: str = ""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not SOURCE_NAME.match(value):
            raise ValueError(f"{value!r} is not a source name (lower-case letters, digits, - _ .)")
        return value

    @field_validator("division_code")
    @classmethod
    def _valid_division(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"\d{6}", value):
            raise ValueError(f"{value!r} is not a six-digit division code (GB/T 2260)")
        return value

    @field_validator("start_urls")
    @classmethod
    def _valid_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an http(s) URL")
        return value

    @field_validator("allowed_domains")
    @classmethod
    def _valid_domains(cls, value: list[str]) -> list[str]:
        for domain in value:
            if not domain or "/" in domain or " " in domain:
                raise ValueError(f"{domain!r} is not a domain name")
        return [d.lower() for d in value]

    @field_validator("match", "exclude")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @field_validator("schedule")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if not value:
            return None
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a cron expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _default_domains(self) -> SourceDefinition:
        if not self.allowed_domains:
            hosts = sorted({urlsplit(u).hostname or "" for u in self.start_urls} - {""})
            object.__setattr__(self, "allowed_domains", hosts)
        return self

    # What discovery needs ---------------------------------------------------------
    def title_matches(self, title: str) -> bool:
        """Whether ``title`` names a report of this source (match and not exclude)."""
        title = re.sub(r"\s+", "", title or "")
        if not title or not re.search(self.match, title):
            return False
        return not (self.exclude and re.search(self.exclude, title))

    def to_toml_dict(self) -> dict[str, Any]:
        """The definition as TOML-ready data, defaults left out."""
        data = self.model_dump(exclude_defaults=True, exclude_none=True)
        data["name"] = self.name
        data["start_urls"] = list(self.start_urls)
        hosts = sorted({urlsplit(u).hostname or "" for u in self.start_urls} - {""})
        if list(self.allowed_domains) == hosts:
            data.pop("allowed_domains", None)
        return data


# Loading ------------------------------------------------------------------------------
def _key_lines(text: str) -> list[tuple[int, int, str, str]]:
    """(line number, [[source]] index, table path, key) for every key assignment of a TOML text."""
    out: list[tuple[int, int, str, str]] = []
    block, table = -1, ""
    header = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
    assign = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")
    for number, line in enumerate(text.splitlines(), start=1):
        if m := header.match(line):
            table = m.group(2).strip()
            if m.group(1) == "[[" and table == "source":
                block += 1
            out.append((number, block, table, ""))
        elif m := assign.match(line):
            out.append((number, block, table, m.group(1).strip("\"'")))
    return out


def _line_of(text: str, block: int | None, loc: Sequence[str | int]) -> int:
    """Best line for a validation error at ``loc`` within [[source]] number ``block``."""
    keys = [part for part in loc if isinstance(part, str)]
    parent = "source" if block is not None else ""
    want = block if block is not None else -1
    entries = [e for e in _key_lines(text) if e[1] == want]
    header = next((n for n, _, table, k in entries if not k and table == parent), 1)
    if not keys:
        return header
    nested = f"{parent}.{keys[0]}" if parent else keys[0]
    if len(keys) > 1:
        for number, _, table, k in entries:
            if table == nested and k == keys[1]:
                return number
        for number, _, table, k in entries:
            if table == nested and not k:
                return number
    for number, _, table, k in entries:
        if table == parent and k == keys[0]:
            return number
    return header


def _format_validation(path: Path, text: str, block: int | None, exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = [part for part in first["loc"] if part not in ("__root__",)]
    key = ".".join(str(p) for p in loc if isinstance(p, str)) or "(source)"
    message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
    if first["type"] == "missing":
        message = "required key missing"
    message = message.removeprefix("Value error, ")
    line = _line_of(text, block, loc)
    return f"{path}:{line}: {key}: {message}"


def parse_source_file(path: Path) -> list[SourceDefinition]:
    """Read one TOML file of one or several sources; SourceError names file, line and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{m.group(1)}" if m else "1"
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "invalid TOML"
        raise SourceError(f"{path}:{where}: {reason}") from None
    tables: list[tuple[int | None, Mapping[str, Any]]]
    if "source" in data and isinstance(data["source"], list):
        extra = sorted(set(data) - {"source"})
        if extra:
            line = _line_of(text, None, [extra[0]])
            raise SourceError(f"{path}:{line}: {extra[0]}: unknown key (keys belong inside [[source]] tables)")
        tables = list(enumerate(data["source"]))
    else:
        values = dict(data)
        values.setdefault("name", path.stem)
        tables = [(None, values)]
    out = []
    for block, table in tables:
        try:
            out.append(SourceDefinition.model_validate(table))
        except ValidationError as exc:
            raise SourceError(_format_validation(path, text, block, exc)) from None
    return out


@functools.lru_cache(maxsize=20_000)
def _parse_unchanged(path: str, mtime_ns: int, size: int) -> tuple[SourceDefinition, ...]:
    """A file's definitions, parsed once while it stays the same (thousands of sources per page view)."""
    return tuple(parse_source_file(Path(path)))


def _layer(folder: Path, problems: list[str] | None) -> dict[str, tuple[SourceDefinition, Path]]:
    found: dict[str, tuple[SourceDefinition, Path]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.toml")):
        try:
            try:
                stat = path.stat()
            except OSError as exc:
                raise SourceError(f"{path}: cannot read: {exc}") from None
            sources = _parse_unchanged(str(path), stat.st_mtime_ns, stat.st_size)
            for source in sources:
                if source.name in found:
                    other = found[source.name][1]
                    raise SourceError(f"{path}: name: source {source.name!r} is also defined in {other}")
        except SourceError as exc:
            if problems is None:
                raise
            problems.append(str(exc))  # one bad file costs its own sources only
            continue
        for source in sources:
            found[source.name] = (source, path)
    return found


def load_sources(dirs: Iterable[Path] = (), *, builtin: bool = True,
                 problems: list[str] | None = None) -> dict[str, SourceDefinition]:
    """All sources by name: built-in ones, then each folder of ``dirs`` overriding by name."""
    found = load_sources_with_paths(dirs, builtin=builtin, problems=problems)
    return {name: source for name, (source, _) in found.items()}


def load_sources_with_paths(
    dirs: Iterable[Path] = (), *, builtin: bool = True, problems: list[str] | None = None
) -> dict[str, tuple[SourceDefinition, Path]]:
    """Like :func:`load_sources`, with the file each definition came from.

    Without ``problems`` the first unusable file raises SourceError; with a list, each unusable
    file is skipped and its one-line reason (``file:line: reason``) appended to it.
    """
    merged: dict[str, tuple[SourceDefinition, Path]] = {}
    layers = ([BUILTIN_DIR] if builtin else []) + [Path(d) for d in dirs]
    for folder in layers:
        merged.update(_layer(folder, problems))
    return dict(sorted(merged.items()))


# Which sources run unasked ------------------------------------------------------------

@dataclass(frozen=True)
class SourceSwitches:
    """Which sources ``crawl --all`` and the scheduler take: the user's own unless disabled,
    built-in ones only when enabled (one by one, or all through the ``builtin_sources`` setting)."""

    enabled: frozenset[str] = frozenset()
    disabled: frozenset[str] = frozenset()
    builtin_default: bool = False

    def is_enabled(self, name: str, *, builtin: bool) -> bool:
        if name in self.disabled:
            return False
        return name in self.enabled or not builtin or self.builtin_default


def read_switches(path: Path, *, builtin_default: bool = False) -> SourceSwitches:
    """The switches kept in ``path`` (``enabled = [...]``, ``disabled = [...]``); none when absent."""
    if not path.is_file():
        return SourceSwitches(builtin_default=builtin_default)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    lists = {key: data.get(key, []) for key in ("enabled", "disabled")}
    for key, names in lists.items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SourceError(f"{path}: {key}: a list of source names")
    return SourceSwitches(frozenset(lists["enabled"]), frozenset(lists["disabled"]), builtin_default)


def switch_sources(path: Path, names: Iterable[str], *, enabled: bool) -> SourceSwitches:
    """Enable (or disable) ``names``, kept in ``path``; return the new switches."""
    import tomli_w

    current = read_switches(path)
    names = set(names)
    on = (current.enabled | names) if enabled else (current.enabled - names)
    off = (current.disabled - names) if enabled else (current.disabled | names)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps({"enabled": sorted(on), "disabled": sorted(off)}), encoding="utf-8")
    tmp.replace(path)
    return SourceSwitches(frozenset(on), frozenset(off), current.builtin_default)


def enabled_sources(
    loaded: Mapping[str, tuple[SourceDefinition, Path]], switches: SourceSwitches
) -> dict[str, SourceDefinition]:
    """The definitions of ``loaded`` (from :func:`load_sources_with_paths`) that are switched on."""
    return {name: source for name, (source, path) in loaded.items()
            if switches.is_enabled(name, builtin=path.parent == BUILTIN_DIR)}


def load_enabled_sources(
    dirs: Iterable[Path], state_file: Path, *, builtin_default: bool = False, problems: list[str] | None = None
) -> dict[str, SourceDefinition]:
    """The sources that run unasked (``crawl --all``, the scheduler); see load_sources_with_paths for ``problems``."""
    loaded = load_sources_with_paths(dirs, problems=problems)
    return enabled_sources(loaded, read_switches(state_file, builtin_default=builtin_default))


def source_dirs(sources_dir: Path, sources_dirs: Iterable[Path]) -> list[Path]:
    """The user's folders in override order: the home's ``sources/`` first, extra folders after."""
    return [Path(sources_dir), *(Path(d) for d in sources_dirs)]


def get_source(name: str, dirs: Iterable[Path] = ()) -> SourceDefinition:
    """One source by name; SourceError when unknown."""
    problems: list[str] = []
    sources = load_sources(dirs, problems=problems)
    if name not in sources:
        bad = [p for p in problems if Path(p.split(":", 1)[0]).stem == name]
        if bad:
            raise SourceError(bad[0])
        raise SourceError(f"unknown source {name!r} (see `govarchive sources list`)")
    return sources[name]


def write_source_file(source: SourceDefinition, folder: Path) -> Path:
    """Write ``source`` as ``<folder>/<name>.toml``; return the path."""
    import tomli_w

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source.name}.toml"
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(source.to_toml_dict()), encoding="utf-8")
    tmp.replace(path)
    return path


_LEVELS = {"province": "province", "prefecture": "city", "city": "city", "county": "county",
           "district": "county", "central": "department", "department": "department"}


def portal_sources(world: Any) -> list[SourceDefinition]:
    """Sources for a simulated portal world (``govarchive.portal``): one per portal family.

    Named ``demo-<family>``, starting at the family's report column on the world's own port.
    """
    out = []
    for family in world.families:
        host = urlsplit(family.list_url).hostname or "127.0.0.1"
        out.append(
            SourceDefinition(
                name=f"demo-{family.name}",
                title=family.title,
                region=family.region,
                level=_LEVELS.get(family.level, ""),
                start_urls=[family.list_url],
                allowed_domains=[host],
                render="auto",
                verified=True,
                note=f"simulated {family.template} portal (govarchive.portal), generated for its port",
            )
        )
    return out
