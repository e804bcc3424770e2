"""Which government a report belongs to: its division and whether the government itself or one
of its departments published it.

Evidence, strongest first: the publisher (发布机构 / ContentSource / the signature) and the title's
prefix (``XX县2023年法治政府建设年度报告``, ``XX县司法局关于…``) matched against the registry, then
the page's ``SiteIDCode`` (its first six digits are the division of the portal), then the source's
own division code (or its region / title read as a division name). A name several divisions share
is settled by the division the site or the source is in. The publisher kind comes from the words
after the division's name: ``人民政府`` (with ``办公室/办公厅``) is the government, ``…局``,
``…委员会`` and the like are departments; when nothing names a department, a report found for a
division is its government's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.divisions import CODE, Division, Registry

GOVERNMENT = "government"
DEPARTMENT = "department"
TOWNSHIP = "township"  # a 乡/镇/街道 below the division: neither its government nor a department

_LEAD = re.compile(r"^(?:中共|关于|[（(【\[][^）)】\]]{0,12}[）)】\]])+")
_GOVERNMENT = re.compile(r"^(?:人民政府|政府)(?P<office>办公室|办公厅)?")
# a department's name: up to 16 characters ending in the word that makes it a body
_NAME_END = r"(?=关于|$|\d|[（(]|[\u4e00-\u9fff]{0,4}(?:年|法治|依法|工作|报告))"
_DEPARTMENT = re.compile(
    r"^(?P<name>(?:(?!关于)[\u4e00-\u9fff—·－-]){1,16}?(?:管理局|监督局|委员会|办公室|办公厅|事务局|服务局|服务中心"
    r"|局|委|厅|办|署|院|中心|所|队|站|室|会|社|馆))" + _NAME_END
)
_TOWN = re.compile(r"^(?P<name>[\u4e00-\u9fff]{1,10}?(?:街道办事处|街道|镇|乡|苏木))(?:人民政府)?" + _NAME_END)
_UNINFORMATIVE = re.compile(r"^(?:本网|本站|原创|网站|[\u4e00-\u9fff]{0,20}(?:网|网站|门户|客户端|微信公众号|日报|报社))$")
# a county-level name the registry does not have, followed by the body: 江北区人民政府, 江北区司法局
_UNREGISTERED = re.compile(
    r"^[\u4e00-\u9fff]{2,8}?(?:自治县|新区|区|县|市|旗)(?!管理委员会|管委会)"
    r"(?=人民政府|\d|关于|[\u4e00-\u9fff]{1,14}(?:局|委员会|办公室))")
_LEVEL_WORD = re.compile(r"^(?:省|市|州|县|区|旗|盟)(?!场)(?=[\u4e00-\u9fff])")  # 县司法局, not 市场监管局


@dataclass(frozen=True, slots=True)
class Attribution:
    """Division code, publisher kind and department of one report, and what said so."""

    division_code: str | None = None
    publisher_kind: str | None = None  # government / department / township
    department: str | None = None  # the department's (or township's) name without the division's (司法局)
    basis: str | None = None  # publisher / title / site_code / source

    def as_dict(self) -> dict[str, str | None]:
        return {"division_code": self.division_code, "publisher_kind": self.publisher_kind,
                "department": self.department, "attributed_by": self.basis}


def _clean(text: str | None) -> str:
    return _LEAD.sub("", re.sub(r"[\s\u3000]+", "", text or ""))


def _kind(rest: str) -> tuple[str | None, str | None]:
    """(kind, department) from the words after a division's name; (None, None) when they say nothing."""
    rest = _LEVEL_WORD.sub("", rest)
    if government := _GOVERNMENT.match(rest):
        # 人民政府国有资产监督管理委员会 is a department named after its government
        inner = None if government.group("office") else _DEPARTMENT.match(rest[government.end():])
        return (DEPARTMENT, inner.group("name")) if inner else (GOVERNMENT, None)
    if m := _TOWN.match(rest):
        return TOWNSHIP, m.group("name")
    if m := _DEPARTMENT.match(rest):
        return DEPARTMENT, m.group("name")
    return None, None


def _named(reg: Registry, text: str, scope: str | None) -> tuple[Division, str] | None:
    """The division ``text`` starts with (and what follows it), settled by ``scope`` when shared.

    With a scope, divisions of the scope's province come first; one elsewhere counts only when its
    full name is written (弥勒市人民政府 on another portal), never by a stem that a 乡/街道 shares
    with a far-away county (丹东街道, 金山白族乡).
    """
    found = reg.prefix_matches(text)
    matches = found
    if scope:
        province = scope[:2] + "0000"
        matches = [(d, e) for d, e in found if d.province == province]
        if not matches and len(found) == 1 and text[:found[0][1]].endswith(found[0][0].name):
            matches = found  # a full name known nowhere else: 弥勒市人民政府's report on another portal
        if len(matches) > 1:
            matches = [(d, e) for d, e in matches
                       if reg.within(d.code, scope) or reg.within(scope, d.code)] or matches
    if len(matches) != 1:
        return None
    division, end = matches[0]
    return division, text[end:]


def _scope_code(reg: Registry, site_code: str | None, source_division: str | None,
                source_names: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(code, basis) of the portal's division: SiteIDCode, else the source's code, else its names.

    A code the registry no longer has (a division merged or renamed since) is still the portal's
    division: it is kept as given.
    """
    if site_code and CODE.match(site_code[:6]):
        return site_code[:6], "site_code"
    if source_division and CODE.match(source_division):
        return source_division, "source"
    for name in source_names:
        text = _clean(name)
        if not text:
            continue
        found = reg.parse_chain(text)
        if len(found) == 1:
            return found[0].code, "source"
        named = _named(reg, text, None)
        if named is not None and _kind(named[1])[0] == GOVERNMENT:
            return named[0].code, "source"
    return None, None


def source_division(reg: Registry, division_code: str | None, region: str = "", title: str = "") -> str | None:
    """The division a source watches: its own code, else its region or title read as a division."""
    return _scope_code(reg, None, division_code, (region or "", title or ""))[0]


def attribute(
    reg: Registry,
    *,
    publisher: str | None = None,
    title: str | None = None,
    site_code: str | None = None,
    source_division: str | None = None,
    source_names: tuple[str, ...] = (),
) -> Attribution:
    """The attribution of one report (see the module docstring for the rules).

    ``source_names`` are the source's region and title (``甘肃省武威市民勤县``, ``民勤县人民政府``),
    read as a division when the source has no code.
    """
    scope, scope_basis = _scope_code(reg, site_code, source_division, source_names)
    former = scope is not None and scope not in reg
    said: tuple[str | None, str | None] | None = None  # (kind, department) named without a division
    unknown_publisher = False
    for basis, text in (("publisher", _clean(publisher)), ("title", _clean(title))):
        if not text or basis == "publisher" and _UNINFORMATIVE.match(text):
            continue
        named = _named(reg, text, scope)
        if named is not None:
            division, rest = named
            rest = _LEVEL_WORD.sub("", rest)
            if lower := _UNREGISTERED.match(rest):
                # 重庆市江北区…: a division below this one that the registry does not have
                found = _kind(rest[lower.end():])
                if former and said is None and found[0] is not None:
                    said = found
                continue
            kind, department = _kind(rest)
            if kind is None and basis == "publisher" and rest:
                unknown_publisher = True  # 民勤县融媒体: the division's name, then no body the rules know
                continue
            return Attribution(division.code, kind or GOVERNMENT, department, basis)
        if said is None:
            if former and (lower := _UNREGISTERED.match(text)):
                text = text[lower.end():]
            found = _kind(text)
            if found[0] is not None:
                said = found
            elif basis == "publisher":
                unknown_publisher = True
    if scope is None:
        kind, department = said or (None, None)
        return Attribution(None, kind, department, None)
    kind, department = said or ((None, None) if unknown_publisher else (GOVERNMENT, None))
    return Attribution(scope, kind, department, scope_basis)
