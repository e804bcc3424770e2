"""``govarchive extract FILE|URL``: the JSON contract, plain output, one-line failures."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from govarchive.portal import World
from tests.cli_helpers import CliResult, run_cli

CORPUS = Path(__file__).parent / "extraction_corpus"
KEYS = ["title", "text", "publisher", "pub_date", "written_date", "index_no", "doc_no", "validity", "report_year",
        "site_name", "column", "attachments", "text_source", "ocr_confidence", "text_hash"]


def _extract(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> CliResult:
    return run_cli(capsys, "--home", str(tmp_path / "home"), "extract", *args)


def test_file_as_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = CORPUS / "trs" / "jinghai_attachment_stub.html"
    base = "http://www.tjjh.gov.cn/zfxxgk/202403/t20240328_6583952.html"
    result = _extract(capsys, tmp_path, str(page), "--url", base, "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert list(doc) == KEYS
    assert (doc["text_source"], doc["ocr_confidence"]) == ("html", None)
    assert doc["title"] == "静海区2023年度法治政府建设情况报告"
    assert (doc["pub_date"], doc["report_year"], doc["written_date"]) == ("2024-03-28", 2023, None)
    assert doc["attachments"][0] == {"url": "http://www.tjjh.gov.cn/zfxxgk/202403/P020240328345678901234.pdf",
                                     "name": "1.静海区2023年度法治政府建设情况报告.pdf", "type": "pdf"}
    assert (tmp_path / "home").exists() is False  # extraction stores nothing


def test_file_plain_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = _extract(capsys, tmp_path, str(CORPUS / "trs" / "mile_gbk.html"))
    assert result.code == 0, result.err
    head, _, text = result.out.partition("\n\n")
    assert head.splitlines()[0] == "title: 弥勒市人民政府关于2021年法治政府建设工作情况的报告"
    assert "doc_no: 弥政报〔2022〕12号" in head.splitlines()
    assert text.startswith("弥勒市人民政府关于\n2021年法治政府建设工作情况的报告\n2021年,全市")
    assert text.rstrip("\n").endswith("2022年3月16日")


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = _extract(capsys, tmp_path, str(tmp_path / "nope.html"), "--json")
    assert (result.code, result.out) == (1, "")
    assert result.err.count("\n") == 1
    assert "no such file" in result.err


def test_page_without_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "shell.html"
    page.write_text('<html><body><div id="app"></div><script src="app.js"></script></body></html>')
    result = _extract(capsys, tmp_path, str(page))
    assert result.code == 1
    assert "no report text" in result.err and "JavaScript" in result.err


@pytest.mark.parametrize(("url", "words"), [("http://[bad", "bad URL"), ("https:///nohost", "bad URL")])
def test_bad_url(capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, words: str) -> None:
    result = _extract(capsys, tmp_path, url)
    assert result.code == 1
    assert words in result.err
    assert "Traceback" not in result.err


def test_dead_server(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _extract(capsys, tmp_path, f"http://127.0.0.1:{port}/report.html")
    assert result.code == 1
    assert result.err.startswith("error: cannot fetch http://127.0.0.1:")


def test_url_from_the_portal(capsys: pytest.CaptureFixture[str], tmp_path: Path, portal_world: World) -> None:
    expected = portal_world.expected_reports("hanweb")[0]
    result = _extract(capsys, tmp_path, expected.url, "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert (doc["title"], doc["text"]) == (expected.title, expected.text)
    assert doc["pub_date"] == expected.pub_date.isoformat()
    agents = [r.user_agent for r in portal_world.request_log if expected.url.endswith(r.path)]
    assert agents and all(agent.startswith("govarchive/") for agent in agents)


def test_url_404(capsys: pytest.CaptureFixture[str], tmp_path: Path, portal_world: World) -> None:
    expected = portal_world.expected_reports("trs")[0]
    portal_world.remove(expected.url)
    result = _extract(capsys, tmp_path, expected.url)
    assert result.code == 1
    assert result.err.strip() == f"error: {expected.url}: HTTP 404"


def test_url_behind_a_challenge(capsys: pytest.CaptureFixture[str], tmp_path: Path, portal_world: World) -> None:
    expected = portal_world.expected_reports("challenge")[0]
    result = _extract(capsys, tmp_path, expected.url)
    assert result.code == 1
    assert "HTTP 412" in result.err and "challenge" in result.err


def test_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _extract(capsys, tmp_path).code == 2
