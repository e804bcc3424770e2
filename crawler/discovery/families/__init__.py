"""Discovery families: one module per way a portal lists its reports, one registry.

The spider's listing state machine (``spiders/listing.py``) makes one instance of each family
below per listing and consults them in this order (see :mod:`.base` for the hooks). A new family
is one module with a :class:`~.base.DiscoveryFamily` subclass, one :func:`register_family` call,
and its test — the spider is not edited.

==============  ==============  ===================================================
family          kind            what it does
==============  ==============  ===================================================
list page       ``list``        start pages and columns, read for report links
pagination      (list)          numbered/next/TRS script/query pages of a list
sub-columns     (list)          columns linked from a list page
Hanweb          ``hanweb``      jpage lists POSTed from ``dataproxy.jsp``
home page       ``seek``        the report column sought from the home page, remembered
site search     ``search``      the portal's search, asked once when nothing was listed
script lists    ``json``        JSON that a JS-only list loads, else the browser
sitemap         ``sitemap``     pages under the columns that the listing did not show
==============  ==============  ===================================================
"""

from __future__ import annotations

from .base import DiscoveryFamily, ListedSource, ListingWalk, ListPage
from .hanweb import HanwebFamily
from .home import HomePageFamily
from .listpage import ListPageFamily
from .pagination import PaginationFamily
from .scripts import ScriptListFamily
from .search import SearchFamily
from .sitemap import SitemapFamily
from .subcolumns import SubColumnFamily

_FAMILIES: list[type[DiscoveryFamily]] = [
    ListPageFamily, PaginationFamily, SubColumnFamily, HanwebFamily, HomePageFamily, SearchFamily,
    ScriptListFamily, SitemapFamily,
]


def register_family(family: type[DiscoveryFamily], *, before: type[DiscoveryFamily] | None = None) -> None:
    """Add ``family`` to the registry (at the end, or before another family); its kind must be new."""
    if family.kind is not None and any(f.kind == family.kind for f in _FAMILIES if f is not family):
        raise ValueError(f"a discovery family of kind {family.kind!r} is registered already")
    if family in _FAMILIES:
        _FAMILIES.remove(family)
    _FAMILIES.insert(_FAMILIES.index(before) if before is not None else len(_FAMILIES), family)


def unregister_family(family: type[DiscoveryFamily]) -> None:
    """Remove ``family`` from the registry (a test's toy family)."""
    if family in _FAMILIES:
        _FAMILIES.remove(family)


def family_classes() -> tuple[type[DiscoveryFamily], ...]:
    """The registered families, in the order the listing consults them."""
    return tuple(_FAMILIES)


def listing_kinds() -> frozenset[str]:
    """The request kinds of the registered families (``govarchive_kind`` of every listing request)."""
    return frozenset(f.kind for f in _FAMILIES if f.kind is not None)


def html_kinds() -> frozenset[str]:
    """The listing kinds whose answers are HTML pages."""
    return frozenset(f.kind for f in _FAMILIES if f.kind is not None and f.html)


__all__ = [
    "DiscoveryFamily", "HanwebFamily", "HomePageFamily", "ListPage", "ListPageFamily", "ListedSource", "ListingWalk",
    "PaginationFamily", "ScriptListFamily", "SearchFamily", "SitemapFamily", "SubColumnFamily", "family_classes",
    "html_kinds", "listing_kinds", "register_family", "unregister_family",
]
