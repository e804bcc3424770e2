"""How alerts speak: the translation functions, handed in by the application as one value.

Messages are gettext msgids (English). The application passes its translations (any object with
these five functions, e.g. the module ``govarchive.i18n``) in :class:`AlertOptions` or to the
rendering entry points; without one, alerts speak the plain English msgids with ISO dates.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from typing import Any, Protocol


class Speech(Protocol):
    """Translation and formatting in the current language (what ``govarchive.i18n`` provides)."""

    def gettext(self, message: str, **variables: Any) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int, **variables: Any) -> str: ...
    def format_when(self, value: Any, with_time: bool = True) -> str: ...
    def current_language(self) -> str: ...
    def use_language(self, language: str, timezone: str | None = None) -> contextlib.AbstractContextManager[None]: ...


class PlainSpeech:
    """English msgids as they are, ISO dates: alerts without the application's catalogs."""

    def gettext(self, message: str, **variables: Any) -> str:
        return message % variables if variables else message

    def ngettext(self, singular: str, plural: str, n: int, **variables: Any) -> str:
        return (singular if n == 1 else plural) % {"num": n, **variables}

    def format_when(self, value: Any, with_time: bool = True) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    def current_language(self) -> str:
        return "en"

    @contextlib.contextmanager
    def use_language(self, language: str, timezone: str | None = None) -> Iterator[None]:
        yield


PLAIN = PlainSpeech()
_active: contextvars.ContextVar[Speech] = contextvars.ContextVar("alerts_speech", default=PLAIN)


@contextlib.contextmanager
def speaking(speech: Speech | None) -> Iterator[None]:
    """Render with ``speech`` inside the block (None: keep the current one)."""
    if speech is None:
        yield
        return
    token = _active.set(speech)
    try:
        yield
    finally:
        _active.reset(token)


def gettext(message: str, **variables: Any) -> str:
    return _active.get().gettext(message, **variables)


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    return _active.get().ngettext(singular, plural, n, **variables)


def format_when(value: Any, with_time: bool = True) -> str:
    return _active.get().format_when(value, with_time)


def current_language() -> str:
    return _active.get().current_language()


def use_language(language: str, timezone: str | None = None) -> contextlib.AbstractContextManager[None]:
    return _active.get().use_language(language, timezone)


def N_(message: str) -> str:  # noqa: N802 — gettext's name for "mark for extraction, translate later"
    """Mark ``message`` for the catalog without translating it now."""
    return message
