"""The one configuration: defaults, file, environment, and clear errors for bad values."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from govarchive.config import ConfigError, ensure_home_writable, load_settings
from tests.cli_helpers import run_cli


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("GOVARCHIVE_"):
            monkeypatch.delenv(name)


def test_defaults_make_embedded_mode_work_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "home")
    assert settings.catalog_url == f"sqlite:///{(tmp_path / 'home' / 'catalog.db').resolve()}"
    assert settings.store_url == (tmp_path / "home" / "objects").resolve().as_uri()
    assert settings.crawl.concurrent_per_domain == 2
    assert settings.crawl.obey_robots is True


def test_home_defaults_to_govarchive_data_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().home == Path("govarchive-data")
    monkeypatch.setenv("GOVARCHIVE_HOME", str(tmp_path / "elsewhere"))
    assert load_settings().home == tmp_path / "elsewhere"


def test_file_values_are_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "govarchive.toml").write_text(
        '[store]\nurl = "s3://bucket/prefix"\nendpoint_url = "http://127.0.0.1:9000"\n'
        "[crawl]\nremoval_checks = 5\n",
        encoding="utf-8",
    )
    settings = load_settings(tmp_path)
    assert settings.store_url == "s3://bucket/prefix"
    assert settings.crawl.removal_checks == 5
    monkeypatch.setenv("GOVARCHIVE_CRAWL__REMOVAL_CHECKS", "7")
    assert load_settings(tmp_path).crawl.removal_checks == 7


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[crawl]\nbogus = 1\n", "crawl.bogus: unknown key"),
        ("[nosuchsection]\nx = 1\n", "nosuchsection: unknown key"),
        ('[catalog]\nurl = "mysql://x/y"\n', "catalog.url"),
        ('[store]\nurl = "ftp://host/x"\n', "store.url"),
        ('[store]\nendpoint_url = "not a url"\n', "store.endpoint_url"),
        ("[crawl]\nconcurrent_per_domain = 0\n", "crawl.concurrent_per_domain"),
        ('[crawl]\nremoval_checks = "many"\n', "crawl.removal_checks"),
        ("[crawl]\nwriter_batch = 64\nwriter_queue = 8\n", "writer_queue (8) must be at least writer_batch (64)"),
        ("[crawl\n", "govarchive.toml"),
        ('home = "/tmp"\n', "home"),
        ('timezone = "Mars/Olympus"\n', "timezone: Value error, 'Mars/Olympus' is not a time zone"),
        ('language = "fr"\n', "language"),
    ],
)
def test_bad_values_stop_with_one_line_naming_the_key(tmp_path: Path, toml: str, expected: str) -> None:
    (tmp_path / "govarchive.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(tmp_path)
    message = str(error.value)
    assert expected in message
    assert "\n" not in message


def test_bad_environment_value_names_the_variable_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVARCHIVE_WEB__PORT", "99999")
    with pytest.raises(ConfigError, match=r"environment.*web\.port"):
        load_settings(tmp_path)


def test_a_mistyped_key_gets_a_suggestion_and_its_origin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "govarchive.toml").write_text("[web]\npublik_read = false\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(tmp_path)
    assert str(error.value) == (
        f"bad configuration in {tmp_path / 'govarchive.toml'}: web.publik_read: unknown key (did you mean web.public_read?)"
    )
    (tmp_path / "govarchive.toml").write_text('[web]\npublic_read = false\ntimezone = "UTC"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"web\.timezone: unknown key$"):  # no close match, no guess
        load_settings(tmp_path)
    (tmp_path / "govarchive.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("GOVARCHIVE_CRAWL__OBEY_ROBOT", "false")
    with pytest.raises(ConfigError) as from_env:
        load_settings(tmp_path)
    assert str(from_env.value) == ("bad configuration in the environment (GOVARCHIVE_CRAWL__OBEY_ROBOT): "
                                   "crawl.obey_robot: unknown key (did you mean crawl.obey_robots?)")


def test_unwritable_home_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings = load_settings(blocker / "home")
    with pytest.raises(ConfigError, match="home: .* is not writable"):
        ensure_home_writable(settings)


def test_secrets_are_masked(tmp_path: Path) -> None:
    (tmp_path / "govarchive.toml").write_text(
        '[catalog]\nurl = "postgresql+psycopg://arch:s3cret@127.0.0.1:5432/ga"\n'
        '[store]\nsecret_access_key = "topsecret"\n[web]\ntokens = ["tok-123"]\n',
        encoding="utf-8",
    )
    masked = load_settings(tmp_path).masked()
    rendered = repr(masked)
    assert "s3cret" not in rendered
    assert "topsecret" not in rendered
    assert "tok-123" not in rendered
    assert masked["catalog"]["effective_url"] == "postgresql+psycopg://arch:********@127.0.0.1:5432/ga"


def test_config_show_prints_effective_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--home", str(tmp_path), "config", "show", "--json")
    assert result.code == 0
    doc = result.json()
    assert doc["home"] == str(tmp_path.resolve())
    assert doc["catalog"]["effective_url"].endswith("catalog.db")


def test_config_show_with_bad_file_exits_1_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "govarchive.toml").write_text("[crawl]\nbogus = 1\n", encoding="utf-8")
    result = run_cli(capsys, "--home", str(tmp_path), "config", "show")
    assert result.code == 1
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert "crawl.bogus" in lines[0]
    assert "Traceback" not in result.err


@pytest.mark.parametrize("contact", ["mailto:archive@example.org", "https://example.org/crawler"])
def test_contact_url_may_be_a_web_page_or_a_mailbox(tmp_path: Path, contact: str) -> None:
    (tmp_path / "govarchive.toml").write_text(f'[crawl]\ncontact_url = "{contact}"\n', encoding="utf-8")
    settings = load_settings(tmp_path)
    assert contact in settings.crawl.resolved_user_agent()


def test_contact_url_must_be_reachable(tmp_path: Path) -> None:
    (tmp_path / "govarchive.toml").write_text('[crawl]\ncontact_url = "call us"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="crawl.contact_url"):
        load_settings(tmp_path)


def test_document_limits_reach_the_readers_as_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.extraction.readers import ReadLimits
    from govarchive.launch.settings import scrapy_settings

    (tmp_path / "govarchive.toml").write_text("[documents]\nmax_pages = 40\nocr_images = false\n")
    monkeypatch.setenv("GOVARCHIVE_DOCUMENTS__MAX_SECONDS", "30")
    settings = load_settings(tmp_path)
    assert settings.documents.limits() == ReadLimits(max_pages=40, max_seconds=30.0, max_memory_mb=2048, ocr_dpi=200)
    scrapy = scrapy_settings(settings)
    assert ReadLimits(**scrapy["GOVARCHIVE_DOCUMENT_LIMITS"]) == settings.documents.limits()
    assert scrapy["GOVARCHIVE_OCR_IMAGES"] is False
    (tmp_path / "govarchive.toml").write_text("[documents]\nmax_memory_mb = 10\n")
    with pytest.raises(ConfigError, match=r"documents\.max_memory_mb"):
        load_settings(tmp_path)
