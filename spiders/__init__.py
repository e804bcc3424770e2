"""Spiders and the source definitions they crawl (``sources.py``, shipped ones in ``builtin/``).

Spiders parse and yield items and requests; they never write to storage or the catalog.
"""
