"""Report texts: the five real seed reports, cleaned, and new reports recombined from their paragraphs.

Generated texts keep the seeds' wording but substitute the reporting year and the issuing body,
and sample different blocks, so every generated report has its own text.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from govarchive.portal.specs import SiteSpec

_NUMERALS = "一二三四五六七八九十"
_H1 = re.compile(r"^[一二三四五六七八九十]+、")
_H2 = re.compile(r"^[(（][一二三四五六七八九十]+[)）]")
_ORDINAL = re.compile(r"^[一二三四五六七八九十]+是")
_CHROME_LINES = ("责任编辑", "扫一扫在手机打开当前页", "相关新闻")


@dataclass(frozen=True, slots=True)
class SeedReport:
    """A real report text with the metadata of its real page."""

    seed_id: str
    family: str
    title: str
    publisher: str
    pub_date: dt.date
    report_year: int
    paragraphs: tuple[str, ...]
    article_id: int
    written_date: dt.date | None = None
    doc_no: str | None = None
    index_no: str | None = None
    validity: str | None = None


_SEED_META = (
    # (seed id, file, family, title, publisher, pub_date, year, article_id, written, doc_no, index_no, validity)
    ("000", "000_52d9dc401f427627.txt", "table", "西双版纳州人民政府办公室2024年法治政府建设工作情况报告",
     "西双版纳州人民政府办公室", dt.date(2025, 1, 9), 2024, 2938280, dt.date(2025, 1, 8), None, None, None),
    ("001", "001_2d8971200c4f0673.txt", "hanweb", "弥勒市人民政府关于2021年法治政府建设工作情况的报告",
     "弥勒市人民政府", dt.date(2022, 3, 29), 2021, 4130987, dt.date(2022, 3, 16), "弥政报〔2022〕12号",
     "000014348/2022-01024", "有效"),
    ("002", "002_45101f433e776d8b.txt", "ucap", "丽江市古城区人民政府关于2024年度法治政府建设情况的报告",
     "丽江市古城区人民政府", dt.date(2025, 3, 31), 2024, 101533, None, None, None, None),
    ("003", "003_e6573c83fee911ca.txt", "trs", "重庆市江北区人民政府办公室2024年度法治政府建设情况报告",
     "重庆市江北区人民政府办公室", dt.date(2025, 3, 28), 2024, 14452968, None, None, None, None),
    ("004", "004_c87fd9766164538e.txt", "hanweb", "象山县营商环境办2024年度法治政府建设情况报告",
     "象山县营商环境办", dt.date(2025, 3, 25), 2024, 4622334, None, None, "002950512/2025-27641", "有效"),
)


def _clean_seed(lines: list[str], title: str) -> list[str]:
    """Drop what is page furniture, not report text: the disclosure-table bullets and page title
    at the top of seed 001, the chrome lines at the end of seed 002."""
    lines = [line.strip() for line in lines if line.strip()]
    while lines and lines[0].startswith("- "):
        lines.pop(0)
    if lines and lines[0] == title:
        lines.pop(0)
    while lines and lines[-1].startswith(_CHROME_LINES):
        lines.pop()
    return lines


@cache
def seed_reports() -> tuple[SeedReport, ...]:
    """The five real reports with clean paragraphs, in seed order."""
    out = []
    base = resources.files("govarchive.portal") / "data" / "seeds"
    for seed_id, name, family, title, publisher, pub, year, art, written, doc_no, index_no, validity in _SEED_META:
        raw = (base / name).read_text(encoding="utf-8").splitlines()
        paras = tuple(_clean_seed(raw, title))
        out.append(SeedReport(seed_id, family, title, publisher, pub, year, paras, art, written, doc_no,
                              index_no, validity))
    return tuple(out)


# ------------------------------------------------------------------ recombination

@dataclass(frozen=True, slots=True)
class _Block:
    heading: str  # without its number; "" for a merged heading+body paragraph
    paragraphs: tuple[str, ...]
    year: int
    merged: bool = False


@dataclass(frozen=True, slots=True)
class _Pool:
    measures: tuple[_Block, ...]
    problems: tuple[tuple[_Block, ...], ...]  # whole sections: their items belong together
    plans: tuple[_Block, ...]


def _section_kind(h1: str) -> str:
    if "不足" in h1 or "问题" in h1:
        return "problems"
    if any(k in h1 for k in ("打算", "安排", "下一", "计划")):
        return "plans"
    return "measures"


def _seed_sections(seed: SeedReport) -> list[tuple[str, list[_Block]]]:
    """Split a seed body into (section kind, blocks), a block being a sub-heading and its paragraphs."""
    body = list(seed.paragraphs)
    if seed.seed_id == "001":
        body = body[2:]  # the two-line title repeated inside the body
    body = body[1:]  # the intro names the body and its plans: written fresh instead
    sections: list[tuple[str, list[_Block]]] = [("measures", [])]
    heading: str | None = None
    paras: list[str] = []

    def flush() -> None:
        if heading is not None and paras:
            sections[-1][1].append(_Block(heading, tuple(paras), seed.report_year))
        elif heading:  # a numbered item with no paragraph of its own
            sections[-1][1].append(_Block("", (heading,), seed.report_year, merged=True))

    for line in body:
        if len(line) < 25 and re.search(r"\d{4}年\d{1,2}月\d{1,2}日$", line):
            break  # signature date
        if len(line) < 40 and line.startswith(seed.publisher[:2]):
            break  # signature
        if _H1.match(line) and len(line) < 90:
            flush()
            kind = _section_kind(line)
            sections.append((kind, []))
            heading = _H1.sub("", line) if kind == "measures" and seed.seed_id == "001" else ""
            paras = []
        elif _H2.match(line) and len(line) < 90:
            flush()
            heading, paras = _H2.sub("", line), []
        elif _H2.match(line):
            flush()
            sections[-1][1].append(_Block("", (_H2.sub("", line),), seed.report_year, merged=True))
            heading, paras = "", []
        else:
            if heading is None:
                heading = ""
            paras.append(line)
    flush()
    return [(kind, blocks) for kind, blocks in sections if blocks]


@cache
def _pool() -> _Pool:
    measures: list[_Block] = []
    problems: list[tuple[_Block, ...]] = []
    plans: list[_Block] = []
    for seed in seed_reports():
        for kind, blocks in _seed_sections(seed):
            if kind == "problems":
                problems.append(tuple(blocks))
            else:  # a block without a heading reads only at the head of its section
                numbered = [b for b in blocks if b.heading or b.merged]
                (plans if kind == "plans" else measures).extend(numbered)
    return _Pool(tuple(measures), tuple(problems), tuple(plans))


def _subst_years(text: str, seed_year: int, year: int) -> str:
    delta = year - seed_year
    if not delta:
        return text

    def repl(m: re.Match[str]) -> str:
        y = int(m.group(0))
        return str(y + delta) if seed_year - 1 <= y <= seed_year + 1 else m.group(0)

    # a year of a plan period such as (2021—2025年) stays as it is
    return re.sub(r"(?<![\d—\-－~至])20\d\d(?=年)(?!年[—\-－~至])", repl, text)


# Names of the seeds' issuing bodies and places, replaced by the generated report's own.
_NAMES = (
    ("西双版纳州人民政府办公室", "{pub}"), ("州政府办公室", "{pub}"), ("区政府办公室", "{pub}"),
    ("县营商环境办", "{pub}"), ("营商环境办", "{pub}"), ("我办", "我单位"),
    ("弥勒市人民政府", "{gov}"), ("红河州弥勒市", "{region}"), ("弥勒市", "{region}"),
    ("古城区", "{region}"), ("江北区", "{region}"), ("西双版纳州", "{region}"), ("西双版纳", "{region}"),
    ("象山县", "{region}"), ("象山", "{region}"),
)


def _subst_names(text: str, spec: SiteSpec, publisher: str) -> str:
    marks = {"{pub}": publisher, "{gov}": spec.gov, "{region}": spec.region_short}
    for old, mark in _NAMES:
        text = text.replace(old, mark)
    for mark, value in marks.items():
        text = text.replace(mark, value)
    return text


def _local_leaders(spec: SiteSpec) -> str:
    c = {"district": "区", "county": "县", "city": "市", "prefecture": "州"}.get(spec.level, "市")
    return f"{c}委、{c}政府"


def _outline_period(year: int) -> str:
    return "2015—2020年" if year <= 2020 else "2021—2025年"


_INTROS = (
    "{Y}年，{pub}坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，全面贯彻落实{upper}关于"
    "法治政府建设的决策部署，严格对标《法治政府建设实施纲要（{period}）》，扎实推进依法行政，法治政府建设取得新成效。"
    "现将{Y}年度法治政府建设情况报告如下：",
    "{Y}年，在{local}的坚强领导下，{pub}认真贯彻落实党中央、国务院关于法治政府建设的决策部署，坚持依法行政、"
    "依法履职，各项工作有序推进。根据《法治政府建设与责任落实督察工作规定》要求，现将{Y}年法治政府建设工作情况报告如下：",
    "{Y}年以来，{pub}在{local}的正确领导下，以习近平法治思想为引领，紧紧围绕建设职能科学、权责法定、执法严明、"
    "公开公正、智能高效、廉洁诚信、人民满意的法治政府目标，全面推进依法行政。现将有关情况报告如下：",
)
_H_MEASURES = ("{Y}年推进法治政府建设的主要举措和成效", "法治政府建设的主要举措和成效", "{Y}年法治政府建设工作开展情况")
_H_LEADER = "党政主要负责人履行推进法治建设第一责任人职责情况"
_LEADER_PARA = (
    "{pub}主要负责人切实履行推进法治建设第一责任人职责，坚持把法治政府建设与业务工作同谋划、同部署、同推进、同考核，"
    "全年主持召开专题会议{n}次，研究解决法治政府建设重大问题，带头学法、尊法、守法、用法，带头参加年终述法。"
)
_H_PROBLEMS = ("存在的不足和原因", "存在的主要问题", "推进法治政府建设存在的不足和原因")
_H_PLANS = ("{Y1}年工作打算", "下一年度推进法治政府建设的主要安排", "{Y1}年工作安排")

REPORT_TITLES = (
    "{pub}关于{Y}年度法治政府建设情况的报告",
    "{pub}{Y}年法治政府建设工作报告",
    "{pub}{Y}年度法治政府建设情况报告",
    "{pub}关于{Y}年法治政府建设工作情况的报告",
    "{pub}{Y}年法治政府建设年度报告",
    "{Y}年{pub}法治政府建设情况报告",
)


def _renumber(paragraphs: tuple[str, ...]) -> list[str]:
    out, n = [], 0
    for p in paragraphs:
        if _ORDINAL.match(p):
            p = _ORDINAL.sub(_NUMERALS[n % 10] + "是", p, count=1)
            n += 1
        out.append(p)
    return out


def _numeral(n: int) -> str:
    return _NUMERALS[n] if n < 10 else "十" + _NUMERALS[n - 10]


def _emit_blocks(blocks: list[_Block], out: list[str], year: int, spec: SiteSpec, pub: str) -> None:
    for i, block in enumerate(blocks):
        fix = [_subst_names(_subst_years(p, block.year, year), spec, pub) for p in block.paragraphs]
        if block.merged:
            out.append(f"({_numeral(i)}){fix[0]}")
            continue
        if block.heading:
            out.append(f"({_numeral(i)}){_subst_names(_subst_years(block.heading, block.year, year), spec, pub)}")
        out.extend(_renumber(tuple(fix)))


def generate_report_text(rng: random.Random, spec: SiteSpec, publisher: str, year: int,
                         written: dt.date) -> tuple[str, ...]:
    """A new report of ``publisher`` for ``year``: fresh intro, seed blocks, signature and date."""
    pool = _pool()
    fill = {"Y": year, "Y1": year + 1, "pub": publisher, "upper": spec.upper, "local": _local_leaders(spec),
            "period": _outline_period(year), "n": rng.randint(3, 12)}
    out = [rng.choice(_INTROS).format(**fill)]
    h1 = 0

    def heading(template: str) -> None:
        nonlocal h1
        out.append(f"{_numeral(h1)}、{template.format(**fill)}")
        h1 += 1

    heading(rng.choice(_H_MEASURES))
    measures = rng.sample(pool.measures, k=rng.randint(3, 5))
    measures = [_Block(b.heading, tuple(b.paragraphs[: rng.randint(1, 2)]), b.year, b.merged) for b in measures]
    _emit_blocks(measures, out, year, spec, publisher)
    if rng.random() < 0.5:
        heading(_H_LEADER)
        out.append(_LEADER_PARA.format(**fill))
    heading(rng.choice(_H_PROBLEMS))
    _emit_blocks(list(rng.choice(pool.problems)), out, year, spec, publisher)
    heading(rng.choice(_H_PLANS))
    plans = rng.sample(pool.plans, k=min(len(pool.plans), rng.randint(2, 4)))
    _emit_blocks(plans, out, year, spec, publisher)
    out.append(publisher)
    out.append(f"{written.year}年{written.month}月{written.day}日")
    return tuple(out)


def stub_text(publisher: str, title: str, written: dt.date) -> tuple[str, ...]:
    """The short 印发通知 an HTML page carries when the report itself is only in the PDF."""
    return (
        "各镇人民政府、街道办事处，区政府各部门，有关单位：",
        f"根据《法治政府建设与责任落实督察工作规定》有关要求，现将《{title}》予以公开，全文详见附件。",
        publisher,
        f"{written.year}年{written.month}月{written.day}日",
    )


# ------------------------------------------------------------------ non-report items

def non_report_item(rng: random.Random, spec: SiteSpec, category: str, year: int, publisher: str,
                    report_title: str) -> tuple[str, tuple[str, ...]]:
    """Title and paragraphs of an item that shares the report column but is not a report."""
    local = _local_leaders(spec)
    n = rng.randint(12, 480)
    paras: tuple[str, ...]
    if category == "gov_info_annual":
        title = f"{publisher}{year}年政府信息公开工作年度报告"
        paras = (
            "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告"
            "格式》要求编制，全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议"
            "及行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。",
            "一、总体情况",
            f"{year}年，{publisher}认真贯彻落实《条例》，全年主动公开政府信息{n}条，其中规范性文件{n % 17}件。",
            "二、收到和处理政府信息公开申请情况",
            f"本年度共收到政府信息公开申请{n % 23 + 1}件，均在法定期限内予以答复。",
            "三、存在的主要问题及改进情况",
            "政策解读形式还不够丰富，下一步将进一步提升政策解读质量，加强政务公开平台建设。",
        )
    elif category == "interpretation":
        title = rng.choice((f"《{report_title}》政策解读", f"图解：{report_title}",
                            f"一图读懂{report_title}", f"{report_title}解读"))
        paras = (
            "一、起草背景",
            f"根据《法治政府建设与责任落实督察工作规定》，{publisher}编制了{year}年度法治政府建设情况报告。",
            "二、主要内容",
            "报告总结了一年来推进法治政府建设的主要举措和成效，分析了存在的不足和原因，提出了下一年度工作安排。",
            f"解读机关：{publisher}",
        )
    elif category == "notice":
        title = rng.choice((
            f"{spec.gov_office}关于印发{spec.region_short}{year}年法治政府建设工作要点的通知",
            f"关于印发《{spec.region_short}法治政府建设实施方案（{_outline_period(year)}）》的通知",
            f"{spec.gov}关于印发{spec.region_short}法治政府建设示范创建工作方案的通知",
        ))
        paras = (
            f"各有关单位，{local[0]}政府各部门：",
            f"现将{title.partition('印发')[2].removesuffix('的通知')}印发给你们，请结合实际认真贯彻执行。",
            spec.gov_office,
        )
    else:
        title = rng.choice((
            f"{spec.region_short}召开{year}年法治政府建设工作推进会",
            f"{spec.region_short}开展{year}年“宪法宣传周”集中宣传活动",
            f"{publisher}举办法治政府建设专题培训班",
            f"{spec.region_short}顺利通过法治政府建设示范创建实地评估",
            f"{spec.region_short}召开{year}年春季森林防火工作会议",
            f"{publisher}开展“送法进企业”活动",
        ))
        paras = (
            f"近日，{title.removeprefix(spec.region_short)}。会议（活动）由{publisher}主要负责同志主持。",
            f"会议指出，要深入学习贯彻习近平法治思想，认真落实{local}工作部署，推动各项工作在法治轨道上运行。",
            f"据悉，{year}年以来，全{local[0]}共开展各类法治宣传活动{n}场次，受众{n * 37}人次。",
        )
    return title, paras
