"""Regenerate the synthetic pages of the extraction corpus (run by hand, not by pytest).

    .venv/bin/python tests/extraction_corpus/_make_corpus.py

Every page is built from one of the real report texts in /work/shared/seeds/ (copied into
``seeds/`` here) poured into the markup of a real CMS family (govarchive/portal/render/): the same
report blocks give both the HTML and the expected text, written down by the rules of
``crawler/extraction/text.py`` — one paragraph per line, a data-table row as its cells
joined by " | ", headings and the closing signature kept. The two gov.cn pages in
``govcn/`` are real captures; their JSON was written and checked by hand, this script
does not touch them.
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = HERE / "seeds"
SEP = " | "


@dataclass
class Table:
    rows: list[list[str]]
    caption: str | None = None


@dataclass
class Report:
    """A report as blocks: paragraphs (str) and tables, then the closing signature lines."""

    title: str
    blocks: list[str | Table]
    signature: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out: list[str] = []
        for block in self.blocks:
            if isinstance(block, Table):
                if block.caption:
                    out.append(block.caption)
                for row in block.rows:
                    cells = list(row)
                    while cells and not cells[-1]:
                        cells.pop()
                    out.append(re.sub(" +", " ", SEP.join(cells)))
            else:
                out.append(block)
        return out + self.signature


def seed(number: int) -> list[str]:
    path = next(SEEDS.glob(f"{number:03d}_*.txt"))
    return path.read_text(encoding="utf-8").split("\n")


def fullwidth(line: str) -> str:
    """The punctuation most portals actually publish (the seeds were flattened to ASCII)."""
    return line.replace(",", "，").replace("(", "（").replace(")", "）").replace(":", "：").replace(";", "；")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])")


def is_heading(line: str) -> bool:
    return bool(_HEADING.match(line)) and len(line) < 40


def split_spans(line: str, rng: random.Random, style: str) -> str:
    """Word-processor markup: the paragraph cut into a few styled spans."""
    if len(line) < 12:
        return f'<span style="{style}">{esc(line)}</span>'
    cuts = sorted(rng.sample(range(1, len(line) - 1), 2))
    parts = [line[: cuts[0]], line[cuts[0]: cuts[1]], line[cuts[1]:]]
    return "".join(f'<span style="{style}">{esc(p)}</span>' for p in parts)


def wrap_source(line: str, width: int = 58) -> str:
    """Hard-wrap the HTML source between two CJK characters (what old editors do)."""
    out, last = [], 0
    for i in range(width, len(line) - 1, width):
        while i < len(line) - 1 and not ("\u4e00" <= line[i - 1] <= "\u9fff" and "\u4e00" <= line[i] <= "\u9fff"):
            i += 1
        if i >= len(line) - 1 or i <= last:
            continue
        out.append(esc(line[last:i]))
        last = i
    out.append(esc(line[last:]))
    return "\n    ".join(out)


def html_table(table: Table, style: str = "mso") -> str:
    rows = []
    for r, row in enumerate(table.rows):
        cells = []
        for cell in row:
            if style == "mso":
                cells.append(f'<td width="120" valign="center" style="border:solid windowtext 1.0pt;padding:0 5px">'
                             f'<p style="text-align:center;line-height:20px"><span style="font-family:仿宋_GB2312;font-size:14px">'
                             f'{esc(cell) if cell else "&nbsp;"}</span></p></td>')
            else:
                tag = "th" if r == 0 else "td"
                cells.append(f"<{tag}>{esc(cell)}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f'<p style="text-align:center"><strong>{esc(table.caption)}</strong></p>\n' if table.caption else ""
    return (caption + '<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" align="center" '
            'style="border-collapse:collapse"><tbody>\n' + "\n".join(rows) + "\n</tbody></table>")


def write(family: str, case: str, page: str, expected: dict, *, encoding: str = "utf-8",
          headers: dict | None = None, bom: bool = False) -> None:
    folder = HERE / family
    folder.mkdir(parents=True, exist_ok=True)
    data = page.encode(encoding)
    (folder / f"{case}.html").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    (folder / f"{case}.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if headers:
        (folder / f"{case}.headers.json").write_text(json.dumps(headers, ensure_ascii=False, indent=1) + "\n",
                                                     encoding="utf-8")


def expected(report: Report, url: str, **meta: object) -> dict:
    doc: dict[str, object] = {
        "url": url, "title": report.title, "publisher": None, "pub_date": None, "written_date": None,
        "index_no": None, "doc_no": None, "validity": None, "report_year": None, "site_name": None,
        "column": None, "attachments": [],
    }
    doc.update(meta)
    doc["text_lines"] = report.lines()
    return doc


# ------------------------------------------------------------------------- the reports

def report_xsbn(punct: bool = False) -> Report:
    lines = seed(0)
    body = [fullwidth(x) if punct else x for x in lines[:-2]]
    table = Table(caption="2024年州政府办公室合法性审核及备案情况统计表", rows=[
        ["序号", "项目", "数量（件）", "备注"],
        ["1", "行政规范性文件合法性审核", "12", "全部按期办结"],
        ["2", "重大行政决策合法性审查", "3", ""],
        ["3", "行政合同审查", "", "无"],
        ["4", "报送备案规范性文件", "12", "备案率100%"],
    ])
    blocks: list[str | Table] = body[:13] + [table] + body[13:]
    return Report("西双版纳州人民政府办公室2024年法治政府建设工作情况报告", blocks, lines[-2:])


def report_mile(with_table: bool = False) -> Report:
    lines = seed(1)
    body = lines[6:-1]  # the body's own two-line title, then the text
    blocks: list[str | Table] = list(body)
    if with_table:
        table = Table(caption="2021年弥勒市行政复议和行政应诉案件情况", rows=[
            ["类别", "收案（件）", "审结（件）", "纠错率"],
            ["行政复议", "46", "44", "9.1%"],
            ["行政应诉", "38", "35", "5.7%"],
            ["合计", "84", "79", "—"],
        ])
        at = blocks.index(next(b for b in blocks if isinstance(b, str) and b.startswith("六、")))
        blocks = blocks[: at + 2] + [table, "注：表中数据由市司法局汇总（经办人：李喆）。"] + blocks[at + 2:]
    return Report("弥勒市人民政府关于2021年法治政府建设工作情况的报告", blocks, [lines[-1]])


def report_gucheng() -> Report:
    return Report("古城区2024年法治政府建设情况报告", seed(2)[:-3])


def report_jiangbei(punct: bool = True) -> Report:
    return Report("重庆市江北区人民政府办公室2024年度法治政府建设情况报告",
                  [fullwidth(x) if punct else x for x in seed(3)])


def report_xiangshan(with_table: bool = False) -> Report:
    blocks: list[str | Table] = [fullwidth(x) for x in seed(4)]
    if with_table:
        table = Table(caption="2024年公共资源交易情况", rows=[
            ["项目类别", "交易宗数", "交易金额（亿元）", "节约资金（亿元）"],
            ["工程建设", "312", "86.4", "3.12"],
            ["政府采购", "1045", "12.7", "0.85"],
            ["土地矿产", "96", "41.2", ""],
        ])
        at = next(i for i, b in enumerate(blocks) if isinstance(b, str) and b.startswith("（四）"))
        blocks = blocks[: at + 2] + [table] + blocks[at + 2:]
    return Report("象山县营商环境办2024年度法治政府建设情况报告", blocks)


# ------------------------------------------------------------------------- shared chrome

TRS_STYLE = ('<style type="text/css">.TRS_Editor P{margin-top:5px;margin-bottom:5px;line-height:1.8;'
             'font-family:仿宋_GB2312;font-size:16pt;}.TRS_Editor DIV{margin-top:5px;margin-bottom:5px;'
             'line-height:1.8;font-family:仿宋_GB2312;font-size:16pt;}.TRS_Editor TD{margin-top:5px;'
             'font-family:仿宋_GB2312;font-size:12pt;}.TRS_Editor TH{font-size:12pt;}.TRS_Editor SPAN{'
             'font-family:仿宋_GB2312;}.TRS_Editor FONT{font-size:16pt;}.TRS_Editor UL{}.TRS_Editor LI{}'
             '.TRS_Editor A{}</style>')


def gov_footer(site: str, code: str, icp: str, police: str, host: str) -> str:
    return f"""
<div class="footer">
  <div class="footer-links"><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a> | <a href="/wzsm/">网站声明</a></div>
  <div class="footer-info">
    <p>主办单位：{site}办公室　承办单位：{site}大数据发展中心</p>
    <p>版权所有：{site}　网站标识码：{code}</p>
    <p><a href="https://beian.miit.gov.cn/">{icp}</a>　<a href="http://www.beian.gov.cn/">{police}</a></p>
    <p>建议使用1366*768分辨率、IE10以上版本浏览器浏览本网站</p>
  </div>
  <span id="_ideConac"><a href="https://bszs.conac.cn/sitename?method=show&amp;id=0A1B"><img id="imgConac" src="/images/red.png"></a></span>
  <script id="_jiucuo_" sitecode="{code}" src="http://pucha.kaipuyun.cn/exposure/jiucuo.js"></script>
  <script src="/images/{host}_tj.js"></script>
</div>"""


def trs_paragraphs(report: Report, rng: random.Random, table_style: str = "mso") -> str:
    out = []
    style = "font-family: 仿宋_GB2312, 仿宋; font-size: 16pt;"
    for block in report.blocks:
        if isinstance(block, Table):
            out.append(html_table(block, table_style))
        elif is_heading(block):
            out.append(f'<p style="text-indent: 2em; text-align: justify;"><strong><span style="{style}">'
                       f"{esc(block)}</span></strong></p>")
        else:
            out.append(f'<p style="text-indent: 2em; text-align: justify;">{split_spans(block, rng, style)}</p>')
        if rng.random() < 0.15:
            out.append('<p style="text-indent: 2em;">&nbsp;</p>')
    for line in report.signature:
        out.append(f'<p style="text-align: right;"><span style="{style}">{esc(line)}</span></p>')
    return "\n".join(out)


# ------------------------------------------------------------------------- TRS WCM

def trs_jiangbei() -> None:
    rep = report_jiangbei()
    url = "http://www.cqjb.gov.cn/zwgk_190/fzzfjsndbg/qzfb/202503/t20250328_14452968.html"
    body = trs_paragraphs(rep, random.Random(3))
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1" />
<title>{rep.title}_重庆市江北区人民政府</title>
<meta name="SiteName" content="重庆市江北区人民政府">
<meta name="SiteDomain" content="www.cqjb.gov.cn">
<meta name="SiteIDCode" content="5001050001">
<meta name="ColumnName" content="区政府办法治政府建设年度报告">
<meta name="ColumnType" content="法治政府建设年度报告">
<meta name="ArticleTitle" content="{rep.title}">
<meta name="PubDate" content="2025-03-28 16:20">
<meta name="ContentSource" content="江北区政府办公室">
<meta name="Keywords" content=""><meta name="Author" content=""><meta name="Description" content="">
<meta name="Url" content="./t20250328_14452968.html">
<meta name="others" content="页面生成时间 2025-03-28 16:21:04" />
<meta name="template,templategroup,version" content="6720,100096,8.4" />
<link href="../../../../images/trs_style.css" rel="stylesheet" type="text/css" />
<script src="../../../../images/jquery.min.js"></script>
<script src="../../../../images/trs_common.js"></script>
</head>
<body>
<div class="topbar"><div class="w1200">
  <span class="top-date">今天是：<script>document.write(new Date().toLocaleDateString())</script></span>
  <a href="javascript:void(0)" onclick="aria.start()">无障碍浏览</a> <a href="javascript:void(0)" id="elder">长者模式</a>
  <a href="javascript:zh_tran('s')">简体</a>|<a href="javascript:zh_tran('t')">繁体</a>
</div></div>
<div class="header"><div class="logo"><img src="../../../../images/logo.png" alt="重庆市江北区人民政府"></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk_190/">政务公开</a></li><li><a href="/bmfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/zjjb/">走进江北</a></li></ul></div>
<div class="w1200 main">
  <div class="location">当前位置：<a href="../../../../">首页</a> &gt; <a href="../../../">政务公开</a> &gt; <a href="../../">法治政府建设年度报告</a> &gt; <a href="../">区政府办</a></div>
  <div class="xxgk_detail_head"><table width="100%" cellspacing="0" cellpadding="0"><tbody>
    <tr><td class="name">索&nbsp;&nbsp;引&nbsp;&nbsp;号：</td><td>11500105MB1570734Q/2025-00031</td><td class="name">主题分类：</td><td>综合政务</td></tr>
    <tr><td class="name">发布机构：</td><td>江北区政府办公室</td><td class="name">成文日期：</td><td>2025-03-27</td></tr>
    <tr><td class="name">标　　题：</td><td colspan="3">{rep.title}</td></tr>
    <tr><td class="name">发文字号：</td><td></td><td class="name">发布日期：</td><td>2025-03-28</td></tr>
    <tr><td class="name">有 效 性：</td><td>有效</td><td class="name">体裁分类：</td><td>报告</td></tr>
  </tbody></table></div>
  <div class="article">
    <h1 class="title">{rep.title}</h1>
    <div class="info"><span>发布日期：2025-03-28</span> <span>来源：江北区政府办公室</span>
      <span class="font">【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</span></div>
    <div class="article-body" id="zoom">
<div class="TRS_Editor">{TRS_STYLE}<div class="Custom_UnionStyle">
{body}
</div></div>
    </div>
    <div class="bdsharebuttonbox">分享到：<a class="bds_weixin" data-cmd="weixin"></a><a class="bds_tsina" data-cmd="tsina"></a></div>
    <div class="print"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
    <div class="qrcode"><div id="qrcode"></div><p>扫一扫在手机打开当前页</p></div>
  </div>
</div>
{gov_footer("重庆市江北区人民政府", "5001050001", "渝ICP备05003255号", "渝公网安备 50010502000001号", "cqjb")}
</body>
</html>
"""
    write("trs", "jiangbei_xxgk", page, expected(
        rep, url, publisher="江北区政府办公室", pub_date="2025-03-28", written_date="2025-03-27",
        index_no="11500105MB1570734Q/2025-00031", validity="有效", report_year=2024,
        site_name="重庆市江北区人民政府", column="区政府办法治政府建设年度报告"))


def trs_mile_gbk() -> None:
    rep = report_mile(with_table=True)
    url = "http://www.hhml.gov.cn/zfxxgk_15889/fdzdgknr/fzzfjs/202203/t20220329_582311.html"
    rng = random.Random(1)
    parts = []
    for i, block in enumerate(rep.blocks):
        if isinstance(block, Table):
            parts.append(html_table(block))
        elif i < 2:  # the body's own two-line title
            parts.append(f'<p align="center"><strong><span style="font-size:22pt;font-family:方正小标宋简体">{esc(block)}</span></strong></p>')
        elif is_heading(block):
            parts.append(f'<p style="text-indent:2em"><span style="font-family:黑体">{esc(block)}</span></p>')
        else:
            parts.append(f'<p style="text-indent:2em">{split_spans(block, rng, "font-family:仿宋_GB2312")}</p>')
    parts.append(f'<p align="right">{esc(rep.signature[0])}&nbsp;&nbsp;&nbsp;&nbsp;</p>')
    body = "\n".join(parts)
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{rep.title}</title>
<meta content="弥勒市人民政府" name="sitename">
<meta content="5325040001" name="siteidcode">
<meta content="法治政府建设" name="columnname">
<meta content="2022-03-29 10:12" name="pubdate">
<meta name="others" content="页面生成时间 2022-03-29 10:13:45">
<link href="../../../images/xxgk.css" rel="stylesheet">
</head>
<body>
<div class="head"><img src="../../../images/banner.jpg"></div>
<div class="dqwz">您现在的位置：<a href="../../../">首页</a> &gt; <a href="../../">政府信息公开</a> &gt; <a href="../">法治政府建设</a></div>
<div class="xxgk_table">
<table cellpadding="0" cellspacing="1" width="100%">
<tr><td class="lab" width="15%">索引号：</td><td width="35%">000014348/2022-01024</td><td class="lab" width="15%">发布机构：</td><td>弥勒市人民政府</td></tr>
<tr><td class="lab">文号：</td><td>弥政报〔2022〕12号</td><td class="lab">发布日期：</td><td>2022-03-29</td></tr>
<tr><td class="lab">有效性：</td><td>有效</td><td class="lab"></td><td></td></tr>
</table>
</div>
<div class="zw_title">{rep.title}</div>
<div class="TRS_Editor">{TRS_STYLE}
{body}
</div>
<div class="gongju"><a href="javascript:window.print()">打印本页</a> | <a href="javascript:window.close()">关闭窗口</a></div>
<div class="bottom">主办：弥勒市人民政府办公室 版权所有：弥勒市人民政府<br>网站标识码：5325040001 滇ICP备05000123号-1 滇公网安备 53250402000012号</div>
</body>
</html>
"""
    write("trs", "mile_gbk", page, expected(
        rep, url, publisher="弥勒市人民政府", pub_date="2022-03-29", written_date="2022-03-16",
        index_no="000014348/2022-01024", doc_no="弥政报〔2022〕12号", validity="有效", report_year=2021,
        site_name="弥勒市人民政府", column="法治政府建设"), encoding="gbk", headers={"Content-Type": "text/html"})


def trs_xsbn_ueditor() -> None:
    rep = report_xsbn(punct=True)
    url = "https://www.xsbn.gov.cn/zfxxgk/fdzdgknr/fzzfjsndbg/202501/t20250110_1312450.html"
    rng = random.Random(0)
    parts = []
    for block in rep.blocks:
        if isinstance(block, Table):
            parts.append(html_table(block))
        else:
            parts.append(f'<p style="text-indent:2em;margin-bottom:15px;line-height:2em">'
                         f'{split_spans(block, rng, "font-family:仿宋_GB2312, 仿宋;font-size:21px")}</p>')
    parts.append(f'<p style="text-align:right">{esc(rep.signature[0])}</p>')
    parts.append(f'<p style="text-align:right">{esc(rep.signature[1])}</p>')
    body = "\n".join(parts)
    pdf = "P020250110512345678901.pdf"
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="UTF-8">
<title>{rep.title}-西双版纳傣族自治州人民政府</title>
<meta name="SiteName" content="西双版纳傣族自治州人民政府">
<meta name="SiteDomain" content="www.xsbn.gov.cn">
<meta name="SiteIDCode" content="5328000001">
<meta name="ColumnName" content="法治政府建设年度报告">
<meta name="ArticleTitle" content="{rep.title}">
<meta name="PubDate" content="2025-01-10 09:30">
<meta name="ContentSource" content="">
<meta name="Url" content="./t20250110_1312450.html">
</head>
<body>
<div class="header">西双版纳傣族自治州人民政府 <span class="date">2025年1月10日 星期五</span></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zfxxgk/">政府信息公开</a> &gt; <a href="../">法治政府建设年度报告</a></div>
<div class="detail">
  <h2 class="detail-title">{rep.title}</h2>
  <div class="detail-info">发布时间：2025-01-10 09:30 浏览次数：<span id="count">318</span></div>
  <div class="detail-content">
    <div class="view TRS_UEDITOR trs_paper_default trs_web">
{body}
    </div>
  </div>
  <div class="fj"><p>附件：<a href="./{pdf}" OLDSRC="/protect/P0202501/P02025011/{pdf}" target="_blank">{rep.title}.pdf</a></p></div>
  <div class="detail-tools"><span onclick="window.print()">【打印】</span> <span onclick="window.close()">【关闭】</span></div>
</div>
{gov_footer("西双版纳傣族自治州人民政府", "5328000001", "滇ICP备05000872号", "滇公网安备 53280102000101号", "xsbn")}
</body>
</html>
"""
    write("trs", "xsbn_ueditor_table", page, expected(
        rep, url, publisher="西双版纳州人民政府办公室", pub_date="2025-01-10", written_date="2025-01-08",
        report_year=2024, site_name="西双版纳傣族自治州人民政府", column="法治政府建设年度报告",
        attachments=[{"url": f"https://www.xsbn.gov.cn/zfxxgk/fdzdgknr/fzzfjsndbg/202501/{pdf}",
                      "name": f"{rep.title}.pdf", "type": "pdf"}]))


def trs_jinghai_stub() -> None:
    title = "静海区2023年度法治政府建设情况报告"
    url = "http://www.tjjh.gov.cn/jhqzf/zwgk_28985/zfxxgk_qzf1/qzf1/fdzdgknr2/qtfdgkxx2/202403/t20240328_6583952.html"
    intro = "根据《法治政府建设与责任落实督察工作规定》和市委依法治市办有关要求，现将《静海区2023年度法治政府建设情况报告》予以公开。"
    rep = Report(title, [intro, f"附件：1.{title}.pdf", f"2.{title}（可编辑版）.wps"])
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{title}_天津市静海区人民政府</title>
<meta name="SiteName" content="天津市静海区人民政府"><meta name="SiteDomain" content="www.tjjh.gov.cn">
<meta name="SiteIDCode" content="1200000034"><meta name="ColumnName" content="其他法定主动公开信息">
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2024-03-28 17:05">
<meta name="ContentSource" content="静海区司法局">
</head>
<body>
<div class="head-top">天津市静海区人民政府 2024年3月28日星期四 <a href="#">无障碍</a> <a href="#">简体</a>|<a href="#">繁体</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="#">政府信息公开</a> &gt; <a href="#">其他法定主动公开信息</a></div>
<div class="content_box">
  <h1>{title}</h1>
  <div class="source">来源：静海区司法局　　发布时间：2024-03-28 17:05</div>
  <div id="zoom" class="article_con">
    <div class="TRS_Editor">{TRS_STYLE}
      <p style="text-indent:2em">{esc(intro)}</p>
      <p style="text-indent:2em">附件：<a href="./P020240328345678901234.pdf" oldsrc="P020240328345678901234.pdf">1.{title}.pdf</a></p>
      <p style="text-indent:4em"><a href="./P020240328345678901235.wps" oldsrc="P020240328345678901235.wps">2.{title}（可编辑版）.wps</a></p>
    </div>
  </div>
  <div class="related"><h3>相关文件</h3><ul><li><a href="../202303/t20230330_6123456.html">静海区2022年度法治政府建设情况报告</a></li></ul></div>
</div>
{gov_footer("天津市静海区人民政府", "1200000034", "津ICP备05004321号", "津公网安备 12022302000123号", "tjjh")}
</body>
</html>
"""
    base = url.rsplit("/", 1)[0]
    write("trs", "jinghai_attachment_stub", page, expected(
        rep, url, publisher="静海区司法局", pub_date="2024-03-28", report_year=2023,
        site_name="天津市静海区人民政府", column="其他法定主动公开信息",
        attachments=[
            {"url": f"{base}/P020240328345678901234.pdf", "name": f"1.{title}.pdf", "type": "pdf"},
            {"url": f"{base}/P020240328345678901235.wps", "name": f"2.{title}（可编辑版）.wps", "type": "wps"},
        ]))


def trs_changing(variant: str) -> None:
    rep = report_gucheng()
    url = "http://www.ljgucheng.gov.cn/xljgcq/c101533/202503/t20250320_1209331.html"
    counter, today, related = {
        "a": ("152", "2025年3月20日 星期四", ["古城区召开2025年全面依法治区工作会议", "古城区开展“八五”普法中期评估"]),
        "b": ("2871", "2025年4月2日 星期三", ["古城区司法局开展宪法宣传周活动", "古城区召开2025年全面依法治区工作会议",
                                           "丽江市法治政府建设示范创建推进会召开"]),
    }[variant]
    items = "\n".join(f'<li><a href="../202503/t2025031{i}_12000{i}.html">{t}</a><span>2025-03-1{i}</span></li>'
                      for i, t in enumerate(related))
    body = trs_paragraphs(rep, random.Random(2))
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{rep.title}_丽江市古城区人民政府</title>
<meta name="SiteName" content="丽江市古城区人民政府">
<meta name="ColumnName" content="法治政府建设">
<meta name="ArticleTitle" content="{rep.title}">
<meta name="PubDate" content="2025-03-20 11:02">
<meta name="ContentSource" content="古城区司法局">
<meta name="others" content="页面生成时间 2025-0{3 if variant == 'a' else 4}-{20 if variant == 'a' else '02'} 11:0{3 if variant == 'a' else 7}:15">
</head>
<body>
<div class="top"><span class="today">{today}</span> <span>农历乙巳年</span> <a href="#">无障碍浏览</a></div>
<div class="main">
  <div class="news_title">{rep.title}</div>
  <div class="news_info">发布时间：2025-03-20　来源：古城区司法局　浏览次数：<span>{counter}</span>　【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
  <div id="zoom"><div class="TRS_Editor">{TRS_STYLE}
{body}
  </div></div>
  <div class="editor">责任编辑：和丽萍</div>
  <div class="pre_next"><p>上一篇：<a href="#">{related[0]}</a></p><p>下一篇：<a href="#">{related[-1]}</a></p></div>
  <div class="xglj"><h4>相关新闻</h4><ul>
{items}
  </ul></div>
</div>
{gov_footer("丽江市古城区人民政府", "5307020001", "滇ICP备12003456号", "滇公网安备 53070202000045号", "gucheng")}
<div class="visit">总访问量：{int(counter) * 931}</div>
</body>
</html>
"""
    doc = expected(rep, url, publisher="古城区司法局", pub_date="2025-03-20", report_year=2024,
                   site_name="丽江市古城区人民政府", column="法治政府建设")
    if variant == "b":
        doc["same_text_as"] = "changing_chrome_a"
    write("trs", f"changing_chrome_{variant}", page, doc)


# ------------------------------------------------------------------------- Hanweb JCMS

def hanweb_paragraphs(report: Report, rng: random.Random) -> str:
    out = []
    for block in report.blocks:
        if isinstance(block, Table):
            out.append(html_table(block))
        elif is_heading(block):
            out.append(f'<p style="text-indent:2em;"><strong>{esc(block)}</strong></p>')
        else:
            lead = "&#12288;&#12288;" if rng.random() < 0.5 else "&nbsp;&nbsp;&nbsp;&nbsp;"
            out.append(f'<p style="text-indent:0;line-height:2;">{lead}{esc(block)}</p>')
    for line in report.signature:
        out.append(f'<p style="text-align:right;">{esc(line)}</p>')
    return "\n".join(out)


def hanweb_head(title: str, site: str, column: str, pubdate: str, source: str, colid: str, artid: str) -> str:
    return f"""<meta name="SiteName" content="{site}">
<meta name="SiteDomain" content="www.xiangshan.gov.cn">
<meta name="SiteIDCode" content="">
<meta name="ColumnName" content="{column}">
<meta name="ColumnType" content="">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{pubdate}">
<meta name="author" content=""><meta name="description" content="">
<meta name="keywords" content="法治 政府 建设"><meta name="contentSource" content="{source}">
<meta name="Maketime" content="{pubdate}:12">
<meta name="i_columnid" content="{colid}"><meta name="i_articleid" content="{artid}">
<meta name="guid" content="{colid}{artid}">
<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>
<link href="/module/jslib/hanweb.css" rel="stylesheet">"""


def hanweb_xiangshan() -> None:
    rep = report_xiangshan()
    url = "http://www.xiangshan.gov.cn/art/2025/3/25/art_1229673407_4622334.html"
    body = hanweb_paragraphs(rep, random.Random(4))
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{rep.title}</title>
{hanweb_head(rep.title, "象山县人民政府", "法治政府建设年度报告", "2025-03-25 15:36", "县营商环境办", "1229673407", "4622334")}
</head>
<body>
<div id="barrierfree_container">
<div class="top-tools"><a href="javascript:void(0)" onclick="toggleToolBar()">无障碍</a> <a href="#">长者模式</a></div>
<div id="hiddenLocation" style="display:none"><span class="col1_name">政府信息公开</span><span class="col2_name">法治政府建设年度报告</span></div>
<div class="bt-position">您现在的位置：<a href="/">首页</a> &gt; <a href="/col/col1229673392/index.html">政府信息公开</a> &gt; <a href="/col/col1229673407/index.html">法治政府建设年度报告</a></div>
<table class="xxgk_table" width="100%" border="0" cellspacing="0" cellpadding="0">
  <tr><td class="xxgk_lab">索引号</td><td>11330225MB1D94421D/2025-128457</td><td class="xxgk_lab">公开方式</td><td>主动公开</td></tr>
  <tr><td class="xxgk_lab">发布机构</td><td>县营商环境办</td><td class="xxgk_lab">生成日期</td><td>2025-03-25</td></tr>
  <tr><td class="xxgk_lab">文号</td><td>象营商办〔2025〕3号</td><td class="xxgk_lab">有效性</td><td>有效</td></tr>
  <tr><td class="xxgk_lab">主题分类</td><td colspan="3">综合政务/其他</td></tr>
</table>
<div class="artile_title"><p class="title">{rep.title}</p></div>
<div id="zoom" class="main-txt">
<!--ZJEG_RSS.content.begin--><meta name="ContentStart">
{body}
<meta name="ContentEnd"><!--ZJEG_RSS.content.end-->
</div>
<div class="art-tools"><span onclick="window.print()">打印</span> | <span onclick="window.close()">关闭</span></div>
<div class="footer">主办：象山县人民政府办公室 承办：象山县大数据发展中心<br>网站标识码：3302250001 浙ICP备05000113号-1 浙公网安备 33022502000101号</div>
</div>
</body>
</html>
"""
    write("hanweb", "xiangshan_zjeg", page, expected(
        rep, url, publisher="县营商环境办", pub_date="2025-03-25", written_date="2025-03-25",
        index_no="11330225MB1D94421D/2025-128457", doc_no="象营商办〔2025〕3号", validity="有效",
        report_year=2024, site_name="象山县人民政府", column="法治政府建设年度报告"))


def hanweb_gucheng_chrome_inside() -> None:
    rep = report_gucheng()
    url = "https://www.ljgucheng.gov.cn/art/2025/3/21/art_1312_88214.html"
    body = hanweb_paragraphs(rep, random.Random(5))
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{rep.title} - 丽江市古城区人民政府</title>
<meta content="丽江市古城区人民政府" name="SiteName" />
<meta content="" name="SiteIDCode" />
<meta content="部门动态" name="ColumnName" />
<meta content="{rep.title}" name="ArticleTitle" />
<meta content="2025-03-21 09:15" name="PubDate" />
<meta name="Maketime" content="2025-03-21 09:15:40">
</head>
<body>
<div class="article_title">{rep.title}</div>
<div class="article_info">发布时间：2025-03-21 09:15　信息来源：<!--<$[信息来源]>begin-->古城区人民政府<!--<$[信息来源]>end-->　字号：[ <a>大</a> <a>中</a> <a>小</a> ]</div>
<div id="Zoom">
<!--ZJEG_RSS.content.begin--><meta name="ContentStart">
{body}
<p>责任编辑:</p>
<div class="qr"><img src="/qr.png"><p>扫一扫在手机打开当前页</p></div>
<div class="xgxw"><div class="hd">相关新闻</div><ul>
<li><a href="/art/2025/3/18/art_1312_88001.html">古城区召开2025年法治政府建设工作推进会</a></li>
<li><a href="/art/2025/3/10/art_1312_87700.html">古城区开展行政执法案卷评查</a></li>
</ul></div>
<meta name="ContentEnd"><!--ZJEG_RSS.content.end-->
</div>
<div class="ft">网站标识码：5307020001　滇ICP备12003456号</div>
</body>
</html>
"""
    write("hanweb", "gucheng_chrome_in_content", page, expected(
        rep, url, publisher="古城区人民政府", pub_date="2025-03-21", report_year=2024,
        site_name="丽江市古城区人民政府", column="部门动态"))


def hanweb_downfile() -> None:
    title = "常州市武进区司法局2023年度法治政府建设情况报告"
    url = "https://www.wj.gov.cn/art/2024/3/29/art_46417_10931102.html"
    paras = [
        "2023年，区司法局在区委、区政府的坚强领导下，深入学习贯彻习近平法治思想，全面落实《法治政府建设实施纲要（2021—2025年）》，现将有关情况报告如下。",
        "一、主要举措和成效",
        "（一）统筹推进法治政府建设。制定年度法治政府建设工作要点，召开全区法治政府建设推进会2次，完成法治政府建设示范创建指标自评。",
        "（二）严格规范公正文明执法。组织行政执法案卷评查，抽查案卷186件，发现问题43个并督促整改到位。",
        "（三）依法化解社会矛盾纠纷。全年办理行政复议案件212件，调解和解率达到38.2%。",
        "二、存在的不足",
        "基层执法人员专业能力仍有差距，部分行政规范性文件清理不够及时。",
        "三、下一步工作打算",
        "2024年，区司法局将持续深化行政执法规范化建设，提升行政复议办案质效，推进法治政府建设再上新台阶。",
        "附件：",
        "1.附件1",
        "2.武进区2023年法治政府建设统计表.docx",
    ]
    rep = Report(title, paras, ["常州市武进区司法局", "2024年3月28日"])
    parts = []
    for p in paras[:-2]:
        parts.append(f"<p>{esc(p)}</p>")
    parts.append('<p>1.<a href="/module/download/downfile.jsp?classid=0&amp;filename=0e3c1a4f8c9d4a2b.pdf" target="_blank">附件1</a></p>')
    oss = ("https://zjjcmspublic.oss-cn-hangzhou-zwynet-d01-a.internet.cloud.zj.gov.cn/jcms_files/jcms1/"
           "web3185/site/attach/0/%E7%BB%9F%E8%AE%A1%E8%A1%A8.docx")
    parts.append(f'<p>2.<a href="{oss}">武进区2023年法治政府建设统计表.docx</a></p>')
    parts += [f'<p style="text-align:right">{esc(x)}</p>' for x in rep.signature]
    body = "\n".join(parts)
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{title}_常州市武进区人民政府</title>
<meta name="SiteName" content="常州市武进区人民政府"><meta name="ColumnName" content="法治政府建设">
<meta name="PubDate" content="2024-03-29 10:20"><meta name="ArticleTitle" content="{title}">
</head>
<body>
<div class="xxgk_head">
<table class="xxgk_table">
<tr><td>索 引 号：</td><td>014100235/2024-00123</td><td>分类：</td><td>法治政府建设</td></tr>
<tr><td>发布机构：</td><td>常州市武进区司法局</td><td>发布日期：</td><td>2024-03-29</td></tr>
<tr><td>标　　题：</td><td colspan="3">{title}</td></tr>
<tr><td>文　　号：</td><td>/</td><td>有 效 性：</td><td>有效</td></tr>
</table></div>
<div class="con">
<!--<$[信息内容]>begin-->
{body}
<!--<$[信息内容]>end-->
</div>
<div class="tools"><a href="javascript:window.print()">[打印本页]</a> <a href="javascript:window.close()">[关闭窗口]</a></div>
</body>
</html>
"""
    write("hanweb", "wujin_downfile", page, expected(
        rep, url, publisher="常州市武进区司法局", pub_date="2024-03-29", written_date="2024-03-28",
        index_no="014100235/2024-00123", validity="有效", report_year=2023,
        site_name="常州市武进区人民政府", column="法治政府建设",
        attachments=[
            {"url": "https://www.wj.gov.cn/module/download/downfile.jsp?classid=0&filename=0e3c1a4f8c9d4a2b.pdf",
             "name": "0e3c1a4f8c9d4a2b.pdf", "type": "pdf"},
            {"url": oss, "name": "武进区2023年法治政府建设统计表.docx", "type": "docx"},
        ]))


def hanweb_zoom_only() -> None:
    rep = report_xsbn()
    url = "https://www.xsbn.gov.cn/art/2025/1/10/art_1201_330145.html"
    body = hanweb_paragraphs(rep, random.Random(6))
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{rep.title}</title>
<meta name="sitename" content="西双版纳傣族自治州人民政府">
<meta name="columnname" content="政府工作报告">
<meta name="articletitle" content="{rep.title}">
<meta name="pubdate" content="2025-01-10 16:40">
</head>
<body>
<div id="barrierfree_container">
<div class="mainbox">
<div class="wz_title"><h1>{rep.title}</h1></div>
<div class="wz_info">日期：2025-01-10 来源：州政府办公室 <span id="hits">阅读次数：99</span></div>
<div class="wz_zoom" id="Zoom">
{body}
</div>
<div class="share">分享到：<a>微信</a> <a>微博</a></div>
</div>
<div class="footer">版权所有：西双版纳傣族自治州人民政府　网站标识码：5328000001</div>
</div>
</body>
</html>
"""
    write("hanweb", "xsbn_zoom", page, expected(
        rep, url, publisher="州政府办公室", pub_date="2025-01-10", written_date="2025-01-08", report_year=2024,
        site_name="西双版纳傣族自治州人民政府", column="政府工作报告"))


# ------------------------------------------------------------------------- Ucap / 集约化

UCAP_FOOTER = gov_footer("重庆市江北区人民政府", "5001050001", "渝ICP备05003255号", "渝公网安备 50010502000001号", "ucap")


def ucap_paragraphs(report: Report, wrap: bool = False) -> str:
    out = []
    for block in report.blocks:
        if isinstance(block, Table):
            out.append(html_table(block, "plain"))
        elif is_heading(block):
            out.append(f"<p><b>{esc(block)}</b></p>")
        else:
            text = wrap_source(block) if wrap else esc(block)
            out.append(f"<p>&#12288;&#12288;{text}</p>")
    for line in report.signature:
        out.append(f'<p align="right">{esc(line)}</p>')
    return "\n".join(out)


def ucap_full_chrome() -> None:
    rep = report_jiangbei(punct=False)
    url = "https://www.cqjb.gov.cn/zwgk_190/fdzdgknr/art/2025/art_7a1c90e4b2a54d8a9f3c.html"
    body = ucap_paragraphs(rep, wrap=True)
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{rep.title}</title>
<meta name="SiteName" content="重庆市江北区人民政府">
<meta name="SiteIDCode" content="5001050001">
<meta name="ColumnName" content="法定主动公开内容">
<script src="/js/ucap/jquery.js"></script>
</head>
<body>
<div class="header">
  <div class="toolbar"><span class="date">2025年03月28日 星期五</span> <a href="#">无障碍浏览</a> <a href="#">长者模式</a> <a href="#">登录</a> <a href="#">注册</a></div>
  <div class="navbar"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/zwfw/">政务服务</a></div>
</div>
<div class="breadcrumb"><a href="/">首页</a> &gt; <a href="/zwgk_190/">政务公开</a> &gt; <a href="/zwgk_190/fdzdgknr/">法定主动公开内容</a></div>
<div class="article_content">
  <div class="article_title"><UCAPTITLE>{rep.title}</UCAPTITLE></div>
  <div class="article_info">发布日期：2025-03-28　来源：江北区政府办公室　浏览次数：<span id="hits">1024</span>
    【字体：<a href="javascript:fontZoom(18)">大</a> <a href="javascript:fontZoom(16)">中</a> <a href="javascript:fontZoom(14)">小</a>】
    <a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
  <div class="wenz"><UCAPCONTENT>
{body}
  </UCAPCONTENT></div>
  <div class="fx">分享到：<a class="bds_weixin"></a><a class="bds_tsina"></a><a class="bds_qzone"></a></div>
  <div class="editor">【我要纠错】 责任编辑：王敏</div>
  <div class="ewm"><img src="/qr.png"><p>扫一扫在手机打开当前页面</p></div>
  <div class="xgjd"><div class="tit">相关解读</div><ul><li><a href="/jd/1.html">图解：江北区政府办公室2024年度法治政府建设情况报告</a></li></ul></div>
</div>
{UCAP_FOOTER}
</body>
</html>
"""
    write("ucap", "jiangbei_full_chrome", page, expected(
        rep, url, publisher="江北区政府办公室", pub_date="2025-03-28", report_year=2024,
        site_name="重庆市江北区人民政府", column="法定主动公开内容"))


def ucap_xxgkcont() -> None:
    rep = report_mile()
    url = "https://www.hhml.gov.cn/xxgk/fdzdgknr/fzzfjsndbg/content_3f9a1b.html"
    parts = [f'<p style="text-align:center"><b>{esc(x)}</b></p>' for x in rep.blocks[:2]]
    parts += [f"<p>{esc(x)}</p>" for x in rep.blocks[2:]]
    parts.append(f'<p style="text-align:right">{esc(rep.signature[0])}</p>')
    body = "\n".join(parts)
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{rep.title}_弥勒市人民政府</title>
<meta name="SiteName" content="弥勒市人民政府"><meta name="ColumnName" content="法治政府建设年度报告">
<meta name="ArticleTitle" content="{rep.title}">
</head>
<body>
<div class="xxgkcont">
<table class="xxgk-info">
<tr><th>索引号</th><td>000014348/2022-01024</td><th>发布机构</th><td>弥勒市人民政府</td></tr>
<tr><th>文号</th><td>弥政报〔2022〕12号</td><th>成文日期</th><td>2022年03月16日</td></tr>
<tr><th>发布日期</th><td>2022年03月29日</td><th>有效性</th><td>有效</td></tr>
</table>
<h2 class="xxgk-title-hidden" style="display:none">{rep.title}</h2>
<div class="wenz">
<p class="tools">【字体：<a>大</a> <a>中</a> <a>小</a>】</p>
{body}
<p class="tools">【打印本页】【关闭窗口】</p>
</div>
</div>
{UCAP_FOOTER.replace("重庆市江北区", "弥勒市")}
</body>
</html>
"""
    write("ucap", "mile_xxgkcont", page, expected(
        rep, url, publisher="弥勒市人民政府", pub_date="2022-03-29", written_date="2022-03-16",
        index_no="000014348/2022-01024", doc_no="弥政报〔2022〕12号", validity="有效", report_year=2021,
        site_name="弥勒市人民政府", column="法治政府建设年度报告"))


def ucap_article_content_table() -> None:
    rep = report_xiangshan(with_table=True)
    url = "https://www.xiangshan.gov.cn/xxgk/fzzfjsndbg/202503/content_77812.html"
    body = ucap_paragraphs(rep)
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{rep.title}_象山县人民政府</title>
</head>
<body>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">信息公开</a> &gt; <a href="/xxgk/fzzfjsndbg/">法治政府建设年度报告</a> &gt; 正文</div>
<div class="article">
  <h1>{rep.title}</h1>
  <div class="article-meta">发布时间：2025-03-25 15:36　信息来源：县营商环境办　<span class="print" onclick="window.print()">打印</span></div>
  <div class="article-content"><UCAPCONTENT>
{body}
  </UCAPCONTENT></div>
</div>
<div class="foot">Copyright © 象山县人民政府 版权所有 浙ICP备05000113号</div>
</body>
</html>
"""
    write("ucap", "xiangshan_article_table", page, expected(
        rep, url, publisher="县营商环境办", pub_date="2025-03-25", report_year=2024,
        site_name="象山县人民政府", column="法治政府建设年度报告"))


def ucap_bom_wrong_meta() -> None:
    rep = report_xsbn(punct=True)
    url = "https://www.xsbn.gov.cn/xxgk/content_2938280.html"
    body = ucap_paragraphs(rep)
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>{rep.title}_西双版纳傣族自治州人民政府</title>
<meta name="PubDate" content="2025-01-10">
</head>
<body>
<div class="article-content">
<UCAPCONTENT>
{body}
</UCAPCONTENT>
</div>
</body>
</html>
"""
    write("ucap", "xsbn_bom_meta_gbk", page, expected(
        rep, url, publisher="西双版纳州人民政府办公室", pub_date="2025-01-10", written_date="2025-01-08",
        report_year=2024, site_name="西双版纳傣族自治州人民政府"), bom=True)


# ------------------------------------------------------------------------- table layout

def table_lines(report: Report, indent: str = "&nbsp;&nbsp;&nbsp;&nbsp;") -> str:
    out = []
    for block in report.blocks:
        if isinstance(block, Table):
            out.append(html_table(block, "plain"))
        else:
            out.append(f"{indent}{esc(block)}<br>")
    for line in report.signature:
        out.append(f"<div align=\"right\">{esc(line)}</div>")
    return "\n".join(out)


def table_basic() -> None:
    rep = report_mile()
    rep = Report(rep.title, rep.blocks[2:], rep.signature)
    url = "http://www.mile.gov.cn/news_view.asp?id=21873"
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{rep.title}--弥勒市人民政府网</title>
<link href="css/style.css" rel="stylesheet" type="text/css">
</head>
<body topmargin="0">
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td><img src="images/top.jpg" width="980" height="120"></td></tr>
  <tr><td class="nav" height="36"><a href="index.asp">首页</a> | <a href="zwgk.asp">政务公开</a> | <a href="bsfw.asp">办事服务</a> | <a href="hdjl.asp">互动交流</a> | <a href="wzdt.asp">网站地图</a></td></tr>
  <tr><td height="24">今天是：2022年3月29日 星期二</td></tr>
</table>
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td class="dqwz">当前位置：<a href="index.asp">首页</a> &gt;&gt; <a href="zwgk.asp">政务公开</a> &gt;&gt; <a href="list.asp?cid=37">法治政府建设</a></td></tr>
</table>
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0" bgcolor="#FFFFFF">
  <tr><td align="center" class="bt" height="60"><b>{rep.title}</b></td></tr>
  <tr><td align="center" class="zz">发布时间：2022-03-29&nbsp;&nbsp;来源：弥勒市司法局&nbsp;&nbsp;点击数：<span id="hits">386</span>&nbsp;&nbsp;【字体：<a href="javascript:fontZoom(16)">大</a> <a href="javascript:fontZoom(14)">中</a> <a href="javascript:fontZoom(12)">小</a>】</td></tr>
  <tr><td class="content" style="line-height:28px;padding:20px">
{table_lines(rep)}
  </td></tr>
  <tr><td align="right"><a href="javascript:window.print()">【打印本页】</a>&nbsp;<a href="javascript:window.close()">【关闭窗口】</a></td></tr>
</table>
<table width="980" border="0" align="center"><tr><td align="center" class="copyright">版权所有：弥勒市人民政府&nbsp;&nbsp;主办单位：弥勒市人民政府办公室<br>网站标识码：5325040001&nbsp;&nbsp;滇ICP备05000123号</td></tr></table>
</body>
</html>
"""
    write("table", "mile_br_layout", page, expected(
        rep, url, publisher="弥勒市司法局", pub_date="2022-03-29", written_date="2022-03-16", report_year=2021,
        site_name="弥勒市人民政府网", column="法治政府建设"))


def table_gbk_latin1() -> None:
    rep = report_jiangbei(punct=True)
    url = "http://www.jbq.cq.cn/show.aspx?id=9921"
    paras = "\n".join(f"<p>{esc(b)}</p>" for b in rep.blocks if isinstance(b, str))
    page = f"""<html>
<head>
<title>{rep.title}-江北区人民政府门户网站</title>
</head>
<body>
<form name="form1" method="post" action="show.aspx?id=9921" id="form1">
<table width="1000" align="center" cellpadding="0" cellspacing="0">
<tr><td colspan="2"><img src="img/banner.gif"></td></tr>
<tr><td width="230" valign="top" class="left">
  <div class="lm">信息公开</div>
  <ul><li><a href="list.aspx?c=1">政策文件</a></li><li><a href="list.aspx?c=2">规划计划</a></li><li><a href="list.aspx?c=3">法治政府建设</a></li><li><a href="list.aspx?c=4">财政预决算</a></li></ul>
</td>
<td valign="top">
  <table width="100%">
  <tr><td class="weizhi">您的位置：<a href="index.aspx">首页</a> → <a href="list.aspx?c=3">法治政府建设</a></td></tr>
  <tr><td align="center"><span class="title">{rep.title}</span></td></tr>
  <tr><td align="center">发布日期：2025年3月28日　　阅读次数：57</td></tr>
  <tr><td class="zw">
{paras}
  </td></tr>
  <tr><td align="right">[<a href="javascript:window.print()">打印</a>] [<a href="javascript:window.close()">关闭</a>]</td></tr>
  </table>
</td></tr>
<tr><td colspan="2" align="center">江北区人民政府办公室主办 版权所有 渝ICP备05003255号</td></tr>
</table>
</form>
</body>
</html>
"""
    write("table", "jiangbei_gbk_mislabelled", page, expected(
        rep, url, pub_date="2025-03-28", report_year=2024, site_name="江北区人民政府门户网站", column="法治政府建设"),
        encoding="gbk", headers={"Content-Type": "text/html; charset=ISO-8859-1"})


def table_tools_inline() -> None:
    rep = report_xiangshan(with_table=True)
    rep = Report(rep.title, rep.blocks, ["象山县营商环境办公室", "2025年3月20日"])
    url = "http://www.xiangshan.gov.cn/old/ShowArticle.asp?ArticleID=4622"
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{rep.title}</title>
</head>
<body>
<table width="960" align="center" border="0" cellspacing="0" cellpadding="0">
<tr><td class="logo"><img src="/images/logo.gif"></td><td class="links"><a href="/">首页</a> <a href="/sitemap.asp">网站地图</a></td></tr>
</table>
<table width="960" align="center" border="0" cellspacing="0" cellpadding="0">
<tr><td height="40" align="center"><font size="4"><b>{rep.title}</b></font></td></tr>
<tr><td bgcolor="#e5e5e5" height="1"></td></tr>
<tr><td style="padding:15px;font-size:14px;line-height:26px">
文章来源：县营商环境办&nbsp;&nbsp;&nbsp;&nbsp;更新时间：2025-03-25&nbsp;&nbsp;&nbsp;&nbsp;本文已被浏览 412 次<br><br>
{table_lines(rep, "　　")}
<br>
责任编辑：李明<br>
<div align="right">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】【<a href="#top">返回顶部</a>】</div>
</td></tr>
</table>
<table width="960" align="center"><tr><td align="center">象山县人民政府 版权所有 浙ICP备05000113号</td></tr></table>
</body>
</html>
"""
    write("table", "xiangshan_tools_inline", page, expected(
        rep, url, publisher="县营商环境办", pub_date="2025-03-25", written_date="2025-03-20", report_year=2024))


def table_counter(variant: str) -> None:
    rep = report_xsbn()
    url = "http://www.xsbn.gov.cn/101.news.detail.dhtml?news_id=2938280"
    hits, today, dates = {"a": ("152", "2025年1月10日 星期五", "2025-01-10"),
                          "b": ("3087", "2025年2月14日 星期五", "2025-01-10")}[variant]
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{rep.title}</title>
<meta name="SiteName" content="西双版纳傣族自治州人民政府">
</head>
<body>
<table width="1000" align="center">
<tr><td class="top_date">{today}</td><td class="top_link"><a href="#">设为首页</a> <a href="#">加入收藏</a></td></tr>
</table>
<table width="1000" align="center" class="main">
<tr><td class="bt" align="center">{rep.title}</td></tr>
<tr><td class="nr">
<div class="nrinfo">发布日期：{dates}&nbsp;&nbsp;浏览次数：{hits}&nbsp;&nbsp;<a href="javascript:window.print()">【打印】</a></div>
{table_lines(rep, "&nbsp;&nbsp;")}
</td></tr>
<tr><td class="fx">分享到：<a>微信</a><a>微博</a>&nbsp;&nbsp;{"<a href='#'>上一篇：西双版纳州召开法治政府建设工作会议</a>" if variant == "b" else ""}</td></tr>
</table>
<table width="1000" align="center"><tr><td>主办单位：西双版纳州人民政府办公室　网站标识码：5328000001　滇ICP备05000872号</td></tr></table>
</body>
</html>
"""
    doc = expected(rep, url, publisher="西双版纳州人民政府办公室", pub_date="2025-01-10", written_date="2025-01-08",
                   report_year=2024, site_name="西双版纳傣族自治州人民政府")
    if variant == "b":
        doc["same_text_as"] = "xsbn_counter_a"
    write("table", f"xsbn_counter_{variant}", page, doc)


# ------------------------------------------------------------------------- other CMS (generic density path)

def other_empirecms() -> None:
    rep = Report(report_gucheng().title, [fullwidth(x) for x in seed(2)[:-3]], ["丽江市古城区人民政府", "2025年3月18日"])
    url = "http://wasg.ljgucheng.gov.cn/e/action/ShowInfo.php?classid=112&id=17552"
    paras = "\n".join(f"   <p>{esc(b)}</p>" for b in rep.blocks if isinstance(b, str))
    sig = "\n".join(f'   <p style="text-align:right">{esc(x)}</p>' for x in rep.signature)
    page = f"""<html><head><meta charset="utf-8"><title>{rep.title} - 丽江市古城区人民政府</title></head>
<body>
<div class="top"><div class="logo">丽江市古城区人民政府</div><div class="search"><input name="keyboard"><button>搜索</button></div></div>
<div class="menu"><a href="/">网站首页</a><a href="/zwgk/">政务公开</a><a href="/hdjl/">互动交流</a><a href="/zwfw/">政务服务</a></div>
<div class="wrap">
 <div class="sidebar">
   <h3>领导之窗</h3><p>和丽华，女，纳西族，1975年3月生，云南丽江人，中共党员，大学学历，现任古城区人民政府区长，主持区政府全面工作，分管审计、财政工作。</p>
   <h3>热点信息</h3><ul><li><a href="/a/1.html">古城区召开法治政府建设工作会议</a></li><li><a href="/a/2.html">古城区开展行政执法案卷评查</a></li><li><a href="/a/3.html">古城区司法局开展宪法宣传周活动</a></li></ul>
 </div>
 <div class="main">
  <div class="show-title">{rep.title}</div>
  <div class="show-info">作者：区司法局　　时间：2025-03-19　　点击：<script src="/e/public/ViewClick/?classid=112&amp;id=17552&amp;addclick=1"></script>次</div>
  <div class="show-body" id="text">
{paras}
{sig}
  </div>
  <div class="show-share">分享到：<a class="wx">微信</a> <a class="wb">微博</a></div>
  <div class="prev-next"><p>上一篇：<a href="/a/9.html">古城区2024年工作总结</a></p><p>下一篇：没有了</p></div>
 </div>
</div>
<div class="foot"><p>主办单位：丽江市古城区人民政府办公室　地址：古城区福慧路123号　电话：0888-5111111</p><p>网站标识码：5307020001　滇ICP备12003456号-1</p></div>
</body></html>
"""
    write("other", "gucheng_empirecms", page, expected(
        rep, url, publisher="丽江市古城区人民政府", pub_date="2025-03-19", written_date="2025-03-18", report_year=2024,
        site_name="丽江市古城区人民政府"))


def other_siteserver() -> None:
    rep = report_jiangbei(punct=True)
    table = Table(caption="2024年度行政规范性文件清理情况", rows=[
        ["序号", "文件名称", "文号", "发布日期", "处理结果"],
        ["1", "江北区政务服务事项管理办法", "江北府办发〔2019〕45号", "2019-06-12", "修改"],
        ["2", "江北区政府信息公开工作规程", "江北府办发〔2020〕8号", "2020-02-20", "继续有效"],
    ])
    blocks: list[str | Table] = list(rep.blocks)
    at = next(i for i, b in enumerate(blocks) if isinstance(b, str) and b.startswith("（三）持续优化"))
    rep = Report(rep.title, blocks[:at] + [table] + blocks[at:])
    url = "https://www.cqjb.gov.cn/contents/37/182331.html"
    parts = []
    for block in rep.blocks:
        if isinstance(block, Table):
            parts.append(html_table(block, "plain"))
        else:
            parts.append(f"<div>{esc(block)}</div>")
    body = "\n".join(parts)
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{rep.title}-重庆市江北区人民政府</title>
<meta name="keywords" content="法治政府建设">
</head>
<body>
<div class="ewb-header">重庆市江北区人民政府 <a href="#">无障碍浏览</a></div>
<div class="ewb-location">您现在的位置：<a href="/">首页</a> &gt; <a href="/channels/37.html">法治政府建设</a> &gt; 详情</div>
<div class="ewb-article">
  <ul class="ewb-article-list">
    <li><b>索&nbsp;&nbsp;引&nbsp;&nbsp;号：</b>11500105MB1570734Q/2025-00031</li>
    <li><b>发文机关：</b>重庆市江北区人民政府办公室</li>
    <li><b>发文字号：</b>江北府办〔2025〕12号</li>
    <li><b>成文日期：</b>2025年03月27日</li>
    <li><b>发布日期：</b>2025年03月28日</li>
    <li><b>主题分类：</b>综合政务</li>
  </ul>
  <h3 class="ewb-article-tt">{rep.title}</h3>
  <div class="ewb-article-info">
{body}
  </div>
  <div class="ewb-article-sources"><span>【<a href="javascript:window.print()">打印</a>】</span><span>【<a href="javascript:window.close()">关闭</a>】</span></div>
</div>
<div class="ewb-footer">版权所有：重庆市江北区人民政府　网站标识码：5001050001　渝ICP备05003255号</div>
</body>
</html>
"""
    write("other", "jiangbei_siteserver", page, expected(
        rep, url, publisher="重庆市江北区人民政府办公室", pub_date="2025-03-28", written_date="2025-03-27",
        index_no="11500105MB1570734Q/2025-00031", doc_no="江北府办〔2025〕12号", report_year=2024,
        site_name="重庆市江北区人民政府", column="法治政府建设"))


def other_vsb() -> None:
    """The markup seed 001 came from: VSB (博达) with label/value list items without colons."""
    lines = seed(1)
    rep = Report("弥勒市人民政府关于2021年法治政府建设工作情况的报告", lines[6:-1], [lines[-1]])
    url = "https://www.hhml.gov.cn/info/2571/906152.htm"
    rows = [line[2:] for line in lines[:5]]
    labels = ["索引号", "发布机构", "文号", "发布日期", "有效性"]
    items = "\n".join(f"<li><span class=\"lab\">{label}</span>{row[len(label):]}</li>" for label, row in zip(labels, rows, strict=True))
    paras = [f'<p style="text-align:center"><strong>{esc(x)}</strong></p>' for x in rep.blocks[:2]]
    paras += [f'<p class="vsbcontent_start">{esc(x)}</p>' if i == 0 else f"<p>{esc(x)}</p>"
              for i, x in enumerate(rep.blocks[2:])]
    paras.append(f'<p class="vsbcontent_end" style="text-align:right">{esc(rep.signature[0])}</p>')
    body = "\n".join(paras)
    page = f"""<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>{rep.title}-弥勒市人民政府</title>
<meta name="pageType" content="3"><meta name="pageTitle" content="{rep.title}">
<script type="text/javascript" src="/system/resource/js/counter.js"></script>
</head>
<body>
<div class="head">弥勒市人民政府 <a href="#">无障碍浏览</a> <a href="#">长者模式</a></div>
<div class="location">当前位置: <a href="../../index.htm">首页</a> &gt;&gt; <a href="../../zfxxgk.htm">政府信息公开</a> &gt;&gt; <a href="../../zfxxgk/fzzfjsndbg.htm">法治政府建设年度报告</a> &gt;&gt; 正文</div>
<form name="_newscontent_fromname">
<div class="xxgk-info"><ul>
{items}
</ul></div>
<h1 align="center">{rep.title}</h1>
<div class="info">点击数：<script>_showDynClicks("wbnews", 1709877911, 906152)</script></div>
<div id="vsb_content"><div class="v_news_content">
{body}
</div></div>
<div id="div_vote_id"></div>
</form>
<div class="foot">主办单位：弥勒市人民政府办公室 | 网站标识码：5325040001 | 滇ICP备05000123号-1</div>
</body></html>
"""
    write("other", "mile_vsb_bare_labels", page, expected(
        rep, url, publisher="弥勒市人民政府", pub_date="2022-03-29", written_date="2022-03-16",
        index_no="000014348/2022-01024", doc_no="弥政报〔2022〕12号", validity="有效", report_year=2021,
        site_name="弥勒市人民政府", column="法治政府建设年度报告"))


def main() -> None:
    trs_jiangbei()
    trs_mile_gbk()
    trs_xsbn_ueditor()
    trs_jinghai_stub()
    trs_changing("a")
    trs_changing("b")
    hanweb_xiangshan()
    hanweb_gucheng_chrome_inside()
    hanweb_downfile()
    hanweb_zoom_only()
    ucap_full_chrome()
    ucap_xxgkcont()
    ucap_article_content_table()
    ucap_bom_wrong_meta()
    table_basic()
    table_gbk_latin1()
    table_tools_inline()
    table_counter("a")
    table_counter("b")
    other_empirecms()
    other_siteserver()
    other_vsb()


if __name__ == "__main__":
    main()
