"""Managing the archive from the browser: first administrator, sources (add, edit, disable,
enable, remove) and subscriptions (add, test, remove), with the CLI's checks and words."""

from __future__ import annotations

import re
import sqlite3
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from govarchive.web import create_app
from govarchive.web.app import open_backends
from govarchive.web.users import add_user
from tests.cli_helpers import run_cli
from tests.crawl_support import crawl_env, install_sources, report_urls, world_sources
from tests.fixtures.mail import Webhook
from tests.fixtures.web_archive import WebSite, web_settings
from tests.test_web import csrf_of, login

ZH = {"Accept-Language": "zh-CN"}


def flash(answer: object) -> str:
    location = answer.headers["location"]  # type: ignore[attr-defined]
    return unquote(location.split("=", 1)[1]) if "=" in location else ""


@pytest.fixture
def admin(web_site: WebSite) -> Iterator[tuple[TestClient, str]]:
    client = TestClient(web_site.client.app)
    token = login(client)
    yield client, token


def test_add_edit_disable_enable_remove_a_source(admin: tuple[TestClient, str], web_site: WebSite) -> None:
    client, token = admin
    home = web_site.settings.home
    form = {"name": "web-src", "start_urls": "http://www.example.gov.cn/col/1/\n", "title": "网页来源",
            "region": "浙江省宁波市", "level": "county", "render_mode": "auto", "csrf_token": token}
    added = client.post("/sources", data=form, follow_redirects=False)
    assert added.status_code == 303 and flash(added) == "来源 web-src 已添加。"
    written = tomllib.loads((home / "sources" / "web-src.toml").read_text("utf-8"))
    assert written["region"] == "浙江省宁波市" and written["level"] == "county"
    again = client.post("/sources", data=form, follow_redirects=False)
    assert "already exists" in flash(again)

    edited = client.post("/sources/web-src/edit", data={**form, "title": "改过的标题", "schedule": "0 5 * * *"},
                         follow_redirects=False)
    assert flash(edited) == "来源 web-src 已保存。"
    written = tomllib.loads((home / "sources" / "web-src.toml").read_text("utf-8"))
    assert written["title"] == "改过的标题" and written["schedule"] == "0 5 * * *"
    assert "改过的标题" in client.get("/sources/web-src").text

    disabled = client.post("/sources/web-src/disable", data={"csrf_token": token}, follow_redirects=False)
    assert flash(disabled) == "来源 web-src 已停用。"
    assert tomllib.loads((home / "source-state.toml").read_text("utf-8"))["disabled"] == ["web-src"]
    page = client.get("/sources/web-src").text
    assert 'id="enable"' in page and "已停用" in page
    listed = run_cli_json(home, "sources", "list", "--json")
    assert next(s for s in listed if s["name"] == "web-src")["enabled"] is False
    client.post("/sources/web-src/enable", data={"csrf_token": token})
    assert "web-src" not in tomllib.loads((home / "source-state.toml").read_text("utf-8"))["disabled"]

    removed = client.post("/sources/web-src/remove", data={"csrf_token": token}, follow_redirects=False)
    assert removed.headers["location"].startswith("/sources?ok=")
    assert not (home / "sources" / "web-src.toml").exists()


def run_cli_json(home: Path, *args: str) -> object:
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "govarchive", "--home", str(home), *args],
                          capture_output=True, check=True)
    return json.loads(done.stdout)


def test_the_web_and_the_cli_refuse_a_bad_source_in_the_same_words(
    admin: tuple[TestClient, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    client, token = admin
    refused = client.post("/sources", data={"name": "bad-one", "start_urls": "ftp://example.gov.cn/x",
                                            "csrf_token": token}, follow_redirects=False)
    web_reason = flash(refused)
    cli = run_cli(capsys, "--home", str(tmp_path), "sources", "add", "bad-one", "--start-url", "ftp://example.gov.cn/x")
    assert cli.code == 1
    shared = "'ftp://example.gov.cn/x' is not an http(s) URL"
    assert web_reason == f"未能添加来源：起始网址: {shared}"
    assert cli.err.strip() == f"error: --start-url: {shared}"
    bad_cron = client.post("/sources", data={"name": "bad-two", "start_urls": "http://a.gov.cn/",
                                             "schedule": "every day", "csrf_token": token}, follow_redirects=False)
    assert flash(bad_cron).startswith("未能添加来源：计划（cron）: ")


def test_subscriptions_test_and_remove(admin: tuple[TestClient, str], webhook: Webhook) -> None:
    client, token = admin
    client.post("/alerts", data={"url": webhook.url("/web"), "csrf_token": token, "label": "测试"})
    sub_id = max(s["id"] for s in client.get("/api/subscriptions").json()["items"])
    sent = client.post(f"/alerts/{sub_id}/test", data={"csrf_token": token}, follow_redirects=False)
    assert flash(sent).startswith("测试消息已发送至 json://127.0.0.1:")
    assert webhook.receipts[-1].body["title"] == "govarchive 测试消息：订阅已连通"
    bad = client.post("/alerts", data={"url": "notaurl", "csrf_token": token}, follow_redirects=False)
    assert flash(bad) == ("未能添加订阅：'notaurl' is not an Apprise URL Apprise can use "
                          "(mailto://, json://, dingtalk:// …)")
    removed = client.post(f"/alerts/{sub_id}/remove", data={"csrf_token": token}, follow_redirects=False)
    assert flash(removed) == f"订阅 {sub_id} 已删除。"
    assert client.post(f"/alerts/{sub_id}/test", data={"csrf_token": token}, follow_redirects=False).headers[
        "location"].startswith("/alerts?error=")


def test_changes_need_csrf_and_an_administrator(web_site: WebSite) -> None:
    client = TestClient(web_site.client.app)
    assert client.post("/sources/jianghan/disable").status_code == 401
    add_user(web_site.archive.engine, {}, "reader1", "reader-password", admin=False)
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"username": "reader1", "password": "reader-password", "csrf_token": token})
    token = csrf_of(client.get("/sources").text)
    assert "添加来源" in client.get("/sources").text and 'action="/sources"' not in client.get("/sources").text
    refused = client.post("/sources/jianghan/disable", data={"csrf_token": token})
    assert refused.status_code == 403 and "只能查看" in refused.text
    admin = TestClient(web_site.client.app)
    login(admin)
    assert admin.post("/sources/jianghan/disable").status_code == 403  # no CSRF token


def test_first_run_setup_creates_one_administrator(tmp_path: Path) -> None:
    settings = web_settings(tmp_path, users={}, tokens=[])
    engine, store = open_backends(settings)
    app = create_app(settings, engine=engine, store=store, background_sync=False)
    secret = app.state.web.setup_token
    with TestClient(app) as client:
        login_page = client.get("/login").text
        assert 'id="no-users"' in login_page and "govarchive users add NAME --admin" in login_page
        assert client.get("/setup", params={"token": "guess"}).status_code == 404
        form = client.get("/setup", params={"token": secret})
        assert form.status_code == 200
        short = client.post("/setup", data={"token": secret, "username": "boss", "password": "short",
                                            "csrf_token": csrf_of(form.text)})
        assert short.status_code == 422 and "at least 8 characters" in short.text
        made = client.post("/setup", data={"token": secret, "username": "boss", "password": "long enough pw",
                                           "csrf_token": csrf_of(form.text)}, follow_redirects=False)
        assert made.status_code == 303 and "管理员 boss 已创建" in flash(made)
        assert 'action="/sources"' in client.get("/sources").text  # logged in, may change things
        assert client.get("/setup", params={"token": secret}).status_code == 404  # one time only
        assert 'id="no-users"' not in TestClient(app).get("/login").text
    engine.dispose()


def test_users_command_adds_an_administrator(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    added = run_cli(capsys, "--home", str(tmp_path), "users", "add", "chief", "--admin", "--password-stdin")
    assert added.code == 0 and "administrator" in added.out
    listed = run_cli(capsys, "--home", str(tmp_path), "users", "list", "--json").json()
    assert listed == [{"name": "chief", "admin": True, "origin": "catalog"}]
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    refused = run_cli(capsys, "--home", str(tmp_path), "users", "add", "other", "--password-stdin")
    assert refused.code == 1 and refused.err.strip() == "error: the password must have at least 8 characters"
    with sqlite3.connect(tmp_path / "catalog.db") as db:
        (stored,) = db.execute("SELECT password_hash FROM web_users WHERE name = 'chief'").fetchone()
    assert re.fullmatch(r"pbkdf2_sha256\$\d+\$\w+\$[0-9a-f]{64}", stored)


def test_editing_a_built_in_source_keeps_what_the_form_does_not_show(
    admin: tuple[TestClient, str], web_site: WebSite
) -> None:
    from spiders.sources import load_sources

    client, token = admin
    builtin = load_sources()["changzhi"]
    page = client.get("/sources/changzhi").text
    assert "内置来源" in page and 'action="/sources/changzhi/edit"' in page and 'id="remove"' not in page
    saved = client.post("/sources/changzhi/edit", data={
        "start_urls": "\n".join(builtin.start_urls), "title": "长治（本地修改）", "region": builtin.region,
        "level": builtin.level, "render_mode": builtin.render, "match": "", "csrf_token": token},
        follow_redirects=False)
    assert flash(saved) == "来源 changzhi 已保存。"
    copy = tomllib.loads((web_site.settings.home / "sources" / "changzhi.toml").read_text("utf-8"))
    assert copy["title"] == "长治（本地修改）"
    assert copy["note"] == builtin.note and copy["search"] == builtin.search and "match" not in copy
    (web_site.settings.home / "sources" / "changzhi.toml").unlink()


@pytest.mark.slow
def test_check_discovery_from_the_browser(portal_world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """"检查发现" runs `govarchive sources check NAME --json` and shows what a crawl would archive."""
    home = tmp_path / "home"
    install_sources(home, world_sources(portal_world, ["trs"]))
    for key, value in crawl_env(home).items():
        if key.startswith("GOVARCHIVE_CRAWL__"):
            monkeypatch.setenv(key, value)
    settings = web_settings(home)
    engine, store = open_backends(settings)
    with TestClient(create_app(settings, engine=engine, store=store, background_sync=False)) as client:
        token = login(client)
        page = client.post("/sources/demo-trs/check", data={"csrf_token": token})
        assert page.status_code == 200
        wanted = report_urls(portal_world, ["trs"])
        assert f"发现 {len(wanted)} 个报告页面" in page.text and "列表完整" in page.text
        assert all(url in page.text for url in wanted)
        assert not (home / "objects").exists() or not any((home / "objects").rglob("*.zst"))
        unknown = client.post("/sources/nope/check", data={"csrf_token": token}, follow_redirects=False)
        assert unknown.status_code == 303 and "unknown source 'nope'" in flash(unknown)
    engine.dispose()
