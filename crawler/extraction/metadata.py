"""Report metadata from the page: standard ``<meta>`` tags, the 政府信息公开 table (label/value
cells, or a row of labels over a row of values), info bars (来源 / 发布时间), title elements,
breadcrumbs, the URL, and — last — the text itself (文号 line, signature and date, the year
reported on). Hidden elements were removed before (``boilerplate.drop_hidden``).

Order of trust (docs/documents.md, "Metadata from what the page shows"):

- title: the CMS's ``ArticleTitle`` meta → a 标题 label → the visible headline (``<h1>``, a title
  class such as ``detil-new-title``; never a breadcrumb or the site's name), completed by the
  ``<title>`` segment that holds it whole → the ``<title>`` without the site's name (``-中国科普网``,
  ``保定市人民政府网——``) → the first line of the text;
- publication date: a labelled visible date (发布时间 / 发布日期) → a date on a short info-bar line
  just under the headline → ``PubDate``-style metas → a bare 日期 / 时间 label (on 公报 pages that
  is the document's own date) → a date in the URL;
- report year: see :func:`report_year`;
- column: the CMS's column meta → the breadcrumb that says where the page is (当前位置, links
  joined by ``>``) over a navigation bar merely classed ``current``.

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
    "索引号": "index_no", "索取号": "index_no", "信息索引": "index_no", "信息索引号": "index_no",
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
_BARE_LABELS = ("索引号", "索取号", "发布机构", "发文机关", "发文字号", "文号", "成文日期", "生成日期", "发布日期", "有效性")
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
_TITLE_SPLIT = re.compile(r"\s*(?:_+|-{2,}|—{2,}|－{2,}|\s[-–—|｜]\s|｜|\||(?<!\d)-(?!\d))\s*")
_SITE_LIKE = re.compile(r"(?:人民政府|门户网站|政府网|网站|门户网|政务网|政府门户|政务服务网)$")
_SHORT_SITE = re.compile(r"^\S{2,10}网$")  # 中国科普网, 新华网: a site's name, not a headline
_CRUMB_LIKE = re.compile(r"^(?:[^>›»→/]{1,20}\s*[>›»→/]\s*){1,}[^>›»→/]{0,20}$")
_MAX_CRUMB = 300
_SUBTITLE_WORDS = ("sub", "list", "nav", "column", "lanmu", "site", "logo", "crumb", "foot", "head")
_VISIBLE_DATE = re.compile(r"(?:19|20)\d{2}\s*(?:-\s*\d{1,2}\s*-|/\s*\d{1,2}\s*/|年\s*\d{1,2}\s*月)\s*\d{1,2}")
_DATE_LINES_AFTER_TITLE = 6
_DATE_LINE_MAX = 60
_SENTENCE_MARKS = re.compile(r"[，。；]")
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
    return text == site_name or (len(text) <= 25 and bool(_SITE_LIKE.search(text))) or bool(_SHORT_SITE.match(text))


def _in_chrome(el: HtmlElement) -> bool:
    return any(is_chrome_element(anc) for anc in el.iterancestors()) or is_chrome_element(el)


def _title_named(el: HtmlElement) -> bool:
    """A class or id that calls the element a title (``detil-new-title``), not a sub- or list title."""
    names = [*(el.get("class") or "").lower().split(), (el.get("id") or "").lower()]
    return any("title" in name and not any(word in name for word in _SUBTITLE_WORDS) for name in names)


def _headings(root: HtmlElement, site_name: str | None) -> list[str]:
    """Visible headline candidates, best kind first: ``<h1>``, known title classes, other title classes."""
    known: list[HtmlElement] = []  # a known title class or id (an <h3> is never one)
    named: list[HtmlElement] = []  # another class or id that names a title
    for el in root.iter("h2", "h3", "div", "td", "p", "span", "strong"):
        if el.tag != "h3" and (_TITLE_TOKENS.intersection((el.get("class") or "").lower().split())
                               or (el.get("id") or "").lower() in _TITLE_TOKENS):
            known.append(el)
        elif _title_named(el):
            named.append(el)
    found: list[str] = []
    for el in [*root.iter("h1", "ucaptitle"), *known, *named]:
        text = tidy_title(el.text_content())
        if (4 <= len(text) <= 200 and not _site_like(text, site_name) and not _in_chrome(el)
                and not _CRUMB_LIKE.match(text) and not _CRUMB_TEXT.match(text) and text not in found):
            found.append(text)
    return found


def _choose_title(headings: list[str], head: list[str], site_name: str | None) -> str | None:
    """The visible headline, completed by the ``<title>`` when that has it whole; the ``<title>``
    without the site's name when the page shows no headline."""
    segments = [s for s in head if not _site_like(s, site_name) and len(s) >= 4]
    for heading in headings:  # a headline the <title> confirms beats one it does not
        for segment in segments:
            if heading == segment or heading in segment or segment.startswith(heading.rstrip(".…")):
                return segment
    if headings:
        return headings[0]
    return max(segments, key=len) if segments else None


def _head_title(root: HtmlElement) -> list[str]:
    for el in root.iter("title"):
        segments = [tidy_title(s) for s in _TITLE_SPLIT.split(el.text_content() or "")]
        return [s for s in segments if s]
    return []


def _breadcrumb_column(root: HtmlElement, title: str | None) -> str | None:
    """The last section a breadcrumb names. A trail that says where the page is ("当前位置", links
    joined by ``>``) beats a navigation bar whose class merely says ``current``/``position``."""
    ranked: list[tuple[int, str]] = []
    for el in root.iter("div", "p", "span", "td", "ul", "nav", "ol"):
        names = ((el.get("class") or "") + " " + (el.get("id") or "")).lower()
        text = el.text_content()
        if len(text) > _MAX_CRUMB:  # a block that holds a breadcrumb among much else
            continue
        says_where = bool(_CRUMB_TEXT.match(el.text or "") or _CRUMB_TEXT.match(text.strip()))
        all_links = [tidy_title(a.text_content()) for a in el.iter("a")]
        trail = len(all_links) >= 2 and bool(_CRUMB_LIKE.match(tidy_title(text)))  # 中国科普网>时政新闻>
        if not says_where and not trail and not any(token in names for token in _CRUMB_TOKENS):
            continue
        links = [t for t in all_links if t and t not in ("首页", "正文", "详情", "内容", "网站首页") and t != title]
        if not links:
            continue
        joined = trail or bool(re.search(r"[>›»→]", text))
        ranked.append((2 * says_where + joined, links[-1]))
    if not ranked:
        return None
    best = max(rank for rank, _ in ranked)
    return next(column for rank, column in ranked if rank == best)


def _header_row_labels(root: HtmlElement) -> dict[str, str]:
    """A 信息公开 table laid out as one row of labels over one row of values."""
    found: dict[str, str] = {}
    for table in root.iter("table"):
        rows = [[cell for cell in row if cell.tag in ("td", "th")] for row in table.iter("tr")]
        for upper, lower in zip(rows, rows[1:], strict=False):
            # cell texts only for rows that can pair up (a body cell's text_content is the whole report)
            if len(upper) < 2 or len(upper) != len(lower):
                continue
            keys = [_NO_SPACE.sub("", clean_line(cell.text_content())).rstrip(":：") for cell in upper]
            if not all(key in _LABELS for key in keys):
                continue
            values = [clean_line(cell.text_content()) for cell in lower]
            for key, value in zip(keys, values, strict=True):
                field = _LABELS[key]
                cleaned = _validate(field.lstrip("~"), value) if field else None
                if field and cleaned is not None:
                    found.setdefault(field, cleaned)
    return found


def _date_near_headline(lines: list[str], title: str | None) -> dt.date | None:
    """A date on a short line just under the headline (``2023-12-01 14:43`` in an info bar)."""
    if not title:
        return None
    for index, line in enumerate(lines):
        if line == title or title in line or (line in title and len(line) * 5 >= len(title) * 4):
            for following in lines[index + 1:index + 1 + _DATE_LINES_AFTER_TITLE]:
                match = _VISIBLE_DATE.search(following)
                # an info-bar line: short, no sentence, the date near its start
                if match and len(following) <= _DATE_LINE_MAX and match.start() <= 12 \
                        and not _SENTENCE_MARKS.search(following):
                    return parse_date(following)
            return None
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
    labels = {**_header_row_labels(root), **read_labels(page_lines)}
    head = _head_title(root)
    site_name = metas.get("sitename")
    if not site_name and len(head) >= 2:
        site_name = next((s for s in (head[-1], head[0]) if _site_like(s, None)), None)
    title = metas.get("articletitle") and tidy_title(metas["articletitle"])
    if not title:
        title = labels.get("title")
    if not title:
        title = _choose_title(_headings(root, site_name), head, site_name)
    hanweb = _HANWEB_SOURCE.search(html)
    source = clean_line(_TAG.sub("", hanweb.group(1))) if hanweb else None
    publisher = (labels.get("publisher") or metas.get("contentsource") or labels.get("~source")
                 or (source or None) or labels.get("~organ"))
    # visible first (a labelled date, then a date under the headline), then what the CMS declares
    pub_date = (parse_date(labels.get("pub_date")) or _date_near_headline(page_lines, title)
                or parse_date(metas.get("pubdate")) or parse_date(metas.get("publishdate"))
                or parse_date(metas.get("firstpublishedtime")) or parse_date(labels.get("~date"))
                or parse_date(metas.get("maketime")) or _url_date(url))
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
    meta.report_year = report_year(meta.title, lines, meta.written_date or meta.pub_date)
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


_ANNUAL = re.compile(r"年度|年报|工作报告|情况报告|工作总结|述职|报告")
_SPRING_MONTHS = 6  # annual reports on last year come out in the first half of the next


def report_year(title: str | None, lines: list[str], dated: dt.date | None = None) -> int | None:
    """The year reported on, in this order of trust:

    1. ``2024年`` / ``2024年度`` / ``（2024）`` in the title;
    2. the page's date (written, else published): its year, or the year before for a report
       (年度 / 工作报告 / 总结 … in the title) dated in the first half-year;
    3. the first such year in the text that is not after the page's date, nor after this year
       (a text of 1996 speaks of "2010年远景目标": a target, not the year it is about).
    """
    if title:
        match = _YEAR_IN_TITLE.search(title) or _YEAR_PAREN.search(title)
        if match:
            return int(match.group(1))
    if dated is not None:
        annual = bool(title and _ANNUAL.search(title)) and dated.month <= _SPRING_MONTHS
        return dated.year - 1 if annual else dated.year
    latest = dt.date.today().year
    text = " ".join(lines[:40])
    for match in [*_YEAR_IN_TITLE.finditer(text), *_YEAR_PAREN.finditer(text)]:
        if int(match.group(1)) <= latest:
            return int(match.group(1))
    return None
