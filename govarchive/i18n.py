"""Translations and locale-aware formatting (Babel, gettext catalogs in ``govarchive/locale``).

The catalogs are kept as ``.po`` text in git and compiled in memory the first time a language is
used (Babel's ``read_po`` + ``write_mo``, about 55 ms once): a fresh clone, an editable install
and a wheel all work without a build step, and there is no binary ``.mo`` to forget to rebuild.
Messages are English msgids; ``zh`` is the default language.

The current language is a context variable: the web app sets it per request, alert rendering
sets it around a message (``use_language``). ``_``/``ngettext`` read it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from archive.timeutil import as_utc

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

_language: contextvars.ContextVar[str] = contextvars.ContextVar("govarchive_language", default=DEFAULT_LANGUAGE)
_timezone: contextvars.ContextVar[str] = contextvars.ContextVar("govarchive_timezone", default="Asia/Shanghai")


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of ``language`` (English needs none: the msgids are English)."""
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == "en" or not po_path.is_file():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=BABEL_LOCALES.get(language, language))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def normalise_language(value: str | None) -> str | None:
    """``zh-CN``/``zh_Hans``/``en-GB`` → ``zh``/``en``; None when not one we speak."""
    if not value:
        return None
    base = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in LANGUAGES else None


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The best of our languages for an ``Accept-Language`` header (quality values honoured)."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = normalise_language(tag)
        if language and quality > 0:
            choices.append((-quality, index, language))
    return sorted(choices)[0][2] if choices else default


def current_language() -> str:
    return _language.get()


@contextlib.contextmanager
def use_language(language: str, timezone: str | None = None) -> Iterator[None]:
    """Speak ``language`` (and show times in ``timezone``) inside the block."""
    token = _language.set(normalise_language(language) or DEFAULT_LANGUAGE)
    zone = _timezone.set(timezone) if timezone else None
    try:
        yield
    finally:
        _language.reset(token)
        if zone is not None:
            _timezone.reset(zone)


def set_language(language: str, timezone: str | None = None) -> None:
    """Set the language (and time zone) for the rest of the current context (one web request)."""
    _language.set(normalise_language(language) or DEFAULT_LANGUAGE)
    if timezone:
        _timezone.set(timezone)


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the current language, with ``%(name)s`` variables filled in."""
    text = translations(current_language()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """The singular or plural form for ``n`` (``%(num)s`` is ``n``, grouped)."""
    text = translations(current_language()).ngettext(singular, plural, n)
    return text % {"num": format_number(n), **variables}


_ = gettext


def N_(message: str) -> str:  # noqa: N802 — gettext's name for "mark for extraction, translate later"
    """Mark ``message`` for the catalog without translating it now (labels in tables)."""
    return message


def babel_locale(language: str | None = None) -> Locale:
    return Locale.parse(BABEL_LOCALES.get(language or current_language(), "en"))


def format_number(value: int | float | None) -> str:
    """``12,345`` with the current language's grouping."""
    if value is None:
        return "—"
    return format_decimal(value, locale=babel_locale())


def _parse(value: Any) -> dt.date | dt.datetime | None:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, dt.date) else None


def format_when(value: Any, with_time: bool = True) -> str:
    """A date or time in the configured zone: ``2025年3月12日 14:03`` / ``Mar 12, 2025, 14:03``.

    Naive datetimes are UTC (the catalog stores UTC). Dates are calendar days, never shifted.
    """
    if value is None or value == "":
        return "—"
    parsed = _parse(value)
    if parsed is None:
        return str(value)
    locale = babel_locale()
    if isinstance(parsed, dt.datetime):
        local = as_utc(parsed).astimezone(ZoneInfo(_timezone.get()))
        day = format_date(local.date(), "medium", locale=locale)
        if not with_time:
            return day
        return f"{day} {format_time(local.time(), 'HH:mm', locale=locale)}"
    return format_date(parsed, "medium", locale=locale)
