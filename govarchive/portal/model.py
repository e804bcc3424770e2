"""Records of the simulated portal: what a world serves and what a crawler should find there.

Public records (``Family``, ``ExpectedReport``, ``ExpectedAttachment``, ``NonReport``,
``RequestRecord``) are frozen snapshots handed to tests; ``Item`` and ``AttachmentSpec`` are the
mutable internal state of one world.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ItemKind = Literal["report", "non_report"]
RemovalMode = Literal["404", "soft404", "410"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class Family:
    """One simulated portal (a CMS template family) served under ``/<name>/`` of a world."""

    name: str  # "trs", "hanweb", "ucap", "table", "jsonlist", "challenge"
    title: str  # the site name, e.g. 重庆市江北区人民政府
    list_url: str  # absolute URL of the report column's first list page
    home_url: str
    template: str  # CMS family of the markup: trs | hanweb | ucap | table | jsonlist
    region: str  # e.g. 重庆市江北区
    level: str  # central | province | prefecture | city | county | district
    encoding: str  # charset the pages are served in ("gbk" or "utf-8")
    site_domain: str  # the real portal's domain, as in <meta name="SiteDomain">
    site_id_code: str
    column: str  # column name of the report list
    needs_js: bool = False  # the list is filled by JavaScript
    challenge: bool = False  # pages answer 412 until a JS-computed cookie is sent
    search_url: str | None = None  # site search endpoint (query parameter ``searchword``)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ExpectedAttachment:
    """A file linked from a report page, with the text a correct extractor gets out of it.

    PDF and DOCX files hold the report title as their first line, then the paragraphs; their
    ``text`` is those lines joined by ``\n`` (compare PDF text whitespace-insensitively).
    """

    url: str
    name: str  # link text / file name with extension
    type: str  # "pdf" | "docx" | "doc" | "wps"
    text: str | None  # None for opaque formats (doc, wps)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ExpectedReport:
    """Ground truth for one report page, as an ideal crawler + extractor would archive it.

    ``text`` is the body of the page only: paragraphs (or ``<br>`` lines) joined by ``\\n``,
    each stripped, without the page title heading, metadata table, attachment links or chrome.
    When ``text_in_attachment`` is true the HTML holds only a short 印发通知 stub (that is
    ``text``) and the full report is the text of ``attachments[0]``.
    """

    family: str
    url: str
    title: str
    publisher: str
    pub_date: dt.date
    report_year: int
    text: str
    attachments: tuple[ExpectedAttachment, ...] = ()
    doc_no: str | None = None
    index_no: str | None = None
    written_date: dt.date | None = None
    validity: str | None = None
    site_name: str | None = None
    column: str | None = None
    seed: str | None = None  # the seed file the text comes from verbatim, if any
    text_in_attachment: bool = False

    @property
    def full_text(self) -> str:
        """The report's full text: the attachment's for stub pages, else ``text``."""
        if self.text_in_attachment and self.attachments and self.attachments[0].text:
            return self.attachments[0].text
        return self.text

    def to_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True, slots=True)
class NonReport:
    """An item in a report column that must not be archived as a report."""

    family: str
    url: str
    title: str
    category: str  # gov_info_annual | interpretation | notice | news
    pub_date: dt.date

    def to_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as a world saw it."""

    time: float
    method: str
    path: str  # path and query relative to the world's base URL
    status: int
    family: str | None
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str | None
    cookie_present: bool
    challenge_passed: bool | None  # None outside the challenge family

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class AttachmentSpec:
    """A file served next to an item; its bytes are rendered on demand."""

    path: str  # world-relative path (with query for download scripts)
    name: str
    type: str
    title: str
    paragraphs: tuple[str, ...]  # content of pdf/docx (title first); empty for opaque files
    opaque_seed: str = ""  # makes opaque files differ

    @property
    def text(self) -> str | None:
        return "\n".join(self.paragraphs) if self.type in ("pdf", "docx") else None


@dataclass(slots=True)
class Item:
    """One article of a world: a report or a non-report item, with its mutable state."""

    key: str
    family: str
    kind: ItemKind
    category: str  # "report" | "stub" | gov_info_annual | interpretation | notice | news
    title: str
    publisher: str
    pub_date: dt.date
    paragraphs: tuple[str, ...]
    article_id: int
    report_year: int | None = None
    doc_no: str | None = None
    index_no: str | None = None
    written_date: dt.date | None = None
    validity: str | None = None
    seed: str | None = None
    path: str = ""
    attachments: list[AttachmentSpec] = field(default_factory=list)
    order: int = 0  # list position key, larger first
    removed: RemovalMode | None = None
    modified: dt.datetime = field(default_factory=lambda: dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    chrome_rev: int = 0
    text_rev: int = 0
    views: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def text_in_attachment(self) -> bool:
        return self.category == "stub"
