"""The contract of a discovery family, and of the listing it takes part in.

A family is one way a portal lists its reports (a list page, its pagination, Hanweb jpage POSTs,
JSON read by scripts, a sitemap, the site search, a home page's columns). The spider's listing
state machine makes one instance of each registered family per listing and asks it, in
registry order:

- ``start()``: requests when the listing begins (a sitemap, a home page);
- ``claims(page)`` / ``follow(page)``: detection and following — whether a list page just read
  holds something of this family's, and the requests (or report items) it yields from it;
- ``parse(response)`` / ``failed(request, failure)``: the answers to the requests of its own
  ``kind`` (the ``govarchive_kind`` meta key), and their failures;
- ``extend()``: when nothing is pending, more requests before the listing may end (seek the
  home page again, ask the site search);
- ``close()``: once the listing has ended, its last requests or items.

Counting: every listing request adds one to the listing's pending count, and one to its list
pages (capped by ``CrawlConfig.max_list_pages``) when its family ``counts_as_list_page``; an
answer read through :meth:`ListingWalk.listing_answer` (or a failure) takes the pending one back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from scrapy.exceptions import IgnoreRequest

from crawler.discovery.pagination import list_pages

if TYPE_CHECKING:
    from scrapy.http import Request, Response
    from twisted.python.failure import Failure

    from crawler.columns import ColumnMemory, RememberedColumns
    from crawler.discovery.links import Link


class ListedSource(Protocol):
    """What discovery needs of a source definition."""

    name: str
    render: str  # never / auto / always
    search: str  # never / auto / always

    def title_matches(self, title: str) -> bool: ...


class ListingWalk(Protocol):
    """The listing a family takes part in: its shared state and the requests it can make (the spider)."""

    source: ListedSource
    allowed_domains: list[str]
    max_list_pages: int
    max_seek_pages: int
    seek_depth: int
    memory: ColumnMemory | None
    starts: list[str]  # list pages to walk: given, or found from the home page
    home_urls: list[str]
    base_starts: list[str]
    columns: dict[str, int]  # report column found from the home page → reports it listed
    remembered: RememberedColumns
    search_url: str | None
    search_forms: list[str]  # site-search URLs found on the pages read
    sitemap_seen: bool
    list_seen: set[str]
    list_pending: int
    listing_ok: bool
    listed: dict[str, str]  # report URL → listed title
    link_seen: set[str]
    link_titles: dict[str, str]

    @property
    def check_only(self) -> bool: ...
    def inc(self, key: str, count: int = 1) -> None: ...
    def set_stat(self, key: str, value: Any) -> None: ...
    def get_stat(self, key: str) -> Any: ...
    def listing_request(self, url: str, *, kind: str, depth: int, formdata: dict[str, str] | None = None,
                        origin: str | None = None) -> Request | None: ...
    def list_request(self, url: str, depth: int) -> Request | None: ...
    def column_request(self, url: str) -> Request | None: ...
    def listing_answer(self, response: Response) -> str | None: ...
    def listing_failure(self, url: str, reason: str) -> None: ...
    def read_list(self, response: Response, text: str) -> Iterator[Any]: ...
    def note_links(self, links: Iterable[Link]) -> None: ...
    def report_links(self, links: Iterable[Link]) -> tuple[int, list[Any]]: ...
    def report_request(self, url: str, title: str, *, reason: str) -> Any: ...
    def browser_list_request(self, request: Request) -> Request: ...


@dataclass
class ListPage:
    """A list page as read: its links, those new to this listing, and how many name a report."""

    response: Response
    text: str
    url: str  # canonical
    depth: int
    kind: str  # the family kind that asked for it: list or search
    links: list[Link]
    limit: int  # CrawlConfig.max_list_pages
    new_links: list[Link] = field(default_factory=list)
    matched: int = 0

    @cached_property
    def pages(self) -> list[str]:
        """The further pages of this list (numbered, next, TRS script, query pages)."""
        return list_pages(self.text, self.url, self.links, self.limit)


class DiscoveryFamily:
    """Base of every family: every hook does nothing; a family overrides those it needs."""

    #: The ``govarchive_kind`` of the requests it makes and parses; None for a family that only
    #: follows list pages with requests of another family (pagination, sub-columns).
    kind: ClassVar[str | None] = None
    #: Its pages count against CrawlConfig.max_list_pages.
    counts_as_list_page: ClassVar[bool] = False
    #: Its URLs are checked for traps and against CrawlConfig.depth_limit.
    depth_limited: ClassVar[bool] = False
    #: Its pages go through the browser when the source says ``render = "always"``.
    browser: ClassVar[bool] = False
    #: A failed request is retried (a missing sitemap is not).
    retry: ClassVar[bool] = True
    #: Its answers are HTML pages (checked for anti-bot challenges by the render middleware).
    html: ClassVar[bool] = True

    def __init__(self, walk: ListingWalk) -> None:
        self.walk = walk

    def start(self) -> Iterable[Any]:
        return ()

    def claims(self, page: ListPage) -> bool:
        return False

    def follow(self, page: ListPage) -> Iterable[Any]:
        return ()

    def parse(self, response: Response) -> Iterable[Any]:
        return ()

    def failed(self, request: Request, failure: Failure) -> Iterable[Any]:
        """A failed request of this family: the listing is incomplete (robots.txt named)."""
        forbidden = failure.check(IgnoreRequest)
        if forbidden:
            self.walk.inc("robots/forbidden_list")
        self.walk.listing_failure(request.url, "forbidden by robots.txt" if forbidden else failure.getErrorMessage())
        return ()

    def extend(self) -> list[Any]:
        return []

    def close(self) -> Iterable[Any]:
        return ()
