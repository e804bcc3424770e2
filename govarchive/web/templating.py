"""Jinja2 for the pages: gettext (Jinja's i18n extension over ``govarchive.i18n``), filters that
format dates, numbers and sizes for the reader's language, and labels for stored codes.
Everything archived is escaped (autoescape is on)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from jinja2 import Environment, pass_context
from markupsafe import Markup, escape

from archive.sizes import human_size
from govarchive.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    current_language,
    format_number,
    format_when,
    gettext,
    translations,
)

STATUS_CLASSES = {
    "ok": "ok",
    "failing": "bad",
    "failed": "bad",
    "blocked": "warn",
    "running": "info",
    "never run": "muted",
    "removed": "bad",
    "restored": "ok",
    "active": "ok",
    "sent": "ok",
    "pending": "info",
    "sending": "info",
    "timeout": "bad",
    "interrupted": "warn",
    "partial": "warn",
    "disabled": "muted",
    "store_unavailable": "bad",
    "no_reports": "warn",
    "no_report_column": "warn",
    "died": "bad",
    "not_checked": "muted",
}
# Stored codes (English words in the catalog) and what a reader sees for them.
STATUS_LABELS = {
    "ok": N_("ok"), "failing": N_("failing"), "failed": N_("failed"),
    "blocked": N_("blocked (challenge not passed)"), "running": N_("running"), "never run": N_("never run"),
    "removed": N_("removed"), "restored": N_("restored"), "active": N_("active"), "sent": N_("sent"),
    "pending": N_("pending"), "sending": N_("sending"), "timeout": N_("timed out"),
    "interrupted": N_("interrupted"), "partial": N_("partial"), "disabled": N_("disabled"),
    "store_unavailable": N_("store unavailable"), "no_reports": N_("no reports found"),
    "no_report_column": N_("no report column"), "died": N_("crawl died"), "not_checked": N_("not checked"),
}
LEVEL_LABELS = {"province": N_("province"), "city": N_("city"), "county": N_("county"),
                "department": N_("department"), "prefecture": N_("prefecture"), "district": N_("district"),
                "township": N_("township"), "central": N_("central")}
EVENT_LABELS = {"new": N_("new"), "changed": N_("changed"), "removed": N_("removed"), "restored": N_("restored"),
                "source_failing": N_("source failing"), "source_recovered": N_("source recovered"),
                "overdue": N_("report overdue")}
TRIGGER_LABELS = {"cli": N_("command line"), "schedule": N_("schedule"), "web": N_("web"),
                  "worker": N_("workers")}
DIGEST_LABELS = {"immediate": N_("immediate"), "daily": N_("daily digest")}
RENDER_LABELS = {"auto": N_("auto (browser only when needed)"), "never": N_("never (plain HTTP)"),
                 "always": N_("always (browser)")}
BUNDLE_KINDS = {"full": N_("full"), "delta": N_("delta")}
FIELD_LABELS = {"title": N_("Title"), "publisher": N_("Issuing body"), "pub_date": N_("Published"),
                "written_date": N_("Written"), "index_no": N_("Index number"), "doc_no": N_("Document number"),
                "validity": N_("Validity"), "report_year": N_("Report year"), "url": N_("URL")}
TEXT_SOURCES = {"html": N_("the page"), "text_layer": N_("the file's text layer"), "ocr": N_("OCR"),
                "converter": N_("a converted copy")}
COVERAGE_STATUS = {"published": N_("published"), "missing": N_("missing"), "unwatched": N_("unwatched")}
PARAM_PLACES = {"query": N_("query"), "path": N_("path"), "header": N_("header"), "cookie": N_("cookie")}
STATUS_TITLES = {400: N_("Bad request"), 401: N_("Login needed"), 403: N_("Not allowed"), 404: N_("Not found"),
                 409: N_("Conflict"), 422: N_("Cannot do that"), 500: N_("Server error"),
                 503: N_("Not available")}


def _label(table: dict[Any, str]) -> Any:
    def label(value: Any) -> str:
        if value is None or value == "":
            return "—"
        return gettext(table[value]) if value in table else str(value)

    return label


def highlight(text: str, terms: Sequence[str]) -> Markup:
    """``text`` escaped, with every occurrence of ``terms`` wrapped in ``<mark>``."""
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def status_badge(status: str | None) -> Markup:
    label = status or ""
    # an unknown status is a problem until it is given a class: never shown as harmless
    css = STATUS_CLASSES.get(label, "muted" if label in ("never run", "") else "bad")
    return Markup(f'<span class="badge {css}">{escape(_label(STATUS_LABELS)(status))}</span>')


def _gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def _per_request(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose answer depends on the request's language: never folded into the compiled
    template (Jinja evaluates filters of constants at compile time unless they take the context)."""

    @pass_context
    def call(_context: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return call


def install_filters(env: Environment) -> None:
    """gettext for the templates (``_``, ``ngettext``; Jinja fills ``%(name)s``) and the filters."""
    env.add_extension("jinja2.ext.i18n")
    # the i18n extension adds this method to the Environment at run time; Jinja's hints cannot say so
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["current_language"] = current_language
    env.globals["languages"] = lambda: [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    env.globals["html_lang"] = lambda: "zh-CN" if current_language() == "zh" else current_language()
    env.filters["filesize"] = human_size
    env.filters["highlight"] = highlight
    per_request = {
        "when": format_when,
        "day": lambda value: format_when(value, with_time=False),
        "num": format_number,
        "badge": status_badge,
        "level": _label(LEVEL_LABELS),
        "event_kind": _label(EVENT_LABELS),
        "trigger": _label(TRIGGER_LABELS),
        "digest": _label(DIGEST_LABELS),
        "render_mode": _label(RENDER_LABELS),
        "bundle_kind": _label(BUNDLE_KINDS),
        "field_label": _label(FIELD_LABELS),
        "param_place": _label(PARAM_PLACES),
        "status_title": _label(STATUS_TITLES),
        "coverage_status": _label(COVERAGE_STATUS),
        "text_source": _label(TEXT_SOURCES),
    }
    env.filters.update({name: _per_request(function) for name, function in per_request.items()})
