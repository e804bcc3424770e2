"""What kind of answer a page is: content, a JavaScript challenge, a JS-only list, a soft 404."""

from __future__ import annotations

import re
from collections.abc import Mapping

from archive.soft404 import is_soft_404 as page_is_soft_404

from .links import Link, parse_html

CHALLENGE = "challenge"

# 瑞数 (Rivers Security): 412 (v5/v6) or 202 (v4) with $_ts and r="m" markers.
_RUISHU = re.compile(r"\$_ts\s*=|\br\s*=\s*['\"]m['\"]", re.IGNORECASE)
# 加速乐 / 创宇盾: 521 with a script that sets __jsl_clearance.
_JSL = re.compile(r"__jsl_clearance|__jsluid|document\.cookie\s*=", re.IGNORECASE)
# WAF block pages: short bodies that only announce the block.
_WAF = re.compile(
    r"(访问被拒绝|您的访问被阻断|安全狗|云锁|WAF|请开启JavaScript|please enable javascript|"
    r"您的请求(已被|被)拦截|检测到您的访问异常|滑动验证|人机验证)",
    re.IGNORECASE,
)
_LIST_CONTAINER = re.compile(r"(list|lst|news|article|items?|content|data|result|lb|xxgk)", re.IGNORECASE)


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def visible_text(html: str) -> str:
    """The page's text without scripts, styles and white space."""
    root = parse_html(html)
    if root is None:
        return ""
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return re.sub(r"\s+", "", root.text_content())


# the statuses each kind of challenge answers with (classify_challenge); may_be_challenge takes their union
_RUISHU_STATUSES = frozenset({412, 202})
_JSL_STATUSES = frozenset({521, 403, 503})
_WAF_STATUSES = frozenset({403, 405, 412, 418, 429, 468, 503})
_CHALLENGE_STATUSES = _RUISHU_STATUSES | _JSL_STATUSES | _WAF_STATUSES | {200}
_SHORT_CHALLENGE = 3000  # characters: a 200 answer longer than this is a page, not a challenge


def may_be_challenge(status: int, body_bytes: int) -> bool:
    """False when :func:`classify_challenge` is sure to say None, from the status and the body's
    size alone (no decoding): most answers of a crawl are 200 pages of some kilobytes."""
    # a character takes at most 4 bytes of UTF-8 (one when undecodable): 4 × N bytes are ≥ N characters
    return status in _CHALLENGE_STATUSES and not (status == 200 and body_bytes >= 4 * _SHORT_CHALLENGE)


def classify_challenge(status: int, headers: Mapping[str, str], body: str) -> str | None:
    """``"challenge"`` for an anti-bot answer a browser may pass, else None."""
    head = body[:20000]
    if status in _RUISHU_STATUSES and _RUISHU.search(head):
        return CHALLENGE
    cookie = _header(headers, "set-cookie")
    if status in _JSL_STATUSES and (_JSL.search(head) or "__jsluid" in cookie):
        return CHALLENGE
    if status in _WAF_STATUSES and len(body) < 6000 and _WAF.search(head):
        return CHALLENGE
    if status == 200 and len(body) < _SHORT_CHALLENGE and _RUISHU.search(head) and "<script" in head.lower():
        return CHALLENGE
    return None


def is_soft_404(text: str, body_chars: int | None = None) -> bool:
    """A 200 page that says the item does not exist (archive.soft404's judgement on the page's
    title and visible text; ``body_chars`` bounds the visible text, 1500 by default)."""
    root = parse_html(text)
    if root is None:
        return False
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    title = " ".join(root.xpath("//title/text()"))
    visible = re.sub(r"\s+", " ", root.text_content())
    return page_is_soft_404(200, title, visible, body_chars if body_chars is not None else 1500)


def looks_js_only_list(text: str, links: list[Link]) -> bool:
    """An empty list container next to scripts: the list is filled by JavaScript."""
    root = parse_html(text)
    if root is None:
        return False
    scripts = root.xpath("//script")
    if not scripts:
        return False
    for element in root.xpath("//ul|//ol|//tbody|//div"):
        ident = f"{element.get('id') or ''} {element.get('class') or ''}"
        if not _LIST_CONTAINER.search(ident):
            continue
        if len(element) == 0 and not (element.text or "").strip():
            return True
    # no anchors at all, and a script that loads data
    code = " ".join(s.text or "" for s in scripts)
    return not links and bool(re.search(r"fetch\(|ajax|getJSON|XMLHttpRequest|axios", code))


def looks_challenged(html: str) -> bool:
    """Markup that is still an anti-bot challenge (used on what a browser ended up showing)."""
    head = html[:20000]
    if _RUISHU.search(head) or "__jsl_clearance" in head:
        return len(visible_text(html)) < 400
    return False
