"""Markup of the simulated portals, one module per CMS family."""

from __future__ import annotations

from govarchive.portal.render.base import Request, Response, Site
from govarchive.portal.render.challenge import ChallengeGate, ChallengeSite
from govarchive.portal.render.hanweb import HanwebSite
from govarchive.portal.render.jsonlist import JsonListSite
from govarchive.portal.render.table import TableSite
from govarchive.portal.render.trs import TrsSite
from govarchive.portal.render.ucap import UcapSite

SITE_CLASSES: dict[str, type[Site]] = {
    "trs": TrsSite,
    "hanweb": HanwebSite,
    "ucap": UcapSite,
    "table": TableSite,
    "jsonlist": JsonListSite,
    "challenge": ChallengeSite,
}

__all__ = ["SITE_CLASSES", "ChallengeGate", "Request", "Response", "Site"]
