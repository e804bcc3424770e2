"""Alerts speak through the translations the application hands them, plain English msgids without."""

from __future__ import annotations

import datetime as dt

from alerts.messages import connectivity_message
from alerts.speech import PLAIN, format_when, speaking
from govarchive.alerting import SPEECH
from govarchive.i18n import use_language


def test_without_the_application_alerts_speak_plain_english() -> None:
    message = connectivity_message("http://archive.test/")
    assert message.title.startswith("govarchive test message")
    assert "http://archive.test/" in message.body
    assert PLAIN.ngettext("%(num)s item", "%(num)s items", 2) == "2 items"
    with speaking(PLAIN):
        assert format_when(dt.date(2025, 3, 12)) == "2025-03-12"


def test_the_applications_translations_follow_its_language() -> None:
    with use_language("zh"):
        chinese = connectivity_message("http://archive.test/", SPEECH)
    with use_language("en"):
        english = connectivity_message("http://archive.test/", SPEECH)
    assert chinese.title != english.title
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.title)
    assert english.title.startswith("govarchive test message")
