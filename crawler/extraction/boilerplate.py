"""Page chrome: which elements to prune and which lines never reach the report text.

Two layers. Elements marked as chrome by id/class (QR codes, share bars, print/font
tools, editor lines, related-article blocks, footers, hidden nodes, the disclosure
metadata table) are pruned from the content container; then every rendered line is
scrubbed of tool phrases, and tool-only, counter, date-widget, breadcrumb, related-block
and footer lines are dropped. The second layer is what guarantees that the phrases in
:data:`CHROME_PHRASES` never survive, whatever the markup looks like.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

#: Phrases that never belong to a report: they never survive in extracted text.
CHROME_PHRASES: tuple[str, ...] = (
    "扫一扫在手机打开", "扫一扫在手机上查看", "【字体", "字体：大", "字号：大", "字号：默认", "打印本页", "关闭窗口", "【打印】",
    "【关闭】", "责任编辑", "分享到", "浏览次数", "网站标识码", "ICP备", "公网安备", "版权所有", "网站地图",
    "无障碍浏览", "我要纠错", "返回顶部", "长者模式", "点击数：",
)
#: Lines that are chrome as a whole (a related-articles header, page navigation, breadcrumbs,
#: date widgets, footer credits); as phrases they could occur inside a report sentence.
CHROME_LINES = re.compile(
    r"^(?:[【\[]?\s*相关(?:新闻|稿件|解读|链接|文章|阅读)\s*[】\]]?\s*[:：]?\s*$|上一篇|下一篇|当前位置\s*[:：]|"
    r"您现在的位置|今天是)")


def leaks(text: str) -> list[str]:
    """The chrome phrases and chrome lines present in ``text`` (empty for clean text)."""
    found = [phrase for phrase in CHROME_PHRASES if phrase in text]
    found += [line for line in text.split("\n") if CHROME_LINES.match(line)]
    return found


_PHRASE_RE = re.compile("|".join(map(re.escape, CHROME_PHRASES)))


def _guarantee(lines: list[str]) -> list[str]:
    """Last line of defence, whatever the markup: no chrome phrase or chrome line survives."""
    out = []
    for line in lines:
        if _PHRASE_RE.search(line):
            line = _PHRASE_RE.sub(" ", line)
            line = re.sub(r"[ \u3000]+", " ", line).strip(" |｜")
            while _PHRASE_RE.search(line):  # removal can join the halves of a phrase
                line = _PHRASE_RE.sub("", line).strip()
        if line and not CHROME_LINES.match(line) and _WORDY.search(line):
            out.append(line)
    return out


# --------------------------------------------------------------------------- elements

_CHROME_TOKENS = frozenset({
    "qr_container", "qrcode", "qr-code", "erweima", "ewm", "share", "share-box", "sharebox",
    "bdsharebuttonbox", "bdshare", "fenxiang", "pages_print", "print", "printico", "dayin",
    "index_switchsize", "fontsize", "font-size", "font_size", "zihao", "editor", "zrbj", "bjzr",
    "related", "xg-list", "xglj", "xgwz", "xgxw", "xgyd", "relevant", "footer", "copyright",
    "banquan", "header", "topbar", "toolbar", "header_toolbar", "navbar", "breadcrumbnav",
    "breadcrumb", "crumb", "crumbs", "dqwz", "mbx", "pagebreak",
    "jiucuo", "_jiucuo_", "_ideconac", "share-title", "share-substr", "share-img", "shuzi",
    "div_div", "prevnext", "prev-next", "sxp", "sxpage", "pre_next", "tool", "tools", "gongju",
})
_CHROME_PREFIXES = ("share_", "share-", "bdshare", "jiathis", "gwds_", "qr_", "footer_", "footer-")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_MAJORITY_CHARS = 200

DISCLOSURE_LABELS = (
    "索引号", "索取号", "信息索引", "主题分类", "组配分类", "体裁分类", "发布机构", "发文机关", "发文单位", "所属机构",
    "文号", "发文字号", "文件编号", "成文日期", "生成日期", "发布日期", "有效性", "是否有效",
    "公开方式", "公开范围", "公开时限", "公文种类", "信息分类", "内容分类", "统一编号", "效力状态",
)
_DISTINCTIVE = ("索引号", "索取号", "信息索引", "主题分类", "组配分类", "体裁分类", "公开方式", "公开范围", "有效性", "是否有效", "效力状态")
_NO_SPACE = re.compile(r"[\s\u00a0\u3000]+")


def _tokens(el: HtmlElement) -> list[str]:
    names = (el.get("class") or "").lower().split()
    ident = el.get("id")
    if ident:
        names.append(ident.lower())
    return names


def is_chrome_element(el: HtmlElement) -> bool:
    """True when id/class name the element as page chrome (QR, share, print, footer …)."""
    return any(token in _CHROME_TOKENS or token.startswith(_CHROME_PREFIXES) for token in _tokens(el))


def is_hidden(el: HtmlElement) -> bool:
    """Hidden by inline style, the ``hidden`` attribute or ``aria-hidden`` (text-to-speech copies,
    print versions): never the text a reader sees."""
    style = el.get("style")
    return (el.get("hidden") is not None or (el.get("aria-hidden") or "").strip().lower() == "true"
            or bool(style and _HIDDEN_STYLE.search(style)))


def drop_hidden(root: HtmlElement) -> None:
    """Remove every hidden element (:func:`is_hidden`) from the page, in place."""
    doomed = [el for el in root.iter() if isinstance(el.tag, str) and el.tag not in ("html", "body")
              and is_hidden(el)]
    gone: set[HtmlElement] = set()
    for el in doomed:
        if not any(anc in gone for anc in el.iterancestors()):
            gone.add(el)
            el.drop_tree()


def is_disclosure_block(el: HtmlElement, text: str | None = None) -> bool:
    """A 政府信息公开 metadata block (索引号 / 发布机构 / 文号 … table or list)."""
    compact = _NO_SPACE.sub("", text if text is not None else el.text_content())
    if len(compact) > 800 or not any(label in compact for label in _DISTINCTIVE):
        return False
    return sum(1 for label in DISCLOSURE_LABELS if label in compact) >= 3


def _text_len(el: HtmlElement) -> int:
    """Characters of the element's text but white space (\\s takes in U+00A0 and U+3000 too)."""
    return sum(map(len, el.text_content().split()))


def prune_container(container: HtmlElement) -> None:
    """Remove chrome, hidden nodes and metadata blocks from ``container`` in place.

    An element holding most of the container's text is never pruned: a site that wraps
    its whole body in, say, ``class="editor"`` keeps its body.
    """
    total = _text_len(container)
    doomed: list[HtmlElement] = []
    for el in container.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        if is_chrome_element(el) or is_hidden(el) or el.tag in ("table", "ul", "dl", "div") and is_disclosure_block(el):
            doomed.append(el)
    removed: set[HtmlElement] = set()
    for el in doomed:
        if any(anc in removed for anc in el.iterancestors()):
            continue
        size = _text_len(el)
        if size > _MAJORITY_CHARS and size > total / 2:
            continue
        removed.add(el)
    for el in removed:
        el.drop_tree()


def prune_link_lists(container: HtmlElement, keep: set[HtmlElement]) -> None:
    """Generic pages only: drop navigation-like blocks (mostly link text)."""
    doomed = []
    for el in container.iterdescendants("ul", "ol", "dl", "div", "table", "p", "td"):
        if el in keep or any(a in keep for a in el.iterdescendants("a")):
            continue
        total = _text_len(el)
        if total == 0 or total > 2000:
            continue
        linked = sum(_text_len(a) for a in el.iterdescendants("a"))
        if linked / total > 0.6:
            doomed.append(el)
    gone: set[HtmlElement] = set()
    for el in doomed:
        if not any(anc in gone for anc in el.iterancestors()):
            gone.add(el)
            el.drop_tree()


# --------------------------------------------------------------------------- lines

_SCRUB = re.compile(
    r"扫一扫在手机(?:上)?(?:打开|查看|浏览|阅读)(?:当前|本|此)?页面?"
    r"|[【\[]\s*字\s*[体号][^】\]]{0,24}[】\]]"
    r"|字\s*[体号]\s*[:：]\s*[【\[]?\s*(?:(?:大|中|小|放大|缩小|正常|默认|超大|标准|较大|A\+|A-|A)\s*[|｜/]?\s*){1,4}[】\]]?"
    r"|[【\[]\s*(?:打印|关闭|收藏|返回|纠错|我要纠错)(?:本页|此页|页面|窗口|文章|本文|正文|顶部)?\s*[】\]]"
    r"|打印(?:本页|此页)|关闭(?:本|此)?(?:窗口|页面)|关闭本页|关闭此页|我要纠错|返回顶部"
    r"|分享到\s*[:：]?"
    r"|(?:浏览|阅读|点击|访问)(?:次数|量|数|率)\s*[:：]\s*\d*\s*次?"
    r"|(?:浏览|阅读|点击|访问)\s*[:：]\s*\d+\s*次?"
    r"|(?:本文|本页|本信息|该信息)?已被(?:浏览|阅读|访问|点击)\s*\d+\s*次"
    r"|[（(【\[]?\s*责任编辑\s*[:：]\s*[^）)】\]\s]{0,16}\s*[）)】\]]?"
    r"|无障碍浏览|长者模式",
)
_INFO_PAIRS = re.compile(
    r"(?:发布|更新|生成|上传|录入|公开|发稿|成文)?(?:时间|日期)\s*[:：]\s*[\d\s\-/.:年月日]*"
    r"|(?:信息|文章|稿件|内容|新闻)?来\s*源\s*[:：]\s*\S*"
    r"|(?:作者|编辑|审核|校对|供稿|撰稿|摄影|发布人|发布者|录入|签发)\s*[:：]\s*\S*"
    r"|今天是\s*[:：]?\s*\S*"
    r"|(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:星期|周)[一二三四五六日天]"
    r"|(?:星期|周)[一二三四五六日天]"
    r"|(?:农历|阴历)\S*",
)
_TOOL_WORDS = re.compile(
    r"我要纠错|网站纠错|纠错|打印|关闭|收藏|返回|无障碍|关怀版|适老化|简体|繁体|简|繁|手机版|电脑版|"
    r"登录|注册|首页|联系我们|分享|微信|微博|QQ空间|字体|字号|放大|缩小|默认|超大|正常|标准|大|中|小|"
    r"扫一扫|扫描|二维码|手机|在|上|打开|当前页|本页|此页|页面|阅读|浏览|点击|次|使用|用|请|"
    r"English|EN|RSS|订阅|A\+|A-|Top|TOP"
)
_SEPARATORS = re.compile(r"[\s|｜/\\·•:：,，、【】\[\]()（）<>《》\-—_*>]+")
_WORDY = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_SHORT = 100
_BREADCRUMB = re.compile(r"^(?:当前位置|您的位置|您现在的位置|所在位置|现在位置)\s*[:：]")
_NAV_LINE = re.compile(r"^(?:上一篇|下一篇|上一条|下一条|上一页|下一页)\s*[:：]?")
_RELATED = re.compile(
    r"^[【\[]?\s*(?:相关(?:新闻|稿件|解读|链接|文章|阅读|信息|附件|文件|推荐|专题)|延伸阅读|推荐阅读|热点推荐|"
    r"更多阅读|政策解读|图片解读)\s*[】\]]?\s*[:：>]?\s*$")
_FOOTER_STRONG = re.compile(r"网站标识码|ICP\s*[备证]|公网安备|版权所有|Copyright|©", re.I)
_FOOTER_ANCHOR = re.compile(
    r"网站标识码|ICP\s*[备证]|公网安备|版权所有|Copyright|©|网站地图|主办单位\s*[:：].{0,30}承办|"
    r"技术支持\s*[:：]|运行维护单位|建议使用.{0,30}浏览器|分辨率.{0,20}浏览", re.I)
# "主办单位：…" opens a footer only when a footer sign follows it; inside an article it is a fact
_FOOTER_WEAK = re.compile(r"^(?:主办|承办)单位\s*[:：]")
_DISCLOSURE_LINE = re.compile(
    r"^(?:" + "|".join(r"\s*".join(label) for label in DISCLOSURE_LABELS) + r")\s*(?:[:：]|$)")
_TAIL_LINE = 60


# every _SCRUB alternative contains one of these; checking them first is much cheaper
_SCRUB_KEYS = re.compile(r"扫一扫|字\s*[体号]|打印|关闭|纠错|收藏|返回|分享到|浏览|阅读|点击|访问|已被|责任编辑|无障碍|长者模式")


def scrub_line(line: str) -> str:
    """Remove tool phrases that can sit inside a line of text."""
    if _SCRUB_KEYS.search(line) and _SCRUB.search(line):
        line = _SCRUB.sub(" ", line)
        line = re.sub(r"[ \u3000]+", " ", line).strip(" |｜")
    return line


def is_chrome_line(line: str) -> bool:
    """A short line made only of tools, counters, date widgets, info labels or nav."""
    if _BREADCRUMB.match(line) or _NAV_LINE.match(line):
        return True
    if len(line) > _SHORT:
        return False
    if _FOOTER_STRONG.search(line):
        return True
    residue = _INFO_PAIRS.sub(" ", line)
    residue = _SEPARATORS.sub(" ", residue)
    residue = _TOOL_WORDS.sub(" ", residue)
    return not _WORDY.search(residue)


def filter_lines(lines: list[str]) -> list[str]:
    """Scrubbed lines without chrome, related blocks, footers or head metadata lines."""
    out: list[str] = []
    for raw in lines:
        line = scrub_line(raw)
        if not line or not _WORDY.search(line):
            continue
        if _RELATED.match(line):
            break  # a related-articles block: the report is over
        if is_chrome_line(line):
            continue
        out.append(line)
    out = _cut_footer(out)
    return _guarantee(_drop_head_disclosure(out))


def _cut_footer(lines: list[str]) -> list[str]:
    """Cut a trailing footer: from the first footer anchor inside the run of short lines
    that ends the text (a signature and its date stay, they come before the anchor)."""
    start = len(lines)
    while start > 0 and len(lines[start - 1]) <= _TAIL_LINE:
        start -= 1
    for i in range(start, len(lines)):
        if _FOOTER_ANCHOR.search(lines[i]):
            return lines[:i]
        if _FOOTER_WEAK.search(lines[i]) and any(_FOOTER_ANCHOR.search(line) for line in lines[i + 1:]):
            return lines[:i]
    return lines


def _drop_head_disclosure(lines: list[str]) -> list[str]:
    i = 0
    while i < len(lines) and i < 20 and _DISCLOSURE_LINE.match(lines[i]):
        i += 1
    if i:
        return lines[i:]
    return lines
