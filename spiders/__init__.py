"""Spiders and the source definitions they crawl (``sources.py``, shipped ones in ``builtin/``).

Spiders parse and yield items and requests; they never write to storage or the catalog. Imports
``crawler`` and ``archive`` only; the launchers that run spiders live in ``govarchive.launch``.
The portal spider is ``portal.py`` (set-up) over ``listing.py`` (the listing state machine over the
discovery families of ``crawler.discovery.families``) and ``reports.py`` (report pages).
"""
