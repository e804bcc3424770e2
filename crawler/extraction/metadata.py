"""Report metadata from the page: standard ``<meta>`` tags, the 政府信息公开 table,
info bars (来源 / 发布时间), title elements, breadcrumbs, the URL, and — last — the text
itself (文号 line, signature and date, the year reported on).

Labels are matched by text, never by position: padding spaces, U+3000 and ``&nbsp;``
inside labels and a trailing ``：``/``:`` are allowed; a label alone in a cell takes the
next cell as its value. Every value is validated for its field (a 文号 needs a year and
号, a date must parse …), so a table inside the report text cannot pose as metadata.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from typing import Any

from lxml.html import HtmlElement

from crawler.extraction.boilerplate import is_chrome_element
from crawler.extraction.dates import is_date_line, parse_date
from crawler.extraction.text import clean_line

_CJK_CHAR = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK_CHAR}\u3000-\u303f\uff00-\uffef])\s+|\s+(?=[{_CJK_CHAR}\u3000-\u303f\uff00-\uffef])")

# label → field; "~" fields are fallbacks, "" marks a label that only ends the previous value
_LABELS: dict[str, str] = {
    "索引号": "index_no",
    "发布机构": "publisher", "发文机关": "publisher", "发文单位": "publisher", "发布单位": "publisher",
    "制发机关": "publisher", "发文机构": "publisher",
    "文号": "doc_no", "发文字号": "doc_no", "文件编号": "doc_no", "发文文号": "doc_no", "文件字号": "doc_no",
    "发布日期": "pub_date", "公开日期": "pub_date", "发布时间": "pub_date", "发文日期": "written_date",
    "成文日期": "written_date", "生成日期": "written_date", "成文时间": "written_date", "印发日期": "written_date",
    "有效性": "validity", "是否有效": "validity", "效力状态": "validity", "时效性": "validity",
    "标题": "title", "信息名称": "title", "文件标题": "title",
    "来源": "~source", "信息来源": "~source", "文章来源": "~source", "稿件来源": "~source",
    "内容来源": "~source", "所属机构": "~organ",
    "日期": "~date", "时间": "~date", "更新时间": "~date",
    "主题分类": "", "组配分类": "", "体裁分类": "", "公开方式": "", "公开范围": "", "公开时限": "",
    "公文种类": "", "信息分类": "", "内容分类": "", "统一编号": "", "关键词": "", "主题词": "",
    "服务对象": "", "浏览次数": "", "点击数": "", "字体": "", "字号": "", "作者": "", "编辑": "",
    "责任编辑": "", "分享到": "", "生效日期": "", "失效日期": "", "废止日期": "", "访问量": "",
    "阅读次数": "", "所属主题": "", "发布人": "", "摘要": "",
}
_LABEL_RE = re.compile(
    rf"(?<![{_CJK_CHAR}])(?P<label>"
    + "|".join(r"[\s\u00a0\u3000]*".join(map(re.escape, label))
               for label in sorted(_LABELS, key=len, reverse=True))
    + r")[\s\u00a0\u3000]*(?P<colon>[:：]|$)")
# labels distinctive enough to be read without a colon, at the start of a short line
_BARE_LABELS = ("索引号", "发布机构", "发文机关", "发文字号", "文号", "成文日期", "生成日期", "发布日期", "有效性")
_BARE_LABEL_RE = re.compile(
    r"^(?P<label>" + "|".join(r"[\s\u00a0\u3000]*".join(map(re.escape, label))
                              for label in sorted(_BARE_LABELS, key=len, reverse=True))
    + r")[\s\u00a0\u3000]*(?![\s:：]|$)")
_MAX_BARE_LINE = 80
_NO_SPACE = re.compile(r"[\s\u00a0\u3000]+")
_MAX_LABEL_LINE = 200
_PLACEHOLDER = {"", "无", "/", "-", "—", "——", "－", "暂无", "空", "null", "none", "未知", "无文号", "--"}

DOC_NO = re.compile(
    rf"[{_CJK_CHAR}A-Za-z]{{1,20}}\s*[〔［\[（(【]\s*(?:19|20)\d{{2}}\s*[〕］\]）)】]\s*第?\s*\d{{1,5}}\s*号")
_DOC_NO_LINE = re.compile(rf"^{DOC_NO.pattern}$")
_YEAR_IN_TITLE = re.compile(r"(?<![\d—\-－~～至到])((?:19|20)\d{2})\s*年")
_YEAR_PAREN = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*(?:年度?)?\s*[）)]")
_ORG_SUFFIX = re.compile(
    r"(?:政府|办公室|办公厅|委员会|局|厅|委|办|中心|院|部|署|会|所|处|站|队|街道|街道办事处|镇|乡|司|组|馆|室|集团|公司)$")
_TITLE_SPLIT = re.compile(r"\s*(?:_+|-{2,}|\s[-–—|｜]\s|｜|\||(?<!\d)-(?!\d))\s*")
_SITE_LIKE = re.compile(r"(?:人民政府|门户网站|政府网|网站|门户网|政务网|政府门户|政务服务网)$")
_TITLE_TOKENS = frozenset({
    "title", "article-title", "article_title", "detail-title", "detail_title", "con_title", "con-title",
    "bt", "news_title", "news-title", "art_title", "biaoti", "tit", "wztit", "xl_title", "content_title",
    "content-title", "article-tit", "sp_title", "zwgk_title", "xxgk_title", "wz_title", "title_text",
})
_CRUMB_TOKENS = ("crumb", "dqwz", "mbx", "weizhi", "location", "position", "daohang", "current")
_CRUMB_TEXT = re.compile(r"^\s*(?:当前位置|您的位置|您现在的位置|所在位置|现在位置)")
_URL_DATES = (
    re.compile(r"/t((?:19|20)\d{6})_\d+"),
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/"),
)
_HANWEB_SOURCE = re.compile(r"<!--\s*<\$\[信息来源\]>\s*begin\s*-->(.*?)<!--\s*<\$\[信息来源\]>\s*end\s*-->", re.S)
_TAG = re.compile(r"<[^>]*>")


@dataclass
class Metadata:
    """Metadata fields of :class:`archive.records.ExtractedReport`, all optional here."""

    title: str | None = None
    publisher: str | None = None
    pub_date: dt.date | None = None
    written_date: dt.date | None = None
    index_no: str | None = None
    doc_no: str | None = None
    validity: str | None = None
    report_year: int | None = None
    site_name: str | None = None
    column: str | None = None
    site_code: str | None = None  # SiteIDCode meta: the portal's id, its first six digits the division

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def tidy_title(text: str) -> str:
    """A title on one line without the layout spaces around CJK characters."""
    return _SPACE_NEAR_CJK.sub("", clean_line(text))


def read_metas(root: HtmlElement) -> dict[str, str]:
    """``<meta name|property|http-equiv=… content=…>`` → lower-case name → first non-empty value."""
    metas: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = meta.get("name") or meta.get("property") or meta.get("itemprop")
        content = meta.get("content")
        if name and content and content.strip():
            metas.setdefault(name.strip().lower(), clean_line(content))
    return metas


def read_labels(lines: list[str]) -> dict[str, str]:
    """Label/value pairs from page lines (cells as lines): field → first valid raw value."""
    found: dict[str, str] = {}
    for index, line in enumerate(lines):
        bare = _BARE_LABEL_RE.match(line) if len(line) <= _MAX_BARE_LINE else None
        if bare:  # "<b>索引号</b>000014348/2022-01024": a strong label glued to its value
            field = _LABELS[_NO_SPACE.sub("", bare.group("label"))]
            cleaned = _validate(field, line[bare.end():]) if field not in found else None
            if cleaned is not None and _plausible_bare(field, cleaned):
                found[field] = cleaned
                continue
        # a label ends with a colon or stands alone in its cell; info bars are short lines
        if len(line) > _MAX_LABEL_LINE or (len(line) > 12 and "：" not in line and ":" not in line):
            continue
        if not _LABEL_RE.search(line):
            continue
        matches = list(_LABEL_RE.finditer(line))
        for number, match in enumerate(matches):
            field = _LABELS[_NO_SPACE.sub("", match.group("label"))]
            end = matches[number + 1].start() if number + 1 < len(matches) else len(line)
            value = line[match.end():end].strip(" |｜\u3000")
            if not value and number + 1 == len(matches) and index + 1 < len(lines):
                following = lines[index + 1]
                first = _LABEL_RE.match(following)
                if not (first and first.start() == 0):
                    value = following
            if field and field not in found:
                cleaned = _validate(field.lstrip("~"), value)
                if cleaned is not None:
                    found[field] = cleaned
    return found


_VALIDITY_WORDS = frozenset({"有效", "失效", "废止", "已废止", "已失效", "部分失效", "已修改", "现行有效", "尚未生效"})


def _plausible_bare(field: str, value: str) -> bool:
    if field == "publisher":
        return bool(_ORG_SUFFIX.search(value))
    if field == "validity":
        return value in _VALIDITY_WORDS
    return True


def _validate(field: str, value: str) -> str | None:
    value = clean_line(value)
    if value.lower() in _PLACEHOLDER:
        return None
    if field in ("pub_date", "written_date", "date"):
        return value if parse_date(value) else None
    if field == "doc_no":
        match = DOC_NO.search(value)
        return _NO_SPACE.sub("", match.group(0)) if match else None
    if field == "index_no":
        value = _NO_SPACE.sub("", value)
        return value if re.search(r"\d", value) and len(value) <= 80 else None
    if field == "validity":
        return value if len(value) <= 12 else None
    if field in ("publisher", "source", "organ"):
        # one body, or several joint issuers separated by spaces; trailing tool words go
        first, *rest = re.split(r"\s*[|｜]\s*", value)[0].split(" ")
        value = " ".join([first] + [part for part in rest if _ORG_SUFFIX.search(part) and len(part) >= 3])
        return value if 2 <= len(value) <= 60 and re.search(f"[{_CJK_CHAR}A-Za-z]", value) else None
    if field == "title":
        return tidy_title(value) if len(value) >= 4 else None
    return value


def _site_like(text: str, site_name: str | None) -> bool:
    return text == site_name or (len(text) <= 25 and bool(_SITE_LIKE.search(text)))


def _in_chrome(el: HtmlElement) -> bool:
    return any(is_chrome_element(anc) for anc in el.iterancestors()) or is_chrome_element(el)


def _heading(root: HtmlElement, site_name: str | None) -> str | None:
    candidates = list(root.iter("h1", "ucaptitle"))
    candidates += [el for el in root.iter("h2", "div", "td", "p", "span", "strong")
                   if _TITLE_TOKENS.intersection((el.get("class") or "").lower().split())
                   or (el.get("id") or "").lower() in _TITLE_TOKENS]
    for el in candidates:
        text = tidy_title(el.text_content())
        if 4 <= len(text) <= 200 and not _site_like(text, site_name) and not _in_chrome(el):
            return text
    return None


def _head_title(root: HtmlElement) -> list[str]:
    for el in root.iter("title"):
        segments = [tidy_title(s) for s in _TITLE_SPLIT.split(el.text_content() or "")]
        return [s for s in segments if s]
    return []


def _breadcrumb_column(root: HtmlElement, title: str | None) -> str | None:
    for el in root.iter("div", "p", "span", "td", "ul", "nav"):
        names = ((el.get("class") or "") + " " + (el.get("id") or "")).lower()
        if not any(token in names for token in _CRUMB_TOKENS):
            head = el.text or ""
            if not _CRUMB_TEXT.match(head):
                continue
        links = [tidy_title(a.text_content()) for a in el.iter("a")]
        links = [t for t in links if t and t not in ("首页", "正文", "详情", "内容", "网站首页") and t != title]
        if links:
            return links[-1]
    return None


def _url_date(url: str) -> dt.date | None:
    for pattern in _URL_DATES:
        match = pattern.search(url)
        if match:
            found = parse_date("-".join(match.groups()) if len(match.groups()) > 1 else match.group(1))
            if found:
                return found
    return None


def read_page_metadata(root: HtmlElement, html: str, url: str, page_lines: list[str]) -> Metadata:
    """Everything the page says about the report, before looking at its text."""
    metas = read_metas(root)
    labels = read_labels(page_lines)
    head = _head_title(root)
    site_name = metas.get("sitename")
    if not site_name and len(head) >= 2 and _site_like(head[-1], None):
        site_name = head[-1]
    title = metas.get("articletitle") and tidy_title(metas["articletitle"])
    if not title:
        title = labels.get("title")
    if not title:
        heading = _heading(root, site_name)
        first = head[0] if head and not _site_like(head[0], site_name) else None
        if heading and first:
            title = first if heading in first or first.startswith(heading.rstrip(".…")) else heading
        else:
            title = heading or first
    hanweb = _HANWEB_SOURCE.search(html)
    source = clean_line(_TAG.sub("", hanweb.group(1))) if hanweb else None
    publisher = (labels.get("publisher") or metas.get("contentsource") or labels.get("~source")
                 or (source or None) or labels.get("~organ"))
    pub_date = (parse_date(labels.get("pub_date")) or parse_date(metas.get("pubdate"))
                or parse_date(metas.get("publishdate")) or parse_date(metas.get("firstpublishedtime"))
                or parse_date(labels.get("~date")) or parse_date(metas.get("maketime")) or _url_date(url))
    return Metadata(
        title=title or None,
        publisher=publisher or None,
        pub_date=pub_date,
        written_date=parse_date(labels.get("written_date")),
        index_no=labels.get("index_no"),
        doc_no=labels.get("doc_no"),
        validity=labels.get("validity"),
        site_name=site_name or None,
        column=metas.get("columnname") or metas.get("lanmu") or _breadcrumb_column(root, title),
        site_code=_site_code(metas.get("siteidcode")),
    )


def _site_code(value: str | None) -> str | None:
    """The SiteIDCode of 政府网站 (GB/T 2260 code + site number, e.g. ``6206210001``); None if not one."""
    value = re.sub(r"\s+", "", value or "")
    return value if re.fullmatch(r"\d{6}\d{0,8}|bm\d{6,12}", value, re.IGNORECASE) else None


def complete_from_text(meta: Metadata, lines: list[str]) -> Metadata:
    """Fill what the page lacked from the report text: a 文号 line near the top, the
    signature (issuing body + date) at the end, the year reported on."""
    if meta.doc_no is None:
        for line in lines[:8]:
            if _DOC_NO_LINE.match(line):
                meta.doc_no = _NO_SPACE.sub("", line)
                break
    signer, signed = signature(lines)
    if meta.written_date is None:
        meta.written_date = signed
    if meta.publisher is None:
        meta.publisher = signer
    meta.report_year = report_year(meta.title, lines)
    return meta


def signature(lines: list[str]) -> tuple[str | None, dt.date | None]:
    """``(issuing body, date)`` from the closing lines, either may be ``None``."""
    if not lines:
        return None, None
    last = lines[-1]
    if is_date_line(last):
        date = parse_date(last)
        if len(lines) >= 2 and _is_org(lines[-2]):
            return lines[-2], date
        return None, date
    parts = last.rsplit(" ", 1)
    if len(parts) == 2 and is_date_line(parts[1]) and _is_org(parts[0]):
        return parts[0], parse_date(parts[1])
    return None, None


def _is_org(line: str) -> bool:
    return len(line) <= 40 and not re.search(r"[，。；：、,;:！？“”\d]", line) and bool(_ORG_SUFFIX.search(line))


def report_year(title: str | None, lines: list[str]) -> int | None:
    """The year reported on: ``2024年`` / ``2024年度`` / ``（2024）`` in the title, else the
    first such year in the text."""
    for source in ([title] if title else []) + [" ".join(lines[:40])]:
        match = _YEAR_IN_TITLE.search(source) or _YEAR_PAREN.search(source)
        if match:
            return int(match.group(1))
    return None
