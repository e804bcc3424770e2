"""Finding a portal's report column from its home page: which links are navigation, which a column.

A home page links 政府信息公开 / 信息公开 / 法定主动公开内容 / 其他法定主动公开信息 / 专题专栏; somewhere
below sits a column named like 法治政府建设, 法治政府建设年度报告 or 依法行政. Columns beside it
(政策解读, 图解, 政府信息公开年报, 通知公告, meeting news) are never the report column.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .links import Link

# Navigation worth following towards the report column (short link texts only).
_NAV = re.compile(
    r"^(政府)?信息公开$|^政务公开$|政府信息公开(目录|平台|专栏)?$|法定主动公开|主动公开(内容|目录)?$"
    r"|其他法定|专题专栏|^专题$|^专栏$|^政务专题$|^公开目录$|^部门信息公开$|^重点领域信息公开$"
)
# The report column itself.
_COLUMN = re.compile(r"法治政府|依法行政|法治建设|依法治(县|市|区|省|州|旗)")
# Names that share words with the column but hold something else.
_NOT_COLUMN = re.compile(r"解读|图解|一图|信息公开.{0,6}年报|信息公开.{0,6}年度报告|征集|通知|会议|新闻|动态|意见|问答")
_YEAR = re.compile(r"20\d\d")
HOME_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/index.php",
                        "/default.htm", "/default.html", "/default.aspx", "/index.aspx", "/portal/index.html"})
MAX_NAV_TEXT = 16


def is_home_page(url: str) -> bool:
    """A portal's home page (the site root), not a column: where the report column must be sought."""
    return urlsplit(url).path.lower() in HOME_PATHS


def link_role(link: Link) -> str | None:
    """``"column"`` for a link to a report column, ``"nav"`` for navigation towards one, else None."""
    text = re.sub(r"\s+", "", link.text or link.title)
    if not text or len(text) > MAX_NAV_TEXT or _YEAR.search(text):
        return None  # long or dated texts are articles, not columns
    if _COLUMN.search(text):
        return None if _NOT_COLUMN.search(text) else "column"
    if _NAV.search(text):
        return "nav"
    return None
