"""The six simulated portals: who runs them, their ids, and who publishes in their report column."""

from __future__ import annotations

from dataclasses import dataclass

FAMILY_NAMES = ("trs", "hanweb", "ucap", "table", "jsonlist", "challenge")

# Departments of a county-level government, in the order their reports are usually listed.
DEPARTMENTS = (
    "司法局", "发展和改革局", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局", "财政局",
    "人力资源和社会保障局", "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局",
    "水利局", "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会", "退役军人事务局",
    "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局",
    "城市管理局", "综合行政执法局", "信访局", "国有资产监督管理局", "行政审批局",
    "大数据发展局", "人民防空办公室", "体育局", "机关事务管理局", "地方金融监督管理局",
    "粮食和物资储备局", "乡村振兴局", "民族宗教事务局", "投资促进局", "政务服务管理局",
    "住房公积金管理中心", "供销合作社联合社", "残疾人联合会", "档案馆", "气象局",
    "扶贫开发办公室", "移民开发局", "科学技术协会", "红十字会", "总工会",
    "人民政府研究室", "经济和信息化委员会", "规划和自然资源局", "城乡建设委员会",
    "营商环境建设局", "融媒体中心", "公共资源交易中心", "疾病预防控制中心", "市政园林局", "水务局",
)


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """Static facts about one simulated portal."""

    family: str
    template: str
    site_name: str
    site_domain: str
    site_id_code: str
    region: str  # full name, e.g. 重庆市江北区
    region_short: str  # as used in department names, e.g. 江北区
    level: str
    gov: str  # the government that runs the portal
    gov_office: str
    encoding: str
    column: str
    upper: str  # the higher authorities named in reports
    towns: tuple[str, ...]
    icp: str
    police: str
    host_unit: str  # 主办单位
    unit_code: str  # prefix of 索引号
    doc_prefix: str  # prefix of 文号, e.g. 江北府办文
    first_article_id: int

    def publishers(self) -> tuple[str, ...]:
        """Every body that may publish a report in the column, the government first."""
        depts = tuple(f"{self.region_short}{d}" for d in DEPARTMENTS)
        return (self.gov, self.gov_office, *depts, *self.towns)


SPECS: dict[str, SiteSpec] = {
    "trs": SiteSpec(
        family="trs", template="trs", site_name="重庆市江北区人民政府", site_domain="www.cqjb.gov.cn",
        site_id_code="5001050001", region="重庆市江北区", region_short="江北区", level="district",
        gov="重庆市江北区人民政府", gov_office="重庆市江北区人民政府办公室", encoding="gbk",
        column="法治政府建设年度报告", upper="市委、市政府",
        towns=("观音桥街道办事处", "华新街街道办事处", "五里店街道办事处", "江北城街道办事处",
               "石马河街道办事处", "大石坝街道办事处", "寸滩街道办事处", "郭家沱街道办事处",
               "铁山坪街道办事处", "鱼嘴镇人民政府", "复盛镇人民政府", "五宝镇人民政府"),
        icp="渝ICP备05003310号", police="渝公网安备 50010502000101号", host_unit="重庆市江北区人民政府办公室",
        unit_code="11500105009265014N", doc_prefix="江北府办文", first_article_id=14300000,
    ),
    "hanweb": SiteSpec(
        family="hanweb", template="hanweb", site_name="象山县人民政府", site_domain="www.xiangshan.gov.cn",
        site_id_code="3302250001", region="浙江省宁波市象山县", region_short="象山县", level="county",
        gov="象山县人民政府", gov_office="象山县人民政府办公室", encoding="utf-8",
        column="法治政府建设年度报告", upper="市委、市政府",
        towns=("丹东街道办事处", "丹西街道办事处", "爵溪街道办事处", "石浦镇人民政府", "西周镇人民政府",
               "贤庠镇人民政府", "墙头镇人民政府", "泗洲头镇人民政府", "定塘镇人民政府", "涂茨镇人民政府",
               "大徐镇人民政府", "新桥镇人民政府", "东陈乡人民政府", "晓塘乡人民政府", "黄避岙乡人民政府",
               "茅洋乡人民政府", "鹤浦镇人民政府", "高塘岛乡人民政府"),
        icp="浙ICP备05021488号", police="浙公网安备 33022502000101号", host_unit="象山县人民政府办公室",
        unit_code="002950512", doc_prefix="象政办发", first_article_id=4500000,
    ),
    "ucap": SiteSpec(
        family="ucap", template="ucap", site_name="丽江市古城区人民政府", site_domain="www.ljgucheng.gov.cn",
        site_id_code="5307020001", region="云南省丽江市古城区", region_short="古城区", level="district",
        gov="丽江市古城区人民政府", gov_office="丽江市古城区人民政府办公室", encoding="utf-8",
        column="法治政府建设", upper="市委、市政府",
        towns=("大研街道办事处", "祥和街道办事处", "束河街道办事处", "西安街道办事处", "开南街道办事处",
               "文化街道办事处", "金山白族乡人民政府", "七河镇人民政府", "金江白族乡人民政府",
               "大东乡人民政府", "金安镇人民政府"),
        icp="滇ICP备09003489号", police="滇公网安备 53070202000128号", host_unit="丽江市古城区人民政府办公室",
        unit_code="015162471", doc_prefix="古政办发", first_article_id=0,
    ),
    "table": SiteSpec(
        family="table", template="table", site_name="西双版纳傣族自治州人民政府", site_domain="www.xsbn.gov.cn",
        site_id_code="5328000001", region="云南省西双版纳傣族自治州", region_short="西双版纳州", level="prefecture",
        gov="西双版纳州人民政府", gov_office="西双版纳州人民政府办公室", encoding="utf-8",
        column="法治政府建设", upper="省委、省政府",
        towns=("景洪市人民政府", "勐海县人民政府", "勐腊县人民政府", "磨憨—磨丁经济合作区管理委员会",
               "西双版纳旅游度假区管理委员会", "景洪工业园区管理委员会"),
        icp="滇ICP备05000958号", police="滇公网安备 53280102000107号", host_unit="西双版纳州人民政府办公室",
        unit_code="015183049", doc_prefix="西政办发", first_article_id=2930000,
    ),
    "jsonlist": SiteSpec(
        family="jsonlist", template="jsonlist", site_name="张掖市人民政府", site_domain="www.zhangye.gov.cn",
        site_id_code="6207000001", region="甘肃省张掖市", region_short="张掖市", level="city",
        gov="张掖市人民政府", gov_office="张掖市人民政府办公室", encoding="utf-8",
        column="法治政府建设年度报告", upper="省委、省政府",
        towns=("甘州区人民政府", "临泽县人民政府", "高台县人民政府", "山丹县人民政府", "民乐县人民政府",
               "肃南裕固族自治县人民政府"),
        icp="陇ICP备05002177号", police="甘公网安备 62070202000112号", host_unit="张掖市人民政府办公室",
        unit_code="013925473", doc_prefix="张政办发", first_article_id=1850000,
    ),
    "challenge": SiteSpec(
        family="challenge", template="trs", site_name="十堰市人民政府", site_domain="www.shiyan.gov.cn",
        site_id_code="4203000001", region="湖北省十堰市", region_short="十堰市", level="city",
        gov="十堰市人民政府", gov_office="十堰市人民政府办公室", encoding="utf-8",
        column="法治政府建设年度报告", upper="省委、省政府",
        towns=("茅箭区人民政府", "张湾区人民政府", "郧阳区人民政府", "丹江口市人民政府", "郧西县人民政府",
               "竹山县人民政府", "竹溪县人民政府", "房县人民政府", "武当山旅游经济特区管理委员会"),
        icp="鄂ICP备05003327号", police="鄂公网安备 42030202000101号", host_unit="十堰市人民政府办公室",
        unit_code="011087325", doc_prefix="十政办发", first_article_id=4980000,
    ),
}
