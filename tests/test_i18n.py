"""Translations and formats: catalogs complete and loaded from .po, language negotiation, plural
forms, dates in the configured zone, one size convention for CLI and web."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from babel.messages.pofile import read_po

from archive.sizes import human_size
from govarchive.i18n import (
    LOCALE_DIR,
    format_number,
    format_when,
    negotiate,
    ngettext,
    translations,
    use_language,
)


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(handle) if m.id}
    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    translated = {}
    for message in catalog:
        if message.id:
            key = message.id if isinstance(message.id, str) else tuple(message.id)
            translated[key] = message.string if isinstance(message.string, str) else message.string[0]
    missing = sorted(str(k) for k in template if not translated.get(k))
    assert not missing, f"untranslated: {missing[:10]}"
    for key, text in translated.items():
        source = key if isinstance(key, str) else key[1]
        assert set(re.findall(r"%\(\w+\)s", source)) == set(re.findall(r"%\(\w+\)s", text)), key


def test_catalogs_compile_from_the_po_files_alone() -> None:
    # No .mo in git: the app compiles the .po it ships.
    assert not list(LOCALE_DIR.rglob("*.mo"))
    assert translations("zh").gettext("Dashboard") == "概览"
    assert translations("en").gettext("Dashboard") == "Dashboard"


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, "zh"), ("", "zh"), ("en-US,en;q=0.9", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
     ("fr-FR,en;q=0.5,zh;q=0.4", "en"), ("en;q=0.2,zh-TW;q=0.8", "zh"), ("de", "zh"), ("en;q=0", "zh")],
)
def test_accept_language(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_plural_forms() -> None:
    with use_language("en"):
        assert ngettext("%(num)s sentence", "%(num)s sentences", 1) == "1 sentence"
        assert ngettext("%(num)s sentence", "%(num)s sentences", 2) == "2 sentences"
        assert ngettext("%(num)s error", "%(num)s errors", 1) == "1 error"
        assert ngettext("%(num)s error", "%(num)s errors", 12345) == "12,345 errors"
    with use_language("zh"):
        assert ngettext("%(num)s sentence", "%(num)s sentences", 1) == "1 句"
        assert ngettext("%(num)s sentence", "%(num)s sentences", 2) == "2 句"


def test_dates_in_the_configured_zone_and_the_language_s_format() -> None:
    moment = dt.datetime(2025, 3, 11, 17, 30, tzinfo=dt.UTC)  # 01:30 next day in Shanghai
    with use_language("zh", "Asia/Shanghai"):
        assert format_when(moment) == "2025年3月12日 01:30"
        assert format_when(dt.date(2025, 3, 12)) == "2025年3月12日"
        assert format_when("2025-03-11T17:30:00") == "2025年3月12日 01:30"  # naive = UTC, as stored
        assert format_when(None) == "—"
        assert format_number(1234567) == "1,234,567"
    with use_language("en", "Europe/London"):
        assert format_when(moment) == "Mar 11, 2025 17:30"
        assert format_when(dt.date(2025, 3, 12)) == "Mar 12, 2025"


def test_one_size_convention() -> None:
    assert human_size(247_500) == "247.5 KB"
    assert human_size(999) == "999 bytes"
    assert human_size(3_100_000) == "3.1 MB"
